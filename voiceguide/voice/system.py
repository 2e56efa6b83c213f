"""pyttsx3 (SAPI5 on Windows, NSSS on macOS, espeak-ng on Linux) in a worker process.

In a process of its own a hung render can be killed, and the files pyttsx3 insists on
writing live in one folder that is removed when the worker ends, killed or not. A changed
rate starts a fresh worker: pyttsx3's espeak loop can apply a new rate one line late, and
a fresh engine has no earlier line to lag behind.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import wave
from pathlib import Path

import numpy as np

from ..audio import Audio
from ..errors import TTSError
from .espeak import HEARD_PER_NOMINAL

log = logging.getLogger(__name__)

PREFIX = "voiceguide-tts-"


def sweep_stale_folders(root: Path | None = None) -> int:
    """Remove worker folders whose process is gone (a crash or a kill -9); returns how many."""
    root = Path(root or tempfile.gettempdir())
    removed = 0
    for folder in root.glob(f"{PREFIX}*-*"):
        try:
            pid = int(folder.name[len(PREFIX):].split("-", 1)[0])
        except ValueError:
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wav_bytes(body: bytes) -> Audio:
    """A 16-bit PCM WAV held in memory, as mono."""
    try:
        with wave.open(io.BytesIO(body)) as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise TTSError(f"pyttsx3 wrote no usable audio ({exc})") from None
    if width != 2 or not frames:
        raise TTSError(f"pyttsx3 wrote no usable audio ({width * 8}-bit, {len(frames)} bytes)")
    x = np.frombuffer(frames[:len(frames) - len(frames) % (2 * channels)], "<i2")
    x = x.reshape(-1, channels).mean(axis=1) / 32768.0
    return Audio(x.astype(np.float32), rate)


class _Child:
    """One worker process and its private folder."""

    def __init__(self, start_timeout: float):
        self.folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "voiceguide.voice._pyttsx3_child", str(self.folder)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise TTSError(f"pyttsx3 worker could not start ({exc})") from None
        timer = threading.Timer(start_timeout, self.kill)
        timer.daemon = True
        timer.start()
        try:
            head = self.read_head()
        finally:
            timer.cancel()
        if not head.get("ok"):
            self.close()
            raise TTSError(head.get("error", "pyttsx3 could not start"))
        self.info = head

    @property
    def pid(self) -> int:
        return self.proc.pid

    def read_head(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.close()
            raise TTSError("the pyttsx3 worker stopped")
        return json.loads(line)

    def ask(self, request: dict) -> bytes:
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:
            self.close()
            raise TTSError("the pyttsx3 worker stopped") from None
        head = self.read_head()
        if not head.get("ok"):
            if head.get("pace"):
                raise _WrongPace(head.get("error", "pyttsx3 spoke at the wrong pace"))
            raise TTSError(head.get("error", "pyttsx3 failed"))
        body = self.proc.stdout.read(head["bytes"])
        if len(body) != head["bytes"]:
            self.close()
            raise TTSError("the pyttsx3 worker stopped")
        return body

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()

    def close(self) -> None:
        self.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a kill that did not take
            log.warning("pyttsx3 worker %d did not exit", self.proc.pid)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


WORKER_TRIES = 3
"""Workers tried for one line that keeps coming out at the wrong pace (see
:func:`~voiceguide.voice._pyttsx3_child.at_pace`)."""


class _WrongPace(TTSError):
    """The worker spoke a line at the wrong pace or not at all: a fresh worker may not."""


class Pyttsx3Engine:
    """``speech.engine = "pyttsx3"`` where there is no espeak-ng binary (Windows, macOS)."""

    name = "pyttsx3"
    in_process = False

    def __init__(self, voice: str | None = None, pitch: float = 1.0, limit: float = 60.0,
                 start_timeout: float = 60.0):
        self.voice = voice
        self.pitch = pitch
        self.limit = limit
        self.start_timeout = start_timeout
        self._child: _Child | None = None
        self._last_rate: int | None = None
        self._lock = threading.Lock()
        self._info: dict = {}
        sweep_stale_folders()

    @property
    def pid(self) -> int | None:
        """The worker's process id (None before the first line)."""
        child = self._child
        return child.pid if child else None

    def identity(self) -> str:
        import importlib.metadata as md

        try:
            version = md.version("pyttsx3")
        except md.PackageNotFoundError:
            version = "missing"
        return f"pyttsx3 {version}; voice {self.voice or 'default'}; pitch {self.pitch:g}"

    def describe(self) -> str:
        driver = self._info.get("driver", "")
        return f"system voice pyttsx3{' ' + driver if driver else ''} {self.voice or 'default'}"

    def _nominal(self, wpm: float) -> int:
        espeak = self._info.get("driver", "espeak") == "espeak"
        return int(round(wpm / HEARD_PER_NOMINAL if espeak else wpm))

    def load(self) -> None:
        with self._lock:
            self._ensure_child()

    def _ensure_child(self) -> _Child:
        if self._child is None or self._child.proc.poll() is not None:
            if self._child is not None:
                self._child.close()
            self._child = _Child(self.start_timeout)
            self._info = self._child.info
            self._last_rate = None
        return self._child

    def render(self, text: str, wpm: float) -> Audio:
        with self._lock:
            rate = self._nominal(wpm)
            if self._last_rate is not None and rate != self._last_rate and self._child:
                self._child.close()  # a fresh engine: the new rate applies to this line
                self._child = None
            for attempt in range(1, WORKER_TRIES + 1):
                try:
                    body = self._ask(text, rate, wpm)
                    break
                except _WrongPace as exc:
                    # the worker's engine is stuck at another pace: a fresh one, once more
                    log.info("pyttsx3 worker: %s (try %d); starting a fresh one", exc,
                             attempt)
                    if self._child is not None:
                        self._child.close()
                        self._child = None
                    if attempt == WORKER_TRIES:
                        raise TTSError(str(exc)) from None
        return wav_bytes(body)

    def _ask(self, text: str, rate: int, wpm: float) -> bytes:
        child = self._ensure_child()
        self._last_rate = rate
        timer = threading.Timer(self.limit, child.kill)
        timer.daemon = True
        timer.start()
        try:
            return child.ask({"text": text, "rate": rate, "wpm": wpm, "voice": self.voice,
                              "pitch": int(round(50 * self.pitch))})
        finally:
            timer.cancel()
            if child.proc.poll() is not None:
                child.close()
                self._child = None

    def abort(self) -> None:
        child = self._child
        if child is not None:
            log.info("stopping pyttsx3 worker %d", child.pid)
            child.kill()

    def close(self) -> None:
        with self._lock:
            if self._child is not None:
                self._child.close()
                self._child = None
