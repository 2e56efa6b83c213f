"""Drive a Session on a virtual clock: cues in (real text through the router, or an
IntentMatch where the router does not give that slot yet), actions out, no waiting."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from voiceguide.clock import VirtualClock
from voiceguide.config import SessionSettings
from voiceguide.library import load_library
from voiceguide.router import IntentMatch, default_router
from voiceguide.session import Session, Show, Silence, Speak
from voiceguide.state import StateStore

HERE = Path(__file__).parent
LIB = load_library()
TEST_LIB = load_library(HERE / "session_scripts")
"""The built-ins plus fixtures: safety scripts per situation, a partner-away script, four
cycle variants."""
ROUTER = default_router()
START = datetime(2026, 11, 21, 19, 0).astimezone()
WORD_SECONDS = 0.4  # roughly how long a word takes to say, for advancing virtual time


class Harness:
    def __init__(self, bedside: bool = False, library=LIB, start: datetime = START,
                 store: StateStore | None = None, offers: bool = True, **settings):
        self.clock = VirtualClock(start)
        self.library = library
        self.session = Session(library, SessionSettings(**settings), bedside=bedside,
                               store=store, offers=offers)
        self.actions: list = []
        self.spoken: list[Speak] = []
        self.shown: list[Show] = []

    def cue(self, cue: str | IntentMatch) -> IntentMatch:
        match = ROUTER.route(cue) if isinstance(cue, str) else cue
        assert match is not None, cue
        self.session.handle(match, self.clock.now())
        return match

    def step(self):
        action = self.session.next_action(self.clock.now())
        if action is not None:
            self.actions.append(action)
        if isinstance(action, Speak):
            self.spoken.append(action)
            self.clock.advance(max(action.span, len(action.text.split()) * WORD_SECONDS))
        elif isinstance(action, Silence):
            self.clock.advance(action.seconds)
        elif isinstance(action, Show):
            self.shown.append(action)
        return action

    def play(self, limit: int = 2000) -> list[str]:
        """Run until idle; returns the texts spoken in this call (not the breath counts)."""
        start = len(self.spoken)
        for _ in range(limit):
            if self.step() is None:
                break
        return [s.text for s in self.spoken[start:] if not s.span]

    def wait(self, seconds: float) -> list[str]:
        """Let ``seconds`` pass in silence (timers come due), then play what follows."""
        self.clock.advance(seconds)
        return self.play()

    def text(self, prompt: str) -> str:
        return getattr(self.library.prompts, prompt)

    def script_of(self, said: list[str] | None = None):
        """The script the last spoken script line came from."""
        sid = next(s.script_id for s in reversed(self.spoken) if s.script_id)
        return self.library.get(sid)
