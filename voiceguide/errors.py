"""One error hierarchy. The library raises; only the CLI prints (one line) and exits."""

from __future__ import annotations


class VoiceguideError(Exception):
    """Base class: the message is one actionable line for the user."""

    exit_code = 1


class ConfigError(VoiceguideError):
    """The config file is unreadable or has an invalid value."""


class ScriptError(VoiceguideError):
    """A script file is broken (names the file and field)."""


class CueError(VoiceguideError):
    """The cue table (intent phrases) is inconsistent."""


class AudioFormatError(VoiceguideError):
    """A WAV file is corrupt, empty, not audio, or in a format we cannot read."""


class ModelNotFound(VoiceguideError):
    """No usable speech model at the given or discovered location."""


class EngineUnavailable(VoiceguideError):
    """A recognition engine's library is not installed or failed to start."""


class NoMicrophone(VoiceguideError):
    """No input device could be opened."""


class TTSError(VoiceguideError):
    """Text-to-speech failed or timed out."""


class DownloadError(VoiceguideError):
    """A model download failed (offline, bad archive, interrupted)."""


class AudioInputLost(NoMicrophone):
    """The microphone stopped and could not be opened again in time (a supervisor such as
    systemd restarts voiceguide on this non-zero exit)."""


class ModelError(VoiceguideError):
    """The router's intent model is missing, damaged, or cannot run on this machine."""
