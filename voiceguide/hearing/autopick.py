"""``listen.whisper_model = "auto"``: the largest installed Whisper model this CPU can afford.

The budget is the one a user feels: from the end of speech to the decision, at most
:data:`BUDGET_S`. ``end_silence`` of it passes whatever the CPU does (the silence that tells
an utterance has ended), so a model may take what is left, less a margin for the frame in
flight, to decode a cue. Each candidate's decode time is measured once on this machine (a
few decodes of a cue-length clip after a warm-up) and kept in the user data dir, keyed by
the model and the CPU, so start-up pays for it only the first time. Candidates, largest
first: Whisper base from PyPI (``voiceguide[base]``), then the built-in tiny.en, which is
always taken when nothing larger fits (a Raspberry Pi 4).
"""

from __future__ import annotations

import json
import logging
import os
import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import data_dir

log = logging.getLogger(__name__)

BUDGET_S = 0.5
"""End of speech -> decision, p95 (issue 15)."""
MARGIN_S = 0.05
"""The frame in flight and the router, taken off what a decode may use."""
PROBE_SECONDS = 2.5
"""A cue's length: what one decode is measured on (padded to the engine's window)."""


@dataclass(frozen=True)
class Pick:
    model: str
    """A name for :func:`.catalog.find_whisper_model` ("base", "tiny.en")."""
    reason: str
    """One line: what was measured and why this model."""


def decode_budget(end_silence: float) -> float:
    return BUDGET_S - end_silence - MARGIN_S


def cpu_signature() -> str:
    """The CPU, as far as a decode's speed goes: model name, cores, machine."""
    name = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name or 'unknown cpu'} x{os.cpu_count()} {platform.machine()}"


def measure_decode(engine, repeats: int = 3) -> float:
    """Median wall seconds ``engine`` takes to decode a cue-length clip (after a warm-up).
    The clip is low noise with a voiced burst, so the decoder runs a few steps too."""
    rng = np.random.default_rng(7)
    n = int(PROBE_SECONDS * 16000)
    t = np.arange(n) / 16000
    clip = (0.01 * rng.standard_normal(n)
            + 0.2 * np.sin(2 * np.pi * 180 * t) * (np.sin(2 * np.pi * 3 * t) > 0)).astype(
        np.float32)
    engine.transcribe(clip)  # warm-up: the first call allocates
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        engine.transcribe(clip)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class SpeedCache:
    """Measured decode seconds per (model sha256, CPU), in a small JSON file."""

    def __init__(self, path: Path | None = None):
        self.path = path or data_dir() / "whisper-speed.json"

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text("utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def get(self, sha256: str, cpu: str) -> float | None:
        value = self._read().get(f"{sha256[:16]} {cpu}")
        return float(value) if isinstance(value, (int, float)) else None

    def put(self, sha256: str, cpu: str, seconds: float) -> None:
        data = self._read()
        data[f"{sha256[:16]} {cpu}"] = round(seconds, 4)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1) + "\n", "utf-8")
            tmp.replace(self.path)
        except OSError as exc:  # a read-only data dir: measure again next start
            log.warning("cannot keep the measured Whisper speed in %s (%s)", self.path, exc)


def pick_whisper_model(end_silence: float, cache: SpeedCache | None = None,
                       measure=measure_decode) -> Pick:
    """base when it is installed and decodes a cue within the budget here, else tiny.en."""
    from ..errors import ModelNotFound
    from .catalog import models_dir
    from .names import EMBEDDED_WHISPER
    from .packaged import BASE_SHA256, INSTALL_HINT, base_installed, base_model_dir

    budget = decode_budget(end_silence)
    if not base_installed():
        return Pick(EMBEDDED_WHISPER, f"auto: Whisper base is not installed ({INSTALL_HINT})")
    cache = cache or SpeedCache()
    cpu = cpu_signature()
    seconds = cache.get(BASE_SHA256, cpu)
    if seconds is None:
        from .whisper_engine import WhisperEngine

        try:
            engine = WhisperEngine(base_model_dir(models_dir()), BASE_SHA256, "base")
        except ModelNotFound as exc:
            return Pick(EMBEDDED_WHISPER, f"auto: Whisper base does not load ({exc})")
        seconds = measure(engine)
        cache.put(BASE_SHA256, cpu, seconds)
    ms, budget_ms = round(seconds * 1000), round(budget * 1000)
    if seconds <= budget:
        return Pick("base", f"auto: base decodes a cue in {ms} ms on this CPU, within "
                            f"{budget_ms} ms")
    return Pick(EMBEDDED_WHISPER, f"auto: base takes {ms} ms a cue on this CPU, over "
                                  f"{budget_ms} ms (the 500 ms budget less end_silence)")
