"""Choose the router's model thresholds on labelled sets the model was not trained on.

    .venv/bin/python bench/router_sweep.py --model DIR FILE.tsv [FILE.tsv ...]

Scores every row once (rules and model), then replays the decision (voiceguide/routing/
decide.py) over a grid of thresholds and prints, per setting: right intent, safety pleas
missed, false accepts on `none`, and how often the safety check line fires on `none`.
Use it only on sets that are neither blind nor trained on (a writer's set left out with
`tools/train_router.py --exclude`); a blind set is measured once, with bench/router_eval.py.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from router_eval import read_split  # noqa: E402
from voiceguide.routing.decide import Thresholds, decide  # noqa: E402
from voiceguide.routing.model import IntentModel  # noqa: E402
from voiceguide.routing.router import Router  # noqa: E402
from voiceguide.routing.table import packaged_cue_file  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--model", required=True)
    ap.add_argument("--source", help="only rows of this source (for sentence files)")
    args = ap.parse_args(argv)
    rows = []
    for f in args.files:
        rows += read_split(Path(f))
    model = IntentModel(Path(args.model))
    rules = Router(packaged_cue_file())
    cleaner = rules._cleaner
    facts = []
    scores = model.score_texts([r["text"] for r in rows])
    for r, s in zip(rows, scores):
        m = rules.route(r["text"])
        facts.append((r, m, s, len(cleaner.analyse(r["text"]).words)))
    base = model.thresholds
    grid = {"safety": [0.3, 0.4, 0.5, 0.6, 0.7], "cue": [0.4, 0.5, 0.6, 0.7, 0.8],
            "override": [0.9, 0.97, 1.01]}
    print("| safety | cue | override | right | safety missed | false accepts | check on none |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for values in itertools.product(*grid.values()):
        t = replace(base, **dict(zip(grid, values)))
        right = pos = missed = fa = neg = check = 0
        for r, m, s, n in facts:
            d = decide(m, s, n, t)
            got = d.intent.value if d.intent else None
            if r["intent"] == "none":
                neg += 1
                fa += got not in (None, "safety_check", "suggest")
                check += got == "safety_check"
            else:
                pos += 1
                right += got == r["intent"]
                missed += r["intent"] == "safety" and got != "safety"
        print(f"| {values[0]} | {values[1]} | {values[2]} | {100 * right / max(pos, 1):.1f} % "
              f"| {missed} | {100 * fa / max(neg, 1):.2f} % | {check} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
