"""Audio values and WAV files: read any common WAV, resample, write 16-bit mono."""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

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
        return (np.clip(self.samples, -1, 1) * 32767).astype("<i2").tobytes()

    @staticmethod
    def silence(seconds: float, rate: int) -> "Audio":
        return Audio(np.zeros(int(round(seconds * rate)), np.float32), rate)

    @staticmethod
    def from_pcm16(data: bytes, rate: int) -> "Audio":
        return Audio(np.frombuffer(data, "<i2").astype(np.float32) / 32768.0, rate)


def concat(parts: list[Audio], rate: int) -> Audio:
    if not parts:
        return Audio(np.zeros(0, np.float32), rate)
    return Audio(np.concatenate([p.resampled(rate).samples for p in parts]), rate)


def read_wav(path: str | Path) -> Audio:
    """Any PCM WAV (8/16/24/32-bit, any rate, any channels) as mono float32."""
    path = Path(path)
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            frames = w.readframes(w.getnframes())
    except FileNotFoundError:
        raise AudioFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AudioFormatError(f"{path}: is a folder, not a WAV file") from None
    except (wave.Error, EOFError) as exc:
        raise AudioFormatError(f"{path}: not a readable PCM WAV file ({exc}); "
                               "convert it with: sox IN.wav -r 16000 -c 1 -b 16 OUT.wav") from None
    if not frames or channels < 1 or rate <= 0:
        raise AudioFormatError(f"{path}: contains no audio")
    usable = len(frames) - len(frames) % (width * channels)
    raw = np.frombuffer(frames[:usable], np.uint8)
    if width == 1:
        x = (raw.astype(np.float32) - 128) / 128
    elif width == 2:
        x = raw.view("<i2").astype(np.float32) / 32768
    elif width == 3:
        b = raw.reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = np.where(v >= 1 << 23, v - (1 << 24), v).astype(np.float32) / (1 << 23)
    elif width == 4:
        x = raw.view("<i4").astype(np.float32) / 2**31
    else:
        raise AudioFormatError(f"{path}: unsupported sample width of {width} bytes")
    x = x.reshape(-1, channels).mean(axis=1).astype(np.float32)
    if not len(x):
        raise AudioFormatError(f"{path}: contains no audio")
    return Audio(x, rate)


def write_wav(path: str | Path, audio: Audio) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.rate)
        w.writeframes(audio.pcm16())
