"""The voice the speaker uses: words for the ear, the disk cache, engines in order.

``render(text, rate)`` answers from the cache when it can (no model needed), else asks
the first engine and waits at most ``timeout`` seconds; a line that fails or is late is
asked of the next engine (the fallback), and only when every engine fails does it raise
:class:`TTSError` (the speaker then prints the line). A late render is not abandoned: it
finishes in the background and fills the cache. While an engine has a render (or its
model load) outstanding for longer than ``timeout`` it is skipped at once; as soon as that
finishes it is used again, so one slow line never turns the voice off for good.

``prepare(text, rate)`` renders ahead on a background thread of lower priority (the
runner calls it for the next line while this one plays; ``listen`` for every fixed line
at start-up).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from ..audio import Audio
from ..errors import TTSError
from ..spoken import for_the_ear
from .cache import DiskCache
from .engine import Engine
from .lane import LATER, NEXT, NOW, Lane, lower_priority

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Line:
    text: str
    rate: float = 1.0
    """Multiplier on the configured words per minute (a script's own rate)."""


@dataclass(frozen=True)
class Rendered:
    audio: Audio
    engine: str
    """Which engine's voice this is ("piper", "pyttsx3")."""
    cached: bool
    spoken: str
    """The words as sent to the engine (``for_the_ear`` of the text)."""


class Voice:
    def __init__(self, engines: Sequence[Engine], wpm: int = 140, timeout: float = 10.0,
                 cache: DiskCache | None = None,
                 notify: Callable[[str], None] | None = None):
        if not engines:
            raise ValueError("a voice needs at least one engine")
        self.wpm = wpm
        self.timeout = timeout
        self.cache = cache or DiskCache(None)
        self.lanes = [Lane(e, self.cache) for e in engines]
        self.notify = notify
        """Called with one line for people when the first engine fails (else: the log)."""
        self._down = False

    @property
    def engines(self) -> list[Engine]:
        return [lane.engine for lane in self.lanes]

    def describe(self) -> str:
        head = self.lanes[0].engine.describe()
        if len(self.lanes) > 1:
            head += "; fallback: " + ", ".join(l.engine.describe() for l in self.lanes[1:])
        return head

    def _notice(self, message: str) -> None:
        if self.notify:
            self.notify(message)
        else:
            log.warning("%s", message)

    def spoken(self, text: str, rate: float = 1.0) -> tuple[str, int]:
        """The words an engine is sent for ``text``, and the words per minute."""
        return for_the_ear(text), max(30, int(round(self.wpm * rate)))

    def render(self, text: str, rate: float = 1.0, fallback: bool = True,
               timeout: float | None = None) -> Rendered:
        """``text`` as audio (see the module notes); raises ``TTSError`` if no engine can.
        ``timeout`` overrides the voice's own (a file render can wait for a model load).

        When a later engine says the line, one notice names why the first did not, once
        until the first engine works again."""
        timeout = self.timeout if timeout is None else timeout
        spoken, wpm = self.spoken(text, rate)
        errors: list[str] = []
        lanes = self.lanes if fallback else self.lanes[:1]
        for i, lane in enumerate(lanes):
            key = lane.key(spoken, wpm)
            audio = self.cache.get(key)
            if audio is not None:
                return self._done(Rendered(audio, lane.name, True, spoken), i, errors)
            why = lane.unavailable() or lane.late(timeout)
            if why is not None:
                errors.append(why)
                continue
            future = lane.submit(key, NOW)
            try:
                audio = future.result(timeout=timeout)
            except FutureTimeout:
                lane.engine.abort()
                errors.append(f"{lane.engine.describe()} gave no audio in {timeout:g} s")
                continue
            except TTSError as exc:
                errors.append(str(exc))
                continue
            return self._done(Rendered(audio, lane.name, False, spoken), i, errors)
        raise TTSError("; ".join(dict.fromkeys(errors)))

    def _done(self, rendered: Rendered, i: int, errors: list[str]) -> Rendered:
        if i == 0:
            if self._down:
                log.info("%s speaks again", self.lanes[0].engine.describe())
            self._down = False
        elif not self._down:
            self._down = True
            self._notice(f"{errors[0]}; {self.lanes[i].engine.describe()} speaks instead")
        return rendered

    def prepare(self, text: str, rate: float = 1.0, priority: int = NEXT) -> Future | None:
        """Render ahead in the background with the first engine; returns the job (None when
        the line is cached already or the engine is out of order)."""
        lane = self.lanes[0]
        spoken, wpm = self.spoken(text, rate)
        key = lane.key(spoken, wpm)
        if key in self.cache or lane.unavailable():
            return None
        return lane.submit(key, priority)

    def prepare_many(self, lines: Iterable[Line]) -> int:
        """Queue ``lines`` to render ahead at the lowest priority; returns how many."""
        n = 0
        for line in lines:
            if self.prepare(line.text, line.rate, priority=LATER) is not None:
                n += 1
        return n

    def warm(self, texts: Iterable[str], rate: float = 1.0) -> None:
        """Render ``texts`` ahead in the background (never blocks)."""
        self.prepare_many(Line(t, rate) for t in texts)

    def start(self) -> None:
        """Load the first engine's model in the background (it takes seconds)."""
        lane = self.lanes[0]

        def load() -> None:
            lower_priority()
            try:
                lane.ensure_loaded()
            except TTSError as exc:
                log.info("%s", exc)  # said when a line needs it (render's notice)

        threading.Thread(target=load, name="voice-load", daemon=True).start()

    def prepare_now(self, lines: Iterable[Line],
                    progress: Callable[[int, Line, bool], None] | None = None
                    ) -> tuple[int, int, list[tuple[Line, str]]]:
        """Render ``lines`` with the first engine on this thread (``voice prepare``):
        (rendered, already cached, failures as (line, reason))."""
        lane = self.lanes[0]
        rendered = cached = 0
        failed: list[tuple[Line, str]] = []
        for i, line in enumerate(lines):
            spoken, wpm = self.spoken(line.text, line.rate)
            try:
                _, hit = lane.render_here(lane.key(spoken, wpm))
            except TTSError as exc:
                failed.append((line, str(exc)))
                if lane.load_error:  # the model itself is out of order: stop here
                    break
                continue
            cached += hit
            rendered += not hit
            if progress:
                progress(i, line, hit)
        return rendered, cached, failed

    def identities(self) -> set[str]:
        return {lane.identity for lane in self.lanes}
