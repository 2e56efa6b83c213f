"""What the benchmark hears: cue phrasings, voices by family, noise conditions, ordinary
talk, real recorded speech and the device's own lines, all built reproducibly.

Tune/report discipline: one model is behind every Kokoro voice, so the voices share a
synthetic fingerprint. Tuning families (``--split tune``): espeak-ng, flite, Piper joe,
speaking ``bench/data/router_tune.tsv`` and ``talk_tune.txt``. Report family
(``--split report``): Kokoro, 28 US/GB female/male voices at speeds 0.9-1.15, speaking
``router_report.tsv`` and ``talk_report.txt``. Babble is always other voices of the same
family saying unrelated sentences, never the speaker of the cue.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
import real_speech  # noqa: E402
from speech import add_babble, add_noise, family, kokoro_voices, render  # noqa: E402

from voiceguide.audio import Audio  # noqa: E402
from voiceguide.intents import INTENTS  # noqa: E402
from voiceguide.library import SAMPLE_VALUES, fill, load_library  # noqa: E402
from voiceguide.spoken import for_the_ear  # noqa: E402

DATA = HERE / "data"
RATE = 16000
TUNE_VOICES = ["en-us", "en-us+f2", "en-us+m3", "en+f4", "flite:slt", "flite:rms",
               "flite:awb", "piper:joe"]
SPEEDS = (0.9, 0.95, 1.0, 1.05, 1.1, 1.15)
ANSWER_INTENTS = {"score", "yes", "no"}
"""Heard right after a question (the listener's "answers" mode), not as cues."""
AUDIO_STYLES_EXCLUDED = {"asr"}
"""Rows written as a recognizer's imperfect output: not something a person says."""


@dataclass(frozen=True)
class Row:
    text: str
    intent: str
    slots: dict = field(default_factory=dict, hash=False, compare=False)
    style: str = ""


@dataclass(frozen=True)
class Utterance:
    text: str
    intent: str
    """Expected intent, or "none"."""
    voice: str
    wpm: int
    style: str = ""

    @property
    def family(self) -> str:
        return family(self.voice)

    def audio(self, lead: float = 0.4) -> Audio:
        speech = render(self.text, self.voice, self.wpm).resampled(RATE)
        pad = np.zeros(int(lead * RATE), np.float32)
        return Audio(np.concatenate([pad, speech.samples, pad, pad]), RATE)


@dataclass(frozen=True)
class Condition:
    name: str
    snr_db: float | None = None
    kind: str = "clean"
    """clean | pink | babble | partner"""


QUICK_CONDITIONS = [Condition("quiet room"), Condition("pink 10 dB", 10, "pink"),
                    Condition("babble 10 dB", 10, "babble"), Condition("partner 6 dB", 6, "partner")]
FULL_CONDITIONS = [Condition("quiet room"), Condition("pink 20 dB", 20, "pink"),
                   Condition("pink 10 dB", 10, "pink"), Condition("pink 5 dB", 5, "pink"),
                   Condition("babble 20 dB", 20, "babble"), Condition("babble 10 dB", 10, "babble"),
                   Condition("babble 5 dB", 5, "babble"), Condition("partner 6 dB", 6, "partner")]


def read_rows(split: str) -> list[Row]:
    """``router_<split>.tsv`` (text, intent, slots, style); intents are checked."""
    path = DATA / f"router_{split}.tsv"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing (the router evaluation data)")
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for i, rec in enumerate(csv.DictReader(f, delimiter="\t"), start=2):
            intent = (rec.get("intent") or "").strip()
            if intent != "none" and intent not in INTENTS:
                raise ValueError(f"{path.name}:{i}: unknown intent {intent!r}")
            slots = json.loads(rec["slots"]) if (rec.get("slots") or "").strip() else {}
            rows.append(Row(rec["text"].strip(), intent, slots, (rec.get("style") or "").strip()))
    return rows


def voices(split: str) -> list[str]:
    return [f"kokoro:{v}" for v in kokoro_voices()] if split == "report" else list(TUNE_VOICES)


def _pick(key: str, n: int) -> int:
    """A stable choice in range(n) from ``key``: the same phrasing gets the same voice and
    speed whatever the size of the sample, so cached renders are reused."""
    return int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % n


def assign(rows: list[Row], pool: list[str], per_row: int) -> list[Utterance]:
    """Each row spoken by ``per_row`` different voices of ``pool`` at speeds 0.9-1.15,
    chosen stably from the text (about evenly over voices and speeds)."""
    out = []
    for row in rows:
        first = _pick(row.text, len(pool))
        for j in range(per_row):
            voice = pool[(first + j * 7) % len(pool)]
            speed = SPEEDS[_pick(f"{row.text}|{j}", len(SPEEDS))]
            out.append(Utterance(row.text, row.intent, voice, round(150 * speed), row.style))
    return out


def _stable_sample(rows: list[Row], k: int | None, seed: int, key: str) -> list[Row]:
    """The first ``k`` of a shuffle fixed by ``seed`` and ``key``: a smaller sample is a
    prefix of a larger one."""
    rows = rows[:]
    random.Random(f"{seed}|{key}").shuffle(rows)
    return rows if k is None else rows[:k]


def cue_set(split: str, per_intent: int, per_row: int, seed: int = 1) -> list[Utterance]:
    """A sample of ``per_intent`` phrasings per intent (twice as many for safety, where a
    miss matters most), each in ``per_row`` voices of the split's family."""
    by_intent: dict[str, list[Row]] = {}
    for row in read_rows(split):
        if row.intent != "none" and row.style not in AUDIO_STYLES_EXCLUDED:
            by_intent.setdefault(row.intent, []).append(row)
    chosen = []
    for intent in INTENTS:
        k = per_intent * (2 if intent == "safety" else 1)
        chosen += _stable_sample(by_intent.get(intent, []), k, seed, intent)
    return assign(chosen, voices(split), per_row)


def negative_set(split: str, n: int | None, seed: int = 2) -> list[Utterance]:
    """Rows that must route to nothing (near misses, negations, third person, household
    and TV lines), ``n`` of them (all when None), one voice each."""
    rows = [r for r in read_rows(split) if r.intent == "none" and r.style not in
            AUDIO_STYLES_EXCLUDED]
    return assign(_stable_sample(rows, n, seed, "none"), voices(split), 1)


def talk_lines(split: str) -> list[str]:
    text = (DATA / f"talk_{split}.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def babble_pool(split: str) -> list[str]:
    if split == "report":
        return [f"kokoro:{v}" for v in ("af_nicole", "am_eric", "bf_alice", "bm_daniel",
                                         "af_sky", "am_puck")]
    return list(TUNE_VOICES)


FEMALE_VOICES = {"en-us+f2", "en+f4", "flite:slt"}
"""The tuning voices that are women's (Kokoro names say it: af_/bf_ women, am_/bm_ men)."""


def is_female(voice: str) -> bool:
    name = voice.removeprefix("kokoro:")
    return name[1:2] == "f" if voice.startswith("kokoro:") else name in FEMALE_VOICES


def partner_lines() -> list[str]:
    """What a partner says in a fight (``partner_fight.txt``): none of it a cue."""
    text = (DATA / "partner_fight.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def partner_voice(utt: Utterance, split: str, seed: int) -> str:
    """One voice of the other sex from the split's family, never the speaker's."""
    pool = [v for v in babble_pool(split) if v != utt.voice and is_female(v) != is_female(utt.voice)]
    return random.Random(seed).choice(pool)


def noisy(utt: Utterance, cond: Condition, split: str, seed: int) -> Audio:
    audio = utt.audio()
    if cond.kind == "pink":
        return add_noise(audio, cond.snr_db, seed=seed)
    if cond.kind == "babble":
        others = [v for v in babble_pool(split) if v != utt.voice]
        rng = random.Random(seed)
        pair = rng.sample(others, 2)
        lines = talk_lines(split)[:6]  # a fixed handful, so the renders are reused
        return add_babble(audio, cond.snr_db, pair, seed=seed, lines=lines, wpms=(150,))
    if cond.kind == "partner":
        # One person arguing over the cue, a little faster than calm talk, 6 dB below it.
        lines = partner_lines()[:8]  # a fixed handful per voice, so the renders are reused
        return add_babble(audio, cond.snr_db, [partner_voice(utt, split, seed)], seed=seed,
                          lines=lines, wpms=(165,), talkers=1)
    return audio


@dataclass(frozen=True)
class Stream:
    """Continuous audio as a microphone gives it, and what it is made of."""

    audio: Audio
    speech_seconds: float
    parts: int
    note: str


def _join(pieces: list[np.ndarray], rng: random.Random, room_db: float = 30) -> Audio:
    parts = []
    for s in pieces:
        parts += [s, np.zeros(int(RATE * rng.uniform(0.3, 1.5)), np.float32)]
    # Faint room noise under it all (30 dB below the speech), as in a real room.
    return add_noise(Audio(np.concatenate(parts), RATE), room_db, seed=3)


def talk_stream(split: str, minutes: float, seed: int = 7) -> Stream:
    """Ordinary talk in the split's voices: the sentences in order, then again in other
    voices, until ``minutes`` of talk (pauses included) are reached."""
    lines = talk_lines(split)
    pool = voices(split)
    rng = random.Random(seed)
    order = pool[:]
    rng.shuffle(order)
    pieces, total, i = [], 0.0, 0
    while total < minutes * 60:
        line = lines[i % len(lines)]
        voice = order[(i + i // len(lines) * 3) % len(order)]
        wpm = round(150 * SPEEDS[(i * 5) % len(SPEEDS)])
        s = render(line, voice, wpm).resampled(RATE).samples
        pieces.append(s)
        total += len(s) / RATE + 0.9
        i += 1
    speech = sum(len(p) for p in pieces) / RATE
    return Stream(_join(pieces, rng), speech, len(pieces),
                  f"{min(i, len(lines))} distinct sentences in {len(set(order[:i]))} voices")


def real_stream(langs: tuple[str, ...], minutes: float | None, seed: int = 11) -> Stream:
    """Real recorded speech from registry packages (``bench/real_speech.py``), shuffled
    reproducibly, up to ``minutes`` of recordings (all when None)."""
    recs = real_speech.recordings(langs)
    if not recs:
        raise FileNotFoundError("no real recorded speech: run bench/real_speech.py fetch")
    rng = random.Random(seed)
    rng.shuffle(recs)
    pieces, total = [], 0.0
    for _, audio in recs:
        if minutes is not None and total >= minutes * 60:
            break
        pieces.append(audio.resampled(RATE).samples)
        total += audio.seconds
    packages = sorted({r.package for r, _ in recs[:len(pieces)]})
    return Stream(_join(pieces, rng), total, len(pieces), ", ".join(packages))


def device_lines() -> list[tuple[str, float]]:
    """Every line the device says (script steps and session prompts), filled with sample
    values and written for the ear, with the script's rate factor."""
    library = load_library()
    lines = []
    for script in library.scripts.values():
        for step in script.steps:
            lines.append((for_the_ear(fill(step.text, SAMPLE_VALUES)), script.rate))
    for _, text in library.prompts.lines():
        lines.append((for_the_ear(fill(text, SAMPLE_VALUES)), 1.0))
    return lines
