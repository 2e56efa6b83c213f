"""PocketSphinx: the lightest engine, with the US-English model its PyPI package ships.

Decoding is restricted to a grammar of the listening mode's cue phrases (a stop + safety
grammar while the device speaks). A grammar decoder maps any audio onto *some* cue, so
each utterance is decoded a second time with a free phone loop; when the phones of the
chosen cue are too far (edit distance per phone above ``max_phone_distance``) from what
the phone loop heard, or the cue's words cover less than ``min_coverage`` of the
utterance, the utterance is marked out of grammar.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Iterable

import numpy as np

from ..errors import EngineUnavailable, ModelNotFound
from ..router import IntentMatch
from .engine import STOP_PHRASES, Mode, Transcript, keep_known, vocabulary

log = logging.getLogger(__name__)


def trie_jsgf(phrases: list[str]) -> str:
    """The phrases as one JSGF expression sharing common prefixes (a far smaller search
    than a flat list of alternatives: the decoder keeps fewer paths alive)."""
    tree: dict = {}
    for phrase in phrases:
        node = tree
        for word in phrase.split():
            node = node.setdefault(word, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alternatives = [w + (" " + emit(child) if emit(child) else "")
                        for w, child in sorted(node.items()) if w]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else \
            "( " + " | ".join(alternatives) + " )"
        return f"[ {body} ]" if "" in node else body

    return emit(tree)


def _edit_distance(a: list[str], b: list[str]) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def _dither(pcm: bytes) -> bytes:
    """Add +-1 LSB of fixed pseudo-random noise: digital silence (log of zero energy)
    derails the features, and a fixed seed keeps the result reproducible."""
    x = np.frombuffer(pcm, np.int16).astype(np.int32)
    noise = np.random.default_rng(0).integers(-1, 2, len(x))
    return np.clip(x + noise, -32768, 32767).astype(np.int16).tobytes()


SAFETY_MIN_COVERAGE = 0.65
_NOT_PHONES = {"SIL", "+NSN+", "+SPN+", "<s>", "</s>", "<sil>", "(NULL)"}


class SphinxEngine:
    """PocketSphinx restricted to the cue grammar, with phone-loop verification."""

    name = "pocketsphinx"
    speaking_limit = 3.0
    """Seconds decoded of an utterance heard while the device speaks: decoding holds
    the GIL, and longer stretches are the device's own talk."""

    def __init__(self, phrases: dict[str, list[str]] | list[str], model_dir: Path | None = None,
                 sample_rate: int = 16000, max_phone_distance: float = 0.65,
                 min_coverage: float = 0.5, stop_max_phone_distance: float = 0.75,
                 safety_phrases: Iterable[str] = (), safety_max_phone_distance: float = 0.75):
        try:
            import pocketsphinx
        except ImportError as exc:  # pragma: no cover - a core dependency
            raise EngineUnavailable(f"pocketsphinx is not installed ({exc})") from None
        base = Path(model_dir) if model_dir else Path(pocketsphinx.get_model_path())
        hmm, dic = base / "en-us" / "en-us", base / "en-us" / "cmudict-en-us.dict"
        phone_lm = base / "en-us" / "en-us-phone.lm.bin"
        if not hmm.is_dir() or not dic.is_file():
            raise ModelNotFound(f"{base}: no PocketSphinx en-us model here")
        try:
            # bestpath off: the lattice pass drops whole grammar paths on synthetic speech.
            # Batch CMN and our own fixed dither (in finish) make each decision depend on
            # that utterance alone, not on what was decoded before it.
            self.decoder = pocketsphinx.Decoder(hmm=str(hmm), dict=str(dic), lm=None,
                                                samprate=sample_rate, bestpath=False,
                                                cmn="batch", logfn=os.devnull)
        except (RuntimeError, ValueError) as exc:
            raise EngineUnavailable(f"pocketsphinx could not start ({exc})") from None
        self.description = f"pocketsphinx (bundled US-English model {base / 'en-us'})"
        self.max_phone_distance = max_phone_distance
        self.min_coverage = min_coverage
        # "stop" is four phones: per-phone distance is coarse there, so the barge-in rule
        # leans on its tiny grammar, coverage and a short utterance instead (pipeline).
        self.stop_max_phone_distance = stop_max_phone_distance
        # A missed "I'm not safe" costs far more than a safety script heard in error, so a
        # safety phrase that fills most of the utterance passes a looser bar. The bar is the
        # loosest that kept every line of the device's own scripts out: "I'm listening."
        # came in as "he's hurting me" at distance 0.70, coverage 0.61.
        self.safety_phrases = set(safety_phrases)
        self.safety_max_phone_distance = safety_max_phone_distance
        modes = phrases if isinstance(phrases, dict) else {"cues": list(phrases)}
        modes = {"speaking": list(STOP_PHRASES) + sorted(self.safety_phrases), **modes}
        vocab = vocabulary(p for ps in modes.values() for p in ps)
        self.missing_words = [w for w in vocab if self.decoder.lookup_word(w) is None]
        if self.missing_words:
            log.warning("cue words missing from the PocketSphinx dictionary, phrases left out: "
                        "%s", ", ".join(self.missing_words))
        self.modes = {m: keep_known(ps, set(self.missing_words)) for m, ps in modes.items()}
        for mode, kept in self.modes.items():
            self.decoder.add_jsgf_string(mode, "#JSGF V1.0;\ngrammar voiceguide;\n"
                                         f"public <cue> = {trie_jsgf(kept)};\n")
        self.decoder.add_allphone_file("phones", str(phone_lm))
        self.phrases = self.modes.get("cues", [])
        self._mode: str = "cues"
        self._audio: list[bytes] = []

    def start(self, mode: Mode = "cues") -> None:
        self._mode = mode if mode in self.modes else "cues"
        self._audio = []

    def accept(self, pcm: bytes) -> None:
        # Decoded whole at the end: one pass over a short utterance with the cepstral
        # mean of that utterance is steadier than live adaptation across utterances.
        self._audio.append(pcm)

    def _decode(self, search: str, pcm: bytes):
        d = self.decoder
        d.activate_search(search)
        d.start_utt()
        d.process_raw(pcm, False, True)
        d.end_utt()
        return d

    def finish(self) -> Transcript:
        pcm = b"".join(self._audio)
        self._audio = []
        if not pcm:
            return Transcript("", (), False, self._mode)
        pcm = _dither(pcm)
        decoder = self._decode(self._mode, pcm)
        hyp = decoder.hyp()
        text = hyp.hypstr.strip() if hyp else ""
        seconds = len(pcm) / 2 / 16000
        if not text:
            return Transcript("", (), True, self._mode, seconds=seconds)
        # How much of the utterance the cue's words account for: a short cue that had to
        # explain a long sentence as silence and noise is not what was said.
        spoken = sum(s.end_frame - s.start_frame + 1 for s in decoder.seg() or ()
                     if s.word[:1] not in "<[+")
        coverage = spoken / max(1, decoder.n_frames())
        heard = [s.word for s in self._decode("phones", pcm).seg() if s.word not in _NOT_PHONES]
        expected = [ph for w in text.split() for ph in (self.decoder.lookup_word(w) or "").split()]
        distance = _edit_distance(expected, heard) / max(1, len(expected))
        if self._mode == "speaking" and text in STOP_PHRASES:
            oog = distance > self.stop_max_phone_distance or coverage < self.min_coverage
        else:
            oog = ((distance > self.max_phone_distance or coverage < self.min_coverage) and
                   not (text in self.safety_phrases and coverage >= SAFETY_MIN_COVERAGE and
                        distance <= self.safety_max_phone_distance))
        return Transcript(text, tuple(text.split()), oog, self._mode, round(distance, 3),
                          round(coverage, 3), seconds=seconds)

    def doubt(self, transcript: Transcript, match: IntentMatch) -> str | None:
        return None  # phone-loop verification already marked the transcript
