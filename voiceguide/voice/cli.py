"""``voiceguide voice ...``: list, download and prepare voices; hear one line."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ..config import load_settings
from ..errors import TTSError
from .download import BASE_URL, download
from .lines import fixed_lines, static_values
from .piper import BUNDLED, installed_voices, voices_dir


def _settings(args):
    settings = load_settings(Path(args.config) if args.config else None)
    if getattr(args, "engine", None):
        settings = settings.model_copy(update={
            "speech": settings.speech.model_copy(update={"engine": args.engine})})
    return settings


def _notice(message: str) -> None:
    print(f"voiceguide: {message}", file=sys.stderr, flush=True)


def cmd_list(args) -> int:
    settings = _settings(args)
    for name in installed_voices():
        mark = " (in use)" if name == settings.speech.piper_voice else ""
        where = "bundled" if name == BUNDLED else str(voices_dir() / name)
        print(f"piper   {name:28} {where}{mark}")
    from . import system_engine

    system = system_engine(settings.speech.voice, settings.speech.pitch)
    print(f"system  {system.describe()}  (speech.voice; `espeak-ng --voices` lists more)")
    print(f"engine in use: {settings.speech.engine}")
    return 0


def cmd_download(args) -> int:
    shown = {"last": 0.0}

    def progress(name: str, got: int, total: int) -> None:
        now = time.monotonic()
        if sys.stderr.isatty() and (now - shown["last"] > 0.5 or got == total):
            shown["last"] = now
            size = f"{got / 1e6:.1f}/{total / 1e6:.1f} MB" if total else f"{got / 1e6:.1f} MB"
            print(f"\r{name}: {size}", end="", file=sys.stderr, flush=True)

    folder = download(args.name, base_url=args.base_url, force=args.force, progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"voice {args.name} is in {folder}; use it with speech.piper_voice = "
          f"\"{args.name}\" in the config")
    return 0


def cmd_prepare(args) -> int:
    from ..library import load_library
    from ..router import default_router
    from . import build_voice

    settings = _settings(args)
    library = load_library(settings.user_scripts_dir(), default_router(settings.router.language))
    lines = fixed_lines(library, static_values(settings.session))
    voice = build_voice(settings.speech, notify=_notice)
    print(f"voiceguide: preparing {len(lines)} lines with {voice.lanes[0].engine.describe()}",
          file=sys.stderr, flush=True)
    started = time.monotonic()

    def progress(i: int, line, hit: bool) -> None:
        if sys.stderr.isatty():
            print(f"\r{i + 1}/{len(lines)}", end="", file=sys.stderr, flush=True)

    rendered, cached, failed = voice.prepare_now(lines, progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    removed = voice.cache.prune(voice.identities()) if not args.keep_old else 0
    files, size = voice.cache.size()
    print(f"prepared {len(lines)} lines: {rendered} rendered, {cached} already cached, "
          f"{len(failed)} failed, in {time.monotonic() - started:.0f} s; cache: {files} "
          f"files, {size / 1e6:.1f} MB in {voice.cache.root}"
          + (f"; {removed} old voice folder(s) removed" if removed else ""))
    for line, why in failed[:5]:
        print(f"voiceguide: failed: {line.text[:60]!r}: {why}", file=sys.stderr)
    if failed:
        raise TTSError(f"{len(failed)} line(s) could not be prepared (see above)")
    return 0


def add_commands(sub) -> None:
    s = sub.add_parser("voice", help="voices: list, download, prepare (render every line)")
    vsub = s.add_subparsers(dest="voice_command", required=True)

    v = vsub.add_parser("list", help="installed Piper voices and the system voice")
    v.set_defaults(func=cmd_list, bare=True)

    v = vsub.add_parser("download", help="fetch a Piper voice (e.g. en_US-lessac-medium)")
    v.add_argument("name")
    v.add_argument("--base-url", help=f"where voices.json and the voices are "
                                      f"(default: $VOICEGUIDE_VOICE_URL or {BASE_URL})")
    v.add_argument("--force", action="store_true", help="download again even if present")
    v.set_defaults(func=cmd_download, bare=True)

    v = vsub.add_parser("prepare", help="render every fixed line now, so answers start at once")
    v.add_argument("--engine", choices=["piper", "pyttsx3"], help="instead of speech.engine")
    v.add_argument("--keep-old", action="store_true",
                   help="keep lines of other voices and versions in the cache")
    v.set_defaults(func=cmd_prepare, bare=True)
