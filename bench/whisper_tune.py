"""Tune the Whisper engine's decoding and rejection on tuning audio only.

Every clip (tune phrasings x tune voices x clean / pink 10 dB / babble 10 dB, plus
non-speech: silence, room noise, tones and chords) goes through the real pipeline
(VAD, noise suppression, engine, router). Per variant it records each utterance's
transcript and scores to ``bench/out/whisper-tune-VARIANT.json`` and prints:

* words: word error rate of the transcript against the phrasing,
* agree: the router gives the same answer for the transcript as for the phrasing,
* right: the intent heard is the labelled one (this includes the router's own misses),
* false: talk (label none) or non-speech that produced an intent,
* cpu: CPU-seconds per decoded utterance (all threads), wall: ms per decode.

    .venv/bin/python bench/whisper_tune.py --variants base,w30 --positives 60 --negatives 40
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import whisper_audio as wa  # noqa: E402

from voiceguide.audio import Audio  # noqa: E402
from voiceguide.hearing.catalog import EMBEDDED_SHA256, embedded_whisper_dir  # noqa: E402
from voiceguide.hearing.pipeline import Hearing  # noqa: E402
from voiceguide.hearing.whisper_engine import WhisperEngine, WhisperOptions  # noqa: E402
from voiceguide.intents import Intent  # noqa: E402
from voiceguide.router import IntentMatch, default_router  # noqa: E402
from voiceguide.text import normalize  # noqa: E402

CUE_PROMPT = ("I'm flooded. I'm not safe. Help me ground. Stop. Take a break. "
              "I'm starting to chase. We're in our cycle. Help us repair.")
VARIANTS = {
    "base": WhisperOptions(),
    "w30b5": WhisperOptions(window=30, beam_size=5),
    "w30": WhisperOptions(window=30),
    "w8": WhisperOptions(window=8),
    "w3t2": WhisperOptions(window=3, tail=2),
    "w6t2": WhisperOptions(window=6, tail=2),
    "b5": WhisperOptions(beam_size=5),
    "prompt": WhisperOptions(initial_prompt=CUE_PROMPT),
    "padf": WhisperOptions(pad_features=True),
    "w8padf": WhisperOptions(window=8, pad_features=True),
    "w30padf": WhisperOptions(window=30, pad_features=True),
    "nr3": WhisperOptions(no_repeat_ngram=3),
    "rp": WhisperOptions(repetition_penalty=1.3),
    "w6padf": WhisperOptions(window=6, pad_features=True),
    "w5t2padf": WhisperOptions(window=5, tail=2, pad_features=True),
}


def nonspeech_clips() -> dict[str, Audio]:
    """Sounds with nobody speaking: Whisper must not make words of them."""
    rate, rng = wa.RATE, np.random.default_rng(7)
    t = np.arange(int(3 * rate)) / rate
    out = {"silence": np.zeros(len(t), np.float32),
           "room -50 dBFS": wa.pink_noise(len(t), rng) * 0.003,
           "fan -30 dBFS": wa.pink_noise(len(t), rng) * 0.03,
           "white noise burst": np.concatenate([np.zeros(rate), rng.standard_normal(rate // 2)
                                                * 0.1, np.zeros(rate)])}
    for name, freqs in (("tone 440 Hz", [440]), ("chord C major", [261.6, 329.6, 392.0]),
                        ("chord A minor 7", [220.0, 261.6, 329.6, 392.0])):
        x = sum(np.sin(2 * np.pi * f * k * t) / k for f in freqs for k in (1, 2, 3))
        out[name] = (x / np.abs(x).max() * 0.3 * np.minimum(1, t * 4)).astype(np.float32)
    melody = np.concatenate([np.sin(2 * np.pi * f * np.arange(rate // 4) / rate) *
                             np.hanning(rate // 4) for f in [262, 294, 330, 349, 392, 440,
                                                            494, 523, 494, 440, 392, 349]])
    out["melody"] = (0.3 * melody).astype(np.float32)
    return {k: Audio(np.asarray(v, np.float32), rate) for k, v in out.items()}


class Timed:
    """The engine, with CPU and wall time measured around each decode."""

    def __init__(self, engine):
        self.engine = engine
        self.cpu: list[float] = []
        self.wall: list[float] = []

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def finish(self):
        c, w = time.process_time(), time.perf_counter()
        out = self.engine.finish()
        self.cpu.append(time.process_time() - c)
        self.wall.append(time.perf_counter() - w)
        return out


def wer(ref: list[str], hyp: list[str]) -> float:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i]
        for j, h in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h)))
        prev = cur
    return prev[-1] / max(1, len(ref))


def run_variant(name: str, options: WhisperOptions, clips: list, mode: str) -> dict:
    router = default_router()
    engine = Timed(WhisperEngine(embedded_whisper_dir(), EMBEDDED_SHA256, "tiny.en", options))
    rows = []
    for item in clips:
        hearing = Hearing(engine, router, mode=lambda: mode)
        found = hearing.feed(item["audio"].pcm16()) + hearing.flush()
        doubt = IntentMatch(Intent.FLOODED, 1.0)  # judged as a cue that is not safety
        heard = [d for d in found if d.transcript.text and not engine.doubt(d.transcript, doubt)]
        accepted = [d for d in found if d.match]
        text = " ".join(d.transcript.text for d in heard)
        ref = item.get("text")
        expected = item.get("intent")
        ref_match = router.route(ref) if ref else None
        got = accepted[0].match.intent.value if accepted else None
        utts = [[d.transcript.text, d.transcript.no_speech, d.transcript.avg_logprob,
                 d.transcript.compression, d.transcript.seconds,
                 engine.doubt(d.transcript, doubt)] for d in found if d.transcript.text]
        rows.append({**{k: v for k, v in item.items() if k != "audio"}, "heard": text,
                     "utterances": utts,
                     "got": got, "reasons": [d.reason for d in heard],
                     "scores": [[d.transcript.no_speech, d.transcript.avg_logprob,
                                 d.transcript.compression] for d in heard],
                     "wer": wer(normalize(ref), normalize(text)) if ref else None,
                     "agree": (got == (ref_match.intent.value if ref_match else None))
                     if ref else None,
                     "right": got == expected})
    return {"variant": name, "options": asdict(options), "rows": rows,
            "cpu_per_decode": float(np.mean(engine.cpu)) if engine.cpu else 0.0,
            "wall_ms_p50": float(np.percentile(engine.wall, 50) * 1000) if engine.wall else 0,
            "wall_ms_p95": float(np.percentile(engine.wall, 95) * 1000) if engine.wall else 0}


def summary(result: dict) -> str:
    rows = result["rows"]
    lines = [f"== {result['variant']}: cpu {result['cpu_per_decode']:.3f} s/decode, wall p50 "
             f"{result['wall_ms_p50']:.0f} ms p95 {result['wall_ms_p95']:.0f} ms"]
    for cond in [c[0] for c in wa.CONDITIONS]:
        sel = [r for r in rows if r.get("condition") == cond]
        pos = [r for r in sel if r["intent"]]
        neg = [r for r in sel if not r["intent"]]
        safety = [r for r in pos if r["intent"] == "safety"]
        lines.append(
            f"  {cond:13} words {np.mean([r['wer'] for r in sel]):.1%} err | agree "
            f"{np.mean([r['agree'] for r in sel]):.1%} | right {np.mean([r['right'] for r in pos]):.1%}"
            f" | safety right {sum(r['right'] for r in safety)}/{len(safety)} | false "
            f"{sum(bool(r['got']) for r in neg)}/{len(neg)}")
    non = [r for r in rows if r.get("condition") == "non-speech"]
    lines.append(f"  non-speech: {sum(bool(r['got']) for r in non)}/{len(non)} triggered; "
                 f"words made up: " + "; ".join(f"{r['name']}: {r['heard']!r}"
                                               for r in non if r["heard"]))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variants", default="base")
    ap.add_argument("--positives", type=int, default=60)
    ap.add_argument("--negatives", type=int, default=40)
    ap.add_argument("--voices", default=",".join(wa.TUNE_VOICES))
    ap.add_argument("--conditions", default=",".join(c[0] for c in wa.CONDITIONS))
    ap.add_argument("--data", default=str(wa.TUNE_TSV))
    ap.add_argument("--mode", default="offer")
    args = ap.parse_args()
    phrases = wa.sample(wa.tune_phrases(Path(args.data)), args.positives, args.negatives)
    conditions = [c for c in wa.CONDITIONS if c[0] in args.conditions.split(",")]
    clips = []
    for voice in args.voices.split(","):
        for cond in conditions:
            for p in phrases:
                clips.append({"text": p.text, "intent": p.intent, "style": p.style,
                              "voice": voice, "condition": cond[0],
                              "audio": wa.clip(p, voice, cond)})
    for name, audio in nonspeech_clips().items():
        clips.append({"name": name, "intent": None, "condition": "non-speech", "audio": audio})
    print(f"{len(clips)} clips", flush=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    for name in args.variants.split(","):
        result = run_variant(name, VARIANTS[name], clips, args.mode)
        (out / f"whisper-tune-{name}.json").write_text(json.dumps(result, indent=0))
        print(summary(result), flush=True)


if __name__ == "__main__":
    main()
