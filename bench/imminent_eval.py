"""How often the router marks a safety plea imminent (the emergency number first), on the
labelled sentences: every row of voiceguide/lang/en/sentences/safety.tsv whose slots say
``"imminent": true``, and, as a check on over-marking, the rows that do not say so (not
labelled false: unlabelled, so some of them are imminent too).

    .venv/bin/python bench/imminent_eval.py            # the router as packaged
    .venv/bin/python bench/imminent_eval.py --rules    # the rules alone
    .venv/bin/python bench/imminent_eval.py --list 20  # also show missed sentences
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide.router import default_router  # noqa: E402

SENTENCES = ROOT / "voiceguide" / "lang" / "en" / "sentences" / "safety.tsv"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", action="store_true", help="the rules alone, no model")
    ap.add_argument("--list", type=int, default=0, help="show this many missed sentences")
    args = ap.parse_args()
    router = default_router()
    if args.rules:
        router = router.rules_only()
    rows = [line.split("\t") for line in SENTENCES.read_text("utf-8").splitlines()[1:]
            if line.strip()]
    labelled = [(r[0], json.loads(r[1]) if r[1].strip() else {}) for r in rows]
    now = [t for t, slots in labelled if slots.get("imminent")]
    rest = [t for t, slots in labelled if not slots.get("imminent")]

    def marked(texts: list[str]) -> list[bool]:
        return [bool(m and m.slots.get("imminent")) for m in router.route_many(texts)]

    hits, extra = marked(now), marked(rest)
    print(f"labelled imminent, marked imminent: {sum(hits)} of {len(now)} "
          f"({sum(hits) / len(now):.1%})")
    print(f"not labelled imminent, marked imminent: {sum(extra)} of {len(rest)} "
          f"({sum(extra) / len(rest):.1%})")
    for text, hit in [(t, h) for t, h in zip(now, hits) if not h][:args.list]:
        print(f"  missed: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
