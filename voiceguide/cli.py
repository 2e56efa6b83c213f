"""Command line: the only place that prints errors and chooses exit codes."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .clock import SystemClock, VirtualClock
from .config import Settings, config_path, load_settings, state_dir
from .errors import ScriptError, VoiceguideError
from .library import Library, Script, load_library, load_script
from .intents import INTENTS
from .router import Router, default_router
from .runner import RenderClock, Runner
from .helplines import notice
from .session import Session
from .speaker import AudioSpeaker, PrintSpeaker, RenderSpeaker
from .state import FileStore, MemoryStore, first_run
from .tts import Pyttsx3Renderer

log = logging.getLogger("voiceguide")

EXIT_NOT_UNDERSTOOD = 3


@dataclass
class App:
    settings: Settings
    router: Router
    library: Library

    @classmethod
    def load(cls, args) -> "App":
        settings = load_settings(Path(args.config) if args.config else None)
        router = default_router()
        library = load_library(settings.user_scripts_dir(), router)
        for problem in library.problems:
            print(f"voiceguide: skipped {problem}", file=sys.stderr)
        return cls(settings, router, library)

    def renderer(self) -> Pyttsx3Renderer:
        s = self.settings.speech
        return Pyttsx3Renderer(s.voice, s.rate, s.timeout)

    def runner(self, printing: bool, bedside: bool = False, resume: bool = True) -> Runner:
        """``resume``: pick up a pause saved by an earlier run (``listen``; one-shot commands
        do not, so they never wait for, or announce, another run's timer)."""
        store = FileStore(state_dir())
        if first_run(store):
            s = self.settings.session
            print(f"voiceguide (first run): {notice(s.helplines(), s.country, config_path())}",
                  flush=True)
        # Printing runs on virtual time: its return times are not real promises to keep.
        session = Session(self.library, self.settings.session, bedside=bedside,
                          store=MemoryStore() if printing else store, resume=resume)
        if printing:
            runner = Runner(session, PrintSpeaker(), VirtualClock(SystemClock().now()))
        else:
            device = self.settings.speech.device
            speaker = AudioSpeaker(self.renderer(), self.settings.speech.volume,
                                   device=int(device) if device and device.isdigit() else device)
            runner = Runner(session, speaker, SystemClock())
        runner.on_show = lambda shown: print(f"  voiceguide (on screen only): {shown.text}",
                                             flush=True)
        return runner


def _describe(text: str, match) -> str:
    if match is None:
        return f"heard: {text!r} -> no cue"
    slots = "".join(f" {k}={v}" for k, v in match.slots.items())
    return f"heard: {text!r} -> {match.intent} ({match.confidence:.2f}){slots}"


def cmd_say(app: App, args) -> int:
    text = " ".join(args.text)
    match = app.router.route(text)
    print(_describe(text, match))
    if match is None:
        print("voiceguide: that is not a cue I know; `voiceguide say \"what can I say\"` "
              "lists them", file=sys.stderr)
        return EXIT_NOT_UNDERSTOOD
    runner = app.runner(args.print, bedside=args.bedside, resume=False)
    runner.submit(match)
    runner.close()
    _run_interruptible(runner)
    return 0


def _find_script(app: App, name: str, bedside: bool) -> Script:
    script = app.library.get(name)
    if script:
        return script
    if name in INTENTS or name == "return":
        variants = app.library.variants(name, bedside=bedside)
        if variants:
            return variants[0]
    known = ", ".join(sorted(app.library.scripts))
    raise VoiceguideError(f"no script or intent named {name!r}; try one of: {known}")


def cmd_run(app: App, args) -> int:
    bedside = args.bedside or app.settings.session.bedside
    script = _find_script(app, args.script, bedside)
    runner = app.runner(args.print, bedside=bedside, resume=False)
    runner.session.start_script(script, runner.clock.now())
    runner.close()
    _run_interruptible(runner)
    return 0


def _run_interruptible(runner: Runner) -> None:
    try:
        runner.run()
    except KeyboardInterrupt:
        runner.speaker.stop()
        print("\nvoiceguide: stopped.", file=sys.stderr)


def estimate_seconds(script: Script, wpm: int) -> float:
    total = 0.0
    for step in script.steps:
        total += len(step.text.split()) * 60 / (wpm * script.rate) + step.pause
        if step.breathing:
            b = step.breathing
            total += b.rounds * (b.inhale + b.hold + b.exhale)
    return total


def cmd_scripts(app: App, args) -> int:
    wpm = app.settings.speech.rate
    for s in sorted(app.library.scripts.values(), key=lambda s: (s.intent, s.id)):
        night = " (bedside)" if s.bedside else ""
        print(f"{s.id:30} {s.intent:13} ~{estimate_seconds(s, wpm) / 60:4.1f} min  "
              f"{s.title}{night}")
    return 0


def cmd_route(args) -> int:
    from .routing.explain import format_explanation

    router = default_router()
    lines = [" ".join(args.text)] if args.text else [ln.rstrip("\n") for ln in sys.stdin]
    for text in lines:
        if args.explain:
            print(format_explanation(router.explain(text)))
            continue
        match = router.route(text)
        if args.json:
            body = match.as_dict() if match else {"intent": None, "confidence": 0.0, "slots": {}}
            print(json.dumps({"text": text, **body}, ensure_ascii=False))
        elif match:
            slots = " ".join(f"{k}={v}" for k, v in match.slots.items())
            print(f"{match.intent}\t{match.confidence:.2f}\t{slots}".rstrip())
        else:
            print("none")
    return 0


def cmd_check(app_args) -> int:
    args = app_args
    settings = load_settings(Path(args.config) if args.config else None)
    router = default_router()
    problems: list[str] = []
    if args.files:
        for f in args.files:
            try:
                load_script(Path(f), router)
                print(f"ok: {f}")
            except ScriptError as exc:
                problems.append(str(exc))
    else:
        library = load_library(settings.user_scripts_dir(), router)
        problems = library.problems
        print(f"ok: {len(library.scripts)} scripts load "
              f"(user folder: {settings.user_scripts_dir() or 'none'})")
    for p in problems:
        print(f"voiceguide: {p}", file=sys.stderr)
    return 1 if problems else 0


def cmd_config(app_args) -> int:
    path = Path(app_args.config) if app_args.config else config_path()
    settings = load_settings(path)
    print(f"# config file: {path} ({'found' if path.exists() else 'not found: defaults'})")
    print(json.dumps(settings.model_dump(mode="json"), indent=2))
    return 0


def cmd_render(app: App, args) -> int:
    from .audio import write_wav

    script = _find_script(app, args.script, args.bedside)
    speaker = RenderSpeaker(app.renderer(), app.settings.speech.volume)
    clock = RenderClock(speaker)
    session = Session(app.library, app.settings.session, bedside=args.bedside, offers=False)
    runner = Runner(session, speaker, clock)
    session.start_script(script, clock.now())
    session.pause = None  # render the words, not the timer
    runner.close()
    runner.run()
    audio = speaker.audio()
    write_wav(args.output, audio)
    print(f"wrote {args.output}: {script.id}, {audio.seconds:.1f} s")
    return 0


def cmd_listen(app: App, args) -> int:
    if args.text:
        return listen_text(app, args)
    from .hearing.listen import listen_microphone

    return listen_microphone(app, args)


def listen_text(app: App, args) -> int:
    runner = app.runner(args.print, bedside=args.bedside)
    interactive = sys.stdin.isatty()
    if interactive:
        print("Type a cue (e.g. \"I'm flooded\", \"what can I say\"); Ctrl-D to quit.")

    def read() -> None:
        for line in sys.stdin:
            text = line.strip()
            if not text:
                continue
            match = app.router.route(text)
            print(_describe(text, match), flush=True)
            if match:
                runner.submit(match)
        runner.close()

    threading.Thread(target=read, name="stdin", daemon=True).start()
    _run_interruptible(runner)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="voiceguide", description=(
        "Offline voice companion for the pursuer/distancer cycle. Not therapy; "
        "in danger, call your emergency number."))
    p.add_argument("--version", action="version", version=f"voiceguide {__version__}")
    p.add_argument("--config", help="config file (default: the user config dir)")
    p.add_argument("-v", "--verbose", action="count", default=0)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("say", help="route a typed cue and speak the answer")
    s.add_argument("text", nargs="+")
    s.add_argument("--print", action="store_true", help="only print, no audio, no waiting")
    s.add_argument("--bedside", action="store_true")
    s.set_defaults(func=cmd_say)

    s = sub.add_parser("run", help="run a script by id or intent (e.g. grounding)")
    s.add_argument("script")
    s.add_argument("--print", action="store_true")
    s.add_argument("--bedside", action="store_true", help="night-time variant")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("scripts", help="list the script library")
    s.set_defaults(func=cmd_scripts)

    s = sub.add_parser("route", help="show only the router's answer")
    s.add_argument("text", nargs="*")
    s.add_argument("--json", action="store_true")
    s.add_argument("--explain", action="store_true",
                   help="why: words, clauses, templates that matched, scores, what was rejected")
    s.set_defaults(func=cmd_route, bare=True)

    s = sub.add_parser("check", help="validate script files")
    s.add_argument("files", nargs="*")
    s.set_defaults(func=cmd_check, bare=True)

    s = sub.add_parser("config", help="show the config path and effective values")
    s.set_defaults(func=cmd_config, bare=True)

    s = sub.add_parser("render", help="render a whole script, pauses included, to a WAV")
    s.add_argument("script")
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--bedside", action="store_true")
    s.set_defaults(func=cmd_render)

    s = sub.add_parser("listen", help="the main job: hear cues and answer out loud")
    s.add_argument("--text", action="store_true", help="type cues instead of speaking them")
    s.add_argument("--print", action="store_true", help="print answers instead of speaking")
    s.add_argument("--bedside", action="store_true")
    s.add_argument("--engine", choices=["auto", "vosk", "pocketsphinx"])
    s.add_argument("--model", help="Vosk model folder")
    s.add_argument("--device", help="input device name or index (see `voiceguide devices`)")
    s.set_defaults(func=cmd_listen)

    from .hearing.cli import add_commands

    add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING - 10 * min(args.verbose, 2),
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        if getattr(args, "bare", False):
            return args.func(args)
        return args.func(App.load(args), args)
    except VoiceguideError as exc:
        print(f"voiceguide: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\nvoiceguide: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
