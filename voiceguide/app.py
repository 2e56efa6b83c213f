"""Wiring: settings in, the stages built and connected one way,
source -> recognizer -> router -> session -> speaker.

The CLI parses arguments into the small values here and prints what it is told; the
stages never see argparse's namespace, and nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .clock import SystemClock, VirtualClock
from .config import Settings, load_settings
from .library import Library, load_library
from .router import IntentMatch, Router, default_router
from .runner import Runner
from .session import Session
from .speaker import AudioSpeaker, PrintSpeaker
from .tts import Pyttsx3Renderer


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

    @classmethod
    def load(cls, config: Path | None = None) -> "App":
        settings = load_settings(config)
        router = default_router()
        library = load_library(settings.user_scripts_dir(), router)
        return cls(settings, router, library, list(library.problems))

    def renderer(self) -> Pyttsx3Renderer:
        s = self.settings.speech
        return Pyttsx3Renderer(s.voice, s.rate, s.timeout)

    def runner(self, printing: bool, bedside: bool = False) -> Runner:
        """session -> speaker, on the system clock (or printing, on a virtual one)."""
        session = Session(self.library, self.settings.session, bedside=bedside)
        if printing:
            return Runner(session, PrintSpeaker(), VirtualClock(SystemClock().now()))
        speaker = AudioSpeaker(self.renderer(), self.settings.speech.volume,
                               device=self.settings.speech.device)
        return Runner(session, speaker, SystemClock())
