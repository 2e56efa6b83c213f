"""Wiring: settings in, the stages built and connected one way,
source -> recognizer -> router -> session -> speaker.

The CLI parses arguments into the small values here and prints what it is told; the
stages never see argparse's namespace, and nothing here prints.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from .clock import SystemClock, VirtualClock
from .config import Settings, config_path, load_settings, state_dir
from .helplines import notice
from .library import Library, load_library
from .router import IntentMatch, Router, default_router
from .runner import Runner
from .session import Session
from .speaker import AudioSpeaker, PlaybackMonitor, PrintSpeaker
from .state import FileStore, MemoryStore
from .state import first_run as is_first_run
from .voice import Voice, build_voice

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
    notify: Callable[[str], None] = log.warning
    """Where one-line notices about the device go (a voice failed, the first-run numbers)."""
    show: Callable[[str], None] = log.info
    """Where lines meant only for the screen go (numbers in discreet safety)."""
    first_run: Callable[[str], None] = log.warning
    """Where the first run's notice goes: which safety numbers are in use, how to change them."""

    @classmethod
    def load(cls, config: Path | None = None, **callbacks) -> "App":
        settings = load_settings(config)
        router = default_router(settings.router.language)
        library = load_library(settings.user_scripts_dir(), router)
        return cls(settings, router, library, list(library.problems), **callbacks)

    def renderer(self) -> Voice:
        return build_voice(self.settings.speech, notify=self.notify)

    def runner(self, printing: bool, bedside: bool = False, resume: bool = True,
               monitor: PlaybackMonitor | None = None) -> Runner:
        """session -> speaker, on the system clock (or printing, on a virtual one).

        ``resume``: pick up a pause saved by an earlier run (``listen``; one-shot commands
        do not, so they never wait for, or announce, another run's timer). ``monitor`` is
        told every sample the speaker plays (the echo canceller's reference)."""
        store = FileStore(state_dir())
        if is_first_run(store):
            s = self.settings.session
            self.first_run(notice(s.helplines(), s.country, config_path()))
        # Printing runs on virtual time: its return times are not real promises to keep.
        session = Session(self.library, self.settings.session, bedside=bedside,
                          store=MemoryStore() if printing else store, resume=resume)
        if printing:
            runner = Runner(session, PrintSpeaker(), VirtualClock(SystemClock().now()))
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
        return runner
