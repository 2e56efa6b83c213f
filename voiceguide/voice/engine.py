"""The one small interface every speech engine implements, and what all of them share."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..audio import Audio

PEAK = 0.89
"""Every rendered line is scaled to this peak (-1 dBFS), so engines sound equally loud."""
LEAD = 0.03
"""Seconds of silence kept before speech: the first sound comes at once."""
TAIL = 0.12
"""Seconds kept after the last sound; the script's own pauses follow it."""


class Engine(Protocol):
    """Renders text (already written for the ear) to audio.

    ``render`` may be called from two threads at once (one line now, the next one ahead);
    an engine that cannot do that serializes internally."""

    name: str
    """"piper" or "pyttsx3": the value of ``speech.engine`` that picks it."""
    in_process: bool
    """True when rendering runs native code in this process (exit waits for it)."""

    def identity(self) -> str:
        """Everything that changes the sound (engine and its version, voice, voice file
        digest, pitch): part of the cache key. Cheap: loads no model."""

    def describe(self) -> str:
        """One phrase for people, e.g. "piper voice en_US-joe-medium"."""

    def load(self) -> None:
        """Get ready (load the model, start the process); may take seconds. Idempotent.
        Raises :class:`~voiceguide.errors.TTSError` with one actionable line."""

    def render(self, text: str, wpm: float) -> Audio:
        """``text`` spoken at ``wpm`` words per minute as heard. Raises ``TTSError``."""

    def abort(self) -> None:
        """Give up on a render in progress if it can be interrupted (kill a process);
        the render then raises ``TTSError``. A no-op for in-process engines."""


def tidy(audio: Audio, threshold: float = 0.01) -> Audio:
    """Trim silence at both ends to :data:`LEAD` / :data:`TAIL` and scale to :data:`PEAK`.

    Engines add their own silence around an utterance (espeak-ng ~0.1 s before, Piper a
    little after each sentence); the script decides the silence between lines."""
    x = np.asarray(audio.samples, dtype=np.float32)
    loud = np.flatnonzero(np.abs(x) > threshold * max(float(np.max(np.abs(x), initial=0)), 1e-9))
    if not len(loud):
        return Audio(np.zeros(0, np.float32), audio.rate)
    start = max(0, loud[0] - int(LEAD * audio.rate))
    end = min(len(x), loud[-1] + 1 + int(TAIL * audio.rate))
    x = x[start:end]
    peak = float(np.max(np.abs(x)))
    return Audio((x * (PEAK / peak)).astype(np.float32), audio.rate)
