"""Peak memory of `voiceguide hear` on a long recording: streamed, it should stay flat.

Writes a 30-minute 48 kHz stereo 16-bit WAV (a quiet room, with one spoken cue near the
end), then runs each case in a child process of its own and reads that child's peak
resident memory (VmHWM from /proc) just before it exits:

* ``hear, 1 s file``: the same command on one second of audio (imports, engine, router);
* ``hear, 30 min file``: `voiceguide hear` on the long file (read a block at a time);
* ``read whole file``: the long file read into memory at once (``read_wav``), which is
  what `hear` did before it streamed.

    .venv/bin/python bench/audio_memory.py [--minutes 30] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

CHILD = """
import json, sys, time
t = time.perf_counter()
{body}
status = open("/proc/self/status").read().split("\\n")
peak = next(int(x.split()[1]) for x in status if x.startswith("VmHWM:"))
print(json.dumps({{"peak_kb": peak, "seconds": time.perf_counter() - t}}), file=sys.stderr)
"""


def render_cue(rate: int = 48000):
    """ "help me ground" in flite's slt voice (espeak-ng's en-us+f2 when flite is missing)."""
    import shutil

    from speech import synth
    from voiceguide.audio import read_wav

    with tempfile.TemporaryDirectory() as tmp:
        voice = "flite:slt" if shutil.which("flite") else "en-us+f2"
        return read_wav(synth(Path(tmp), "help me ground", voice, 130)).resampled(rate)


def write_long_file(path: Path, minutes: float, cue, rate: int = 48000) -> float:
    """A quiet room (pink noise at -65 dBFS) with ``cue`` said 10 s before the end,
    written a block at a time. Returns where the cue starts (seconds)."""
    import soundfile as sf

    from speech import room_tone

    total = int(minutes * 60 * rate)
    cue_at = total - 10 * rate
    block = 60 * rate
    with sf.SoundFile(str(path), "w", rate, 2, "PCM_16", format="WAV") as f:
        for start in range(0, total, block):
            n = min(block, total - start)
            room = room_tone(n / rate, -65, seed=start // block, rate=rate).samples[:n]
            lo, hi = max(start, cue_at), min(start + n, cue_at + len(cue.samples))
            if lo < hi:
                room[lo - start:hi - start] += cue.samples[lo - cue_at:hi - cue_at] * 0.5
            f.write(np.stack([room, room * 0.9], axis=1))
    return cue_at / rate


def run_child(body: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD.format(body=body)], capture_output=True,
                          text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"child failed:\n{proc.stderr}")
    result = json.loads(proc.stderr.strip().splitlines()[-1])
    result["stdout"] = proc.stdout.strip()
    return result


def hear(path: Path) -> str:
    return ("from voiceguide.cli import main\n"
            f"main(['hear', '--engine', 'pocketsphinx', '--json', '--all', {str(path)!r}])")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--keep", help="folder to write the audio into (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        long_file, short_file = folder / "long.wav", folder / "short.wav"
        started = time.perf_counter()
        cue = render_cue()
        cue_at = write_long_file(long_file, args.minutes, cue)
        write_long_file(short_file, 11 / 60, cue)
        print(f"wrote {long_file.stat().st_size / 1e6:.0f} MB ({args.minutes:g} min, 48 kHz "
              f"stereo 16-bit) in {time.perf_counter() - started:.0f} s; cue at {cue_at:.0f} s")
        rows = [("hear, 11 s file", run_child(hear(short_file))),
                (f"hear, {args.minutes:g} min file", run_child(hear(long_file))),
                (f"read whole {args.minutes:g} min file",
                 run_child(f"from voiceguide.audio import read_wav\nread_wav({str(long_file)!r})"))]
    print("| case | peak memory (VmHWM) | time |\n| --- | --- | --- |")
    for name, r in rows:
        print(f"| {name} | {r['peak_kb'] / 1024:.0f} MB | {r['seconds']:.0f} s |")
    found = [json.loads(x) for x in rows[1][1]["stdout"].splitlines()]
    print("utterances found in the long file (intent, start s):",
          [(d["intent"], d["start"]) for d in found])


if __name__ == "__main__":
    main()
