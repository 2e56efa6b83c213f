"""The microphone: 16 kHz PCM16 chunks from a PortAudio input stream that heals itself.

The stream callback only copies bytes onto a queue. :meth:`MicSource.chunks` reads them
and, whenever the queue is quiet, asks a :class:`Watchdog` whether the stream is still
alive: PortAudio ended it (the sound server went away, a USB microphone was pulled), or
it is open but has delivered nothing for a while. Then the source says so in one line,
and reopens the device with growing pauses between tries: a plain reopen first (ALSA's
PulseAudio plugin connects afresh on every open), then with PortAudio re-initialized so
that a changed device list is seen. When the device has not come back within
``reconnect_for`` seconds it raises :class:`~voiceguide.errors.AudioInputLost`: the
process exits non-zero and its supervisor (the systemd unit) starts it again.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable, Iterator

import numpy as np

from .. import portaudio
from ..audio import AudioChunk
from ..errors import AudioInputLost, NoMicrophone

log = logging.getLogger(__name__)

RATE = 16000
"""The rate the chunks are delivered at (what the recognizers listen at)."""
_WAKE = (b"", 0.0)
"""Put on the queue when PortAudio ends the stream, so the reader notices at once."""
JUMP = 0.1
"""Seconds a block may come later than the stream's own sample count puts it before the
chunks' time line is anchored afresh (blocks were dropped). A callback runs late, never
early: a block stamped earlier than the line (by more than ``EARLY``) moves it there."""
EARLY = 0.0005


class Watchdog:
    """Decides from times alone whether an input stream is alive (a pure function of
    what it is told, so it can be checked with a fake clock)."""

    def __init__(self, stall_seconds: float = 5.0, first_sound_seconds: float = 8.0):
        self.stall_seconds = stall_seconds
        """An open stream that delivered sound and then nothing for this long is stuck."""
        self.first_sound_seconds = first_sound_seconds
        """A freshly opened stream gets this long to deliver its first block."""

    def problem(self, now: float, active: bool, opened_at: float,
                last_sound: float | None) -> str | None:
        """What is wrong with the stream, in a few words, or None when it is fine."""
        if not active:
            return "stopped (the audio stream ended)"
        if last_sound is None or last_sound < opened_at:
            if now - opened_at > self.first_sound_seconds:
                return f"gave no sound for {now - opened_at:.0f} s after opening"
            return None
        if now - last_sound > self.stall_seconds:
            return f"stalled (no sound for {now - last_sound:.0f} s)"
        return None


def backoff(first: float = 0.25, longest: float = 2.0) -> Iterator[float]:
    """Pauses between reopening tries: 0.25, 0.5, 1, 2, 2, ... seconds (a failed try
    costs little: a refused connection)."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, longest)


