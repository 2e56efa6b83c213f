"""Command line: the only place that prints errors and chooses exit codes."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from . import __version__
from .app import App, ListenOptions
from .config import config_path, load_settings
from .errors import ScriptError, VoiceguideError
from .intents import INTENTS
from .hearing.names import ENGINE_NAMES
from .library import Script, load_library, load_script
from .router import default_router
from .runner import RenderClock, Runner
from .session import Session
from .speaker import RenderSpeaker

log = logging.getLogger("voiceguide")

EXIT_NOT_UNDERSTOOD = 3
NOT_UNDERSTOOD = "Say 'what can I say' for examples."
NO_CUE = f"No cue there. {NOT_UNDERSTOOD}"
"""What a typed line that is not a cue gets: one line, so nothing seems to hang."""


def _notice(message: str) -> None:
    print(f"voiceguide: {message}", file=sys.stderr, flush=True)


def _show(text: str) -> None:
    print(f"  voiceguide (on screen only): {text}", flush=True)


def _screen_watched() -> bool:
    """Someone may be watching: output is a terminal, and systemd is not running us (it
    sets INVOCATION_ID for every unit)."""
    return sys.stdout.isatty() and "INVOCATION_ID" not in os.environ


def _first_run(text: str) -> None:
    print(f"voiceguide (first run): {text}", flush=True)


def describe(match, words: str | None = None) -> str:
    """One line for a cue heard or typed: the intent chosen, and the words only when
    given (``listen.log_transcripts = true``); by default what was said is never shown."""
    said = f" {words!r}" if words is not None else ""
    if match is None:
        return f"heard{said} -> no cue"
    slots = "".join(f" {k}={v}" for k, v in match.slots.items())
    return f"heard{said} -> {match.intent} ({match.confidence:.2f}){slots}"


def _words(app: "App", text: str) -> str | None:
    return text if app.settings.listen.log_transcripts else None


def cmd_say(app: App, args) -> int:
    text = " ".join(args.text)
    match = app.router.route(text)
    print(describe(match, _words(app, text)))
    if match is None:
        print(f"voiceguide: {NO_CUE}", file=sys.stderr)
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
    raise VoiceguideError(f"no script or intent named {name!r}; {nearest_names(app, name)}")


def nearest_names(app: App, name: str) -> str:
    """A hint of at most five script ids or intents close to ``name``."""
    import difflib

    names = sorted({*app.library.scripts, *(str(i) for i in INTENTS
                                            if app.library.variants(str(i))), "return"})
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
    if not close:  # "tango": no id is close; the intents are the short list to try
        close = ["grounding", "flooded", "pause", "repair", "safety"]
    return ("nearest: " + ", ".join(close) +
            " (`voiceguide scripts` lists them all)")


def cmd_run(app: App, args) -> int:
    bedside = args.bedside or app.settings.session.bedside
    script = _find_script(app, args.script, bedside)
    runner = app.runner(args.print, bedside=bedside, resume=False)
    runner.session.start_script(script, runner.clock.now())
    runner.close()
    _run_interruptible(runner)
    return 0


def _run_interruptible(runner: Runner) -> None:
    voice = getattr(runner.speaker, "voice", None)
    if voice is not None:
        _notice(f"voice: {voice.describe()}")
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

    settings = load_settings(Path(args.config) if args.config else None)
    router = default_router(settings.router.language)
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
    router = default_router(settings.router.language)
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
    from .helplines import summary

    path = Path(app_args.config).expanduser() if app_args.config else config_path()
    settings = load_settings(Path(app_args.config) if app_args.config else None)
    s = settings.session
    print(f"# config file: {path} ({'found' if path.exists() else 'not found: defaults'})")
    print(f"# {summary(s.helplines(), s.country)}")
    print(f"# {s.night_summary()}")
    print(json.dumps(settings.model_dump(mode="json"), indent=2))
    return 0


def _writable(output: str) -> Path:
    """The output file's path, or one line saying why it cannot be written (checked before
    the render, so no time is spent on audio that cannot be kept)."""
    if not output.strip():
        raise VoiceguideError("-o: give a file name such as out.wav")
    path = Path(output).expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise VoiceguideError(f"{output}: is a folder; give a file name such as out.wav")
    if not folder.is_dir():
        raise VoiceguideError(f"{output}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise VoiceguideError(f"{output}: the folder {folder} cannot be written to")
    return path


def cmd_render(app: App, args) -> int:
    from .audio import write_wav

    if (args.script is None) == (args.cue is None):
        raise VoiceguideError("render takes a script id or intent, or --cue TEXT (one of them)")
    output = _writable(args.output)
    match = None
    if args.cue is not None:
        match = app.router.route(args.cue)
        if match is None:
            raise VoiceguideError(f"--cue {args.cue!r}: {NO_CUE}")
    else:
        script = _find_script(app, args.script, args.bedside)
    speaker = RenderSpeaker(app.renderer(), app.settings.speech.volume)
    clock = RenderClock(speaker)
    session = Session(app.library, app.settings.session, bedside=args.bedside, offers=False,
                      screen=app.screen_watched())
    runner = Runner(session, speaker, clock)
    runner.on_show = lambda shown: app.show(shown.text)  # discreet numbers: not in the file
    if match is not None:
        session.handle(match, clock.now())
        if not session.busy:
            raise VoiceguideError(f"--cue: {match.intent} says nothing to render")
    else:
        session.start_script(script, clock.now())
    played = session.playing.script.id if session.playing else str(match.intent)
    session.pause = None  # render the words, not the timer
    runner.close()
    runner.run()
    audio = speaker.audio()
    try:
        write_wav(output, audio)
    except OSError as exc:
        raise VoiceguideError(f"{args.output}: cannot write ({exc.strerror})") from None
    print(f"wrote {args.output}: {played}, {audio.seconds:.1f} s")
    if args.lines:
        for start, end, text in speaker.lines:
            print(f"{start:7.2f} {end:7.2f}  {text}")
    return 0


class PrintedEvents:
    """Shows what the listener reports: cues on stdout, the device's state on stderr."""

    def __init__(self, numbers: str = ""):
        self.numbers = numbers
        """The safety numbers line, said as listening starts (stderr: the journal too)."""

    def listening(self, microphone: str, engine: str) -> None:
        if self.numbers:
            _notice(self.numbers)
        print(f"voiceguide: listening on {microphone!r} with {engine}. "
              "Say \"what can I say\" for help; Ctrl-C to quit.", flush=True)

    def heard(self, match, words: str | None) -> None:
        print(describe(match, words), flush=True)

    def ignored(self, words: str, reason: str) -> None:
        print(f"ignored: {words!r} ({reason})", flush=True)

    def pressed(self, press, match) -> None:
        print(f"{press.kind} press -> " + describe(match).removeprefix("heard -> "), flush=True)

    def status(self, line: str) -> None:
        print(f"voiceguide: {line}", file=sys.stderr, flush=True)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _reload_on_sighup(runner: Runner) -> None:
    """`kill -HUP` (or `systemctl --user reload voiceguide`) re-reads the config now. The
    handler only starts a thread that queues the request: putting on the queue from the
    handler itself could wait forever for a lock the interrupted code holds."""
    from .runner import RELOAD

    def handler(signum, frame) -> None:
        threading.Thread(target=runner.events.put, args=(RELOAD,), daemon=True).start()

    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, handler)


