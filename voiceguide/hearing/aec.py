"""Acoustic echo cancellation: the room minus what the device itself played.

The data flows one way, player -> :class:`PlayedAudio` -> :class:`EchoCanceller` ->
hearing, and each side knows only the buffer between them:

* the speaker's output callback hands every block it sends to the sound device, silence
  included, to :meth:`PlayedAudio.played` with the time its first sample reaches the
  speaker (a copy onto a queue, nothing more, as a callback should);
* the microphone side passes each :class:`~voiceguide.audio.AudioChunk` (stamped with the
  time its first sample was captured) through :class:`EchoCanceller`, which reads what was
  playing at that moment from the buffer and gives it to WebRTC's AEC3 (through
  ``pywebrtc-audio``) as the far end, 10 ms at a time.

While nothing has been played for ``tail`` seconds the microphone's audio passes through
untouched (bit for bit what it was before echo cancellation existed), so a quiet device
costs no CPU and changes nothing. The text echo removal of :mod:`.echo` stays behind this
as a second line: what the canceller leaves of the device's words is still taken out of
the transcript by word.
"""

from __future__ import annotations

import collections
import logging
import math
from typing import Protocol
import numpy as np

from ..audio import RATE, AudioChunk
from ..errors import VoiceguideError

log = logging.getLogger(__name__)

FRAME = RATE // 100
"""Samples in one 10 ms frame: what AEC3 processes at a time."""
JUMP = 0.1
"""Seconds a block's time stamp may come later than the stream's own count puts it before
the time line is anchored afresh (a dropped block, a reopened stream). Stamps are taken
in callbacks, which run late but never early: a block stamped earlier than the line (by
more than ``EARLY``) moves the line there."""
EARLY = 0.0005
GAP = 5.0
"""Seconds a player's block may come later than its stream's sample count puts it before
the line starts afresh (the output was opened again)."""
AUDIBLE = 1e-4
"""Peak level (full scale 1.0) above which a played block counts as sound."""


class EchoCancellerUnavailable(VoiceguideError):
    """pywebrtc-audio is not installed or does not load on this machine."""


class PlayedAudio:
    """What the device played, time-stamped, at 16 kHz: written by the player's callback
    (it is the speaker's :class:`~voiceguide.speaker.PlaybackMonitor`), read by the echo
    canceller (one writer thread, one reader thread)."""

    def __init__(self, keep_seconds: float = 4.0):
        self._blocks: collections.deque = collections.deque(maxlen=4096)
        """(at, rate, samples) handed over by the writer, not yet taken in by the reader."""
        self._ring = np.zeros(int(keep_seconds * RATE), np.float32)
        self._written = 0
        """16 kHz samples taken in so far (the ring holds the last len(_ring) of them)."""
        self._rate = 0
        self._resampler = None
        self._anchor = (0.0, 0)
        """(time, 16 kHz index): the stream's sample at ``index`` reached the speaker then."""
        self._base = 0
        """The 16 kHz index where the resampler started."""
        self._taken = 0
        """Samples at the device's rate taken in since then."""
        self._sound_until = -math.inf
        """When the last audible sample played."""

    # -- the writer's side (the player's audio callback) --
    def played(self, samples: np.ndarray, rate: int, at: float, gap: bool = False) -> None:
        self._blocks.append((at, rate, np.array(samples, np.float32, copy=True), gap))

    # -- the reader's side (the microphone thread) --
    def _take_in(self) -> None:
        while self._blocks:
            at, rate, samples, gap = self._blocks.popleft()
            # Where the block's first sample falls in the 16 kHz stream (the resampler
            # holds some back for a while).
            index = self._base + round(self._taken * RATE / rate) if rate == self._rate else 0
            late = at - (self._anchor[0] + (index - self._anchor[1]) / RATE)
            if rate != self._rate or late > GAP:
                # The first block, or a gap (the stream was opened again): start afresh.
                # Otherwise the line is the sample count: a stream fills its buffer ahead
                # in bursts, and a callback that runs late on a busy machine is absorbed by
                # that buffer, so neither says where the sound is; the canceller measures
                # that itself.
                self._restart(rate)
                index = self._base
                self._anchor = (at, index)
            elif gap:
                # The device ran dry (a busy machine): it played silence of its own, and
                # this block starts where its stamp says, not where the count would.
                self._anchor = (at, index)
            self._taken += len(samples)
            if len(samples) and float(np.abs(samples).max()) > AUDIBLE:
                self._sound_until = max(self._sound_until, at + len(samples) / rate)
            if self._resampler is not None:
                samples = self._resampler.resample_chunk(samples)
            self._store(samples)

    def _restart(self, rate: int) -> None:
        import soxr

        self._rate = rate
        self._resampler = None if rate == RATE else soxr.ResampleStream(rate, RATE, 1,
                                                                        dtype="float32")
        self._base, self._taken = self._written, 0

    def _store(self, samples: np.ndarray) -> None:
        total, size = len(samples), len(self._ring)
        self._written += total
        samples = samples[-size:]
        n = len(samples)
        start = (self._written - n) % size
        first = min(n, size - start)
        self._ring[start:start + first] = samples[:first]
        self._ring[:n - first] = samples[first:]

    def read(self, start: float, n: int) -> np.ndarray:
        """``n`` samples at 16 kHz of what was playing from time ``start`` on (zeros where
        nothing is known: before the first block, long ago, or not yet written)."""
        self._take_in()
        out = np.zeros(n, np.float32)
        if self._rate == 0:
            return out
        first = self._anchor[1] + round((start - self._anchor[0]) * RATE)
        lo, hi = max(first, self._written - len(self._ring)), min(first + n, self._written)
        if hi <= lo:
            return out
        size = len(self._ring)
        idx = np.arange(lo, hi) % size
        out[lo - first:hi - first] = self._ring[idx]
        return out

    def sounding_after(self, t: float) -> bool:
        """Whether anything audible played after time ``t``."""
        self._take_in()
        return self._sound_until > t


class Canceller(Protocol):
    """One echo cancelling algorithm, 10 ms at a time (16 kHz PCM16)."""

    name: str

    def process(self, near: np.ndarray, far: np.ndarray) -> np.ndarray:
        """``near`` (what the microphone heard) without the echo of ``far`` (what was
        playing); FRAME int16 samples each."""


class WebRtcAec3:
    """WebRTC's AEC3 through pywebrtc-audio: a linear filter, then a residual echo
    suppressor that also gates the person's words a little where they overlap."""

    name = "webrtc"

    def __init__(self):
        try:
            from pywebrtc_audio import EchoCanceller as Aec3
        except ImportError as exc:
            raise EchoCancellerUnavailable(
                f"echo cancellation needs pywebrtc-audio ({exc}); pip install pywebrtc-audio"
            ) from None
        self._aec = Aec3(sample_rate=RATE, stream_delay_ms=0)

    def process(self, near: np.ndarray, far: np.ndarray) -> np.ndarray:
        return self._aec.process(near, far)


class SpeexEcho:
    """Speex's MDF echo canceller (libspeexdsp, through ctypes): linear only, with no
    suppression after it, so a person talking over the device comes through unchanged
    apart from what the filter takes out. ``tail``: the filter's length in seconds (the
    delay from player to microphone plus most of the room's reverberation)."""

    name = "speex"

    def __init__(self, tail: float = 0.3):
        import ctypes
        import ctypes.util

        lib = None
        for name in ("libspeexdsp.so.1", ctypes.util.find_library("speexdsp")):
            try:
                lib = ctypes.CDLL(name) if name else None
            except OSError:
                continue
            if lib is not None:
                break
        if lib is None:
            raise EchoCancellerUnavailable("echo cancellation with speex needs libspeexdsp "
                                           "(sudo apt install libspeexdsp1)")
        lib.speex_echo_state_init.restype = ctypes.c_void_p
        lib.speex_echo_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
        lib.speex_echo_cancellation.argtypes = [ctypes.c_void_p] * 4
        lib.speex_echo_cancellation.restype = None
        lib.speex_echo_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
        lib.speex_echo_state_destroy.argtypes = [ctypes.c_void_p]
        lib.speex_echo_state_destroy.restype = None
        self._lib = lib
        self._state = lib.speex_echo_state_init(FRAME, int(tail * RATE))
        rate = ctypes.c_int(RATE)
        lib.speex_echo_ctl(self._state, 24, ctypes.byref(rate))  # SPEEX_ECHO_SET_SAMPLING_RATE
        self._out = np.empty(FRAME, np.int16)

    def process(self, near: np.ndarray, far: np.ndarray) -> np.ndarray:
        near = np.ascontiguousarray(near, np.int16)
        far = np.ascontiguousarray(far, np.int16)
        out = np.empty(FRAME, np.int16)
        self._lib.speex_echo_cancellation(self._state, near.ctypes.data, far.ctypes.data,
                                          out.ctypes.data)
        return out

    def __del__(self):
        state, self._state = getattr(self, "_state", None), None
        if state:
            self._lib.speex_echo_state_destroy(state)


