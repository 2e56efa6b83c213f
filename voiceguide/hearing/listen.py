"""The main job: microphone -> VAD -> engine -> router -> session -> speaker.

Half-duplex: while the device speaks, and for ``listen.holdoff`` seconds after playback
really ended, only a bare "stop" (decoded with a stop-only grammar) is acted on, so the
device never answers its own voice.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

from .. import portaudio
from ..errors import VoiceguideError
from ..service.notify import keep_alive, notify
from .engines import STOP_PHRASES
from .models import select_engine
from .pipeline import Detection, Hearing
from .source import MicSource

log = logging.getLogger(__name__)


def warm_up(speaker, library) -> None:
    """Open the sound output once and pre-render each script's first line, so the first
    answer starts promptly and whole (a cold output stream can mangle its first buffers)."""
    player = getattr(speaker, "player", None)
    if player is None:
        return
    from ..audio import Audio

    try:
        player.play(Audio.silence(0.1, 16000))
    except Exception as exc:  # PortAudio errors are plain Exceptions
        log.warning("sound output warm-up failed: %s", exc)
    speaker.renderer.warm([s.steps[0].text for s in library.scripts.values()])


def close_output(speaker) -> None:
    """Before PortAudio starts again: close the speaker's output stream (it opens a new one
    for its next line)."""
    player = getattr(speaker, "_player", None)
    if player is not None:
        player.close()


def listen_microphone(app, args) -> int:
    from ..cli import _run_interruptible, describe

    settings = app.settings
    engine = select_engine(args.engine, args.model, settings, app.router)
    device = args.device if args.device is not None else settings.listen.device
    runner = app.runner(args.print, bedside=args.bedside)
    speaker = runner.speaker
    holdoff = settings.listen.holdoff

    def device_speaking(since: float | None = None) -> bool:
        if getattr(speaker, "busy", False):
            return True
        ended = getattr(speaker, "ended_at", 0.0)
        return ended > 0 and time.monotonic() - ended < holdoff or (
            since is not None and ended + holdoff > since)

    def mode() -> str:
        if device_speaking():
            return "stop"
        offer = runner.session.offer
        return "answers" if offer and offer.kind.startswith("distress") else "cues"

    mic = MicSource(device, reconnect_for=settings.listen.reconnect_for,
                    report=lambda line: print(f"voiceguide: {line}", file=sys.stderr,
                                              flush=True))  # first: no microphone is the one line to say
    portaudio.on_reinitialize(lambda: close_output(speaker))
    warm_up(speaker, app.library)
    hearing = Hearing(engine, app.router, end_silence=settings.listen.end_silence, mode=mode,
                      noise_suppression=settings.listen.noise_suppression)
    print(f"voiceguide: listening on {mic.name!r} with {engine.description}. "
          "Say \"what can I say\" for help; Ctrl-C to quit.", flush=True)
    stop = threading.Event()

    def handle(d: Detection) -> None:
        log.debug("utterance %.2f-%.2f s decided: %s", d.start, d.end, d.reason)  # no words
        started = d.ended_at - (d.end - d.start) - hearing.segmenter.end_frames * 0.03
        if d.match is None:
            if settings.listen.log_transcripts and d.transcript.text:
                print(f"ignored: {d.transcript.text!r} ({d.reason})", flush=True)
            return
        if device_speaking(since=started) and not (
                d.match.intent == "stop" and d.transcript.text in STOP_PHRASES):
            if settings.listen.log_transcripts:
                print(f"ignored: {d.transcript.text!r} (device speaking)", flush=True)
            return
        words = d.transcript.text if settings.listen.log_transcripts else None
        print(describe(d.match, words), flush=True)
        runner.submit(d.match)

    failed: list[BaseException] = []

    def hear_loop() -> None:
        try:
            for chunk in mic.chunks(stop):
                for d in hearing.feed(chunk):
                    handle(d)
        except Exception as exc:  # hearing cannot go on: end the process non-zero
            log.debug("listening stopped", exc_info=True)
            failed.append(exc)
            runner.speaker.stop()
            runner.close()

    with mic:
        thread = threading.Thread(target=hear_loop, name="hear", daemon=True)
        thread.start()
        notify("READY=1")
        keep_alive(lambda: mic.alive_at, stop)
        try:
            _run_interruptible(runner, until=lambda: bool(failed))
        finally:
            stop.set()
            thread.join(timeout=5)
    if mic.overflows:
        print(f"voiceguide: {mic.overflows} audio blocks were dropped", file=sys.stderr)
    if failed:
        if isinstance(failed[0], VoiceguideError):
            raise failed[0]
        raise VoiceguideError(f"listening stopped after an error ({failed[0]!r}); "
                              "run with -v for details")
    return 0
