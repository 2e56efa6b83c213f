"""Other ways to route text, measured against voiceguide's router (bench/router_eval.py).

    exact   the router before this work: whole-utterance cue templates (git ad2b718)
    fuzzy   rapidfuzz: the nearest canonical phrase, accepted above a score
    ngram   a trained classifier with a "none" class: word 1-2-grams and character 3-5-grams,
            hashed, multinomial logistic regression in numpy, trained on
            bench/make_router_data.py's generated data (cue-template samples, and negatives
            from bench/data/router_negative_templates.txt); never on the tune/report splits
    hybrid  voiceguide's rules; when they route to nothing, the ngram classifier above a
            high probability
    safety-backstop  voiceguide's rules; when they route to nothing, safety if the ngram
            classifier gives safety at least 0.5 (recall first for safety only)
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import tarfile
import tempfile
import zlib
from io import BytesIO
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide.text import normalize  # noqa: E402

OLD_COMMIT = "ad2b718"


def build(name: str, **kw):
    return {"exact": _exact, "fuzzy": _fuzzy, "ngram": _ngram, "hybrid": _hybrid,
            "safety-backstop": _backstop, "gated": _gated}[name](**kw)


def _exact():
    data = subprocess.run(["git", "-C", str(ROOT), "archive", OLD_COMMIT, "voiceguide"],
                          check=True, capture_output=True).stdout
    tmp = Path(tempfile.mkdtemp(prefix="oldrouter"))
    tarfile.open(fileobj=BytesIO(data)).extractall(tmp)
    (tmp / "voiceguide").rename(tmp / "oldvoiceguide")
    sys.path.insert(0, str(tmp))
    old = importlib.import_module("oldvoiceguide.router")
    from voiceguide._compat import tomllib
    data = tomllib.loads((tmp / "oldvoiceguide/cues.toml").read_text("utf-8"))
    fillers = data.pop("fillers", {})
    router = old.Router({i: t["phrases"] for i, t in data.items()},
                        fillers.get("leading", ()), fillers.get("trailing", ()))

    def route(text):
        m = router.route(text)
        return (str(m.intent), dict(m.slots)) if m else (None, {})
    return route


def _fuzzy(threshold: float = 85.0, safety_threshold: float = 90.0):
    from rapidfuzz import fuzz, process

    from voiceguide.router import default_router
    router = default_router()
    choices, labels = [], []
    for intent in router.intents():
        for p in router.phrases([intent]):
            choices.append(" ".join(normalize(p)))
            labels.append(str(intent))
    safety = [c for c, lab in zip(choices, labels) if lab == "safety" and len(c.split()) >= 3]

    def route(text):
        t = " ".join(normalize(text))
        if not t:
            return None, {}
        best = process.extractOne(t, safety, scorer=fuzz.partial_ratio)
        if best and best[1] >= safety_threshold:
            return "safety", {}
        best = process.extractOne(t, choices, scorer=fuzz.ratio)
        if best and best[1] >= threshold:
            return labels[best[2]], {}
        return None, {}
    return route


# ---- the n-gram classifier ----
DIM = 1 << 15


def features(text: str) -> np.ndarray:
    words = ["#" if w.isdigit() else w for w in normalize(text)]
    feats = [f"w:{w}" for w in words]
    feats += [f"b:{a}_{b}" for a, b in zip(["<s>"] + words, words + ["</s>"])]
    s = f" {' '.join(words)} "
    feats += [f"c:{s[i:i + n]}" for n in (3, 4, 5) for i in range(len(s) - n + 1)]
    idx = np.array(sorted({zlib.crc32(f.encode()) % DIM for f in feats}), dtype=np.int64)
    return idx


class NgramClassifier:
    def __init__(self, labels: list[str], weights: np.ndarray, bias: np.ndarray):
        self.labels, self.W, self.b = labels, weights, bias

    @classmethod
    def train(cls, texts: list[str], labels: list[str], epochs: int = 60, lr: float = 0.5,
              l2: float = 1e-5) -> "NgramClassifier":
        """Full-batch training: deterministic for the same rows."""
        names = sorted(set(labels))
        y = np.array([names.index(lab) for lab in labels])
        rows = [features(t) for t in texts]
        lengths = np.array([len(r) for r in rows])
        cols = np.concatenate(rows)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        scale = 1.0 / np.sqrt(np.maximum(lengths, 1))
        n, k = len(texts), len(names)
        W = np.zeros((DIM, k), dtype=np.float32)
        b = np.zeros(k, dtype=np.float32)
        onehot = np.eye(k, dtype=np.float32)[y]
        mW, vW = np.zeros_like(W), np.zeros_like(W)
        for epoch in range(epochs):
            logits = np.add.reduceat(W[cols], starts, axis=0) * scale[:, None] + b
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            g = (p - onehot) / n
            per_nz = np.repeat(g * scale[:, None], lengths, axis=0)
            gW = np.stack([np.bincount(cols, weights=per_nz[:, j], minlength=DIM)
                           for j in range(k)], axis=1).astype(np.float32)
            gW += l2 * W
            # Adam on W, plain steps on b
            t = epoch + 1
            mW = 0.9 * mW + 0.1 * gW
            vW = 0.999 * vW + 0.001 * gW * gW
            W -= lr * 0.1 * (mW / (1 - 0.9 ** t)) / (np.sqrt(vW / (1 - 0.999 ** t)) + 1e-8)
            b -= lr * g.sum(axis=0)
        return cls(names, W, b)

    def proba(self, text: str) -> dict[str, float]:
        idx = features(text)
        if not len(idx):
            return {"none": 1.0}
        z = self.W[idx].sum(axis=0) / np.sqrt(len(idx)) + self.b
        z = np.exp(z - z.max())
        z /= z.sum()
        return dict(zip(self.labels, z.tolist()))


def _train_rows(extra: list[tuple[str, str]] | None = None):
    import csv
    path = ROOT / "bench/out/router_train.tsv"
    if not path.exists():
        subprocess.run([sys.executable, str(ROOT / "bench/make_router_data.py")], check=True)
    with path.open(encoding="utf-8") as f:
        rows = [(r["text"], r["intent"]) for r in csv.DictReader(f, delimiter="\t")]
    return rows + (extra or [])


def _ngram(threshold: float = 0.5, safety_threshold: float = 0.3, extra=None):
    import hashlib
    rows = _train_rows(extra)
    key = hashlib.sha1(repr(rows).encode()).hexdigest()[:12]
    cache = Path(tempfile.gettempdir()) / f"voiceguide-ngram-{key}.npz"
    if cache.exists():
        d = np.load(cache)
        clf = NgramClassifier([str(x) for x in d["labels"]], d["W"], d["b"])
    else:
        clf = NgramClassifier.train([t for t, _ in rows], [lab for _, lab in rows])
        np.savez(cache, labels=np.array(clf.labels), W=clf.W, b=clf.b)

    def route(text):
        p = clf.proba(text)
        if p.get("safety", 0) >= safety_threshold:
            return "safety", {}
        best = max(p, key=p.get)
        if best != "none" and p[best] >= threshold:
            return best, {}
        return None, {}
    route.classifier = clf
    return route


def _hybrid(threshold: float = 0.9, extra=None):
    from voiceguide.router import default_router
    router = default_router()
    ngram = _ngram(threshold=threshold, safety_threshold=threshold, extra=extra)

    def route(text):
        m = router.route(text)
        if m:
            return str(m.intent), dict(m.slots)
        return ngram(text)
    return route


def _backstop(threshold: float = 0.5):
    from voiceguide.router import default_router
    router = default_router()
    clf = _ngram().classifier

    def route(text):
        m = router.route(text)
        if m:
            return str(m.intent), dict(m.slots)
        if clf.proba(text).get("safety", 0) >= threshold:
            return "safety", {}
        return None, {}
    return route


_BLOCK_START = {"he", "she", "they", "you", "your", "his", "her", "their", "the", "a", "an"}
_FIRST = {"i", "me", "my", "myself", "we", "us", "our", "let"}


def gate(words: list[str]) -> bool:
    """The fallback may only speak for first-person, unnegated talk."""
    if not words or words[0] in _BLOCK_START or not _FIRST & set(words):
        return False
    for i, w in enumerate(words):
        if w in ("never", "no", "nothing") or (w == "not" and words[i - 1:i] != ["can"]):
            return False
    return True


def _gated(threshold: float = 0.8, safety_threshold: float = 0.5, with_tune: bool = True):
    import csv
    from voiceguide.router import default_router
    router = default_router()
    extra = []
    if with_tune:
        with (ROOT / "bench/data/router_tune.tsv").open(encoding="utf-8") as f:
            extra = [(r["text"], r["intent"]) for r in csv.DictReader(f, delimiter="\t")]
    clf = _ngram(extra=extra).classifier

    def route(text):
        m = router.route(text)
        if m:
            return str(m.intent), dict(m.slots)
        p = clf.proba(text)
        if p.get("safety", 0) >= safety_threshold:
            return "safety", {}
        if not gate(normalize(text)):
            return None, {}
        best = max(p, key=p.get)
        if best not in ("none", "safety") and p[best] >= threshold:
            return best, {}
        return None, {}
    return route
