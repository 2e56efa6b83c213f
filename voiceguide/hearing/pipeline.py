"""Audio -> utterances -> transcripts -> verified intents.

Voice-activity gating keeps the recognizer idle on silence (what matters on a Pi): the
WebRTC VAD shipped with pocketsphinx looks at 30 ms frames, an utterance starts after a
few voiced frames (with a short pre-roll so the first word is not clipped) and ends
after ``end_silence`` seconds without voice. Only then is the decision made, and the
whole transcript must be one cue the router accepts, or it is rejected.

The WebRTC VAD calls a steady fan or pink noise "speech", so once the room's noise floor
(a low percentile of the last ``floor_seconds``) is audible, a frame must also stand
``margin_db`` above it; otherwise, in a noisy room, an utterance would never end and
would carry seconds of noise into the decoder. In a noisy room (floor above
``NOISY_ROOM_DB``) the decoder also hears the audio through Speex noise suppression,
which runs whenever the room is near that level so its noise estimate stays current; in
a quiet room it hears the raw audio, which suppression would only distort.
"""

from __future__ import annotations

import collections
import logging
import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..router import IntentMatch, Router
from .engines import STOP_PHRASES, Engine, Transcript

log = logging.getLogger(__name__)

RATE = 16000
FRAME = 480  # samples: 30 ms at 16 kHz
FRAME_BYTES = FRAME * 2
AUDIBLE_NOISE_DB = -60.0
"""Noise floor (dBFS) above which a frame must also stand out from the floor to count."""
NOISY_ROOM_DB = -45.0
"""Noise floor (dBFS) above which the decoder hears noise-suppressed audio ("auto")."""
FLOOR_EVERY = 10
"""Frames between noise-floor updates (the floor moves slowly; sorting is not free)."""
WARM_UP_FRAMES = 5
"""Frames (150 ms) of the room heard before anything can count as speech."""
MAX_STOP_SECONDS = 1.5
"""A barge-in "stop" longer than this (pre-roll included) is the device's own talk."""


@dataclass(frozen=True)
class Detection:
    start: float
    """Seconds into the stream where the utterance began (pre-roll included)."""
    end: float
    """Seconds into the stream where voice ended (trailing silence excluded)."""
    transcript: Transcript
    match: IntentMatch | None
    reason: str
    """accepted | out_of_grammar | not_a_cue | empty | too_long"""
    decided_at: float = 0.0
    """time.monotonic() when the decision was made."""
    ended_at: float = 0.0
    """time.monotonic() when the endpoint frame was fed (end of speech + end_silence)."""


