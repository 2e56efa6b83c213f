"""One engine registry: what each engine is, how it is built, and which one auto picks.

Config (``listen.engine``), the CLI (``--engine``), ``doctor`` and engine selection all
read :data:`ENGINES`. :func:`choose_engine` returns the engine together with one line
that says which engine and model are in use and why; the CLI prints it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..config import Settings
from ..errors import EngineUnavailable, ModelNotFound
from ..router import Router
from .engine import Engine
from .names import ENGINE_NAMES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineChoice:
    engine: Engine
    reason: str
    """Why this engine: "the default English engine", "asked for with --engine", ..."""

    @property
    def line(self) -> str:
        return f"{self.engine.description}: {self.reason}"


def _whisper(model: str | Path | None, settings: Settings, router: Router) -> Engine:
    from .catalog import find_whisper_model
    from .whisper_engine import WhisperEngine, WhisperOptions

    found = find_whisper_model(model, settings)
    listen = settings.listen
    prompt = listen.whisper_prompt or None
    return WhisperEngine(found.path, found.sha256, found.label,
                         WhisperOptions(beam_size=listen.whisper_beam_size,
                                        initial_prompt=prompt))


def _vosk(model: str | Path | None, settings: Settings, router: Router) -> Engine:
    from .models import find_vosk_model, phrase_modes, search_dirs
    from .vosk_engine import VoskEngine

    path = find_vosk_model(model, settings)
    if path is None:
        raise ModelNotFound("no Vosk model found (looked in: " + ", ".join(
            str(d) for d in search_dirs(settings)) + "); run `voiceguide model download "
            "vosk-model-small-en-us-0.15` or use another engine")
    return VoskEngine(path, phrase_modes(router), decoding=settings.listen.vosk_mode)


def _sphinx(model: str | Path | None, settings: Settings, router: Router) -> Engine:
    from .models import phrase_modes
    from .sphinx_engine import SphinxEngine

    listen = settings.listen
    return SphinxEngine(phrase_modes(router), max_phone_distance=listen.max_phone_distance,
                        min_coverage=listen.min_coverage,
                        safety_phrases=router.phrases(["safety"]),
                        safety_max_phone_distance=listen.safety_max_phone_distance)


@dataclass(frozen=True)
class EngineInfo:
    name: str
    about: str
    build: Callable[[str | Path | None, Settings, Router], Engine]


ENGINES: dict[str, EngineInfo] = {e.name: e for e in (
    EngineInfo("whisper", "Whisper (faster-whisper / CTranslate2): open vocabulary, natural "
               "voices in noise; tiny.en is built in", _whisper),
    EngineInfo("vosk", "Vosk: streaming and light, needs an English model "
               "(`voiceguide model download vosk-model-small-en-us-0.15`)", _vosk),
    EngineInfo("pocketsphinx", "PocketSphinx: the lightest, cue grammar only, weak on "
               "natural voices and in noise", _sphinx),
)}
assert tuple(ENGINES) == ENGINE_NAMES


def choose_engine(name: str | None, model: str | Path | None, settings: Settings,
                  router: Router) -> EngineChoice:
    """The engine asked for (``--engine``, else ``listen.engine``), or for ``auto`` the
    first of whisper, vosk (when an English model is installed), pocketsphinx that loads.
    ``model`` (``--model``) is a model name or folder for the chosen engine."""
    asked = name or settings.listen.engine
    source = "--engine" if name else "listen.engine"
    if asked != "auto":
        if asked not in ENGINES:
            raise EngineUnavailable(f"unknown engine {asked!r}; choose one of auto, "
                                    + ", ".join(ENGINES))
        return EngineChoice(ENGINES[asked].build(model, settings, router),
                            f"chosen by {source}")
    from .models import find_vosk_model
    from .vosk_engine import is_vosk_model

    # --model names a model of one engine: a Vosk folder goes to Vosk (tried first).
    vosk_folder = model is not None and is_vosk_model(Path(model).expanduser())
    order = ("vosk", "whisper", "pocketsphinx") if vosk_folder else ENGINE_NAMES
    skipped: list[str] = []
    for engine_name in order:
        fits = model if (engine_name == "vosk") == vosk_folder else None
        if engine_name == "vosk":
            try:
                if find_vosk_model(fits, settings, english_only=fits is None) is None:
                    continue  # not installed: nothing to say
            except ModelNotFound as exc:
                skipped.append(f"vosk: {exc}")
                continue
        try:
            engine = ENGINES[engine_name].build(fits, settings, router)
        except (EngineUnavailable, ModelNotFound) as exc:
            skipped.append(f"{engine_name}: {exc}")
            log.warning("not using %s: %s", engine_name, exc)
            continue
        if not skipped:
            reason = ("the default English engine" if engine_name == "whisper"
                      else f"auto: {engine_name}")
        else:
            reason = "auto, falling back: " + "; ".join(skipped)
        return EngineChoice(engine, reason)
    raise EngineUnavailable("no speech engine could start: " + "; ".join(skipped))
