"""One settings tree, read once from a TOML file in the user config dir and validated."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._compat import tomllib
from .errors import ConfigError
from .hearing.names import EMBEDDED_WHISPER, EngineName, VoskDecoding

APP = "voiceguide"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpeechSettings(_Model):
    voice: str | None = None
    """pyttsx3 voice id or espeak-ng voice name (e.g. "en-us", "en+f3"); None = default."""
    rate: int = Field(default=150, ge=60, le=300)
    """Words per minute before a script's own rate factor (espeak's default is 175)."""
    volume: float = Field(default=0.9, ge=0.05, le=1.0)
    device: str | None = None
    """Output device name or index (see `voiceguide devices`); None = the system default."""
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
    engine: EngineName = "auto"
    """auto (Whisper for English, falling back to Vosk with an English model, then
    PocketSphinx), or one of whisper, vosk, pocketsphinx."""
    whisper_model: str = EMBEDDED_WHISPER
    """Whisper model: "tiny.en" (built in), "base.en" / "small.en" once downloaded with
    `voiceguide model download NAME`, or a CTranslate2 Whisper model folder."""
    whisper_beam_size: int = Field(default=1, ge=1, le=5)
    """Whisper beam width: 1 (greedy) is fastest; wider costs CPU for little gain on cues."""
    whisper_prompt: str = ""
    """Text given to Whisper as what came before each utterance ("" for none)."""
    model: Path | None = None
    """A Vosk model folder; None = discover (the user data dir, then models/ in a checkout)."""
    vosk_mode: VoskDecoding = "open"
    """Vosk decoding: "open" (the model's own vocabulary; the router closes the set) or
    "grammar" (only the cue phrases, plus [unk])."""
    device: str | None = None
    """Input device name or index; None = the system default."""
    holdoff: float = Field(default=0.8, ge=0, le=5)
    """Seconds after playback really ends during which only stop and safety count."""
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
    max_lag: float = Field(default=1.5, ge=0.3, le=30)
    """Seconds of audio waiting to be heard beyond which the listener is behind: what is
    said then is heard in one merged pass for safety only, until it has caught up."""
    log_transcripts: bool = False
    """Print what was heard even when it routed to nothing (off: nothing is logged)."""


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
    return Path(platformdirs.user_data_dir(APP))


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
