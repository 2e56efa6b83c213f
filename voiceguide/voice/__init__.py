"""The voice: engines behind one small interface, a disk cache, a fallback chain.

* :mod:`.engine` - the ``Engine`` protocol every voice implements.
* :mod:`.piper` - Piper, the natural neural voice (default); :mod:`.download` more voices.
* :mod:`.espeak` / :mod:`.system` - the system voice (``speech.engine = "pyttsx3"``):
  espeak-ng on Linux, pyttsx3 (SAPI5, NSSS) elsewhere.
* :mod:`.cache` - rendered lines on disk; :mod:`.lines` - every line known ahead.
* :mod:`.chain` - :class:`Voice`: words for the ear, cache, timeouts, fallback, prepare.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .cache import DiskCache
from .chain import Line, Rendered, Voice
from .engine import Engine
from .espeak import EspeakEngine
from .piper import PiperEngine
from .system import Pyttsx3Engine

__all__ = ["DiskCache", "Engine", "EspeakEngine", "Line", "PiperEngine", "Pyttsx3Engine",
           "Rendered", "Voice", "build_voice", "cache_root", "system_engine"]


def system_engine(voice: str | None = None, pitch: float = 1.0) -> Engine:
    """The system's own voice: espeak-ng directly on Linux (a process per line), else
    pyttsx3 (SAPI5 on Windows, NSSS on macOS) in a worker process."""
    if sys.platform.startswith("linux") and shutil.which("espeak-ng"):
        return EspeakEngine(voice, pitch)
    return Pyttsx3Engine(voice, pitch)


def cache_root() -> Path:
    from ..config import cache_dir

    return cache_dir() / "voice"


def build_voice(speech, notify=None, root: Path | None = None) -> Voice:
    """The voice ``speech`` (a :class:`~voiceguide.config.SpeechSettings`) asks for:
    the chosen engine first, the other one as its fallback."""
    root = root or cache_root()
    piper = PiperEngine(speech.piper_voice, speech.pitch,
                        calibration_file=root / "calibration.json")
    system = system_engine(speech.voice, speech.pitch)
    engines = [piper, system] if speech.engine == "piper" else [system, piper]
    cache = DiskCache(root if speech.cache else None)
    return Voice(engines, speech.rate, speech.timeout, cache, notify)