CANCELLERS = {"webrtc": WebRtcAec3, "speex": SpeexEcho}
"""Echo cancellers by the name ``listen.echo_cancellation`` gives."""


class EchoCanceller:
    """Takes the device's own voice out of microphone chunks: aligns each 10 ms frame
    with what was playing then and hands both to a :class:`Canceller`.

    The two streams' time stamps come from their callbacks and are only near: through
    ALSA's PulseAudio plugin the output fills its buffer seconds ahead, in bursts. So the
    canceller measures the offset itself, from the sound: every ``every`` seconds while
    the device plays, the last ``window`` seconds of the microphone are cross-correlated
    (GCC-PHAT) with what played from ``search`` seconds before to ``search_ahead`` after
    (as far as the player has written); when two measurements in
    a row agree and the echo does not come between ``slack / 2`` and ``slack + room``
    seconds after the far end as fed, the far end is moved so that it comes ``slack``
    after it (a canceller models the echo as a delayed, filtered far end: it must never
    come before it, nor so late that the filter cannot reach it), and the canceller
    starts afresh. ``tail``: how long after the
    last played sound frames are still processed (the room's reverberation).
    """

    def __init__(self, played: PlayedAudio, canceller: str | Canceller = "speex",
                 tail: float = 1.0, slack: float = 0.03, room: float = 0.12,
                 every: float = 1.0, window: float = 2.0, search: float = 2.5,
                 search_ahead: float = 1.0):
        if isinstance(canceller, str):
            if canceller not in CANCELLERS:
                raise EchoCancellerUnavailable(f"no echo canceller named {canceller!r} "
                                               f"(one of {', '.join(CANCELLERS)})")
            self._make = CANCELLERS[canceller]
            canceller = self._make()
        else:
            self._make = None
        self._aec = canceller
        self.name = canceller.name
        self.played = played
        self.tail = tail
        self.slack = slack
        self.room = room
        self.offset = slack + room / 2
        """Seconds added to a frame's capture time to find its far end: at first the middle
        of what the filter covers (the stamps' own error is some tens of ms either way),
        then as measured."""
        self.every, self.window, self.search = every, window, search
        self.search_ahead = search_ahead
        self._anchor: tuple[float, int] | None = None
        """(time, index): near sample ``index`` (counted since the start) was captured then."""
        self._count = 0
        """Near samples taken in so far."""
        self._pending = np.zeros(0, np.int16)
        self._recent = collections.deque(maxlen=int(window * RATE / FRAME))
        """(capture time, raw frame) of the last ``window`` seconds the device sounded in."""
        self._since_measure = 0
        self._candidate: float | None = None
        self.processed_seconds = 0.0
        """Microphone audio that went through the canceller (the rest passed untouched)."""
        self.moves = 0
        """How many times the measured offset moved the far end."""
        self.converged = False
        """The canceller takes the device's voice out well: over a second of its sound the
        microphone came out ``converged_db`` quieter. It stays so through the person's
        words over the device (they are not taken out, so the loss dips), and is lost when
        the loss stays under ``diverged_db`` for ``diverged_for`` seconds, or the far end
        moves."""
        self.converged_db, self.diverged_db, self.diverged_for = 15.0, 6.0, 5
        self._energy = [0.0, 0.0, 0]  # near and out energy, frames, over this second
        self._low = 0

    def __call__(self, chunk: AudioChunk) -> AudioChunk:
        """The chunk with the device's echo taken out; it may come out up to 10 ms shorter
        or longer (frames are whole), stamped with its own first sample's time."""
        near = np.frombuffer(chunk.pcm, np.int16)
        # A chunk is captured no later than its stamp: the line follows the earliest ones.
        early = self._time(self._count) - chunk.captured_at
        if self._anchor is None or early > EARLY or early < -JUMP:
            self._anchor = (chunk.captured_at - len(self._pending) / RATE,
                            self._count - len(self._pending))
        data = np.concatenate([self._pending, near]) if len(self._pending) else near
        first = self._count - len(self._pending)
        self._count += len(near)
        whole = len(data) - len(data) % FRAME
        self._pending = data[whole:].copy()
        out = []
        for i in range(0, whole, FRAME):
            frame = data[i:i + FRAME]
            at = self._time(first + i)
            if self.played.sounding_after(at - self.tail):
                self._recent.append((at, frame))
                self._since_measure += 1
                if self._since_measure * FRAME >= self.every * RATE and \
                        len(self._recent) == self._recent.maxlen:
                    self._since_measure = 0
                    self._measure()
                far = self.played.read(at + self.offset, FRAME)
                far16 = (np.clip(far, -1, 1) * 32767).astype(np.int16)
                cleaned = self._aec.process(np.ascontiguousarray(frame), far16)
                if float(np.abs(far).max()) > 0.01:
                    self._loss(frame, cleaned)
                frame = cleaned
                self.processed_seconds += FRAME / RATE
            else:
                self._recent.clear()
            out.append(frame)
        pcm = np.concatenate(out).tobytes() if out else b""
        return AudioChunk(pcm, self._time(first))

    def _loss(self, near: np.ndarray, out: np.ndarray) -> None:
        """Count a frame the device sounded in towards this second's echo loss."""
        e = self._energy
        e[0] += float(np.sum(near.astype(np.float32) ** 2))
        e[1] += float(np.sum(out.astype(np.float32) ** 2))
        e[2] += 1
        if e[2] * FRAME < RATE:
            return
        loss = 10 * math.log10((e[0] + 1.0) / (e[1] + 1.0))
        self._energy = [0.0, 0.0, 0]
        if loss >= self.converged_db:
            self.converged, self._low = True, 0
        elif loss < self.diverged_db:
            self._low += 1
            if self._low >= self.diverged_for:
                self.converged = False
        else:
            self._low = 0

    def _measure(self) -> None:
        """Find where the echo in the recent microphone audio sits in what played."""
        start = self._recent[0][0]
        near = np.concatenate([f for _, f in self._recent]).astype(np.float32) / 32768
        if float(np.sqrt(np.mean(near ** 2))) < 1e-3:
            return  # too quiet to tell (a muted microphone, a far-away speaker)
        back = int(self.search * RATE)
        ahead = int(self.search_ahead * RATE)
        far = self.played.read(start + self.offset - back / RATE, back + len(near) + ahead)
        if float(np.sqrt(np.mean(far ** 2))) < 1e-4:
            return
        size = 1 << int(np.ceil(np.log2(len(far) + len(near))))
        cross = np.fft.rfft(far, size) * np.conj(np.fft.rfft(near, size))
        corr = np.fft.irfft(cross / (np.abs(cross) + 1e-12), size)[: len(far) - len(near) + 1]
        k = int(np.argmax(corr))
        if corr[k] < 8 * float(np.mean(np.abs(corr))):
            self._candidate = None
            return  # no clear echo (the person over the device, or no echo at all)
        # near(t) holds what was read at start + offset - back + k: it lags the far end
        # as fed by (back - k) samples; put that lag at ``slack``.
        lag = (back - k) / RATE
        if self.slack / 2 <= lag <= self.slack + self.room:
            self._candidate = None
            return  # within what the canceller's filter covers: leave it to converge
        offset = self.offset + self.slack - lag
        if self._candidate is not None and abs(offset - self._candidate) < 0.005:
            log.debug("echo canceller: far end moved by %+.0f ms (the echo came %.0f ms "
                      "after it; peak %.0f x the mean)", 1000 * (offset - self.offset),
                      1000 * lag, corr[k] / float(np.mean(np.abs(corr))))
            self.offset, self._candidate = offset, None
            self.moves += 1
            self.converged = False
            if self._make is not None:
                self._aec = self._make()  # its filter was for the old alignment
        else:
            self._candidate = offset

    def _time(self, index: int) -> float:
        if self._anchor is None:
            return 0.0
        return self._anchor[0] + (index - self._anchor[1]) / RATE
