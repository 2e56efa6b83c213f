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
import numpy as np

from ..audio import RATE, AudioChunk
from ..errors import VoiceguideError

log = logging.getLogger(__name__)

FRAME = RATE // 100
"""Samples in one 10 ms frame: what AEC3 processes at a time."""
JUMP = 0.03
"""Seconds by which a block's time stamp may differ from where the stream's own count puts
it before the timeline is anchored afresh (a dropped block, a reopened stream)."""
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
        self._taken = 0
        """Samples at the device's rate taken in since the anchor."""
        self._sound_until = -math.inf
        """When the last audible sample played."""

    # -- the writer's side (the player's audio callback) --
    def played(self, samples: np.ndarray, rate: int, at: float) -> None:
        self._blocks.append((at, rate, np.array(samples, np.float32, copy=True)))

    # -- the reader's side (the microphone thread) --
    def _take_in(self) -> None:
        while self._blocks:
            at, rate, samples = self._blocks.popleft()
            expected = self._anchor[0] + self._taken / rate if rate == self._rate else None
            if expected is None or abs(at - expected) > JUMP:
                self._restart(at, rate)
            self._taken += len(samples)
            if len(samples) and float(np.abs(samples).max()) > AUDIBLE:
                self._sound_until = max(self._sound_until, at + len(samples) / rate)
            if self._resampler is not None:
                samples = self._resampler.resample_chunk(samples)
            self._store(samples)

    def _restart(self, at: float, rate: int) -> None:
        import soxr

        self._rate = rate
        self._resampler = None if rate == RATE else soxr.ResampleStream(rate, RATE, 1,
                                                                        dtype="float32")
        self._anchor = (at, self._written)
        self._taken = 0

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


class EchoCanceller:
    """Takes the device's own voice out of microphone chunks (WebRTC AEC3).

    ``lead``: the far end given with a near frame starts this much after the frame's own
    capture time. AEC3 finds the echo's delay itself, but only when the far end comes no
    later than its echo; a small lead keeps it so when the sound system's time stamps are a
    few milliseconds off. ``tail``: how long after the last played sound frames are still
    processed (the room's reverberation and the canceller's own buffers).
    """

    def __init__(self, played: PlayedAudio, lead: float = 0.04, tail: float = 1.0):
        try:
            from pywebrtc_audio import EchoCanceller as Aec3
        except ImportError as exc:
            raise EchoCancellerUnavailable(
                f"echo cancellation needs pywebrtc-audio ({exc}); pip install pywebrtc-audio"
            ) from None
        self._aec = Aec3(sample_rate=RATE, stream_delay_ms=0)
        self.played = played
        self.lead = lead
        self.tail = tail
        self._anchor: tuple[float, int] | None = None
        """(time, index): near sample ``index`` (counted since the start) was captured then."""
        self._count = 0
        """Near samples taken in so far."""
        self._pending = np.zeros(0, np.int16)
        self.processed_seconds = 0.0
        """Microphone audio that went through AEC3 (the rest passed through untouched)."""

    def __call__(self, chunk: AudioChunk) -> AudioChunk:
        """The chunk with the device's echo taken out; it may come out up to 10 ms shorter
        or longer (frames are whole), stamped with its own first sample's time."""
        near = np.frombuffer(chunk.pcm, np.int16)
        if self._anchor is None or abs(chunk.captured_at - self._time(self._count)) > JUMP:
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
                far = self.played.read(at + self.lead, FRAME)
                far16 = (np.clip(far, -1, 1) * 32767).astype(np.int16)
                frame = self._aec.process(np.ascontiguousarray(frame), far16)
                self.processed_seconds += FRAME / RATE
            out.append(frame)
        pcm = np.concatenate(out).tobytes() if out else b""
        return AudioChunk(pcm, self._time(first))

    def _time(self, index: int) -> float:
        if self._anchor is None:
            return 0.0
        return self._anchor[0] + (index - self._anchor[1]) / RATE
