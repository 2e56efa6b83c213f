"""Speech fixtures, generated reproducibly: real pyttsx3 (espeak-ng) speech, optional noise.

Files are named by content (``im_flooded__en-us+f3__150__clean.wav``) so a failing case
says what it was.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from voiceguide.audio import Audio, read_wav, write_wav
from voiceguide.tts import Pyttsx3Renderer


def flite(text: str, voice: str, wpm: int = 150) -> Audio:
    """A second, more natural offline synthesizer (Debian's flite, CMU Arctic voices)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "f.wav"
        subprocess.run(["flite", "-voice", voice, "--setf", f"duration_stretch={150 / wpm:.2f}",
                        "-t", text, "-o", str(out)], check=True, capture_output=True)
        return read_wav(out)


def slug(text: str) -> str:
    return re.sub(r"\W+", "_", text.lower()).strip("_")


def add_noise(audio: Audio, snr_db: float, seed: int = 0, kind: str = "pink") -> Audio:
    """Mix noise in at ``snr_db`` relative to the speech power (voiced part)."""
    rng = np.random.default_rng(seed)
    x = audio.samples
    voiced = x[np.abs(x) > 0.02]
    p_signal = float(np.mean(voiced ** 2)) if len(voiced) else 1e-4
    noise = pink_noise(len(x), rng) if kind == "pink" else rng.standard_normal(len(x))
    noise *= np.sqrt(p_signal / 10 ** (snr_db / 10) / np.mean(noise ** 2))
    return Audio(np.clip(x + noise, -1, 1).astype(np.float32), audio.rate)


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples of noise with a 1/f power spectrum (fan-like), unscaled."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    return np.fft.irfft(spectrum, n)


def room_tone(seconds: float, dbfs: float, seed: int = 0, rate: int = 16000) -> Audio:
    """A room with nobody speaking: pink noise at ``dbfs`` (-65 a quiet room, -35 a fan)."""
    noise = pink_noise(int(seconds * rate), np.random.default_rng(seed))
    noise *= np.sqrt(10 ** (dbfs / 10) / np.mean(noise ** 2))
    return Audio(noise.astype(np.float32), rate)


def synth(folder: Path, text: str, voice: str = "en-us+f3", wpm: int = 150,
          snr_db: float | None = None, rate: int = 16000, lead: float = 0.4) -> Path:
    """Render ``text`` and write it as a WAV (silence around it, noise if asked)."""
    noise = "clean" if snr_db is None else f"{snr_db:g}db"
    path = folder / f"{slug(text)}__{voice.replace(':', '-')}__{wpm}__{noise}.wav"
    if path.exists():
        return path
    if voice.startswith("flite:"):
        speech = flite(text, voice.split(":", 1)[1], wpm).resampled(rate)
    else:
        # Rendered twice, the second kept: pyttsx3's espeak loop can apply a new rate one
        # utterance late, which would make a fixture depend on what was rendered before it.
        speech = None
        for _ in range(2):
            speech = Pyttsx3Renderer(None, 150, timeout=30).render(text, wpm / 150, voice=voice)
        speech = speech.resampled(rate)
    pad = np.zeros(int(lead * rate), np.float32)
    audio = Audio(np.concatenate([pad, speech.samples, pad, pad]), rate)
    if snr_db is not None:
        audio = add_noise(audio, snr_db, seed=len(text))
    write_wav(path, audio)
    return path