def cmd_listen(app: App, args) -> int:
    app.prepare_all = True

    app.on_runner = _reload_on_sighup
    if args.text:
        return listen_text(app, args)
    from .hearing.listen import listen_microphone

    options = ListenOptions(engine=args.engine, model=args.model, device=args.device,
                            printing=args.print, bedside=args.bedside)
    # `systemctl stop` (SIGTERM) ends listening the way Ctrl-C does: speech stopped, the
    # hearing thread joined, the output closed.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        # Every start says which numbers the safety scripts will say (the journal too).
        listen_microphone(app, options, PrintedEvents(app.numbers_line()))
    except KeyboardInterrupt:
        print("\nvoiceguide: stopped.", file=sys.stderr)
    return 0


def listen_text(app: App, args) -> int:
    # Typed cues run on the real clock even when printed: a pause lasts, an offer waits.
    runner = app.runner(args.print, bedside=args.bedside, real_time=True)
    _notice(app.numbers_line())  # every start: which numbers the safety scripts will say
    interactive = sys.stdin.isatty()
    if interactive:
        print("Type a cue (e.g. \"I'm flooded\", \"what can I say\"), or press Enter on an "
              "empty line as a button; Ctrl-D to quit.")

    button = None
    device_button = None
    if app.settings.button.configured:  # a real button works beside the keyboard too
        from .button.build import start_configured

        device_button = start_configured(app.settings.button, app.library, runner.submit,
                                         _notice, PrintedEvents().pressed)

    def read() -> None:
        nonlocal button
        for line in sys.stdin:
            text = line.strip()
            if not text:
                if button is None:  # the first empty line: Enter is the button from now on
                    button = keyboard_button(app, runner)
                if button:
                    button.tap()
                continue
            match = app.router.route(text)
            if match is None:
                words = _words(app, text)
                print(NO_CUE if words is None else f"heard {words!r} -> no cue there. "
                      f"{NOT_UNDERSTOOD}", flush=True)
                continue
            print(describe(match, _words(app, text)), flush=True)
            runner.submit(match)
        if button:
            button.flush()
        runner.close()

    threading.Thread(target=read, name="stdin", daemon=True).start()
    try:
        _run_interruptible(runner)
    finally:
        for b in (button, device_button):
            if b:
                b.close()
    return 0


