"""Rewrite labelled router sets as a grammar-free recognizer returns text: lower case, no
punctuation, apostrophes lost ("im", "theres", "id rather"), optionally some homophones.
Robustness data of the router engineer's own; never the report split.

    .venv/bin/python bench/make_router_asr.py router_tune,router_dev,router_dev2,router_dev3,router_dev4 \\
        -o bench/out/router_asr.tsv
    .venv/bin/python bench/router_eval.py bench/out/router_asr.tsv
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Substitutions a recognizer makes for a word that sounds alike (some deliberately hard).
HOMOPHONES = {"break": "brake", "pause": "paws", "flooded": "floated", "ground": "grown",
              "cycle": "psycho", "breathe": "breath", "too": "to", "there": "their",
              "quiet": "quite", "chasing": "chasin"}


def recognizer_text(text: str, rng: random.Random | None = None) -> str:
    t = re.sub(r"[^\w\s']", " ", text.lower().replace("\u2019", "'"))
    if rng is not None:
        t = " ".join(HOMOPHONES[w] if w in HOMOPHONES and rng.random() < 0.35 else w
                     for w in t.split())
    return " ".join(t.replace("'", "").split())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", help="comma-separated names under bench/data (no .tsv)")
    ap.add_argument("-o", "--out", default=str(ROOT / "bench/out/router_asr.tsv"))
    ap.add_argument("--homophones", action="store_true")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    if "router_report" in args.sets:
        sys.exit("the report split is the lead's alone")
    rng = random.Random(args.seed) if args.homophones else None
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, delimiter="\t")
        out.writerow(["text", "intent", "slots", "style"])
        for name in args.sets.split(","):
            with (ROOT / "bench/data" / f"{name}.tsv").open(newline="", encoding="utf-8") as g:
                for r in csv.DictReader(g, delimiter="\t"):
                    out.writerow([recognizer_text(r["text"], rng), r["intent"], r["slots"],
                                  "asr"])
                    n += 1
    print(f"{n} rows -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
