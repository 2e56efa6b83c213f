"""The engines in one place, for code that imports them from here."""

from .engine import MODES, STOP_PHRASES, Engine, Mode, Transcript
from .sphinx_engine import SphinxEngine
from .vosk_engine import VoskEngine, is_vosk_model
from .whisper_engine import WhisperEngine, WhisperOptions

__all__ = ["MODES", "STOP_PHRASES", "Engine", "Mode", "Transcript", "SphinxEngine",
           "VoskEngine", "is_vosk_model", "WhisperEngine", "WhisperOptions"]
