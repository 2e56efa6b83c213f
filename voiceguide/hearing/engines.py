"""Recognition engines behind one small interface, chosen by name.

An engine decodes one utterance at a time, streaming: ``start(mode)``, ``accept(pcm)``
for each chunk while the person speaks, ``finish() -> Transcript`` at the endpoint.
Both engines are restricted to a grammar built from the router's phrase list, plus a
way out for everything else ("[unk]" for Vosk, a word loop for PocketSphinx), and in
``mode="stop"`` (used while the device itself is speaking) to "stop" and nothing else.
Whether a transcript is accepted is decided by the router afterwards, not here.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal, Protocol

import numpy as np

from ..errors import EngineUnavailable, ModelNotFound

log = logging.getLogger(__name__)

Mode = Literal["cues", "answers", "stop"]
STOP_PHRASES = ("stop",)
UNKNOWN = "[unk]"


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


class Engine(Protocol):
    name: str
    description: str
    missing_words: list[str]

    def start(self, mode: Mode = "cues") -> None: ...

    def accept(self, pcm: bytes) -> None: ...

    def finish(self) -> Transcript: ...


def _vocabulary(phrases: Iterable[str]) -> list[str]:
    return sorted({w for p in phrases for w in p.split()})


def _keep_known(phrases: list[str], missing: set[str]) -> list[str]:
    return [p for p in phrases if not (set(p.split()) & missing)]


# ---------------------------------------------------------------------------- Vosk
def is_vosk_model(path: Path) -> bool:
    return (path / "am" / "final.mdl").is_file() and (path / "conf").is_dir() and (
        (path / "graph" / "HCLr.fst").is_file() or (path / "graph" / "HCLG.fst").is_file()
        or (path / "HCLG.fst").is_file())


class VoskEngine:
    name = "vosk"

    def __init__(self, model_path: Path, phrases: dict[str, list[str]] | list[str],
                 sample_rate: int = 16000):
        try:
            import vosk
        except ImportError as exc:  # pragma: no cover - vosk is a core dependency
            raise EngineUnavailable(f"vosk is not installed ({exc}); pip install vosk") from None
        model_path = Path(model_path)
        if not is_vosk_model(model_path):
            raise ModelNotFound(f"{model_path} is not a Vosk model folder (no am/final.mdl, "
                                "conf/ and graph/); run `voiceguide model download`")
        vosk.SetLogLevel(-1)
        try:
            self.model = vosk.Model(str(model_path))  # a path: never the downloading lang=
        except Exception as exc:  # vosk raises a bare Exception
            raise ModelNotFound(f"{model_path}: Vosk could not load this model ({exc})") from None
        self._vosk = vosk
        self.rate = sample_rate
        self.description = f"vosk ({model_path})"
        modes = phrases if isinstance(phrases, dict) else {"cues": list(phrases)}
        modes = {"stop": list(STOP_PHRASES), **modes}
        vocab = _vocabulary(p for ps in modes.values() for p in ps)
        self.missing_words = [w for w in vocab if self.model.vosk_model_find_word(w) < 0]
        self.modes = {m: _keep_known(ps, set(self.missing_words)) for m, ps in modes.items()}
        if not self.modes.get("cues"):
            raise EngineUnavailable(f"{model_path}: the model knows none of the cue phrases "
                                    "(is it an English model?)")
        if self.missing_words:
            log.warning("%d cue words are not in the Vosk model's vocabulary and their phrases "
                        "are left out: %s", len(self.missing_words),
                        ", ".join(self.missing_words[:20]))
        self.phrases = self.modes["cues"]
        self._unk = self.model.vosk_model_find_word(UNKNOWN) >= 0
        self._recognizers = {m: self._recognizer(self._grammar(ps))
                             for m, ps in self.modes.items() if ps}
        self._rec = self._recognizers["cues"]
        self._mode: str = "cues"
        self._parts: list[str] = []

    def _grammar(self, phrases: list[str]) -> str:
        return json.dumps(phrases + ([UNKNOWN] if self._unk else []), ensure_ascii=False)

    def _recognizer(self, grammar: str):
        rec = self._vosk.KaldiRecognizer(self.model, self.rate, grammar)
        rec.SetWords(False)
        return rec

    def start(self, mode: Mode = "cues") -> None:
        self._mode = mode if mode in self._recognizers else "cues"
        self._rec = self._recognizers[self._mode]
        self._rec.Reset()
        self._parts = []

    def accept(self, pcm: bytes) -> None:
        if self._rec.AcceptWaveform(pcm):
            # Vosk found an endpoint of its own inside our utterance: keep that part.
            self._parts.append(json.loads(self._rec.Result()).get("text", ""))

    def finish(self) -> Transcript:
        self._parts.append(json.loads(self._rec.FinalResult()).get("text", ""))
        words = tuple(" ".join(self._parts).split())
        oog = UNKNOWN in words
        text = " ".join(w for w in words if w != UNKNOWN)
        return Transcript(text, words, oog, self._mode)


# --------------------------------------------------------------------- PocketSphinx
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
    """PocketSphinx restricted to the cue grammar, with phone-loop verification.

    A grammar decoder maps any audio onto *some* cue, so each utterance is decoded a
    second time with a free phone loop; when the phones of the chosen cue are too far
    (edit distance per phone above ``max_phone_distance``) from what the phone loop
    heard, or the cue's words cover less than ``min_coverage`` of the utterance, the
    utterance is marked out of grammar.
    """

    name = "pocketsphinx"

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
        modes = {"stop": list(STOP_PHRASES), **modes}
        vocab = _vocabulary(p for ps in modes.values() for p in ps)
        self.missing_words = [w for w in vocab if self.decoder.lookup_word(w) is None]
        if self.missing_words:
            log.warning("cue words missing from the PocketSphinx dictionary, phrases left out: "
                        "%s", ", ".join(self.missing_words))
        self.modes = {m: _keep_known(ps, set(self.missing_words)) for m, ps in modes.items()}
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
        if not text:
            return Transcript("", (), True, self._mode)
        # How much of the utterance the cue's words account for: a short cue that had to
        # explain a long sentence as silence and noise is not what was said.
        spoken = sum(s.end_frame - s.start_frame + 1 for s in decoder.seg() or ()
                     if s.word[:1] not in "<[+")
        coverage = spoken / max(1, decoder.n_frames())
        heard = [s.word for s in self._decode("phones", pcm).seg() if s.word not in _NOT_PHONES]
        expected = [ph for w in text.split() for ph in (self.decoder.lookup_word(w) or "").split()]
        distance = _edit_distance(expected, heard) / max(1, len(expected))
        if self._mode == "stop":
            oog = distance > self.stop_max_phone_distance or coverage < self.min_coverage
        else:
            oog = ((distance > self.max_phone_distance or coverage < self.min_coverage) and
                   not (text in self.safety_phrases and coverage >= SAFETY_MIN_COVERAGE and
                        distance <= self.safety_max_phone_distance))
        return Transcript(text, tuple(text.split()), oog, self._mode, round(distance, 3),
                          round(coverage, 3))
