"""What every button source is to the listener: a name, a clock, and a blocking
:meth:`ButtonSource.run` that hands over edges until told to stop, reopening a lost
device by itself with growing pauses (as :mod:`voiceguide.hearing.source` does for the
microphone, but without ever giving up: a missing button must not end listening)."""

from __future__ import annotations

import logging
import threading
from typing import Callable, Iterator, Protocol

from ..errors import VoiceguideError
from .presses import Edge

log = logging.getLogger(__name__)

Report = Callable[[str], None]
"""Where one-line notices about the device go (lost, back)."""


class ButtonUnavailable(VoiceguideError):
    """The button cannot be opened now (missing, unreadable, the library not installed);
    the message is the one line to show, with its fix."""


class ButtonSource(Protocol):
    name: str
    """What the start line calls it: the device's name and path, or the pin."""
    holds: bool
    """Whether a press has a length (a long press is possible)."""

    def clock(self) -> float:
        """Now, on the clock the edges are stamped with."""

    def run(self, put: Callable[[Edge], None], stop: threading.Event) -> None:
        """Hand each edge to ``put`` until ``stop`` is set."""


def backoff(first: float = 0.5, longest: float = 10.0) -> Iterator[float]:
    """Pauses between tries to open a missing button: 0.5, 1, 2, 4, 8, 10, 10 ... s."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, longest)


class Retrying:
    """Says the first problem since the device was last open (the tries after it only go
    to the debug log), and that the device is back: a button that stays unplugged is one
    line, not one a second."""

    def __init__(self, what: str, report: Report):
        self.what = what
        self.report = report
        self.failing = False
        self.pauses = backoff()

    def failed(self, why: str) -> None:
        if not self.failing:
            self.report(f"{why}; listening goes on without it, and it is tried again")
            self.failing = True
        log.debug("%s: %s", self.what, why)

    def opened(self) -> None:
        if self.failing:
            self.report(f"{self.what} is back")
        self.failing = False
        self.pauses = backoff()

    def wait(self, stop: threading.Event) -> None:
        stop.wait(next(self.pauses))
