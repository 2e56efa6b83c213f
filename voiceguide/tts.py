"""Kept for the speech fixtures of the tests and the hearing bench: espeak-ng speech
rendered raw (no trimming, no levelling), at espeak's own ``-s`` words per minute.

The device's voice lives in :mod:`voiceguide.voice`.
"""

from __future__ import annotations

import threading

from .audio import Audio
from .voice import system_engine
from .voice.espeak import HEARD_PER_NOMINAL


class Pyttsx3Renderer:
    """``render(text, rate, voice)``: the system voice at ``rate`` times ``wpm`` (espeak's
    nominal words per minute, as pyttsx3 counts them); results kept in memory."""

    def __init__(self, voice: str | None = None, rate: int = 150, timeout: float = 15.0):
        self.voice = voice
        self.rate = rate
        self.timeout = timeout
        self._engines: dict = {}
        self._cache: dict[tuple[str, int, str | None], Audio] = {}
        self._lock = threading.Lock()

    def render(self, text: str, rate: float = 1.0, voice: str | None = None) -> Audio:
        voice = voice or self.voice
        nominal = int(round(self.rate * rate))
        key = (text, nominal, voice)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            engine = self._engines.get(voice)
            if engine is None:
                engine = self._engines[voice] = system_engine(voice)
                engine.limit = self.timeout
        audio = engine.render(text, nominal * HEARD_PER_NOMINAL)
        with self._lock:
            self._cache[key] = audio
        return audio

    def warm(self, texts: list[str], rate: float = 1.0) -> None:
        for text in texts:
            self.render(text, rate)
