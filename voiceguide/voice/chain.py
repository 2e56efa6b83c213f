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

import atexit
import contextlib
import itertools
import logging
import os
import queue
import threading
import time
from concurrent.futures import Future, InvalidStateError
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from ..audio import Audio
from ..errors import TTSError
from ..spoken import for_the_ear
from .cache import CacheKey, DiskCache
from .engine import Engine, tidy

log = logging.getLogger(__name__)

LOAD_RETRY = 60.0
"""Seconds before an engine whose model failed to load is tried again."""
NOW, NEXT, LATER = 0, 1, 2
"""Job priorities: a line to say now, the runner's next line, lines prepared ahead."""


class _NativeCalls:
    """Counts engine calls in progress. At interpreter exit, native code (the ONNX
    runtime, espeak-ng's library) still running on a daemon thread crashes the process;
    so exit waits for the calls in progress (not for queued ones) to return."""

    def __init__(self):
        self.closing = False
        self._active = 0
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def call(self, engine):
        if not getattr(engine, "in_process", False):  # a process of its own: no risk
            yield
            return
        with self._cond:
            if self.closing:
                raise TTSError("voiceguide is exiting")
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def drain(self, limit: float = 15.0) -> None:
        with self._cond:
            self.closing = True
            self._cond.wait_for(lambda: self._active == 0, timeout=limit)


_native = _NativeCalls()
atexit.register(_native.drain)


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


@dataclass
class _Job:
    key: CacheKey
    wpm: int
    future: Future


class _Lane:
    """One engine, the two threads that drive it (now / ahead) and its health."""

    def __init__(self, engine: Engine, cache: DiskCache):
        self.engine = engine
        self.cache = cache
        self.identity = engine.identity()
        self.loaded = False
        self.load_error: str | None = None
        self.load_failed_at = 0.0
        self._running: dict[object, tuple[float, str]] = {}
        self._inflight: dict[CacheKey, Future] = {}
        self._started: set[CacheKey] = set()
        self._lock = threading.Lock()
        self._queues = {"now": queue.Queue(), "ahead": queue.PriorityQueue()}
        self._threads: dict[str, threading.Thread] = {}
        self._seq = itertools.count()

    @property
    def name(self) -> str:
        return self.engine.name

    def key(self, spoken: str, wpm: int) -> CacheKey:
        return CacheKey(self.identity, spoken, wpm)

    def unavailable(self) -> str | None:
        """Why this engine cannot take a line now (None: it can)."""
        if self.load_error and time.monotonic() - self.load_failed_at < LOAD_RETRY:
            return self.load_error
        return None

    def late(self, timeout: float) -> str | None:
        """Why a line should not wait for this engine: a line to say now, or the model
        load, has run longer than ``timeout`` (None: it is keeping up)."""
        now = time.monotonic()
        with self._lock:
            late = sorted(what for started, what in self._running.values()
                          if now - started > timeout)
        # "busy with an earlier line" < "loading": the load is the reason when both are late
        return f"{self.engine.describe()} is still {late[-1]}" if late else None

    def submit(self, key: CacheKey, priority: int) -> Future:
        with self._lock:
            future = self._inflight.get(key)
            if future is None:
                future = Future()
                self._inflight[key] = future
            elif priority != NOW or key in self._started:
                return future  # queued already, or being rendered right now
        job = _Job(key, key.wpm, future)
        lane = "now" if priority == NOW else "ahead"
        if lane == "now":
            self._queues["now"].put(job)
        else:
            self._queues["ahead"].put((priority, next(self._seq), job))
        self._ensure_thread(lane)
        return future

    def _ensure_thread(self, lane: str) -> None:
        with self._lock:
            thread = self._threads.get(lane)
            if thread is None or not thread.is_alive():
                thread = threading.Thread(target=self._work, args=(lane,), daemon=True,
                                          name=f"voice-{self.engine.name}-{lane}")
                self._threads[lane] = thread
                thread.start()

    def _work(self, lane: str) -> None:
        if lane == "ahead":
            _lower_priority()
        q = self._queues[lane]
        while True:
            item = q.get()
            job = item if lane == "now" else item[2]
            self._run(job, urgent=lane == "now")

    def ensure_loaded(self) -> None:
        if self.loaded:
            return
        token = object()
        with self._lock:
            self._running[token] = (time.monotonic(), "loading")
        try:
            with _native.call(self.engine):
                self.engine.load()
            self.loaded, self.load_error = True, None
        except TTSError as exc:
            self.load_error, self.load_failed_at = str(exc), time.monotonic()
            raise
        except Exception as exc:  # an engine bug must not kill the lane's thread
            self.load_error, self.load_failed_at = f"{exc!r}", time.monotonic()
            raise TTSError(self.load_error) from None
        finally:
            with self._lock:
                self._running.pop(token, None)

    def _run(self, job: _Job, urgent: bool) -> None:
        future = job.future
        token = object()
        with self._lock:
            if future.done() or job.key in self._started:
                return
            self._started.add(job.key)
            if urgent:
                self._running[token] = (time.monotonic(), "busy with an earlier line")
        try:
            audio = self.cache.get(job.key)
            if audio is None:
                if self.unavailable():
                    raise TTSError(self.load_error)
                self.ensure_loaded()
                with _native.call(self.engine):
                    audio = tidy(self.engine.render(job.key.spoken, job.wpm))
                if not len(audio.samples):
                    raise TTSError(f"{self.engine.describe()} gave silence for "
                                   f"{job.key.spoken[:40]!r}")
                audio = self.cache.put(job.key, audio)
            _settle(future, result=audio)
        except TTSError as exc:
            _settle(future, error=exc)
        except Exception as exc:  # an engine bug: report it as a failed line
            log.exception("voice engine %s failed", self.engine.name)
            _settle(future, error=TTSError(f"{self.engine.describe()} failed ({exc!r})"))
        finally:
            with self._lock:
                self._running.pop(token, None)
                self._started.discard(job.key)
                if self._inflight.get(job.key) is future:
                    del self._inflight[job.key]

    def render_here(self, key: CacheKey) -> tuple[Audio, bool]:
        """Render on the calling thread (``voice prepare``); (audio, was cached)."""
        audio = self.cache.get(key)
        if audio is not None:
            return audio, True
        self.ensure_loaded()
        with _native.call(self.engine):
            audio = tidy(self.engine.render(key.spoken, key.wpm))
        return self.cache.put(key, audio), False


def _settle(future: Future, result=None, error: BaseException | None = None) -> None:
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
    except InvalidStateError:  # the same line was asked twice and is already done
        pass


def _lower_priority() -> None:
    """Background renders yield the CPU to the line being said and to hearing (Linux:
    niceness is per thread)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass


class Voice:
    def __init__(self, engines: Sequence[Engine], wpm: int = 140, timeout: float = 10.0,
                 cache: DiskCache | None = None,
                 notify: Callable[[str], None] | None = None):
        if not engines:
            raise ValueError("a voice needs at least one engine")
        self.wpm = wpm
        self.timeout = timeout
        self.cache = cache or DiskCache(None)
        self.lanes = [_Lane(e, self.cache) for e in engines]
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
            _lower_priority()
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
