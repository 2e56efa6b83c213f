"""The runner: executes a session's actions with a real (or virtual) clock and speaker.

Inputs (typed lines, the recognizer) call :meth:`Runner.submit` from their own thread;
``stop`` and ``safety`` cut current speech off at once, everything else is handled
between utterances or during silences. Silences end early when the plan changes.
"""

from __future__ import annotations

import copy
import logging
import math
import queue
from datetime import datetime, timedelta
from typing import Callable

import numpy as np

from .clock import Clock, VirtualClock
from .router import IntentMatch
from .session import Session, Show, Silence, Speak
from .speaker import RenderSpeaker, Speaker

log = logging.getLogger(__name__)

CLOSE = object()
"""Put on the queue when input has ended: finish what is playing, then return."""
RELOAD = object()
"""Put on the queue to re-read the config now (SIGHUP)."""
INTERRUPTING = ("stop", "safety")


class Runner:
    def __init__(self, session: Session, speaker: Speaker, clock: Clock):
        self.session = session
        self.speaker = speaker
        self.clock = clock
        self.events: queue.Queue = queue.Queue()
        self.closing = False
        self.on_speak: Callable[[Speak], None] | None = None
        self.on_show: Callable[[Show], None] | None = None
        """Where lines meant for the screen only go (discreet safety's numbers)."""
        self.on_reload: Callable[[bool], None] | None = None
        """Called before each cue (False: re-read the config if its file changed) and on
        :data:`RELOAD` (True: re-read it now)."""

    def submit(self, match: IntentMatch, at_once: bool = False) -> None:
        """Thread-safe: hand a cue to the session. Stop and safety interrupt speech now,
        and so does any cue given ``at_once`` (a button press: stop, then its action)."""
        if at_once or match.intent in INTERRUPTING:
            self.speaker.stop()
        self.events.put(match)

    def close(self) -> None:
        self.events.put(CLOSE)

    def _handle(self, event) -> None:
        if event is CLOSE:
            self.closing = True
        elif event is RELOAD:
            if self.on_reload:
                self.on_reload(True)
        elif isinstance(event, IntentMatch):
            if self.on_reload:
                self.on_reload(False)
            self.session.handle(event, self.clock.now())

    def _drain(self) -> None:
        while True:
            try:
                self._handle(self.events.get_nowait())
            except queue.Empty:
                return

    def _sleep(self, seconds: float) -> None:
        """Keep silence for ``seconds``, handling cues; end early if the plan changes."""
        if self.clock.skips_silence:
            self._drain()
            return
        revision = self.session.revision
        deadline = self.clock.monotonic() + seconds
        while (left := deadline - self.clock.monotonic()) > 1e-6:
            event = self.clock.wait(self.events, left)
            if event is not None:
                self._handle(event)
                if self.session.revision != revision:
                    return

    def run(self, until: Callable[[], bool] | None = None) -> None:
        """Run until ``until()`` is true, or input has closed and nothing is left to do."""
        session = self.session
        while True:
            self._drain()
            if until and until():
                return
            action = session.next_action(self.clock.now())
            if isinstance(action, Speak):
                if self.on_speak:
                    self.on_speak(action)
                start = self.clock.monotonic()
                self._prepare_next()
                self.speaker.speak(action.text, action.rate, action.volume)
                rest = action.span - (self.clock.monotonic() - start)
                if rest > 0:
                    self._sleep(rest)
            elif isinstance(action, Silence):
                self._sleep(action.seconds)
            elif isinstance(action, Show):
                if self.on_show:
                    self.on_show(action)
            else:
                if self.closing:
                    session.drop_offer()  # nobody is left to answer it
                    if not session.pause:
                        return
                wait = session.next_wakeup(self.clock.now())
                event = self.clock.wait(self.events, wait)
                if event is not None:
                    self._handle(event)

    def _prepare_next(self) -> None:
        """Let the speaker render the line after this one while this one plays: ask a copy
        of the session (the real one must not move on) for its next words."""
        prepare = getattr(self.speaker, "prepare", None)
        if prepare is None:
            return
        try:
            shadow = copy.deepcopy(self.session, {id(self.session.library): self.session.library})
            for _ in range(8):
                action = shadow.next_action(self.clock.now())
                if action is None or isinstance(action, Speak):
                    break
        except Exception:  # only a hint: never let it disturb the session
            log.debug("no look-ahead", exc_info=True)
            return
        if isinstance(action, Speak):
            prepare(action.text, action.rate)


class RenderClock:
    """A clock for rendering: waiting appends silence to the speaker's buffer."""

    skips_silence = False

    def __init__(self, speaker: RenderSpeaker, start: datetime | None = None):
        self.start = VirtualClock(start).now()
        self.speaker = speaker

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.monotonic())

    def monotonic(self) -> float:
        return self.speaker.samples / self.speaker.rate

    def wait(self, events: queue.Queue, seconds: float | None) -> None:
        if seconds and seconds > 0:
            # ceil: a sub-sample remainder must still move time forward.
            self.speaker.add(np.zeros(math.ceil(seconds * self.speaker.rate), np.float32))
        return None
