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
import re
import time
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from ..intents import Intent
from ..router import IntentMatch, Router
from ..text import normalize
from .echo import SpeakerState, remove_echo
from .engine import ANSWER_INTENTS, Engine, Transcript

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
STOP_WORDS = ("stop", "quiet", "enough", "cancel", "silence")
"""Words that make a bare stop while the device speaks ("stop", "stop stop", "quiet")."""


@dataclass(frozen=True)
class Detection:
    start: float
    """Seconds into the stream where the utterance began (pre-roll included)."""
    end: float
    """Seconds into the stream where voice ended (trailing silence excluded)."""
    transcript: Transcript
    match: IntentMatch | None
    reason: str
    """accepted | empty | too_long | out_of_grammar | echo | not_a_cue | doubt: ... | stale |
    device_speaking | no_offer"""
    decided_at: float = 0.0
    """time.monotonic() when the decision was made."""
    ended_at: float = 0.0
    """time.monotonic() when the endpoint frame was fed (end of speech + end_silence)."""


class Segmenter:
    """Cuts a 16 kHz PCM16 stream into utterances with a frame VAD."""

    def __init__(self, end_silence: float = 0.3, pre_roll: float = 0.3, start_frames: int = 3,
                 max_utterance: float = 8.0, vad_mode: int = 2, margin_db: float = 6.0,
                 floor_seconds: float = 5.0, overlap: float = 1.5):
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
        self.tail: collections.deque = collections.deque(maxlen=round(overlap * RATE / FRAME))
        self.in_speech = False
        self.frames = 0  # frames seen in total
        self.start_frame = 0
        self.silent_run = 0
        self.length = 0

    def push(self, frame: bytes, payload=None) -> list[tuple]:
        """One 30 ms frame in; events out: ("start", t, [payloads]), ("audio", payload),
        ("end", t_start, t_end, cut). ``cut``: the utterance reached ``max_utterance`` and
        a new one (overlapping it by ``overlap``) starts in the same call. The payload (default: the frame) is what the
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
                self.tail.clear()
                self.tail.extend(self.ring)
                self.ring.clear()
                self.voiced.clear()
            return events
        events.append(("audio", payload))
        self.length += 1
        self.tail.append(payload)
        self.silent_run = 0 if speech else self.silent_run + 1
        if self.silent_run >= self.end_frames:
            self.in_speech = False
            end = (self.frames - self.silent_run) * FRAME / RATE
            events.append(("end", self.start_frame * FRAME / RATE, end, False))
        elif self.length >= self.max_frames:
            # Talk that goes on: cut it here and go on at once with a new utterance that
            # starts ``overlap`` earlier, so words at the cut are heard whole in one of them.
            end = self.frames * FRAME / RATE
            events.append(("end", self.start_frame * FRAME / RATE, end, True))
            carried = list(self.tail)
            self.start_frame = self.frames - len(carried)
            self.length = len(carried)
            self.silent_run = 0
            events.append(("start", self.start_frame * FRAME / RATE, carried))
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
    """Feeds audio through the segmenter and the engine; returns decided utterances.

    ``mode()`` says what may count when an utterance starts ("cues", "offer",
    "answers"); while ``speaker`` says the device is speaking, and for ``holdoff``
    seconds after, the utterance is heard in "speaking" mode instead: only stop and
    safety count, and the device's own words (``speaker.recent_lines()``) are taken out
    of the transcript first (echo by text).

    ``lag()`` says how many seconds of audio are waiting to be fed (a live microphone's
    queue). When it exceeds ``max_lag`` the listener has fallen behind: the utterances
    that end then are stale, so they are not decoded one by one but kept and decoded
    together once the listener has caught up (one pass, safety only); beyond
    ``max_stale`` seconds of such audio the oldest is dropped. An utterance that ends
    while the listener is on time (a cue said now) is always decoded in full.
    """

    def __init__(self, engine: Engine, router: Router, end_silence: float = 0.3,
                 max_utterance: float = 8.0, vad_mode: int = 2,
                 mode: Callable[[], str] = lambda: "cues", noise_suppression: str = "auto",
                 speaker: SpeakerState | None = None, holdoff: float = 0.8,
                 lag: Callable[[], float] = lambda: 0.0, max_lag: float = 1.5,
                 max_stale: float = 20.0):
        self.engine = engine
        self.router = router
        # while the device speaks, the rules alone (see _over_the_device); a router with
        # no model stage (another language's cue table) is its own rules
        self._rules = getattr(router, "rules_only", lambda: router)()
        self.segmenter = Segmenter(end_silence=end_silence, max_utterance=max_utterance,
                                   vad_mode=vad_mode)
        self.mode = mode
        self.speaker = speaker
        self.holdoff = holdoff
        self.lag = lag
        self.max_lag = max_lag
        self.max_stale_bytes = int(max_stale * RATE) * 2
        # "auto" suppresses noise in a noisy room only for engines that gain from it (all
        # three do on the tuning audio; Whisper: 30.0 % word errors in pink noise at 10 dB
        # with it, 32.4 % without).
        if noise_suppression == "auto" and not getattr(engine, "wants_denoised", True):
            noise_suppression = "off"
        self.noise_suppression = noise_suppression
        self._denoise = make_denoiser(noise_suppression)
        self._clean = False  # this utterance is decoded from the denoised audio
        self._pending = b""
        self._audio: list[bytes] = []
        self._current_mode = "cues"
        self._skip = False
        self._spoke_until = -1e9  # stream seconds when the device was last heard speaking
        self._stale: list[bytes] = []
        self._stale_span = (0.0, 0.0)
        self.stale_dropped = 0.0
        """Seconds of stale audio dropped undecoded (the listener was too far behind)."""
        self.utterances = 0
        self.speech_seconds = 0.0
        self.decoded_seconds = 0.0

    @property
    def now(self) -> float:
        """Stream time: seconds of audio fed so far."""
        return self.segmenter.frames * FRAME / RATE

    def feed(self, pcm: bytes) -> list[Detection]:
        """PCM16 mono 16 kHz of any length in; decisions out."""
        data = self._pending + pcm
        whole = len(data) - len(data) % FRAME_BYTES
        self._pending = data[whole:]
        out: list[Detection] = []
        for i in range(0, whole, FRAME_BYTES):
            frame = data[i:i + FRAME_BYTES]
            if self.speaker is not None and self.speaker.speaking():
                self._spoke_until = self.now + FRAME / RATE
            # Suppression runs only where it may be used (and a little below, to stay warm):
            # a quiet room costs no CPU for it.
            cleaned = self._denoise(frame) if self._suppressing(NOISY_ROOM_DB - 10) else frame
            for event in self.segmenter.push(frame, (frame, cleaned)):
                out += self._event(event)
        return out

    def flush(self, seconds: float = 1.0) -> list[Detection]:
        """End of a stream: feed trailing silence so a final utterance is decided."""
        out = self.feed(bytes(int(seconds * RATE) * 2))
        return out + self._decode_stale()

    def _speaking_since(self, start: float) -> bool:
        return self._spoke_until + self.holdoff > start

    def _event(self, event: tuple) -> list[Detection]:
        kind = event[0]
        if kind == "start":
            self._current_mode = "speaking" if self._speaking_since(self.now) else self.mode()
            # Over the device's own voice the "noise floor" is its speech, which a noise
            # suppressor smears into the person's words: decode the raw audio then.
            self._clean = self._suppressing(NOISY_ROOM_DB) and self._current_mode != "speaking"
            self._audio = [frames[self._clean] for frames in event[2]]
            self._skip = False
            self.engine.start(self._current_mode)
            for chunk in self._audio:
                self.engine.accept(chunk)
        elif kind == "audio":
            chunk = event[1][self._clean]
            self._audio.append(chunk)
            if self._skip:
                return []
            limit = getattr(self.engine, "speaking_limit", None)
            if self._current_mode == "speaking" and limit and \
                    len(self._audio) * FRAME / RATE > limit:
                # An engine that holds the GIL while it decodes (PocketSphinx) would starve
                # the device's playback on long stretches of its own speech: drop them.
                self._skip = True
                self.engine.start(self._current_mode)
                return []
            self.engine.accept(chunk)
        elif kind == "end":
            _, start, end, _cut = event
            ended_at = time.monotonic()
            self.utterances += 1
            self.speech_seconds += end - start
            if self._speaking_since(start):
                self._current_mode = "speaking"  # the device spoke during it
            if self._skip:
                return [Detection(start, end, Transcript("", mode=self._current_mode), None,
                                  "too_long", time.monotonic(), ended_at)]
            if self.lag() > self.max_lag:
                self._keep_stale(start, end)
                return []
            # The listening mode is the pipeline's: an engine may decode a mode it has no
            # grammar for with another one.
            transcript = replace(self.engine.finish(), mode=self._current_mode)
            self.decoded_seconds += transcript.seconds
            match, reason = self.verify(transcript)
            # What was said now first; then, once, whatever piled up while behind.
            return [Detection(start, end, transcript, match, reason, time.monotonic(),
                              ended_at)] + self._decode_stale()
        return []

    def _keep_stale(self, start: float, end: float) -> None:
        """The listener is behind: keep this utterance's audio for one merged decode."""
        self.engine.start(self._current_mode)  # drop what the engine buffered
        if not self._stale:
            self._stale_span = (start, end)
        self._stale_span = (self._stale_span[0], end)
        self._stale += self._audio + [bytes(int(0.2 * RATE) * 2)]
        size = sum(len(b) for b in self._stale)
        while size > self.max_stale_bytes and len(self._stale) > 1:
            dropped = self._stale.pop(0)
            size -= len(dropped)
            self.stale_dropped += len(dropped) / 2 / RATE
        log.info("listener behind by %.1f s: utterance kept for a merged decode", self.lag())

    def _decode_stale(self) -> list[Detection]:
        if not self._stale:
            return []
        start, end = self._stale_span
        pcm, self._stale = b"".join(self._stale), []
        ended_at = time.monotonic()
        self.engine.start("speaking")
        for i in range(0, len(pcm), FRAME_BYTES * 10):
            self.engine.accept(pcm[i:i + FRAME_BYTES * 10])
        transcript = replace(self.engine.finish(), mode="speaking")
        self.decoded_seconds += transcript.seconds
        match, reason = self.verify(transcript, stale=True)
        return [Detection(start, end, transcript, match, reason, time.monotonic(), ended_at)]

    def _suppressing(self, floor_db: float) -> bool:
        """Whether denoised audio is wanted when the room's floor is above ``floor_db``."""
        return self._denoise is not None and (self.noise_suppression == "on"
                                              or self.segmenter.floor_db > floor_db)

    def _over_the_device(self, text: str) -> tuple[str, IntentMatch | None]:
        """Heard while the device speaks: take its own words out, then route what is left,
        whole and clause by clause (Whisper puts "stop!" said over a line in a sentence of
        its own, after the line's misheard words). Safety anywhere wins; else a bare stop."""
        lines = self.speaker.recent_lines() if self.speaker is not None else []
        clauses = [c for c in re.split(r"[.!?,;]+", text) if c.strip()]
        pieces = [remove_echo(p, lines) for p in [text] + (clauses if len(clauses) > 1 else [])]
        pieces = [p for p in pieces if p]
        if not pieces:
            return "", None
        # While it speaks, the rules alone: its own voice, garbled by the room, is text no
        # writer wrote, where the model reads pleas into it ("your mother has gone into
        # alarm"); the rules' safety and "stop" are what counts over the device anyway.
        matches = [(p, self._rules.route(p)) for p in pieces]
        for piece, match in matches:
            if match is not None and match.intent == Intent.SAFETY:
                return piece, match
        for piece, match in matches:
            if match is not None and match.intent == Intent.STOP and _bare_stop(piece):
                return piece, match
        return matches[0]

    def verify(self, transcript: Transcript, stale: bool = False
               ) -> tuple[IntentMatch | None, str]:
        """Close the set a second time: the transcript must route to a cue that may count
        in its mode, and the engine must not doubt it."""
        text = transcript.text
        if not text:
            return None, "empty"
        if transcript.out_of_grammar:
            return None, "out_of_grammar"
        speaking = transcript.mode == "speaking"
        if speaking:
            text, match = self._over_the_device(text)
            if not text:
                return None, "echo"
        else:
            match = self.router.route(text)
        if match is None:
            return None, "not_a_cue"
        doubt = self.engine.doubt(transcript, match)
        if doubt:
            return None, f"doubt: {doubt}"
        if match.intent == Intent.SAFETY:
            return match, "accepted"  # in every mode, at every moment
        if stale:
            return None, "stale"
        if speaking and not (match.intent == Intent.STOP and _bare_stop(text)):
            return None, "device_speaking"
        if match.intent in ANSWER_INTENTS and transcript.mode not in ("offer", "answers"):
            return None, "no_offer"
        if match.intent == Intent.SCORE and transcript.mode != "answers":
            return None, "not_a_cue"
        return match, "accepted"


def _bare_stop(text: str) -> bool:
    """While the device speaks, "stop" counts only said alone (a word or two)."""
    words = normalize(text)
    return 0 < len(words) <= 2 and any(w in STOP_WORDS for w in words)
