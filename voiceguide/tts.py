"""Text to speech: pyttsx3 (espeak-ng on Linux) rendered one utterance at a time.

pyttsx3 2.99's ``say()`` hands audio to an ``aplay`` subprocess and may return before it
is heard, and several queued ``save_to_file`` calls write only the last one. So each
utterance is rendered alone to a private temporary WAV, read back, and deleted; playing
it is the player's job. The engine lives on one worker thread; a render that does not
finish in time raises :class:`TTSError` instead of freezing the session.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import queue
import tempfile
import threading
from collections import OrderedDict
from concurrent.futures import Future
from pathlib import Path

from .audio import Audio, read_wav
from .errors import AudioFormatError, TTSError

log = logging.getLogger(__name__)


class _Worker:
    """The one thread that owns pyttsx3's engine. pyttsx3.init() hands every caller the
    same cached engine, so a second thread driving it would race: all renderers in the
    process share this worker."""

    _instance: "_Worker | None" = None
    _lock = threading.Lock()

    @classmethod
    def get(cls) -> "_Worker":
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def __init__(self):
        self.jobs: queue.Queue = queue.Queue()
        self.started: Future = Future()
        self.tmp = Path(tempfile.mkdtemp(prefix="voiceguide-tts-"))
        threading.Thread(target=self._work, name="tts", daemon=True).start()

    def _work(self) -> None:
        try:
            import pyttsx3

            with contextlib.redirect_stdout(io.StringIO()):
                engine = pyttsx3.init("espeak") if os.name == "posix" and \
                    not _is_mac() else pyttsx3.init()
            voice_ids: dict[str | None, str] = {None: engine.getProperty("voice")}
        except Exception as exc:  # pyttsx3 raises bare exceptions of many kinds
            self.started.set_exception(TTSError(
                f"text-to-speech could not start ({exc}); install espeak-ng "
                "(sudo apt install espeak-ng)"))
            return
        self.started.set_result(True)
        n = 0
        while True:
            text, rate, voice, fut = self.jobs.get()
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                if voice not in voice_ids:
                    voice_ids[voice] = _voice_id(engine, voice)
            except Exception as exc:  # never let the worker die: a dead worker looks hung
                fut.set_exception(TTSError(str(exc)))
                continue
            error: Exception | None = None
            # pyttsx3's espeak loop now and then writes an empty file: try again.
            for _attempt in range(3):
                n += 1
                path = self.tmp / f"u{n}.wav"
                try:
                    with contextlib.redirect_stdout(io.StringIO()):
                        # Known issue: pyttsx3's espeak loop can apply a changed rate one
                        # utterance late (see the notes); voice changes apply at once.
                        engine.setProperty("voice", voice_ids[voice])
                        engine.setProperty("rate", rate)
                        engine.save_to_file(text, str(path))
                        engine.runAndWait()
                    fut.set_result(read_wav(path))
                    break
                except (Exception, AudioFormatError) as exc:
                    error = exc
                finally:
                    path.unlink(missing_ok=True)
            else:
                fut.set_exception(TTSError(f"text-to-speech failed on {text[:40]!r} ({error})"))


class Pyttsx3Renderer:
    """Renders text to :class:`Audio` with pyttsx3; results are cached per text, rate
    and voice."""

    def __init__(self, voice: str | None = None, rate: int = 150, timeout: float = 15.0,
                 cache_size: int = 256):
        self.voice = voice
        self.rate = rate
        self.timeout = timeout
        self._cache: OrderedDict[tuple[str, int, str | None], Audio] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._broken: str | None = None

    def render(self, text: str, rate: float = 1.0, voice: str | None = None) -> Audio:
        """Render ``text`` at ``rate`` times the configured words per minute
        (in ``voice`` instead of the configured one, if given)."""
        wpm = int(round(self.rate * rate))
        voice = voice or self.voice
        key = (text, wpm, voice)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        if self._broken:
            raise TTSError(self._broken)
        worker = _Worker.get()
        try:
            worker.started.result(timeout=self.timeout)
        except TimeoutError:
            raise TTSError("text-to-speech did not start in time") from None
        fut: Future = Future()
        worker.jobs.put((text, wpm, voice, fut))
        try:
            audio = fut.result(timeout=self.timeout)
        except TimeoutError:
            fut.cancel()
            self._broken = (f"text-to-speech hung for {self.timeout:.0f} s; lines will be "
                            "printed instead (restart voiceguide to try again)")
            raise TTSError(self._broken) from None
        with self._lock:
            self._cache[key] = audio
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return audio

    def warm(self, texts: list[str], rate: float = 1.0) -> None:
        """Render ahead (e.g. every script's first line) so the first answer is quick."""
        for text in texts:
            try:
                self.render(text, rate)
            except TTSError:
                return


def _is_mac() -> bool:
    import platform

    return platform.system() == "Darwin"


def _voice_id(engine, wanted: str) -> str:
    """Accept a full id ("gmw/en-us"), a short name ("en-us") or a display name."""
    voices = engine.getProperty("voices") or []
    for v in voices:
        if wanted in (v.id, v.name) or v.id.split("/")[-1] == wanted:
            return v.id
    base, _, variant = wanted.partition("+")
    for v in voices:
        if v.id.split("/")[-1] == base:
            return v.id + (f"+{variant}" if variant else "")
    names = ", ".join(sorted(v.id.split("/")[-1] for v in voices)[:12])
    raise ValueError(f"no voice {wanted!r} (some available: {names}, ...)")
