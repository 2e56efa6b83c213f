"""One settings tree, read once from a TOML file in the user config dir and validated."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ._compat import tomllib
from .errors import ConfigError

APP = "voiceguide"


def _device(value):
    """A device is a name or an index; "" (or a blank name) means the system default."""
    if isinstance(value, bool):
        raise ValueError("a device is a name or an index, not true/false")
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        if value.isdigit():
            return int(value)
    if isinstance(value, int) and value < 0:
        raise ValueError("a device index is 0 or more (see `voiceguide devices`)")
    return value


Device = Annotated[int | str | None, BeforeValidator(_device)]
"""An audio device: an index or a name (see `voiceguide devices`); None = the default."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpeechSettings(_Model):
    voice: str | None = None
    """pyttsx3 voice id or espeak-ng voice name (e.g. "en-us", "en+f3"); None = default."""
    rate: int = Field(default=150, ge=60, le=300)
    """Words per minute before a script's own rate factor (espeak's default is 175)."""
    volume: float = Field(default=0.9, ge=0.05, le=1.0)
    device: Device = None
    """Output device name or index (see `voiceguide devices`); None or "" = the default."""
    timeout: float = Field(default=15.0, gt=0, le=120)
    """Seconds to wait for one utterance to render before printing it instead."""


class SessionSettings(_Model):
    pause_minutes: int = Field(default=20, ge=1, le=24 * 60)
    """Default pause length; a cue such as "pause for half an hour" overrides it."""
    offer_timeout: float = Field(default=45.0, ge=5, le=600)
    """How long an offer ("start the timer?") waits for a yes or no."""
    distress_check: bool = False
    """Ask "how strong, zero to ten?" before and after grounding."""
    bedside: bool = False
    """Always use the night-time variants (slower, quieter, no closing question)."""
    emergency_number: str = Field(default="911", min_length=1, max_length=20)
    crisis_lines: list[str] = Field(
        default_factory=lambda: ["988, the Suicide and Crisis Lifeline, by call or text"])
    dv_line: str = "1 800 799 7233, the National Domestic Violence Hotline"
    """A domestic-violence line, said in the safety script for danger from someone."""
    clock_24h: bool = False
    """Say return times as 19:30 rather than 7:30."""


class ListenSettings(_Model):
    engine: Literal["auto", "vosk", "pocketsphinx"] = "auto"
    model: Path | None = None
    """A Vosk model folder; None = discover (models/ in the checkout, then the data dir)."""
    device: Device = None
    """Input device name or index; None or "" = the system default."""
    holdoff: float = Field(default=0.8, ge=0, le=5)
    """Seconds after playback really ends before cues are acted on again."""
    end_silence: float = Field(default=0.3, ge=0.1, le=2.0)
    """Seconds of silence that end an utterance (the decision is made then)."""
    max_phone_distance: float = Field(default=0.65, ge=0.1, le=3.0)
    """PocketSphinx: reject a cue whose phones differ more than this (per phone) from a
    free phone-loop decode of the same audio. Lower = fewer false triggers, more misses."""
    safety_max_phone_distance: float = Field(default=0.75, ge=0.1, le=3.0)
    """PocketSphinx: the same bar for safety phrases, looser on purpose: missing one costs
    more than a safety script heard in error."""
    min_coverage: float = Field(default=0.5, ge=0, le=1)
    """PocketSphinx: reject a cue whose words cover less than this share of the utterance."""
    noise_suppression: Literal["auto", "on", "off"] = "auto"
    """Speex noise suppression before decoding: auto = only when the room's noise floor is
    high (a fan, a dishwasher); in a quiet room it would only distort speech."""
    log_transcripts: bool = False
    """Print the words heard with each cue, and rejected utterances too (off: only the
    cue's name is printed; what was said is never logged or saved)."""
    reconnect_for: float = Field(default=60.0, ge=1, le=3600)
    """Seconds to keep reopening a lost microphone before exiting with an error (a
    service manager such as systemd then starts voiceguide again)."""


class Settings(_Model):
    speech: SpeechSettings = SpeechSettings()
    session: SessionSettings = SessionSettings()
    listen: ListenSettings = ListenSettings()
    user_scripts: Path | None = None
    """Folder of extra or overriding script files; None = <config dir>/scripts if it exists."""

    def user_scripts_dir(self) -> Path | None:
        if self.user_scripts is not None:
            return self.user_scripts.expanduser()
        default = config_dir() / "scripts"
        return default if default.is_dir() else None


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    """Models and voices (~/.local/share/voiceguide on Linux)."""
    return Path(platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    """Things that can be rebuilt, e.g. rendered speech (~/.cache/voiceguide on Linux)."""
    return Path(platformdirs.user_cache_dir(APP))


def state_dir() -> Path:
    """Run-time state kept between starts (~/.local/state/voiceguide on Linux); never what
    anyone said."""
    return Path(platformdirs.user_state_dir(APP))


def config_path() -> Path:
    env = os.environ.get("VOICEGUIDE_CONFIG")
    return Path(env).expanduser() if env else config_dir() / "config.toml"


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_path()
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix or delete the file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {loc}: {first['msg']}") from None
