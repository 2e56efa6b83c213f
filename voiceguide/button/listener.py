"""The button beside the microphone: a source's edges -> presses -> cues for the runner.

Two threads: the source's (reading the device, reopening it when lost) and this one's
(deciding presses, which needs the time even when nothing happens: a long hold, the end
of a double-press window). Each press is submitted ``at_once``: what is playing stops,
then the press's cue is handled, whatever the device was saying.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

from ..router import IntentMatch
from .cues import PressCues
from .presses import ButtonPress, Edge, PressDecoder
from .source import ButtonSource

log = logging.getLogger(__name__)

Submit = Callable[..., None]
"""``Runner.submit(match, at_once=True)``."""
_POKE = object()
"""Wakes the deciding thread to look at the time again."""
_CLOSE = object()


class ButtonListener:
    def __init__(self, source: ButtonSource, cues: PressCues, submit: Submit,
                 decoder: PressDecoder | None = None,
                 on_press: Callable[[ButtonPress, IntentMatch], None] | None = None):
        self.source = source
        self.cues = cues
        self.submit = submit
        self.decoder = decoder or PressDecoder()
        self.on_press = on_press
        """Told of each press and the cue it gave (the CLI prints it)."""
        self.edges: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> "ButtonListener":
        self._threads = [
            threading.Thread(target=self.source.run, args=(self.edges.put, self._stop),
                             name="button-source", daemon=True),
            threading.Thread(target=self._decide, name="button", daemon=True)]
        for thread in self._threads:
            thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self.edges.put(_CLOSE)
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> "ButtonListener":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def tap(self) -> None:
        """A press with no length (Enter on an empty line in `listen --text`)."""
        now = self.source.clock()
        self.edges.put(Edge(True, now))
        self.edges.put(Edge(False, now))

    def flush(self, timeout: float = 5.0) -> None:
        """Decide a press still waiting for its double-press window now (input has ended,
        so no second press is coming), and return once its cue is submitted."""
        done = threading.Event()
        self.edges.put(done)
        done.wait(timeout)

    def poke(self) -> None:
        """Look at the clock again now (a test's clock moved)."""
        self.edges.put(_POKE)

    def _decide(self) -> None:
        decoder = self.decoder
        while True:
            deadline = decoder.deadline
            timeout = None if deadline is None else max(0.0, deadline - self.source.clock())
            try:
                item = self.edges.get(timeout=timeout)
            except queue.Empty:
                item = _POKE
            if item is _CLOSE:
                return
            if isinstance(item, Edge):
                presses = decoder.edge(item)
            elif isinstance(item, threading.Event):  # flush: the window ends now
                presses = decoder.due(max(self.source.clock(), decoder.deadline or 0.0))
            else:
                presses = decoder.due(self.source.clock())
            for press in presses:
                self._press(press)
            if isinstance(item, threading.Event):
                item.set()

    def _press(self, press: ButtonPress) -> None:
        match = self.cues.cue(press)
        log.debug("button: %s press -> %s", press.kind, match.intent)
        if self.on_press:
            self.on_press(press, match)
        self.submit(match, at_once=True)
