"""One listener alone in its own process, for the benchmark's resource figures.

    python bench/listener.py ENGINE MODEL QUIET.wav FAN.wav TALK.wav [--korean]

Prints one JSON line: cold start (imports, engine, script library), CPU-seconds per
audio-second on a quiet room, a room with a fan running and on talk (fed in 0.3 s
blocks, as a microphone gives them) and the process's peak resident memory. ``--korean`` pairs the Korean Vosk model
from PyPI with a small Korean grammar: it exercises the real Vosk code path where no
English Vosk model can be installed.
"""

from __future__ import annotations

import json
import resource
import sys
import time

t0 = time.perf_counter()

from voiceguide.audio import read_wav  # noqa: E402
from voiceguide.config import Settings  # noqa: E402
from voiceguide.hearing.engines import VoskEngine  # noqa: E402
from voiceguide.hearing.models import select_engine  # noqa: E402
from voiceguide.hearing.pipeline import Hearing  # noqa: E402
from voiceguide.library import load_library  # noqa: E402
from voiceguide.router import Router, default_router  # noqa: E402

KOREAN_CUES = {"yes": ["네"], "no": ["아니요"], "grounding": ["숨쉬기"],
               "flooded": ["안녕하세요"], "chasing": ["감사합니다"]}


def peak_rss_mb() -> float:
    """This process's own high-water mark. ru_maxrss is not it: Linux carries the parent's
    peak across fork and exec, so a child started by a large benchmark reports that."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    engine_name, model, quiet, fan, talk = sys.argv[1:6]
    if "--korean" in sys.argv:
        router = Router(KOREAN_CUES)
        engine = VoskEngine(model, {"cues": [w for ws in KOREAN_CUES.values() for w in ws]})
    else:
        router = default_router()
        engine = select_engine(engine_name, model or None, Settings(), router)
    load_library()
    out = {"engine": engine.description, "cold_start_s": time.perf_counter() - t0}
    block = 4800 * 2  # 0.3 s of PCM16
    for name, path in (("silence", quiet), ("fan", fan), ("talk", talk)):
        pcm = read_wav(path).resampled(16000).pcm16()
        hearing = Hearing(engine, router)
        c0 = time.process_time()
        for i in range(0, len(pcm), block):
            hearing.feed(pcm[i:i + block])
        out[f"{name}_cpu_s_per_audio_s"] = (time.process_time() - c0) / (len(pcm) / 32000)
        if name == "fan":  # before the long talk recording is loaded into memory
            out["peak_rss_listening_mb"] = peak_rss_mb()
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
