"""End of speech -> decision, as a user meets it: a real `voiceguide listen` process in
the virtual room (a PulseAudio null sink, its monitor as the microphone).

    .venv/bin/python bench/listen_latency.py [--engine whisper] [--model tiny.en] [--cues 20]

Cues the router routes as text (report split; not answers, which need a question), spoken by Kokoro voices, are played into
the room with `paplay` one at a time; `listen --print` (answers printed, not spoken, so
every cue is heard in the same mode) logs when it decided each utterance (`-vv`). The
latency of a cue is the time from the end of its speech in the room (when `paplay`
returns, less the silence at the end of the file) to that log line: the sound server's
buffers, the endpointer's 0.3 s of silence, the decode and the router. Prints p50 / p95 /
max and the decisions. Run on a machine not busy with anything else.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]
import corpus  # noqa: E402
from conftest import Room, _env  # noqa: E402
from speech import kokoro_voices, render  # noqa: E402
from test_room import Listening  # noqa: E402

from voiceguide.audio import RATE, Audio, write_wav  # noqa: E402
from voiceguide.router import default_router  # noqa: E402

TAIL = 0.2
"""Seconds of silence after the speech in each played file."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", default="whisper")
    ap.add_argument("--model", default=None)
    ap.add_argument("--cues", type=int, default=20)
    args = ap.parse_args()
    router = default_router()
    rows = [r for r in corpus.read_rows("report") if r.intent not in ("none", "yes", "no", "score")
            and (m := router.route(r.text)) is not None and m.intent.value == r.intent]
    rows = corpus._stable_sample(rows, args.cues, 3, "listen-latency")
    voices = kokoro_voices()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "pulse").mkdir()
        room = Room(tmp / "pulse")
        room.start()
        try:
            env = _env({**room, "VOICEGUIDE_CONFIG": str(tmp / "config.toml"),
                        "XDG_STATE_HOME": str(tmp / "state")})
            (tmp / "config.toml").write_text("[session]\noffer_timeout = 5\n")
            files = []
            for k, row in enumerate(rows):
                speech = render(row.text, f"kokoro:{voices[k % len(voices)]}").resampled(RATE)
                x = np.concatenate([np.zeros(int(0.3 * RATE), np.float32), speech.samples,
                                    np.zeros(int(TAIL * RATE), np.float32)])
                path = tmp / f"cue{k}.wav"
                write_wav(path, Audio(x, RATE))
                files.append((path, row))
            extra = ["--print", "--engine", args.engine] + (["--model", args.model]
                                                             if args.model else [])
            listen = Listening(env, tmp, *extra)
            latencies, results = [], []
            try:
                listen.ready()
                time.sleep(2.0)  # the room's noise floor is learned in the first frames
                for path, row in files:
                    seen = len(listen.err.lines)
                    subprocess.run(["paplay", str(path)], env=env, check=True, timeout=60)
                    ended = time.monotonic() - TAIL
                    line = listen.err.wait_for("decided:", 120, after=seen)
                    latencies.append(time.monotonic() - ended)
                    results.append(f"{row.intent}: {line.split('decided:')[-1].strip()}")
                    # let an answer print and any offer time out before the next cue
                    time.sleep(6.0)
            finally:
                listen.stop()
        finally:
            room.kill()
    ms = sorted(1000 * t for t in latencies)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    print(f"listen --engine {args.engine} {args.model or ''} in the virtual room, {len(ms)} "
          f"cues: end of speech -> decision p50 {statistics.median(ms):.0f} ms, p95 "
          f"{p95:.0f} ms, max {ms[-1]:.0f} ms")
    accepted = sum(r.endswith("accepted") for r in results)
    print(f"accepted {accepted}/{len(results)}: " + "; ".join(results))


if __name__ == "__main__":
    main()
