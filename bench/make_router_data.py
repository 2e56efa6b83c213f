"""Generate training data for the statistical router techniques (reproducible, seeded).

Positives: random expansions of the cue table's templates (voiceguide/lang/en/), with
fillers and repetitions sprinkled in as people speak. Negatives: random expansions of
bench/data/router_negative_templates.txt (household talk, TV, argument talk, and a
near-miss for every cue word). Neither split in bench/data/router_{tune,report}.tsv is used.

    .venv/bin/python bench/make_router_data.py            # -> bench/out/router_train.tsv
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide.routing.table import packaged_cue_file  # noqa: E402
from voiceguide.routing.templates import _lex  # noqa: E402
from voiceguide.text import number_to_words  # noqa: E402

FILLERS = ["um", "uh", "like", "honestly", "i think", "right now", "so", "just", "okay"]
ANY_WORDS = ["really", "now", "again", "this", "it", "the", "a", "so", "today", "here"]


def sample(template: str, macros: dict, rng: random.Random, depth: int = 0) -> str:
    tokens = _lex(template)
    pos = 0

    def seq(closer):
        nonlocal pos
        alts: list[list[str]] = [[]]
        while pos < len(tokens):
            t = tokens[pos]
            pos += 1
            if t in ("(", "[", "!("):
                inner = seq("]" if t == "[" else ")")
                if t == "!(":
                    continue
                if t == "[" and rng.random() < 0.5:
                    continue
                alts[-1].append(inner)
            elif t == closer:
                break
            elif t == "|":
                alts.append([])
            elif t.startswith("<"):
                alts[-1].append(sample(macros[t[1:-1]], macros, rng, depth + 1))
            elif t == "{minutes}":
                alts[-1].append(rng.choice(["5", "ten", "twenty", "30", "forty five",
                                            "fifteen"]))
            elif t == "{score}":
                alts[-1].append(number_to_words(rng.randint(0, 10)))
            elif t == "**":
                alts[-1].append(" ".join(rng.sample(ANY_WORDS, rng.randint(0, 2))))
            elif t == "*":
                alts[-1].append(rng.choice(ANY_WORDS))
            else:
                alts[-1].append(t)
        return " ".join(w for w in rng.choice(alts) if w)

    return " ".join(seq(None).split())


def speak(text: str, rng: random.Random) -> str:
    """Fillers and a repeated word now and then, as people talk."""
    words = text.split()
    if words and rng.random() < 0.3:
        words.insert(rng.randint(0, len(words)), rng.choice(FILLERS))
    if len(words) > 1 and rng.random() < 0.15:
        i = rng.randrange(len(words) - 1)
        words.insert(i, words[i])
    return " ".join(words)


def generate(per_intent: int, negatives: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    cues = packaged_cue_file()
    macros = {**cues.macros, **cues.safety.macros}
    rows: list[tuple[str, str]] = []
    tables = {name: t.phrases + t.patterns for name, t in cues.intents.items()}
    tables["safety"] = (cues.safety.phrases + cues.safety.danger + cues.safety.self_harm
                        + cues.safety.general + cues.safety.alone)
    for intent, templates in tables.items():
        seen = set()
        for _ in range(per_intent * 3):
            text = speak(sample(rng.choice(templates), macros, rng), rng)
            if text and text not in seen:
                seen.add(text)
                rows.append((text, intent))
            if len(seen) >= per_intent:
                break
    path = ROOT / "bench/data/router_negative_templates.txt"
    templates = [ln.strip() for ln in path.read_text().splitlines()
                 if ln.strip() and not ln.startswith("#")]
    seen = set()
    for _ in range(negatives * 3):
        text = speak(sample(rng.choice(templates), {}, rng), rng)
        if text not in seen:
            seen.add(text)
            rows.append((text, "none"))
        if len(seen) >= negatives:
            break
    rng.shuffle(rows)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-intent", type=int, default=300)
    ap.add_argument("--negatives", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("-o", "--out", default=str(ROOT / "bench/out/router_train.tsv"))
    args = ap.parse_args()
    rows = generate(args.per_intent, args.negatives, args.seed)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("text\tintent\tslots\tstyle\n")
        for text, intent in rows:
            f.write(f"{text}\t{intent}\t\tgenerated\n")
    print(f"{len(rows)} rows -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