class MicSource:
    """Captures at a rate the device supports and delivers 16 kHz chunks; use as a
    context manager around :meth:`chunks`."""

    REINIT_AFTER = 2
    """Failed plain reopens before PortAudio itself is started again."""

    def __init__(self, device: str | int | None = None, block_seconds: float = 0.03,
                 max_queue_seconds: float = 5.0, reconnect_for: float = 60.0,
                 report: Callable[[str], None] | None = None,
                 watchdog: Watchdog | None = None):
        try:
            self._sd = portaudio.sounddevice()
        except OSError as exc:
            raise NoMicrophone(f"cannot use audio input ({exc}); install PortAudio "
                               "(sudo apt install libportaudio2) or use `listen --text`") from None
        if isinstance(device, str) and device.strip().isdigit():
            device = int(device)
        self._device = device if device != "" else None
        self.block_seconds = block_seconds
        self.queue: queue.Queue = queue.Queue(maxsize=int(max_queue_seconds / block_seconds))
        self.reconnect_for = reconnect_for
        self.report = report or (lambda line: log.warning("%s", line))
        self.watchdog = watchdog or Watchdog()
        self.overflows = 0
        self.recoveries = 0
        """How many times the stream was lost and opened again."""
        self.alive_at = time.monotonic()
        """When the reading loop last went round (reading, or reopening the device): a
        supervisor can tell a loop stuck inside a driver call from one still working."""
        self._stream = None
        self._opened_at = 0.0
        self._last_sound: float | None = None
        self.status_flags = 0
        """Blocks PortAudio delivered with a status flag (input overflow: audio was lost)."""
        self._closing = False
        self.rate, self.name = self._query()

    # ------------------------------------------------------------------ device and stream
    def _query(self) -> tuple[int, str]:
        try:
            info = self._sd.query_devices(self._device, "input")
        except (ValueError, self._sd.PortAudioError) as exc:
            raise NoMicrophone(f"no microphone found ({exc}); try `voiceguide listen --text`, "
                               "or pick one with --device (see `voiceguide devices`)") from None
        return int(info["default_samplerate"]), str(info["name"])

    def _callback(self, indata, frames, _time, status) -> None:
        now = self._last_sound = time.monotonic()
        if status:
            self.status_flags += 1
        # When the block's first sample was captured, near enough: the echo canceller finds
        # the exact offset itself. (PortAudio's inputBufferAdcTime is no help here: through
        # ALSA's PulseAudio plugin it wanders by half a second from block to block.)
        try:
            self.queue.put_nowait((bytes(indata), now - frames / self.rate))
        except queue.Full:
            self.overflows += 1
            if self.overflows in (1, 10) or self.overflows % 100 == 0:
                log.warning("audio input queue full: %d blocks dropped (CPU too slow?)",
                            self.overflows)

    def _finished(self) -> None:
        """PortAudio's word that the stream ended (also after an error): wake the reader."""
        try:
            self.queue.put_nowait(_WAKE)
        except queue.Full:
            pass

    def _open(self) -> None:
        self.rate, self.name = self._query()
        stream = self._sd.RawInputStream(samplerate=self.rate,
                                         blocksize=int(self.rate * self.block_seconds),
                                         device=self._device, channels=1, dtype="int16",
                                         callback=self._callback,
                                         finished_callback=self._finished)
        portaudio.track(stream)
        self._opened_at = time.monotonic()
        try:
            stream.start()
        except Exception:
            stream.close(ignore_errors=True)
            raise
        self._stream = stream

    def _close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort(ignore_errors=True)
                stream.close(ignore_errors=True)
            except Exception as exc:  # closing a broken stream: nothing to keep
                log.debug("closing the input stream: %s", exc)

    def __enter__(self) -> "MicSource":
        try:
            self._open()
        except NoMicrophone:
            raise
        except Exception as exc:  # PortAudioError and friends
            raise NoMicrophone(f"cannot open the microphone {self.name!r} ({exc}); try "
                               "`voiceguide listen --text`") from None
        return self

    def __exit__(self, *exc) -> None:
        self._closing = True
        self._close()

    # ------------------------------------------------------------------ reading
    def problem(self) -> str | None:
        """What is wrong with the input stream now, or None."""
        stream = self._stream
        if self._closing:
            return None
        if stream is None:
            return "is closed"
        try:
            active = bool(stream.active)
        except Exception:  # PortAudio no longer knows the stream
            active = False
        return self.watchdog.problem(time.monotonic(), active, self._opened_at, self._last_sound)

    def chunks(self, stop: threading.Event) -> Iterator[AudioChunk]:
        """16 kHz PCM16 chunks, each stamped with its capture time, until ``stop`` is set;
        a lost stream is reopened in between (no chunks meanwhile). Raises AudioInputLost
        when it does not come back."""
        import soxr

        rate = None
        resampler = None
        flags = 0
        anchor = (0.0, 0)  # (capture time, 16 kHz sample index) of the time line
        taken = 0  # samples at the device's rate since the anchor
        delivered = 0  # 16 kHz samples delivered
        while not stop.is_set():
            self.alive_at = time.monotonic()
            if self.status_flags != flags:
                flags = self.status_flags
                log.debug("the input stream reported a problem (%d blocks so far)", flags)
            if self.rate != rate:  # a reopened device may run at another rate
                rate = self.rate
                taken = 0
                resampler = None if rate == RATE else soxr.ResampleStream(rate, RATE, 1,
                                                                          dtype="int16")
            try:
                data, at = self.queue.get(timeout=0.1)
            except queue.Empty:
                data, at = _WAKE
            if not data:
                why = None if stop.is_set() else self.problem()
                if why:
                    self._recover(why, stop)
                continue
            if taken == 0 or not -EARLY < at - (anchor[0] + taken / rate) < JUMP:
                anchor, taken = (at, delivered), 0
            taken += len(data) // 2
            if resampler is not None:
                data = resampler.resample_chunk(np.frombuffer(data, np.int16)).tobytes()
            yield AudioChunk(data, anchor[0] + (delivered - anchor[1]) / RATE)
            delivered += len(data) // 2

    def _recover(self, why: str, stop: threading.Event) -> None:
        """Reopen the device with growing pauses until it delivers sound again."""
        self.report(f"the microphone {self.name!r} {why}; reopening it")
        lost_at = time.monotonic()
        pauses = backoff()
        tries = 0
        while not stop.is_set():
            self.alive_at = time.monotonic()
            self._close()
            _drain(self.queue)
            tries += 1
            try:
                if tries > self.REINIT_AFTER:
                    portaudio.reinitialize()
                self._open()
                log.debug("reopening the microphone, try %d: opened", tries)
                if self._wait_for_sound(stop):
                    self.recoveries += 1
                    self.report(f"the microphone {self.name!r} is back "
                                f"({time.monotonic() - lost_at:.1f} s after it was lost)")
                    return
                why = self.problem() or "gave no sound"
            except Exception as exc:  # PortAudioError, a device that vanished, ...
                why = " ".join(str(exc).split()) or type(exc).__name__
            log.debug("reopening the microphone, try %d: %s", tries, why)
            if time.monotonic() - lost_at >= self.reconnect_for:
                self._close()
                raise AudioInputLost(
                    f"the microphone {self.name!r} did not come back in "
                    f"{self.reconnect_for:.0f} s ({why}); exiting so that the service "
                    "manager can start voiceguide again")
            stop.wait(next(pauses))

    def _wait_for_sound(self, stop: threading.Event) -> bool:
        """After reopening: wait until the stream delivers, ends, or stays silent too long."""
        while not stop.is_set():
            self.alive_at = time.monotonic()
            last = self._last_sound
            if last is not None and last >= self._opened_at:
                return True
            if self.problem():
                return False
            stop.wait(0.05)
        return False


def _drain(q: queue.Queue) -> None:
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return
