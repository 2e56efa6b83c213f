"""Evaluate the text router on a labelled split; prints a markdown report.

    .venv/bin/python bench/router_eval.py --split tune
    .venv/bin/python bench/router_eval.py bench/data/router_tune.tsv --list
    .venv/bin/python bench/router_eval.py --split tune --technique exact   # compare techniques
    .venv/bin/python bench/router_eval.py bench/data/router_*.tsv          # one row per set

A split is a TSV with columns text, intent, slots (JSON), style; intent ``none`` marks
talk that must route to nothing. Figures: accuracy on positives (right intent), per-intent
accuracy, safety phrasings missed (listed), false accepts on negatives (listed), wrong
intent, slot agreement, per-utterance time p50/p95 and the router's memory.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

MODEL_DIR: list[str] = []
SPLITS = {"tune": ROOT / "bench/data/router_tune.tsv",
          "report": ROOT / "bench/data/router_report.tsv"}


def read_split(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for r in rows:
        r["slots"] = json.loads(r["slots"]) if r.get("slots", "").strip() else {}
    return rows


def build(technique: str):
    """(route function returning (intent | None, slots), memory bytes, build seconds).

    Memory is the growth of the process's resident set while building (psutil)."""
    import psutil

    gc.collect()
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    t0 = time.perf_counter()
    if technique in ("rules", "router"):
        from voiceguide.routing.model import IntentModel, load_model
        from voiceguide.routing.router import Router
        from voiceguide.routing.table import packaged_cue_file
        model = None
        if technique == "router":
            model = IntentModel(Path(MODEL_DIR[0])) if MODEL_DIR else load_model()
            if model is None:
                sys.exit("router_eval: no intent model (see the warning above)")
        router = Router(packaged_cue_file(), model=model)

        def route(text):
            m = router.route(text)
            return (m.intent.value, dict(m.slots)) if m else (None, {})
    else:
        import router_techniques
        route = router_techniques.build(technique)
    seconds = time.perf_counter() - t0
    gc.collect()
    return route, proc.memory_info().rss - rss0, seconds


def evaluate(rows: list[dict], route) -> dict:
    per_intent: dict[str, Counter] = defaultdict(Counter)
    times: list[float] = []
    safety_missed, false_accepts, wrong, slot_errors = [], [], [], []
    extra = Counter()
    for r in rows:
        best = float("inf")
        for _ in range(3):  # best of three: the machine may be busy with other work
            t0 = time.perf_counter()
            got, slots = route(r["text"])
            best = min(best, time.perf_counter() - t0)
        times.append(best)
        want = r["intent"]
        if got == "safety_check":
            extra["check_" + ("none" if want == "none" else "safety" if want == "safety"
                              else "cue")] += 1
        if got == "suggest":
            extra["suggest_" + ("none" if want == "none" else "right"
                                if slots.get("suggested") == want else "other")] += 1
        if want == "none":
            per_intent["none"]["n"] += 1
            if got in (None, "safety_check", "suggest"):
                per_intent["none"]["ok"] += 1
            else:
                false_accepts.append((r["text"], got, r.get("style", "")))
            continue
        if want == "safety":
            extra["safety_n"] += 1
            if got == "safety":
                extra["kind_ok"] += slots.get("safety") == r["slots"].get("safety")
                for k in ("imminent", "discreet"):
                    w, g = bool(r["slots"].get(k)), bool(slots.get(k))
                    extra[f"{k}_{'tp' if w and g else 'fn' if w else 'fp' if g else 'tn'}"] += 1
        per_intent[want]["n"] += 1
        if got == want:
            per_intent[want]["ok"] += 1
            for k, v in r["slots"].items():
                if slots.get(k) != v:
                    slot_errors.append((r["text"], k, v, slots.get(k)))
            for k in ("minutes", "bedside", "away", "discreet"):
                if k in slots and k not in r["slots"] and slots[k] not in (False, None):
                    slot_errors.append((r["text"], k, None, slots[k]))
        else:
            if want == "safety":
                safety_missed.append((r["text"], got))
            elif got not in (None, "suggest"):
                wrong.append((r["text"], want, got))
    positives = [r for r in rows if r["intent"] != "none"]
    ok = sum(c["ok"] for k, c in per_intent.items() if k != "none")
    return {"per_intent": per_intent, "times": times, "safety_missed": safety_missed,
            "false_accepts": false_accepts, "wrong": wrong, "slot_errors": slot_errors,
            "positives": len(positives), "right": ok,
            "negatives": per_intent["none"]["n"], "extra": extra}


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "n/a"


