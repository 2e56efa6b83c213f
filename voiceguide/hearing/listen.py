"""The main job: microphone -> echo canceller -> VAD -> engine -> router -> session ->
speaker, and what the speaker plays back to the echo canceller (:mod:`.aec`).

What may count is decided per utterance (:mod:`.pipeline`, modes in :mod:`.engine`):
"offer" while the session waits for a yes / no, "answers" after a 0-10 question, "cues"
otherwise; while the device speaks, and for ``listen.holdoff`` seconds after playback
really ended, "speaking": only a bare stop and safety count, after the device's own
words are taken out of the transcript (:mod:`.echo`). Safety is passed on at once (the
runner's ``submit`` stops playback for it).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import TYPE_CHECKING

from .. import portaudio
from ..errors import VoiceguideError
from ..service.notify import keep_alive, notify
from .aec import EchoCanceller, EchoCancellerUnavailable, PlayedAudio
from .echo import AfterCancelling
from .pipeline import Detection, Hearing
from .registry import choose_engine
from .source import MicSource

if TYPE_CHECKING:
    from ..app import App, ListenEvents, ListenOptions

log = logging.getLogger(__name__)


def echo_canceller(name: str, events: "ListenEvents") -> EchoCanceller | None:
    """The microphone side of echo cancellation (its reference goes to the speaker), or
    None when it is off or cannot run here (said once: hearing goes on without it)."""
    if name == "off":
        return None
    try:
        return EchoCanceller(PlayedAudio(), name)
    except EchoCancellerUnavailable as exc:
        events.status(f"{exc}; the device's own voice is taken out by its words only")
        return None


class RunnerSpeech:
    """The speaker side as hearing needs it (:class:`.echo.SpeakerState`), read from a
    runner: its speaker's ``busy`` flag and the lines it was asked to say."""

    def __init__(self, runner, keep_seconds: float = 8.0):
        self._speaker = runner.speaker
        self._keep = keep_seconds
        self._lines: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        previous = runner.on_speak

        def on_speak(action) -> None:
            with self._lock:
                now = time.monotonic()
                self._lines = [(t, x) for t, x in self._lines if now - t < self._keep]
                self._lines.append((now, action.text))
            if previous:
                previous(action)

        runner.on_speak = on_speak

    def speaking(self) -> bool:
        return bool(self._speaker.busy)

    def recent_lines(self) -> list[str]:
        now = time.monotonic()
        with self._lock:
            # The line being said may have started long ago: keep the last one always.
            return [x for i, (t, x) in enumerate(self._lines)
                    if now - t < self._keep or i == len(self._lines) - 1]


SHUTDOWN_WAIT = 60
"""Seconds `listen` waits at exit for a decode in progress (the service unit's
TimeoutStopSec leaves room for this and for the voice's own wait)."""


def _ignore_stop_signals() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def offer_mode(session) -> str:
    """What the session waits for: a 0-10 answer, a yes / no, or nothing."""
    offer = session.offer
    if offer is None:
        return "cues"
    return "answers" if offer.kind.startswith("distress") else "offer"



def listen_microphone(app: "App", options: "ListenOptions", events: "ListenEvents") -> None:
    """Listen until Ctrl-C (KeyboardInterrupt, raised once speech has stopped); raises a
    VoiceguideError when hearing cannot go on (e.g. the microphone never came back)."""
    settings = app.settings
    show_words = settings.listen.log_transcripts
    choice = choose_engine(options.engine, options.model, settings, app.router)
    device = options.device if options.device is not None else settings.listen.device
    # What the speaker plays flows to the microphone side as the echo canceller's far end.
    canceller = None if options.printing else echo_canceller(
        settings.listen.echo_cancellation, events)
    runner = app.runner(options.printing, bedside=options.bedside,
                        monitor=canceller.played if canceller else None)
    speaker = runner.speaker
    speech = RunnerSpeech(runner)
    if canceller is not None:
        speech = AfterCancelling(speech, lambda: canceller.converged)

    # First: no microphone is the one line to say.
    mic = MicSource(device, reconnect_for=settings.listen.reconnect_for, report=events.status)
    portaudio.on_reinitialize(speaker.close_output)
    speaker.warm([s.steps[0].text for s in app.library.scripts.values()])
    block = mic.block_seconds
    hearing = Hearing(choice.engine, app.router, end_silence=settings.listen.end_silence,
                      mode=lambda: offer_mode(runner.session),
                      noise_suppression=settings.listen.noise_suppression, speaker=speech,
                      holdoff=settings.listen.holdoff, lag=lambda: mic.queue.qsize() * block,
                      max_lag=settings.listen.max_lag)
    stop = threading.Event()

    def handle(d: Detection) -> None:
        log.debug("utterance %.2f-%.2f s (%s) decided: %s", d.start, d.end, d.transcript.mode,
                  d.reason)  # no words
        if d.match is None:
            if show_words and d.transcript.text:
                events.ignored(d.transcript.text, d.reason)
            return
        events.heard(d.match, d.transcript.text if show_words else None)
        runner.submit(d.match)

    failed: list[Exception] = []

    def hear_loop() -> None:
        try:
            for chunk in mic.chunks(stop):
                if canceller is not None:
                    chunk = canceller(chunk)
                for d in hearing.feed(chunk.pcm):
                    handle(d)
        except Exception as exc:  # hearing cannot go on: end the process non-zero
            log.debug("listening stopped", exc_info=True)
            failed.append(exc)
            runner.speaker.stop()
            runner.close()

    with mic:
        thread = threading.Thread(target=hear_loop, name="hear", daemon=True)
        thread.start()
        events.listening(mic.name, choice.line)
        log.debug("echo cancellation: %s", canceller.name if canceller else "off")
        notify("READY=1")
        keep_alive(lambda: mic.alive_at, stop)
        button = None
        try:
            if settings.button.configured:  # else nothing about buttons is even imported
                from ..button.build import start_configured

                button = start_configured(settings.button, app.library, runner.submit,
                                          events.status, events.pressed)
            runner.run(until=lambda: bool(failed))
        except KeyboardInterrupt:
            runner.speaker.stop()
            raise
        finally:
            stop.set()
            if button is not None:
                button.close()
            # Let a decode in progress finish: native code (CTranslate2, PortAudio) still
            # running on a daemon thread at interpreter exit can crash the process, and a
            # busy machine can make one decode take many seconds. A second Ctrl-C or
            # SIGTERM meanwhile must not cut that wait short.
            _ignore_stop_signals()
            thread.join(timeout=SHUTDOWN_WAIT)
            if thread.is_alive():
                log.warning("hearing did not stop within %d s", SHUTDOWN_WAIT)
            if canceller is not None:
                log.debug("echo canceller (%s): %.1f s of the microphone processed",
                          canceller.name, canceller.processed_seconds)
            if mic.overflows:
                events.status(f"{mic.overflows} audio blocks were dropped")
            if hearing.stale_dropped:
                events.status(f"fell behind; {hearing.stale_dropped:.0f} s of talk were not "
                              "heard")
    if failed:
        if isinstance(failed[0], VoiceguideError):
            raise failed[0]
        raise VoiceguideError(f"listening stopped after an error ({failed[0]!r}); "
                              "run with -v for details")
