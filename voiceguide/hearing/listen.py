"""The main job: microphone -> VAD -> engine -> router -> session -> speaker.

What may count is decided per utterance (:mod:`.pipeline`, modes in :mod:`.engine`):
"offer" while the session waits for a yes / no, "answers" after a 0-10 question, "cues"
otherwise; while the device speaks, and for ``listen.holdoff`` seconds after playback
really ended, "speaking": only a bare stop and safety count, after the device's own
words are taken out of the transcript (:mod:`.echo`). Safety is passed on at once (the
runner's ``submit`` stops playback for it).
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time

import numpy as np

from ..errors import NoMicrophone
from .pipeline import RATE, Detection, Hearing
from .registry import choose_engine

log = logging.getLogger(__name__)


class MicSource:
    """Captures at a rate the device supports; the callback only queues bytes."""

    def __init__(self, device: str | int | None = None, block_seconds: float = 0.03,
                 max_queue_seconds: float = 5.0):
        try:
            import sounddevice as sd
        except OSError as exc:
            raise NoMicrophone(f"cannot use audio input ({exc}); install PortAudio "
                               "(sudo apt install libportaudio2) or use `listen --text`") from None
        if isinstance(device, str) and device.isdigit():
            device = int(device)
        try:
            info = sd.query_devices(device, "input")
        except (ValueError, sd.PortAudioError) as exc:
            raise NoMicrophone(f"no microphone found ({exc}); try `voiceguide listen --text`, "
                               "or pick one with --device (see `voiceguide devices`)") from None
        self.rate = int(info["default_samplerate"])
        self.name = info["name"]
        self.block = int(self.rate * block_seconds)
        self.queue: queue.Queue = queue.Queue(maxsize=int(max_queue_seconds / block_seconds))
        self.overflows = 0
        self._sd = sd
        self._device = device
        self._stream = None

    def _callback(self, indata, frames, _time, status) -> None:
        try:
            self.queue.put_nowait(bytes(indata))
        except queue.Full:
            self.overflows += 1
            if self.overflows in (1, 10) or self.overflows % 100 == 0:
                log.warning("audio input queue full: %d blocks dropped (CPU too slow?)",
                            self.overflows)

    def __enter__(self) -> "MicSource":
        try:
            self._stream = self._sd.RawInputStream(samplerate=self.rate, blocksize=self.block,
                                                   device=self._device, channels=1,
                                                   dtype="int16", callback=self._callback)
            self._stream.start()
        except Exception as exc:  # PortAudioError and friends
            raise NoMicrophone(f"cannot open the microphone {self.name!r} ({exc}); try "
                               "`voiceguide listen --text`") from None
        return self

    def __exit__(self, *exc) -> None:
        if self._stream:
            self._stream.stop()
            self._stream.close()

    def chunks(self, stop: threading.Event):
        """16 kHz PCM16 chunks, resampled as a stream."""
        import soxr

        resampler = None if self.rate == RATE else soxr.ResampleStream(self.rate, RATE, 1,
                                                                       dtype="int16")
        while not stop.is_set():
            try:
                data = self.queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if resampler is None:
                yield data
            else:
                yield resampler.resample_chunk(np.frombuffer(data, np.int16)).tobytes()


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
        return bool(getattr(self._speaker, "busy", False))

    def recent_lines(self) -> list[str]:
        now = time.monotonic()
        with self._lock:
            # The line being said may have started long ago: keep the last one always.
            return [x for i, (t, x) in enumerate(self._lines)
                    if now - t < self._keep or i == len(self._lines) - 1]


def offer_mode(session) -> str:
    """What the session waits for: a 0-10 answer, a yes / no, or nothing."""
    offer = session.offer
    if offer is None:
        return "cues"
    return "answers" if offer.kind.startswith("distress") else "offer"


def listen_microphone(app, args) -> int:
    from ..cli import _describe, _run_interruptible

    settings = app.settings
    choice = choose_engine(args.engine, args.model, settings, app.router)
    device = args.device if args.device is not None else settings.listen.device
    runner = app.runner(args.print, bedside=args.bedside)
    speech = RunnerSpeech(runner)

    mic = MicSource(device)  # first: no microphone is the one line to say
    warm_up(runner.speaker, app.library)
    block = mic.block / mic.rate
    hearing = Hearing(choice.engine, app.router, end_silence=settings.listen.end_silence,
                      mode=lambda: offer_mode(runner.session),
                      noise_suppression=settings.listen.noise_suppression, speaker=speech,
                      holdoff=settings.listen.holdoff, lag=lambda: mic.queue.qsize() * block,
                      max_lag=settings.listen.max_lag)
    print(f"voiceguide: listening on {mic.name!r} with {choice.line}. "
          "Say \"what can I say\" for help; Ctrl-C to quit.", flush=True)
    stop = threading.Event()

    def handle(d: Detection) -> None:
        if d.match is None:
            if settings.listen.log_transcripts and d.transcript.text:
                print(f"ignored: {d.transcript.text!r} ({d.reason})", flush=True)
            return
        print(_describe(d.transcript.text, d.match), flush=True)
        runner.submit(d.match)

    def hear_loop() -> None:
        try:
            for chunk in mic.chunks(stop):
                for d in hearing.feed(chunk):
                    handle(d)
        except Exception:  # keep the speaking side alive; say what broke
            log.exception("listening stopped")
            print("voiceguide: listening stopped after an error (see above); Ctrl-C to quit",
                  file=sys.stderr)

    with mic:
        thread = threading.Thread(target=hear_loop, name="hear", daemon=True)
        thread.start()
        try:
            _run_interruptible(runner)
        finally:
            stop.set()
    if mic.overflows:
        print(f"voiceguide: {mic.overflows} audio blocks were dropped", file=sys.stderr)
    if hearing.stale_dropped:
        print(f"voiceguide: fell behind; {hearing.stale_dropped:.0f} s of talk were not heard",
              file=sys.stderr)
    return 0