def report(name: str, technique: str, res: dict, memory: tuple[int, int, float],
           listing: bool) -> str:
    times = sorted(res["times"])
    p50 = statistics.median(times) * 1000
    p95 = times[int(0.95 * (len(times) - 1))] * 1000
    safety_n = res["per_intent"]["safety"]["n"]
    ex = res["extra"]
    lines = [f"### router on `{name}` ({technique})", "",
             "| figure | measured | goal |", "| --- | --- | --- |",
             f"| right intent, positives | {pct(res['right'], res['positives'])} "
             f"({res['right']}/{res['positives']}) | >= 97 % |",
             f"| safety phrasings missed | {len(res['safety_missed'])}/{safety_n} | 0 |",
             f"| false accepts, negatives | {pct(len(res['false_accepts']), res['negatives'])} "
             f"({len(res['false_accepts'])}/{res['negatives']}) | <= 0.5 % |",
             f"| safety kind right (of pleas caught) | "
             f"{pct(ex['kind_ok'], safety_n - len(res['safety_missed']))} |  |",
             f"| imminent: caught / labelled, false | {ex['imminent_tp']}/"
             f"{ex['imminent_tp'] + ex['imminent_fn']}, {ex['imminent_fp']} |  |",
             f"| discreet: caught / labelled, false | {ex['discreet_tp']}/"
             f"{ex['discreet_tp'] + ex['discreet_fn']}, {ex['discreet_fp']} |  |",
             f"| safety check line: on ordinary talk / on missed pleas | "
             f"{ex['check_none']} of {res['negatives']} / {ex['check_safety']} |  |",
             f"| suggestion (\"Did you want ...?\"): on ordinary talk / right script / "
             f"another | {ex['suggest_none']} of {res['negatives']} / {ex['suggest_right']} / "
             f"{ex['suggest_other']} |  |",
             f"| wrong intent (another intent) | {pct(len(res['wrong']), res['positives'])} "
             f"({len(res['wrong'])}) |  |",
             f"| slot disagreements (right intent) | {len(res['slot_errors'])} |  |",
             f"| time per utterance p50 / p95 (best of 3) | {p50:.2f} / {p95:.2f} ms | < 10 ms |",
             f"| memory (resident set growth while building) | {memory[0] / 1e6:.1f} MB |  |",
             f"| build time | {memory[1]:.2f} s |  |", "",
             "| intent | right | n |", "| --- | --- | --- |"]
    for intent, c in sorted(res["per_intent"].items()):
        lines.append(f"| {intent} | {pct(c['ok'], c['n'])} | {c['n']} |")
    if listing:
        lines += ["", "Safety phrasings missed:"]
        lines += [f"- {t!r} -> {g}" for t, g in res["safety_missed"]] or ["- none"]
        lines += ["", "False accepts:"]
        lines += [f"- {t!r} -> {g} ({s})" for t, g, s in res["false_accepts"]] or ["- none"]
        lines += ["", "Wrong intent:"]
        lines += [f"- {t!r}: want {w}, got {g}" for t, w, g in res["wrong"]] or ["- none"]
        missed = [r for r in res.get("missed", [])]
        lines += missed
        lines += ["", "Slot disagreements:"]
        lines += [f"- {t!r}: {k} want {w!r} got {g!r}" for t, k, w, g in res["slot_errors"]] \
            or ["- none"]
    return "\n".join(lines)


def summary_row(name: str, res: dict) -> str:
    """One line of the first-sight table: right, safety missed, false accepts, safety check
    on ordinary talk, safety kind right, the weakest guidance intents."""
    ex = res["extra"]
    safety_n = res["per_intent"]["safety"]["n"]
    caught = safety_n - len(res["safety_missed"])
    weak = sorted((c["ok"] / c["n"], k) for k, c in res["per_intent"].items()
                  if c["n"] >= 10 and k not in ("none", "safety"))[:3]
    return (f"| {name} | {pct(res['right'], res['positives'])} | "
            f"{len(res['safety_missed'])} of {safety_n} | "
            f"{pct(len(res['false_accepts']), res['negatives'])} "
            f"({len(res['false_accepts'])}/{res['negatives']}) | "
            f"{ex['check_none']} | {pct(ex['kind_ok'], caught)} | "
            + ", ".join(f"{k} {100 * v:.0f} %" for v, k in weak) + " |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", help="split files (TSV); with more than one, a "
                    "summary table, one row each")
    ap.add_argument("--split", choices=sorted(SPLITS), help="a named split")
    ap.add_argument("--technique", default="router",
                    help="router (voiceguide's router: rules and model), rules (the rules "
                         "alone), or one from bench/router_techniques.py")
    ap.add_argument("--model", help="an intent model folder (default: the packaged one)")
    ap.add_argument("--list", action="store_true",
                    help="list misses, false accepts and wrong intents (not for --split report "
                         "unless you mean to read it)")
    ap.add_argument("--misses", action="store_true", help="also list positives routed to nothing")
    args = ap.parse_args(argv)
    paths = [Path(p) for p in args.paths] or [SPLITS.get(args.split or "tune")]
    if args.model:
        MODEL_DIR.append(args.model)
    route, memory, seconds = build(args.technique)
    route("warm up")
    if len(paths) > 1:
        print(f"router ({args.technique}): right / safety missed / false accepts / safety "
              "check on ordinary talk / safety kind right / weakest intents\n")
        print("| set | right | safety missed | false accepts | check line on none | kind right "
              "| weakest |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for path in paths:
            print(summary_row(path.stem, evaluate(read_split(path), route)), flush=True)
        return 0
    path = paths[0]
    rows = read_split(path)
    res = evaluate(rows, route)
    if args.misses:
        res["missed"] = ["", "Positives routed to nothing:"] + [
            f"- {r['text']!r} ({r['intent']})" for r in rows
            if r["intent"] not in ("none", "safety") and route(r["text"])[0] is None]
    print(report(path.name, args.technique, res, (memory, seconds),
                 args.list or args.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
