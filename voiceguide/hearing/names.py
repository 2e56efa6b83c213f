"""Engine and model names, in one place that config, CLI and the registry all read.

Kept free of imports so that the settings module can use it without loading any engine.
"""

from __future__ import annotations

from typing import Literal

ENGINE_NAMES: tuple[str, ...] = ("whisper", "vosk", "pocketsphinx")
"""Every engine, in the order auto tries them for English."""
EngineName = Literal["auto", "whisper", "vosk", "pocketsphinx"]
VoskDecoding = Literal["open", "grammar"]
EMBEDDED_WHISPER = "tiny.en"
"""The Whisper model that ships with voiceguide (no download)."""
AUTO_WHISPER = "auto"
"""The largest installed Whisper model that decodes a cue within the latency budget here."""
