"""Clocks: the real one, and a virtual one so sessions and renders run instantly."""

from __future__ import annotations

import queue
import time
from datetime import datetime, timedelta
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Wall-clock time (for return times said aloud)."""

    def monotonic(self) -> float:
        """Seconds, for measuring how long speech took."""

    def wait(self, events: queue.Queue, seconds: float | None) -> Any | None:
        """The next event, or None once ``seconds`` have passed (None = wait for ever)."""

    @property
    def skips_silence(self) -> bool:
        """True: a script's silences take no time (printing on the real clock); timers and
        offers still wait in real time."""


class SystemClock:
    skips_silence = False

    def now(self) -> datetime:
        return datetime.now().astimezone()

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, events: queue.Queue, seconds: float | None) -> Any | None:
        try:
            return events.get(timeout=None if seconds is None else max(0.0, seconds))
        except queue.Empty:
            return None


class PrintClock(SystemClock):
    """The real clock for printed answers typed in (`listen --text --print`): the lines
    come at once, without their silences, but a pause lasts as long as it says and an
    offer waits for its answer as it would when spoken."""

    skips_silence = True


class VirtualClock:
    """Time that moves only when waited on: queued events arrive at once, silence is free."""

    skips_silence = False

    def __init__(self, start: datetime | None = None):
        self._start = start or datetime(2026, 11, 21, 19, 0).astimezone()
        self.elapsed = 0.0

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.elapsed)

    def monotonic(self) -> float:
        return self.elapsed

    def advance(self, seconds: float) -> None:
        self.elapsed += max(0.0, seconds)

    def wait(self, events: queue.Queue, seconds: float | None) -> Any | None:
        try:
            return events.get_nowait()
        except queue.Empty:
            if seconds is None:
                return events.get()
            self.advance(seconds)
            return None
