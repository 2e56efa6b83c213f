"""The main job: microphone -> VAD -> engine -> router -> session -> speaker.

Half-duplex: while the device speaks, and for ``listen.holdoff`` seconds after playback
really ended, only a bare "stop" (decoded with a stop-only grammar) is acted on, so the
device never answers its own voice.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from .. import portaudio
from ..errors import VoiceguideError
from ..service.notify import keep_alive, notify
from .engines import STOP_PHRASES
from .models import select_engine
from .pipeline import Detection, Hearing
from .source import MicSource

if TYPE_CHECKING:
    from ..app import App, ListenEvents, ListenOptions

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


def listen_microphone(app: "App", options: "ListenOptions", events: "ListenEvents") -> None:
    """Listen until Ctrl-C (KeyboardInterrupt, raised once speech has stopped); raises a
    VoiceguideError when hearing cannot go on (e.g. the microphone never came back)."""
    settings = app.settings
    show_words = settings.listen.log_transcripts
    engine = select_engine(options.engine, options.model, settings, app.router)
    device = options.device if options.device is not None else settings.listen.device
    runner = app.runner(options.printing, bedside=options.bedside)
    speaker = runner.speaker
    holdoff = settings.listen.holdoff
    warmed_up_at = 0.0  # when the warm-up's silence ended: silence has no echo to ignore

    def device_speaking(since: float | None = None) -> bool:
        if getattr(speaker, "busy", False):
            return True
        ended = getattr(speaker, "ended_at", 0.0)
        if ended <= warmed_up_at:
            return False
        return ended > 0 and time.monotonic() - ended < holdoff or (
            since is not None and ended + holdoff > since)

    def mode() -> str:
        if device_speaking():
            return "stop"
        offer = runner.session.offer
        return "answers" if offer and offer.kind.startswith("distress") else "cues"

    # First: no microphone is the one line to say.
    mic = MicSource(device, reconnect_for=settings.listen.reconnect_for, report=events.status)
    portaudio.on_reinitialize(lambda: close_output(speaker))
    warm_up(speaker, app.library)
    warmed_up_at = getattr(speaker, "ended_at", 0.0)
    hearing = Hearing(engine, app.router, end_silence=settings.listen.end_silence, mode=mode,
                      noise_suppression=settings.listen.noise_suppression)
    stop = threading.Event()

    def handle(d: Detection) -> None:
        log.debug("utterance %.2f-%.2f s decided: %s", d.start, d.end, d.reason)  # no words
        started = d.ended_at - (d.end - d.start) - hearing.segmenter.end_frames * 0.03
        if d.match is None:
            if show_words and d.transcript.text:
                events.ignored(d.transcript.text, d.reason)
            return
        if device_speaking(since=started) and not (
                d.match.intent == "stop" and d.transcript.text in STOP_PHRASES):
            log.debug("not acted on: the device was speaking (busy %s, ended %.2f s before "
                      "the utterance began)", getattr(speaker, "busy", False),
                      started - getattr(speaker, "ended_at", 0.0))
            if show_words:
                events.ignored(d.transcript.text, "device speaking")
            return
        events.heard(d.match, d.transcript.text if show_words else None)
        runner.submit(d.match)

    failed: list[Exception] = []

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
        events.listening(mic.name, engine.description)
        notify("READY=1")
        keep_alive(lambda: mic.alive_at, stop)
        try:
            runner.run(until=lambda: bool(failed))
        except KeyboardInterrupt:
            runner.speaker.stop()
            raise
        finally:
            stop.set()
            thread.join(timeout=5)
            if mic.overflows:
                events.status(f"{mic.overflows} audio blocks were dropped")
    if failed:
        if isinstance(failed[0], VoiceguideError):
            raise failed[0]
        raise VoiceguideError(f"listening stopped after an error ({failed[0]!r}); "
                              "run with -v for details")
