"""The learned stage of the router: a fine-tuned MiniLM-L6 encoder and small heads.

Input: text. Output: :class:`ModelScores`: a probability for every class (the intents, with
safety split by kind, and ``none``), and the yes/no slot heads (discreet, imminent,
bedside). The encoder runs in CTranslate2 (int8, one thread, no torch); the heads are a
matrix product in numpy. Every file is checked against the sha256 in ``manifest.json`` at
load, so a damaged or half-copied model is an error, never a silent wrong answer.

Built by ``tools/train_router.py`` from ``voiceguide/lang/<language>/sentences``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ..errors import ModelError

log = logging.getLogger(__name__)

MAX_CHARS = 2000
"""Longer text is cut before tokenizing (a paste of thousands of words costs no more)."""
WINDOW_WORDS = 60
"""Text longer than this is also scored in windows (a plea at the end of a long ramble)."""
MAX_WINDOWS = 8
"""At most this many windows: the first and the last halves of a very long text."""
BATCH = 32
"""Texts per encoder call when many are scored at once (sorted by length first)."""


@dataclass(frozen=True)
class ModelScores:
    """What the model thinks of one utterance."""

    probs: Mapping[str, float]
    """class -> probability (sums to 1): "none", each guidance intent and control,
    "safety_danger", "safety_self_harm", "safety_general"."""
    aux: Mapping[str, float]
    """slot head -> probability: "discreet", "imminent", "bedside"."""
    vector: np.ndarray | None = None
    """the unit-length sentence vector (for the nearest training examples)."""

    @property
    def safety(self) -> float:
        """The probability that this is a safety plea of any kind."""
        return sum(p for c, p in self.probs.items() if c.startswith("safety_"))

    @property
    def safety_kind(self) -> str:
        kinds = {c[len("safety_"):]: p for c, p in self.probs.items() if c.startswith("safety_")}
        return max(kinds, key=kinds.get)

    @property
    def best(self) -> tuple[str, float]:
        """The most likely class other than safety's kinds summed (see :attr:`safety`)."""
        c = max(self.probs, key=self.probs.get)
        return c, self.probs[c]

    def top(self, n: int = 3) -> list[tuple[str, float]]:
        return sorted(self.probs.items(), key=lambda kv: -kv[1])[:n]


def packaged_model_dir(language: str = "en") -> Path:
    return Path(str(resources.files("voiceguide").joinpath("lang", language, "model")))


