"""Vosk (Kaldi), streaming: light enough for a Pi, for users who install an English model.

Two ways to decode, ``listen.vosk_mode``:

* ``open`` (default): the model's own language model, no grammar, so the router sees what
  was actually said and closes the set itself ("the basement flooded" comes through as
  those words and routes to nothing).
* ``grammar``: decoding restricted to the cue phrases of the listening mode plus
  ``[unk]`` for everything else (smaller search, but any sound is pulled toward a cue;
  an utterance that touched ``[unk]`` is marked out of grammar).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Literal

from ..errors import EngineUnavailable, ModelNotFound
from ..router import IntentMatch
from .engine import Mode, Transcript, keep_known, vocabulary

log = logging.getLogger(__name__)

UNKNOWN = "[unk]"
VoskMode = Literal["open", "grammar"]


def is_vosk_model(path: Path) -> bool:
    return (path / "am" / "final.mdl").is_file() and (path / "conf").is_dir() and (
        (path / "graph" / "HCLr.fst").is_file() or (path / "graph" / "HCLG.fst").is_file()
        or (path / "HCLG.fst").is_file())


class VoskEngine:
    name = "vosk"

    def __init__(self, model_path: Path, phrases: dict[str, list[str]] | list[str],
                 sample_rate: int = 16000, decoding: VoskMode = "grammar"):
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
        self.decoding = decoding
        self.description = f"vosk, {decoding} vocabulary ({model_path})"
        modes = phrases if isinstance(phrases, dict) else {"cues": list(phrases)}
        vocab = vocabulary(p for ps in modes.values() for p in ps)
        self.missing_words = [w for w in vocab if self.model.vosk_model_find_word(w) < 0]
        self.modes = {m: keep_known(ps, set(self.missing_words)) for m, ps in modes.items()}
        if not self.modes.get("cues"):
            raise EngineUnavailable(f"{model_path}: the model knows none of the cue phrases "
                                    "(is it an English model?)")
        if self.missing_words:
            log.warning("%d cue words are not in the Vosk model's vocabulary%s: %s",
                        len(self.missing_words),
                        " and their phrases are left out" if decoding == "grammar" else "",
                        ", ".join(self.missing_words[:20]))
        self.phrases = self.modes["cues"]
        self._unk = self.model.vosk_model_find_word(UNKNOWN) >= 0
        if decoding == "open":
            open_rec = self._recognizer(None)
            self._recognizers = {m: open_rec for m in self.modes}
        else:
            self._recognizers = {m: self._recognizer(self._grammar(ps))
                                 for m, ps in self.modes.items() if ps}
        self._rec = self._recognizers["cues"]
        self._mode: str = "cues"
        self._parts: list[str] = []
        self._bytes = 0

    def _grammar(self, phrases: list[str]) -> str:
        return json.dumps(phrases + ([UNKNOWN] if self._unk else []), ensure_ascii=False)

    def _recognizer(self, grammar: str | None):
        if grammar is None:
            rec = self._vosk.KaldiRecognizer(self.model, self.rate)
        else:
            rec = self._vosk.KaldiRecognizer(self.model, self.rate, grammar)
        rec.SetWords(False)
        return rec

    def start(self, mode: Mode = "cues") -> None:
        self._mode = mode if mode in self._recognizers else "cues"
        self._rec = self._recognizers[self._mode]
        self._rec.Reset()
        self._parts = []
        self._bytes = 0

    def accept(self, pcm: bytes) -> None:
        self._bytes += len(pcm)
        if self._rec.AcceptWaveform(pcm):
            # Vosk found an endpoint of its own inside our utterance: keep that part.
            self._parts.append(json.loads(self._rec.Result()).get("text", ""))

    def finish(self) -> Transcript:
        self._parts.append(json.loads(self._rec.FinalResult()).get("text", ""))
        words = tuple(" ".join(self._parts).split())
        oog = self.decoding == "grammar" and UNKNOWN in words
        text = " ".join(w for w in words if w != UNKNOWN)
        return Transcript(text, words, oog, self._mode, seconds=self._bytes / 2 / self.rate)

    def doubt(self, transcript: Transcript, match: IntentMatch) -> str | None:
        return None  # the grammar's [unk] and the router decide
