"""Audio values and audio files: read any file libsndfile reads (whole, or streamed a
block at a time), resample, write 16-bit mono WAV."""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import soxr

from .errors import AudioFormatError

RATE = 16000
"""The rate the recognizers listen at."""


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray
    """Mono float32 in [-1, 1]."""
    rate: int
    """Samples per second."""

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    def resampled(self, rate: int) -> "Audio":
        if rate == self.rate or not len(self.samples):
            return Audio(self.samples, rate)
        return Audio(soxr.resample(self.samples, self.rate, rate).astype(np.float32), rate)

    def pcm16(self) -> bytes:
        return pcm16(self.samples)

    @staticmethod
    def silence(seconds: float, rate: int) -> "Audio":
        return Audio(np.zeros(int(round(seconds * rate)), np.float32), rate)

    @staticmethod
    def from_pcm16(data: bytes, rate: int) -> "Audio":
        return Audio(np.frombuffer(data, "<i2").astype(np.float32) / 32768.0, rate)


@dataclass(frozen=True)
class AudioChunk:
    """A piece of the microphone's stream, as the recognizers hear it."""

    pcm: bytes
    """16 kHz mono PCM16, little-endian."""
    captured_at: float
    """``time.monotonic()`` when its first sample was captured (0.0 when unknown)."""

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / RATE


def concat(parts: list[Audio], rate: int) -> Audio:
    if not parts:
        return Audio(np.zeros(0, np.float32), rate)
    return Audio(np.concatenate([p.resampled(rate).samples for p in parts]), rate)


BLOCK_SECONDS = 1.0
"""How much of a file :func:`iter_audio` holds at a time."""


@dataclass(frozen=True)
class AudioFileInfo:
    path: Path
    rate: int
    """Samples per second in the file."""
    channels: int
    frames: int
    """Samples per channel (what the file's header says)."""
    format: str
    """libsndfile's name for the container and encoding, e.g. "WAV PCM_24"."""

    @property
    def seconds(self) -> float:
        return self.frames / self.rate


def _soundfile():
    try:
        import soundfile
    except OSError as exc:  # the wheel bundles libsndfile; a source install needs it
        raise AudioFormatError(f"cannot read audio files ({exc}); install libsndfile "
                               "(sudo apt install libsndfile1)") from None
    return soundfile


def _open(path: Path):
    """Open an audio file with libsndfile; every failure is one line naming the file."""
    sf = _soundfile()
    if not path.exists():
        raise AudioFormatError(f"{path}: no such file")
    if path.is_dir():
        raise AudioFormatError(f"{path}: is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise AudioFormatError(f"{path}: is empty (0 bytes)")
    try:
        f = sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        reason = getattr(exc, "error_string", None) or str(exc).split(": ")[-1]
        raise AudioFormatError(f"{path}: not a readable audio file ({reason.rstrip('.')}); "
                               "any WAV, FLAC or OGG works, or convert it with: "
                               "sox IN -r 16000 -c 1 -b 16 OUT.wav") from None
    if f.frames <= 0 or f.channels < 1 or f.samplerate <= 0:
        f.close()
        raise AudioFormatError(f"{path}: contains no audio")
    return f


def audio_info(path: str | Path) -> AudioFileInfo:
    """What an audio file holds, without reading its samples."""
    path = Path(path)
    with _open(path) as f:
        return AudioFileInfo(path, f.samplerate, f.channels, f.frames,
                             f"{f.format} {f.subtype}")


def iter_audio(path: str | Path, rate: int | None = RATE,
               block_seconds: float = BLOCK_SECONDS) -> Iterator[np.ndarray]:
    """Any file libsndfile reads (WAV in any width or encoding, FLAC, OGG, ...) as mono
    float32 blocks at ``rate`` (None: the file's own rate), read, downmixed and resampled
    a block at a time, so memory stays flat whatever the file's length."""
    path = Path(path)
    sf = _soundfile()
    with _open(path) as f:
        block = max(1, int(f.samplerate * block_seconds))
        resampler = None
        if rate and rate != f.samplerate:
            resampler = soxr.ResampleStream(f.samplerate, rate, 1, dtype="float32")
        done = 0
        while True:
            try:
                data = f.read(block, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as exc:
                raise AudioFormatError(f"{path}: unreadable after {done / f.samplerate:.1f} s "
                                       f"({exc})") from None
            last = len(data) < block
            done += len(data)
            mono = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1, dtype=np.float32)
            if resampler is not None:
                mono = resampler.resample_chunk(mono, last=last)
            if len(mono):
                yield np.ascontiguousarray(mono, dtype=np.float32)
            if last:
                break
        if done == 0:
            raise AudioFormatError(f"{path}: contains no audio")


def read_wav(path: str | Path) -> Audio:
    """A whole (small) audio file as mono float32 at its own rate: any WAV (8/16/24/32-bit,
    float, mu-law, A-law), FLAC or OGG. For long files use :func:`iter_audio`."""
    path = Path(path)
    blocks = list(iter_audio(path, rate=None, block_seconds=10.0))
    rate = audio_info(path).rate
    return Audio(np.concatenate(blocks) if len(blocks) != 1 else blocks[0], rate)


def pcm16(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] as 16-bit little-endian PCM."""
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def write_wav(path: str | Path, audio: Audio) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.rate)
        w.writeframes(audio.pcm16())