class IntentModel:
    """Loads once; :meth:`score` is thread-safe (one decode at a time)."""

    def __init__(self, folder: Path):
        self.folder = folder
        manifest_path = folder / "manifest.json"
        try:
            self.manifest = json.loads(manifest_path.read_text("utf-8"))
        except FileNotFoundError:
            raise ModelError(f"{folder}: no intent model here (manifest.json missing); "
                             "rebuild it with tools/train_router.py") from None
        except (OSError, ValueError) as exc:
            raise ModelError(f"{manifest_path}: unreadable ({exc})") from None
        for name, want in self.manifest["sha256"].items():
            path = folder / name
            try:
                got = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError as exc:
                raise ModelError(f"{path}: cannot read ({exc.strerror})") from None
            if got != want:
                raise ModelError(f"{path}: damaged (sha256 {got[:12]}..., expected "
                                 f"{want[:12]}...); reinstall voiceguide")
        self.classes: tuple[str, ...] = tuple(self.manifest["classes"])
        self.aux_names: tuple[str, ...] = tuple(self.manifest["aux"])
        self.max_tokens = int(self.manifest.get("max_tokens", 128))
        heads = np.load(folder / "heads.npz")
        self._w = heads["classes_w"].T.astype(np.float32)
        self._b = heads["classes_b"].astype(np.float32)
        self._aw = heads["aux_w"].T.astype(np.float32)
        self._ab = heads["aux_b"].astype(np.float32)
        self._nearest = heads["nearest"].astype(np.float32)
        try:
            import ctranslate2
            import tokenizers
        except ImportError as exc:
            raise ModelError(f"the intent model needs {exc.name}, which is not installed "
                             "on this machine (no wheel for it here?)") from None
        self._tok = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tok.no_padding()
        self._tok.enable_truncation(self.max_tokens)
        self._enc = ctranslate2.Encoder(str(folder), device="cpu", compute_type="int8",
                                        intra_threads=1, inter_threads=1)
        self._lock = threading.Lock()

    @cached_property
    def examples(self) -> list[tuple[str, str]]:
        """(text, class) of the training sentences kept for :meth:`nearest`."""
        rows = (self.folder / "nearest.tsv").read_text("utf-8").splitlines()
        return [tuple(r.split("\t", 1)) for r in rows]  # type: ignore[misc]

    @cached_property
    def thresholds(self):
        from .decide import Thresholds
        return Thresholds(**self.manifest.get("thresholds", {}))

    def score(self, text: str) -> ModelScores:
        return self.score_texts([text])[0]

    def score_texts(self, texts: Sequence[str]) -> list[ModelScores]:
        """Scores per text; a long text is also scored in windows of
        :data:`WINDOW_WORDS` words, and the window most like a safety plea stands for it
        when it is more so than the whole."""
        pieces: list[str] = []
        spans: list[tuple[int, int]] = []
        for t in texts:
            start = len(pieces)
            words = t.split()
            pieces.append(" ".join(words[:WINDOW_WORDS * 2]) if len(words) > WINDOW_WORDS else t)
            if len(words) > WINDOW_WORDS:
                windows = [" ".join(words[i:i + WINDOW_WORDS])
                           for i in range(0, len(words), WINDOW_WORDS // 2)]
                if len(windows) > MAX_WINDOWS:
                    half = MAX_WINDOWS // 2
                    windows = windows[:half] + windows[-half:]
                pieces += windows
            spans.append((start, len(pieces)))
        scored = self.score_many(pieces)
        out = []
        for start, end in spans:
            whole = scored[start]
            alarm = max(scored[start:end], key=lambda s: s.safety)
            out.append(alarm if alarm.safety > whole.safety else whole)
        return out

    def score_many(self, texts: Sequence[str]) -> list[ModelScores]:
        """Scores in batches of :data:`BATCH` texts of like length: one batch of
        thousands, padded to its longest, costs several times the work (and gigabytes)."""
        if not texts:
            return []
        encoded = self._tok.encode_batch([t[:MAX_CHARS] or " " for t in texts])
        tokens = [e.tokens for e in encoded]
        order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
        out: list[ModelScores | None] = [None] * len(tokens)
        for at in range(0, len(order), BATCH):
            chunk = order[at:at + BATCH]
            for i, s in zip(chunk, self._score_tokens([tokens[i] for i in chunk])):
                out[i] = s
        return out  # type: ignore[return-value]

    def _score_tokens(self, tokens: list[list[str]]) -> list[ModelScores]:
        with self._lock:
            out = self._enc.forward_batch(tokens)
        hidden = np.asarray(out.last_hidden_state, dtype=np.float32)
        lengths = np.array([len(t) for t in tokens])
        mask = (np.arange(hidden.shape[1])[None, :] < lengths[:, None]).astype(np.float32)
        pooled = (hidden * mask[:, :, None]).sum(1) / lengths[:, None]
        logits = pooled @ self._w + self._b
        logits -= logits.max(1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(1, keepdims=True)
        aux = 1.0 / (1.0 + np.exp(-(pooled @ self._aw + self._ab)))
        unit = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return [ModelScores(dict(zip(self.classes, map(float, p))),
                            dict(zip(self.aux_names, map(float, a))), u)
                for p, a, u in zip(probs, aux, unit)]

    def nearest(self, scores: ModelScores, n: int = 3) -> list[tuple[str, str, float]]:
        """The training sentences most like the scored one: (text, class, cosine)."""
        if scores.vector is None:
            return []
        sims = self._nearest @ scores.vector
        best = np.argsort(-sims)[:n]
        return [(*self.examples[i], float(sims[i])) for i in best]


_PROBLEM: list[str] = []


def load_model(language: str = "en") -> IntentModel | None:
    """A language's model (``<language folder>/model``), or None, and then
    :func:`model_problem` says why: the router routes with its rules alone, which is worse
    at understanding but never silent."""
    from .table import language_folder

    _PROBLEM.clear()
    try:
        return IntentModel(Path(str(language_folder(language).joinpath("model"))))
    except ModelError as exc:
        _PROBLEM.append(str(exc))
        log.warning("%s; routing with the built-in phrases only", exc)
        return None


def model_problem() -> str | None:
    """Why the packaged model did not load, if it did not."""
    return _PROBLEM[0] if _PROBLEM else None
