"""One engine and the two threads that drive it: ``now`` for the line being said,
``ahead`` (lower priority) for lines rendered in advance; and its health (a model that
failed to load, a render that is late) as :class:`~voiceguide.voice.chain.Voice` sees it.
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
from dataclasses import dataclass

from ..audio import Audio
from ..errors import TTSError
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

    def drain(self, limit: float = 60.0) -> None:  # a render on a busy Pi can be slow
        with self._cond:
            self.closing = True
            self._cond.wait_for(lambda: self._active == 0, timeout=limit)


_native = _NativeCalls()
atexit.register(_native.drain)


@dataclass
class _Job:
    key: CacheKey
    wpm: int
    future: Future


class Lane:
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
            lower_priority()
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


def lower_priority() -> None:
    """Background renders yield the CPU to the line being said and to hearing (Linux:
    niceness is per thread)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass
