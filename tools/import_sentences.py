"""Add labelled sentence sets to the intent model's training data, split per intent.

    .venv/bin/python tools/import_sentences.py FILE.tsv [FILE.tsv ...] [--source NAME]

Each FILE has the columns text, intent, slots, style (bench/data's format); its rows go to
voiceguide/lang/en/sentences/<intent>.tsv with the file's stem (or --source) as source.
Refused: unknown intents, slots that are not JSON, safety without a kind, and any sentence of
more than three words that is in a held-out set (bench/data/router_report.tsv,
bench/data/blind/*.tsv, bench/data/reserve/*.tsv): a set reported on is never trained on. Rows already present (same text, any case) are skipped;
the same text with another label is reported and left out of both.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide.intents import Intent  # noqa: E402
from voiceguide.routing.examples import Example, read_examples, write_examples  # noqa: E402

SENTENCES = ROOT / "voiceguide/lang/en/sentences"
HELD_OUT = [ROOT / "bench/data/router_report.tsv",
            *sorted((ROOT / "bench/data/blind").glob("*.tsv")),
            *sorted((ROOT / "bench/data/reserve").glob("*.tsv"))]
SKIPPED = {"score"}  # answers are read by rules only


def key(text: str) -> str:
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c.isspace()).split())


def read_set(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--source", help="source name (default: each file's stem)")
    args = ap.parse_args(argv)
    held = {key(r["text"]) for p in HELD_OUT if p.exists() for r in read_set(p)}
    SENTENCES.mkdir(parents=True, exist_ok=True)
    existing = read_examples(SENTENCES)
    by_key = {key(e.text): e for e in existing}
    added: dict[str, list[Example]] = defaultdict(list)
    conflicts, refused, held_hits = [], [], 0
    for name in args.files:
        path = Path(name)
        source = args.source or path.stem
        for n, r in enumerate(read_set(path), 2):
            text = " ".join((r.get("text") or "").split())
            intent = (r.get("intent") or "").strip()
            if not text or intent in SKIPPED:
                continue
            if intent != "none" and intent not in {i.value for i in Intent}:
                refused.append(f"{path}:{n}: unknown intent {intent!r}")
                continue
            try:
                slots = json.loads(r["slots"]) if (r.get("slots") or "").strip() else {}
            except json.JSONDecodeError:
                refused.append(f"{path}:{n}: slots not JSON")
                continue
            if intent == "safety" and slots.get("safety") not in ("danger", "self_harm", "general"):
                refused.append(f"{path}:{n}: safety without a kind")
                continue
            k = key(text)
            if k in held and len(k.split()) > 3:
                # a short common phrase ("stop", "I'm flooded") written by two writers on
                # their own is not a held-out sentence leaking in
                held_hits += 1
                continue
            e = Example(text, intent, slots, (r.get("style") or "").strip(), source)
            old = by_key.get(k)
            if old is not None:
                if old.label != e.label:
                    conflicts.append(f"{text!r}: {old.label} ({old.source}) vs {e.label} ({source})")
                continue
            by_key[k] = e
            added[intent].append(e)
    for intent, rows in added.items():
        path = SENTENCES / f"{intent}.tsv"
        old = read_examples(SENTENCES, {intent}) if path.exists() else []
        write_examples(path, old + rows)
    print(f"added {sum(map(len, added.values()))} sentences "
          f"({', '.join(f'{i} {len(r)}' for i, r in sorted(added.items()))}); "
          f"{held_hits} left out as held-out; {len(refused)} refused; "
          f"{len(conflicts)} label conflicts (kept the first)")
    for line in refused[:20] + conflicts[:40]:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
