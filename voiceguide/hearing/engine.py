"""What every recognition engine offers: the listening modes, the transcript, the interface.

An engine decodes one utterance at a time, streaming: ``start(mode)``, ``accept(pcm)``
for each 16 kHz PCM16 chunk while the person speaks, ``finish() -> Transcript`` at the
endpoint. Whether a transcript is acted on is decided afterwards (the router closes the
set; :meth:`Engine.doubt` adds what only the engine can judge, such as Whisper's
no-speech probability), never by the engine alone.

Listening modes (what may count, chosen per utterance by the listener):

* ``cues``: every guidance cue and control, but no bare answers ("yes", "no").
* ``offer``: an offer is waiting ("start the timer?"): cues plus yes / no.
* ``answers``: a 0-10 question was asked: cues, yes / no and scores.
* ``speaking``: the device itself is speaking (or has just stopped): only stop and
  safety count; safety is recall-first, stop must be said alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Protocol

from ..intents import Intent
from ..router import IntentMatch

Mode = Literal["cues", "offer", "answers", "speaking"]
MODES: tuple[str, ...] = ("cues", "offer", "answers", "speaking")
STOP_PHRASES = ("stop",)
"""What a grammar engine listens for besides safety while the device speaks."""
ANSWER_INTENTS = (Intent.YES, Intent.NO)
"""Bare answers: acted on only while an offer waits for one."""


@dataclass(frozen=True)
class Transcript:
    text: str
    """Recognized words, lower case, space separated ("" for nothing)."""
    words: tuple[str, ...] = ()
    """Every token the decoder produced, including out-of-grammar markers."""
    out_of_grammar: bool = False
    """True when any part of the utterance matched the garbage/[unk] path."""
    mode: str = "cues"
    distance: float | None = None
    """PocketSphinx only: phone edit distance between the cue and a free phone decode."""
    coverage: float | None = None
    """PocketSphinx only: share of the utterance's frames taken by the cue's words."""
    no_speech: float | None = None
    """Whisper only: the model's probability that the audio holds no speech."""
    avg_logprob: float | None = None
    """Whisper only: mean log probability of the decoded tokens (0 = certain)."""
    compression: float | None = None
    """Whisper only: gzip compression ratio of the text (high = it repeats itself)."""
    seconds: float = 0.0
    """Length of the decoded audio."""


class Engine(Protocol):
    name: str
    """Registry name: "whisper", "vosk" or "pocketsphinx"."""
    description: str
    """Engine and model in words, for the start-up line."""
    missing_words: list[str]
    """Cue words a grammar engine cannot hear (its phrases are left out)."""

    def start(self, mode: Mode = "cues") -> None: ...

    def accept(self, pcm: bytes) -> None: ...

    def finish(self) -> Transcript: ...

    def doubt(self, transcript: Transcript, match: IntentMatch) -> str | None:
        """Why this engine does not trust ``transcript`` as ``match`` (None: it does)."""


def vocabulary(phrases: Iterable[str]) -> list[str]:
    return sorted({w for p in phrases for w in p.split()})


def keep_known(phrases: list[str], missing: set[str]) -> list[str]:
    return [p for p in phrases if not (set(p.split()) & missing)]
