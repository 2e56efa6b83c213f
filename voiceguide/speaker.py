"""Speakers: where the session's words go.

* :class:`AudioSpeaker` renders with TTS and plays through sounddevice, stoppable at
  once, and knows when playback really ended (for the listener's half-duplex hold-off).
* :class:`PrintSpeaker` only prints (``--print``, and the fallback when there is no
  sound output or the TTS fails).
* :class:`RenderSpeaker` writes everything, silences included, into one buffer (``render``).

All share ``speak(text, rate, volume)`` and ``stop()``; a failing TTS or sound device
never stops the session: the line is printed and the session goes on.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Protocol, TextIO

import numpy as np

from .audio import Audio
from .errors import TTSError
from .tts import Pyttsx3Renderer

log = logging.getLogger(__name__)


class Speaker(Protocol):
    def speak(self, text: str, rate: float = 1.0, volume: float = 1.0) -> None:
        """Say ``text``; return when it has been heard (or stopped)."""

    def stop(self) -> None:
        """Silence now (may be called from another thread)."""


class PrintSpeaker:
    def __init__(self, out: TextIO | None = None):
        self.out = out or sys.stdout

    def speak(self, text: str, rate: float = 1.0, volume: float = 1.0) -> None:
        print(f"  voiceguide: {text}", file=self.out, flush=True)

    def stop(self) -> None:
        pass


class Player:
    """One output stream for the whole session; play() hands it a buffer and waits.

    Opening a stream per utterance cost start-up time on every answer and, through ALSA's
    PulseAudio plugin, now and then mangled the first buffers; a persistent stream whose
    callback writes silence when idle avoids both. stop() cuts playback off at once.
    """

    def __init__(self, device: int | str | None = None):
        import sounddevice  # imported here so printing never needs PortAudio

        self._sd = sounddevice
        self.device = device
        self.rate = int(sounddevice.query_devices(device, "output")["default_samplerate"])
        self._lock = threading.Lock()
        self._data: np.ndarray | None = None
        self._pos = 0
        self._done = threading.Event()
        self._stream = None
        self.playing = False
        self.ended_at = 0.0
        """time.monotonic() when the last playback really finished."""

    def _callback(self, outdata, frames, _time, _status) -> None:
        with self._lock:
            data = self._data
            if data is None:
                outdata.fill(0)
                return
            chunk = data[self._pos:self._pos + frames]
            outdata[:len(chunk), 0] = chunk
            outdata[len(chunk):, 0] = 0
            self._pos += frames
            if self._pos >= len(data):
                self._data = None
                self._done.set()

    def _ensure_stream(self) -> None:
        if self._stream is None:
            self._stream = self._sd.OutputStream(samplerate=self.rate, channels=1,
                                                 dtype="float32", device=self.device,
                                                 callback=self._callback, latency="high")
            self._stream.start()

    def play(self, audio: Audio, volume: float = 1.0) -> None:
        data = (audio.resampled(self.rate).samples * volume).astype(np.float32)
        self._ensure_stream()
        with self._lock:
            self._data, self._pos = data, 0
            self._done.clear()
        self.playing = True
        try:
            # Wait for the last buffer, then for the device's own latency to drain it.
            self._done.wait(audio.seconds + 5)
            time.sleep(self._stream.latency)
        finally:
            self.playing = False
            self.ended_at = time.monotonic()

    def stop(self) -> None:
        with self._lock:
            self._data = None
        self._done.set()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


class AudioSpeaker:
    def __init__(self, renderer: Pyttsx3Renderer, volume: float = 0.9,
                 device: int | str | None = None, out: TextIO | None = None):
        self.renderer = renderer
        self.volume = volume
        self.device = device
        self.printer = PrintSpeaker(out)
        self._player: Player | None = None
        self._no_output: str | None = None
        self._tts_error: str | None = None

    @property
    def player(self) -> Player | None:
        if self._player is None and self._no_output is None:
            try:
                self._player = Player(self.device)
            except Exception as exc:  # OSError, ImportError, sounddevice.PortAudioError
                self._no_output = f"no sound output ({exc}); printing instead"
                log.warning("%s", self._no_output)
        return self._player

    def speak(self, text: str, rate: float = 1.0, volume: float = 1.0) -> None:
        self.printer.speak(text)
        try:
            audio = self.renderer.render(text, rate)
        except TTSError as exc:
            if str(exc) != self._tts_error:  # say it once, not on every line
                self._tts_error = str(exc)
                log.warning("%s; printing the words instead", exc)
            return
        log.debug("speaking %.2f s of audio at %d Hz: %s", audio.seconds, audio.rate, text)
        player = self.player
        if player is None:
            return
        try:
            player.play(audio, min(1.0, self.volume * volume))
        except Exception as exc:  # PortAudio errors are plain Exceptions
            self._player, self._no_output = None, f"sound output failed ({exc})"
            log.warning("%s; printing instead", self._no_output)

    def stop(self) -> None:
        if self._player:
            self._player.stop()

    @property
    def busy(self) -> bool:
        return bool(self._player and self._player.playing)

    @property
    def ended_at(self) -> float:
        return self._player.ended_at if self._player else 0.0


class RenderSpeaker:
    """Collects speech and silence into one buffer; pair with :class:`RenderClock`."""

    def __init__(self, renderer: Pyttsx3Renderer, volume: float = 0.9, rate: int = 22050):
        self.renderer = renderer
        self.volume = volume
        self.rate = rate
        self.parts: list[np.ndarray] = []
        self.samples = 0

    def speak(self, text: str, rate: float = 1.0, volume: float = 1.0) -> None:
        audio = self.renderer.render(text, rate).resampled(self.rate)
        self.add(audio.samples * min(1.0, self.volume * volume))

    def add(self, samples: np.ndarray) -> None:
        self.parts.append(samples.astype(np.float32))
        self.samples += len(samples)

    def stop(self) -> None:
        pass

    def audio(self) -> Audio:
        data = np.concatenate(self.parts) if self.parts else np.zeros(0, np.float32)
        return Audio(data, self.rate)
