"""Route the same sentences through two checkouts' routers and list every difference.

For refactors that must not change behaviour: each checkout is imported in a process of
its own (its own ``voiceguide`` package and cue data), every sentence is routed (intent,
confidence, slots; with ``--explain`` also the full ``route --explain`` text), and so are
the recognizer phrase lists (``Router.intents()`` and ``Router.phrases()``).

    git archive main | tar -x -C /tmp/vg-main      # the code before
    .venv/bin/python bench/router_diff.py --old /tmp/vg-main bench/data/router_tune.tsv ...

Exit status 0 when nothing differs, 1 otherwise. Only the text column of each TSV is read.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dump(explain: bool) -> None:
    """In the child: route the JSON list of texts on stdin, one JSON result a line."""
    import voiceguide
    from voiceguide.router import default_router
    from voiceguide.routing.explain import format_explanation

    print(voiceguide.__file__, file=sys.stderr)
    router = default_router()
    intents = router.intents()
    print(json.dumps({"intents": [str(i) for i in intents],
                      "phrases": {str(i): router.phrases([i]) for i in intents}}))
    for text in json.load(sys.stdin):
        m = router.route(text)
        out = {"text": text, "match": m.as_dict() if m else None}
        if explain:
            out["explain"] = format_explanation(router.explain(text))
        print(json.dumps(out, ensure_ascii=False))


def run(root: Path, texts: list[str], explain: bool) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--dump"]
    if explain:
        cmd.append("--explain")
    done = subprocess.run(cmd, input=json.dumps(texts), capture_output=True, text=True,
                          cwd=root, env=env, check=True)
    print(f"{root}: {done.stderr.strip()}")
    return [json.loads(line) for line in done.stdout.splitlines()]


def read_texts(paths: list[str]) -> list[str]:
    texts: list[str] = []
    for p in paths:
        with open(p, newline="", encoding="utf-8") as f:
            texts += [r["text"] for r in csv.DictReader(f, delimiter="\t")]
    return list(dict.fromkeys(texts))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help="TSV files with a text column")
    ap.add_argument("--old", type=Path, help="root of the checkout to compare against")
    ap.add_argument("--new", type=Path, default=ROOT, help="root of the other (default: this)")
    ap.add_argument("--explain", action="store_true", help="compare --explain output too")
    ap.add_argument("--dump", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.dump:
        dump(args.explain)
        return 0
    if args.old is None:
        ap.error("--old is required")
    texts = read_texts(args.files)
    old = run(args.old.resolve(), texts, args.explain)
    new = run(args.new.resolve(), texts, args.explain)
    differences = 0
    if old[0] != new[0]:
        differences += 1
        print("phrase lists differ:")
        for key in ("intents", "phrases"):
            if old[0][key] != new[0][key]:
                print(f"  {key}: old {json.dumps(old[0][key])[:200]}\n"
                      f"  {key}: new {json.dumps(new[0][key])[:200]}")
    for a, b in zip(old[1:], new[1:]):
        assert a["text"] == b["text"]
        if a != b:
            differences += 1
            print(f"{a['text']!r}:\n  old {a['match']}\n  new {b['match']}")
            if a.get("explain") != b.get("explain"):
                print("  explanations differ:\n" + a["explain"] + "\n  --- new:\n" + b["explain"])
    kind = "route and explain" if args.explain else "route"
    print(f"{len(texts)} sentences ({kind}) and the phrase lists: {differences} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
