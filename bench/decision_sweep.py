"""The decision's thresholds replayed over labelled sets: the rules' matches and the
model's scores are computed once, then ``decide`` runs for each setting.

    .venv/bin/python bench/decision_sweep.py bench/data/blind/blind_[a-i].tsv bench/data/blind/blind_s1.tsv

Prints right intent, pleas missed, false accepts and check lines on ordinary talk for the
packaged thresholds and for each step of docs/router.md's model v3 and v4 tables (``--model``
for another model folder). For sets after their first sight only: a set tuned on here
no longer gives a first-sight figure.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide.routing.decide import Thresholds, decide  # noqa: E402
from voiceguide.routing.model import IntentModel, packaged_model_dir  # noqa: E402
from voiceguide.routing.router import Router  # noqa: E402
from voiceguide.routing.table import packaged_cue_file  # noqa: E402

OFF = dict(veto_plea=1.01, veto_control=1.01, safety=0.5, plea_words=0)
STEPS = [
    ("v2's thresholds", OFF),
    ("+ plea veto", dict(OFF, veto_plea=None)),
    ("+ control veto", dict(OFF, veto_plea=None, veto_control=None)),
    ("+ safety as packaged", dict(plea_words=0)),
    ("+ short model pleas get the check line", dict(veto_cue=1.01)),
    ("+ cue veto (as packaged)", {}),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sets", nargs="+", type=Path)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--try", dest="tries", action="append", default=[], metavar="K=V,...",
                    help="another setting to replay (thresholds changed from the packaged)")
    args = ap.parse_args()
    steps = STEPS + [(f"try {spec}", {k: type(getattr(Thresholds(), k))(v) for k, v in
                                      (kv.split("=") for kv in spec.split(","))})
                     for spec in args.tries]
    model = IntentModel(args.model or packaged_model_dir())
    router = Router(packaged_cue_file(), model=model)
    rows = []
    for p in args.sets:
        with p.open(newline="", encoding="utf-8") as f:
            rows += [(r["text"], r["intent"]) for r in csv.DictReader(f, delimiter="\t")]
    texts = [t for t, _ in rows]
    scores = model.score_texts(texts)
    utts = [router._cleaner.analyse(t) for t in texts]
    rules = [router._decide(u, []) for u in utts]
    packaged: Thresholds = model.thresholds
    print("| setting | right | pleas missed | false accepts | check line on talk |")
    print("| --- | --- | --- | --- | --- |")
    for label, change in steps:
        # None: the packaged value of that threshold
        t = dataclasses.replace(packaged, **{k: v for k, v in change.items() if v is not None})
        right = missed = false = check = pos = neg = pleas = 0
        for (_, want), utt, rule, sc in zip(rows, utts, rules, scores):
            d = decide(rule, sc, len(utt.words), t) if utt.words else None
            got = d.intent.value if d and d.intent else "none"
            got = "none" if got == "suggest" else got
            if want == "none":
                neg += 1
                check += got == "safety_check"
                false += got not in ("none", "safety_check")
            else:
                pos += 1
                right += got == want
                if want == "safety":
                    pleas += 1
                    missed += got != "safety"
        print(f"| {label} | {right / pos:.2%} | {missed} of {pleas} | {false} of {neg} | "
              f"{check} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
