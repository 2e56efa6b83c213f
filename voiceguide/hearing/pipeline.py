"""Audio -> utterances -> transcripts -> verified intents.

Voice-activity gating keeps the recognizer idle on silence (what matters on a Pi): the
WebRTC VAD shipped with pocketsphinx looks at 30 ms frames, an utterance starts after a
few voiced frames (with a short pre-roll so the first word is not clipped) and ends
after ``end_silence`` seconds without voice. Only then is the decision made, and the
whole transcript must be one cue the router accepts, or it is rejected.
"""

from __future__ import annotations

import collections
import logging
import time
from dataclasses import dataclass
from typing import Callable

from ..router import IntentMatch, Router
from .engines import STOP_PHRASES, Engine, Transcript

log = logging.getLogger(__name__)

RATE = 16000
FRAME = 480  # samples: 30 ms at 16 kHz
FRAME_BYTES = FRAME * 2
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
                 max_utterance: float = 6.0, vad_mode: int = 2):
        from pocketsphinx import Vad

        self.vad = Vad(vad_mode, RATE, FRAME / RATE)
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

    def push(self, frame: bytes) -> list[tuple]:
        """One 30 ms frame in; events out: ("start", t, [frames]), ("audio", frame),
        ("end", t_start, t_end, too_long)."""
        events: list[tuple] = []
        speech = self.vad.is_speech(frame)
        self.frames += 1
        if not self.in_speech:
            self.ring.append(frame)
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
        events.append(("audio", frame))
        self.length += 1
        self.silent_run = 0 if speech else self.silent_run + 1
        too_long = self.length >= self.max_frames
        if self.silent_run >= self.end_frames or too_long:
            self.in_speech = False
            end = (self.frames - self.silent_run) * FRAME / RATE
            events.append(("end", self.start_frame * FRAME / RATE, end, too_long))
        return events


class Hearing:
    """Feeds audio through the segmenter and the engine; returns decided utterances."""

    def __init__(self, engine: Engine, router: Router, end_silence: float = 0.3,
                 max_utterance: float = 6.0, vad_mode: int = 2,
                 mode: Callable[[], str] = lambda: "cues"):
        self.engine = engine
        self.router = router
        self.segmenter = Segmenter(end_silence=end_silence, max_utterance=max_utterance,
                                   vad_mode=vad_mode)
        self.mode = mode
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
            for event in self.segmenter.push(data[i:i + FRAME_BYTES]):
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
            self.engine.start(self._current_mode)
            for frame in event[2]:
                self.engine.accept(frame)
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
            self.engine.accept(event[1])
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