class Segmenter:
    """Cuts a 16 kHz PCM16 stream into utterances with a frame VAD."""

    def __init__(self, end_silence: float = 0.3, pre_roll: float = 0.3, start_frames: int = 3,
                 max_utterance: float = 6.0, vad_mode: int = 2, margin_db: float = 6.0,
                 floor_seconds: float = 5.0):
        from pocketsphinx import Vad

        self.vad = Vad(vad_mode, RATE, FRAME / RATE)
        self.margin_db = margin_db
        self.levels: collections.deque = collections.deque(
            maxlen=max(1, round(floor_seconds * RATE / FRAME)))
        self.floor_db = -100.0
        self.end_frames = max(1, round(end_silence * RATE / FRAME))
        self.start_frames = start_frames
        self.max_frames = round(max_utterance * RATE / FRAME)
        self.ring: collections.deque = collections.deque(maxlen=max(start_frames,
                                                                    round(pre_roll * RATE / FRAME)))
        self.voiced: collections.deque = collections.deque(maxlen=start_frames + 2)
        self.in_speech = False
        self.frames = 0  # frames seen in total
        self.start_frame = 0
        self.silent_run = 0
        self.length = 0

    def push(self, frame: bytes, payload=None) -> list[tuple]:
        """One 30 ms frame in; events out: ("start", t, [payloads]), ("audio", payload),
        ("end", t_start, t_end, too_long). The payload (default: the frame) is what the
        events carry, so a caller can pass the frame's cleaned version along with it."""
        events: list[tuple] = []
        speech = self.is_speech(frame)
        self.frames += 1
        if payload is None:
            payload = frame
        if not self.in_speech:
            self.ring.append(payload)
            self.voiced.append(speech)
            if sum(self.voiced) >= self.start_frames:
                self.in_speech = True
                self.start_frame = self.frames - len(self.ring)
                self.silent_run = 0
                self.length = len(self.ring)
                events.append(("start", self.start_frame * FRAME / RATE, list(self.ring)))
                self.ring.clear()
                self.voiced.clear()
            return events
        events.append(("audio", payload))
        self.length += 1
        self.silent_run = 0 if speech else self.silent_run + 1
        too_long = self.length >= self.max_frames
        if self.silent_run >= self.end_frames or too_long:
            self.in_speech = False
            end = (self.frames - self.silent_run) * FRAME / RATE
            events.append(("end", self.start_frame * FRAME / RATE, end, too_long))
        return events

    def is_speech(self, frame: bytes) -> bool:
        level = frame_level_db(frame)
        self.levels.append(level)
        if len(self.levels) < WARM_UP_FRAMES:  # the room has not been heard yet
            return False
        if self.frames % FLOOR_EVERY == 0 or len(self.levels) < self.levels.maxlen:
            # A low percentile of the window, not its minimum: 30 ms frames of pink noise
            # vary by several dB, and a floor at their minimum let noise through. The
            # window is long (5 s) so that speech, which pauses, cannot become its own floor.
            self.floor_db = sorted(self.levels)[len(self.levels) // 10]
        if self.floor_db < AUDIBLE_NOISE_DB:
            # A quiet room: the VAD alone is right there, and its hangover bridges the
            # short pauses inside a sentence that a level gate would cut it at.
            return self.vad.is_speech(frame)
        return level >= self.floor_db + self.margin_db and self.vad.is_speech(frame)


def frame_level_db(frame: bytes) -> float:
    """Frame energy in dB relative to full scale (-100 for digital silence)."""
    samples = np.frombuffer(frame, np.int16).astype(np.float32) / 32768.0
    power = float(np.mean(samples * samples))
    return 10 * math.log10(power) if power > 1e-10 else -100.0


class Denoiser:
    """Speex noise suppression over 30 ms frames (three 10 ms blocks), automatic gain off."""

    def __init__(self, suppress_db: int = -15):
        from pyspeex_noise import AudioProcessor

        self._processor = AudioProcessor(0, suppress_db)

    def __call__(self, frame: bytes) -> bytes:
        block = FRAME_BYTES // 3
        return b"".join(self._processor.process_10ms(frame[i:i + block])
                        for i in range(0, len(frame), block))


def make_denoiser(setting: str) -> Denoiser | None:
    if setting == "off":
        return None
    try:
        return Denoiser()
    except ImportError:
        log.warning("pyspeex-noise is not installed: no noise suppression "
                    "(pip install pyspeex-noise)")
        return None


class Hearing:
    """Feeds audio through the segmenter and the engine; returns decided utterances."""

    def __init__(self, engine: Engine, router: Router, end_silence: float = 0.3,
                 max_utterance: float = 6.0, vad_mode: int = 2,
                 mode: Callable[[], str] = lambda: "cues", noise_suppression: str = "auto"):
        self.engine = engine
        self.router = router
        self.segmenter = Segmenter(end_silence=end_silence, max_utterance=max_utterance,
                                   vad_mode=vad_mode)
        self.mode = mode
        self.noise_suppression = noise_suppression
        self._denoise = make_denoiser(noise_suppression)
        self._clean = False  # this utterance is decoded from the denoised audio
        self._stop_frames = round(MAX_STOP_SECONDS * RATE / FRAME)
        self._max_frames = round(max_utterance * RATE / FRAME)
        self._frames = 0
        self._limit = self._max_frames
        self._pending = b""
        self._current_mode = "cues"
        self._skip = False
        self.utterances = 0
        self.speech_seconds = 0.0

    def feed(self, pcm: bytes) -> list[Detection]:
        """PCM16 mono 16 kHz of any length in; decisions out."""
        data = self._pending + pcm
        whole = len(data) - len(data) % FRAME_BYTES
        self._pending = data[whole:]
        out: list[Detection] = []
        for i in range(0, whole, FRAME_BYTES):
            frame = data[i:i + FRAME_BYTES]
            # Suppression runs only where it may be used (and a little below, to stay warm):
            # a quiet room costs no CPU for it.
            cleaned = self._denoise(frame) if self._suppressing(NOISY_ROOM_DB - 10) else frame
            for event in self.segmenter.push(frame, (frame, cleaned)):
                detection = self._event(event)
                if detection:
                    out.append(detection)
        return out

    def flush(self, seconds: float = 1.0) -> list[Detection]:
        """End of a stream: feed trailing silence so a final utterance is decided."""
        return self.feed(bytes(int(seconds * RATE) * 2))

    def _event(self, event: tuple) -> Detection | None:
        kind = event[0]
        if kind == "start":
            self._current_mode = self.mode()
            self._skip = False
            self._frames = len(event[2])
            self._limit = self._stop_frames if self._current_mode == "stop" else self._max_frames
            self._clean = self._suppressing(NOISY_ROOM_DB)
            self.engine.start(self._current_mode)
            for frames in event[2]:
                self.engine.accept(frames[self._clean])
        elif kind == "audio":
            self._frames += 1
            if self._skip:
                return None
            if self._frames > self._limit:
                # Longer than any cue (or than a bare "stop" while the device speaks): drop
                # it undecoded. Decoding holds the GIL, and playback must not starve for it.
                self._skip = True
                self.engine.start(self._current_mode)  # discards what was buffered
                return None
            self.engine.accept(event[1][self._clean])
        elif kind == "end":
            _, start, end, too_long = event
            ended_at = time.monotonic()
            self.utterances += 1
            self.speech_seconds += end - start
            if too_long or self._skip:
                return Detection(start, end, Transcript("", mode=self._current_mode), None,
                                 "too_long", time.monotonic(), ended_at)
            transcript = self.engine.finish()
            match, reason = self.verify(transcript)
            return Detection(start, end, transcript, match, reason, time.monotonic(), ended_at)
        return None

    def _suppressing(self, floor_db: float) -> bool:
        """Whether denoised audio is wanted when the room's floor is above ``floor_db``."""
        return self._denoise is not None and (self.noise_suppression == "on"
                                              or self.segmenter.floor_db > floor_db)

    def verify(self, transcript: Transcript) -> tuple[IntentMatch | None, str]:
        """Close the set a second time: the whole transcript must route to a cue."""
        if not transcript.text:
            return None, "empty"
        if transcript.out_of_grammar:
            return None, "out_of_grammar"
        match = self.router.route(transcript.text)
        if match is None:
            return None, "not_a_cue"
        if transcript.mode == "stop" and (match.intent != "stop"
                                          or transcript.text not in STOP_PHRASES):
            return None, "not_a_cue"
        if transcript.mode != "answers" and match.intent == "score":
            return None, "not_a_cue"
        return match, "accepted"