def keyboard_button(app: App, runner: Runner):
    """`listen --text`: Enter on an empty line is a button press (twice quickly: a double
    press), through the same press decoder and cues as a real button."""
    from .button.build import KeyboardButton, start_button

    try:
        return start_button(app.settings.button, app.library, runner.submit, _notice,
                            PrintedEvents().pressed, source=KeyboardButton())
    except VoiceguideError as exc:  # a bad button.short: said once, Enter does nothing
        _notice(str(exc))
        return False


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
    s.add_argument("script", nargs="?", help="a script id or an intent")
    s.add_argument("--cue", help="instead of a script: what a typed cue would be answered with")
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--bedside", action="store_true")
    s.add_argument("--lines", action="store_true",
                   help="also print when each line starts and ends in the file (seconds)")
    s.set_defaults(func=cmd_render)

    s = sub.add_parser("listen", help="the main job: hear cues and answer out loud")
    s.add_argument("--text", action="store_true", help="type cues instead of speaking them")
    s.add_argument("--print", action="store_true",
                   help="print answers instead of speaking (the lines come at once; with "
                   "--text a pause still lasts its time and a question waits for its answer)")
    s.add_argument("--bedside", action="store_true",
                   help="the bedside scripts (lying down, no question at the end)")
    s.add_argument("--engine", choices=["auto", *ENGINE_NAMES],
                   help="speech engine (default: listen.engine in the config, auto)")
    s.add_argument("--model", help="a model for the engine: a Whisper name (tiny.en, base.en) "
                   "or folder, or a Vosk model folder")
    s.add_argument("--device", help="input device name or index (see `voiceguide devices`)")
    s.set_defaults(func=cmd_listen)

    from .hearing.cli import add_commands
    from .service.cli import add_commands as add_service_commands
    from .voice.cli import add_commands as add_voice_commands

    add_commands(sub)
    add_voice_commands(sub)
    add_service_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Library code reports through logging; a warning is one line, "voiceguide: ...".
    logging.basicConfig(level=logging.WARNING - 10 * min(args.verbose, 2),
                        format="%(levelname)s %(name)s: %(message)s" if args.verbose
                        else "voiceguide: %(message)s")
    # Piper logs every line it speaks, phonemes and all, at debug level: -vv is for
    # voiceguide's own story, not that.
    logging.getLogger("piper").setLevel(max(logging.INFO, logging.root.level))
    try:
        if getattr(args, "bare", False):
            return args.func(args)
        app = App.load(Path(args.config) if args.config else None, notify=_notice, show=_show,
                       first_run=_first_run, screen=_screen_watched())
        for problem in app.problems:
            print(f"voiceguide: skipped {problem}", file=sys.stderr)
        return args.func(app, args)
    except VoiceguideError as exc:
        print(f"voiceguide: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\nvoiceguide: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a file or folder the library did not check: still one line
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"voiceguide: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
