"""Wiring: settings in, the stages built and connected one way,
source -> recognizer -> router -> session -> speaker.

The CLI parses arguments into the small values here and prints what it is told; the
stages never see argparse's namespace, and nothing here prints.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

from .clock import PrintClock, SystemClock, VirtualClock
from .config import Settings, config_path, load_settings, state_dir
from .errors import ConfigError
from .helplines import notice, summary
from .library import Library, load_library
from .router import IntentMatch, Router, default_router
from .runner import Runner
from .session import Session
from .speaker import AudioSpeaker, PlaybackMonitor, PrintSpeaker
from .state import FileStore, MemoryStore
from .state import first_run as is_first_run
from .voice import Voice, build_voice

if TYPE_CHECKING:
    from .button.presses import ButtonPress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListenOptions:
    """What `voiceguide listen` was asked for, beyond the settings."""

    engine: str | None = None
    """An engine name, or None for the config's choice."""
    model: str | None = None
    """A model folder, or None to discover one."""
    device: int | str | None = None
    """An input device, or None for the config's (``listen.device``)."""
    printing: bool = False
    """Print the answers instead of speaking them."""
    bedside: bool = False
    """Use the night-time variants."""


class ListenEvents(Protocol):
    """What the listener reports while it runs; the CLI shows it."""

    def listening(self, microphone: str, engine: str) -> None:
        """Ready: hearing from ``microphone`` with ``engine``."""

    def heard(self, match: IntentMatch, words: str | None) -> None:
        """A cue acted on; ``words`` only when ``listen.log_transcripts`` is on."""

    def ignored(self, words: str, reason: str) -> None:
        """An utterance not acted on (only reported when ``log_transcripts`` is on)."""

    def pressed(self, press: "ButtonPress", match: IntentMatch) -> None:
        """A button press and the cue it gave."""

    def status(self, line: str) -> None:
        """Something about the device itself, e.g. the microphone was lost or is back."""


@dataclass
class App:
    settings: Settings
    router: Router
    library: Library
    problems: list[str] = field(default_factory=list)
    """User script files that were skipped, one line each."""
    prepare_all: bool = False
    """Render every fixed line in the background once speaking starts (``listen``)."""
    on_runner: Callable[[Runner], None] | None = None
    """Called with each runner made (``listen`` hooks SIGHUP to it)."""
    notify: Callable[[str], None] = log.warning
    """Where one-line notices about the device go (a voice failed, the first-run numbers)."""
    show: Callable[[str], None] = log.info
    """Where lines meant only for the screen go (numbers in discreet safety)."""
    first_run: Callable[[str], None] = log.warning
    """Where the first run's notice goes: which safety numbers are in use, how to change them."""
    config: Path | None = None
    """The config file named on the command line (None: $VOICEGUIDE_CONFIG or the default)."""
    _stamp: tuple | None = None
    screen: bool = True
    """Whether someone may watch the screen (the CLI: output is a terminal, not a service);
    with ``session.discreet_numbers = "auto"``, discreet safety shows its numbers only then."""

    @classmethod
    def load(cls, config: Path | None = None, **callbacks) -> "App":
        stamp = _stamp(config or config_path())
        settings = load_settings(config)
        router = default_router(settings.router.language)
        library = load_library(settings.user_scripts_dir(), router)
        return cls(settings, router, library, list(library.problems), config=config,
                   _stamp=stamp, **callbacks)

    @property
    def config_file(self) -> Path:
        """The config file in use (it may be absent: the default place, defaults)."""
        return (self.config or config_path()).expanduser()

    def numbers_line(self) -> str:
        """The country and the three numbers, and where they come from, in one line."""
        s = self.settings.session
        where = self.config_file if self.config_file.exists() else "the defaults"
        return f"{summary(s.helplines(), s.country)} (from {where})"

    def reload(self, session: Session, force: bool = False) -> bool:
        """Re-read the config file if it changed (or ``force``): the session settings,
        safety numbers first, apply from the next line on, and one line says which numbers
        are now in use. A broken file is reported and the settings in use are kept. Speech,
        listen and router settings apply at the next start."""
        stamp = _stamp(self.config_file)
        if stamp == self._stamp and not force:
            return False
        self._stamp = stamp
        try:
            settings = load_settings(self.config)
        except ConfigError as exc:
            self.notify(f"config not reloaded, keeping the settings in use: {exc}")
            return False
        old, self.settings = self.settings, settings
        session.reconfigure(settings.session)
        later = [name for name in ("speech", "listen", "router", "user_scripts")
                 if getattr(old, name) != getattr(settings, name)]
        tail = f"; {', '.join(later)} settings apply at the next start" if later else ""
        self.notify(f"config reloaded: {self.numbers_line()}{tail}")
        return True

    def screen_watched(self) -> bool:
        """Whether discreet safety shows its numbers (else it says them, low and slow)."""
        how = self.settings.session.discreet_numbers
        return self.screen if how == "auto" else how == "screen"

    def renderer(self) -> Voice:
        return build_voice(self.settings.speech, notify=self.notify)

    def runner(self, printing: bool, bedside: bool = False, resume: bool = True,
               real_time: bool = False, monitor: PlaybackMonitor | None = None) -> Runner:
        """session -> speaker, on the system clock (or printing, on a virtual one, or with
        ``real_time`` on the real one without the silences: typed cues in `listen --text
        --print`, where a pause must last and an offer wait for its answer).

        ``resume``: pick up a pause saved by an earlier run (``listen``; one-shot commands
        do not, so they never wait for, or announce, another run's timer). ``monitor`` is
        told every sample the speaker plays (the echo canceller's reference)."""
        store = FileStore(state_dir())
        if is_first_run(store):
            s = self.settings.session
            self.first_run(notice(s.helplines(), s.country, self.config_file))
        # Printing runs on virtual time: its return times are not real promises to keep.
        session = Session(self.library, self.settings.session, bedside=bedside,
                          store=MemoryStore() if printing else store, resume=resume,
                          screen=self.screen_watched())
        if printing:
            clock = PrintClock() if real_time else VirtualClock(SystemClock().now())
            runner = Runner(session, PrintSpeaker(), clock)
        else:
            voice = self.renderer()
            voice.start()
            if self.prepare_all:
                from .voice.lines import fixed_lines, static_values

                voice.prepare_many(fixed_lines(self.library,
                                               static_values(self.settings.session)))
            speaker = AudioSpeaker(voice, self.settings.speech.volume,
                                   device=self.settings.speech.device, notify=self.notify,
                                   monitor=monitor)
            runner = Runner(session, speaker, SystemClock())
        runner.on_show = lambda shown: self.show(shown.text)
        runner.on_reload = lambda force: self.reload(session, force)
        if self.on_runner:
            self.on_runner(runner)
        return runner


def _stamp(path: Path) -> tuple | None:
    """What tells a changed config file: its modification time, size and inode."""
    try:
        st = path.expanduser().stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
