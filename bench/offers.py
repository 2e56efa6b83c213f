"""How often the router's doubts speak up: suggestions ("Did you want grounding? Say yes.")
and safety checks, on ordinary talk and on the cues the router did not take.

    .venv/bin/python bench/offers.py bench/data/blind/blind_*.tsv            # text only
    .venv/bin/python bench/offers.py --audio bench/data/blind/blind_g.tsv    # + talk heard

Text: every ``none`` row of the given sets and ``bench/data/talk_*.txt``: the share that
would get a suggestion or a safety check; on cue rows: suggestions of the right intent
(a cue recovered by a "yes") and of another. Audio (``--audio``): Kokoro talk
(``talk_report.txt``) and real recorded speech (``bench/real_speech.py``) through the
default engine, as ``bench/run.py`` hears its streams: suggestions and checks per hour
of audio, raw (what the router gave) and said (after the session's spacing, at most one
suggestion per ``SUGGEST_GAP``); ``--replay`` re-decides the transcripts the last run saved
in ``.cache/offers/`` (for a router change; the recognizer's output is the same). The goal (issue 16): at most one false offer an hour.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from voiceguide.intents import Intent  # noqa: E402
from voiceguide.router import default_router  # noqa: E402
from voiceguide.session.handlers import SUGGEST_GAP  # noqa: E402


def rows_of(paths: list[Path]) -> list[tuple[str, str]]:
    rows = []
    for p in paths:
        with p.open(newline="", encoding="utf-8") as f:
            rows += [(r["text"], r["intent"]) for r in csv.DictReader(f, delimiter="\t")]
    for p in sorted((HERE / "data").glob("talk_*.txt")):
        rows += [(line.strip(), "none") for line in p.read_text("utf-8").splitlines()
                 if line.strip() and not line.startswith("#")]
    return rows


def text_report(router, rows: list[tuple[str, str]]) -> None:
    matches = router.route_many([t for t, _ in rows])
    tally: Counter = Counter()
    shown: list[str] = []
    for (text, want), m in zip(rows, matches):
        got = m.intent if m else None
        if want == "none":
            tally["none"] += 1
            if got == Intent.SUGGEST:
                tally["false_suggest"] += 1
                shown.append(f"  false offer: {text!r} -> {m.slots['suggested']}")
            elif got == Intent.SAFETY_CHECK:
                tally["check_none"] += 1
            continue
        tally["cues"] += 1
        if got == Intent.SUGGEST:
            right = m.slots["suggested"] == want
            tally["suggest_right" if right else "suggest_other"] += 1
            if not right:
                shown.append(f"  offered {m.slots['suggested']} for a {want}: {text!r}")
        elif got is None:
            tally["missed"] += 1
    n, c = tally["none"], tally["cues"]
    print(f"ordinary talk and near misses: {n} sentences; suggestions "
          f"{tally['false_suggest']} ({tally['false_suggest'] / n:.2%}), safety checks "
          f"{tally['check_none']} ({tally['check_none'] / n:.2%})")
    print(f"cues: {c}; suggested the right script {tally['suggest_right']}, another "
          f"{tally['suggest_other']}; still nothing {tally['missed']}")
    print("\n".join(shown))


CACHE = ROOT / ".cache" / "offers"


def audio_report(router, talk_minutes: float, replay: bool) -> None:
    """Hear the talk streams (or, with ``replay``, re-decide the transcripts saved by the
    last run: the router changes, the recognizer's output does not) and count what the
    session would act on."""
    import pickle

    import corpus
    from run import load_engine

    from voiceguide.config import Settings
    from voiceguide.hearing.pipeline import Hearing

    engine, why = load_engine("whisper", Settings(), router)
    if engine is None:
        sys.exit(f"offers: no whisper engine ({why})")
    CACHE.mkdir(parents=True, exist_ok=True)
    labels = {"synthetic talk": lambda: corpus.talk_stream("report", talk_minutes),
              "real speech": lambda: corpus.real_stream(("en",), None)}
    for label, make in labels.items():
        saved = CACHE / f"{label.replace(' ', '_')}.pkl"
        hearing = Hearing(engine, router)
        if replay:
            if not saved.exists():
                print(f"{label}: nothing saved in {saved}; run without --replay first")
                continue
            seconds, heard = pickle.loads(saved.read_bytes())
            found = [(start, t, hearing.verify(t)[0]) for start, t in heard]
        else:
            try:
                stream = make()
            except FileNotFoundError as exc:
                print(f"{label}: {exc}")
                continue
            pcm = stream.audio.pcm16()
            dets = []
            block = 4800 * 2
            for i in range(0, len(pcm), block):
                dets += hearing.feed(pcm[i:i + block])
            dets += hearing.flush()
            seconds = stream.audio.seconds
            heard = [(d.start, d.transcript) for d in dets]
            saved.write_bytes(pickle.dumps((seconds, heard)))
            found = [(d.start, d.transcript, d.match) for d in dets]
        hours = seconds / 3600
        kinds = Counter(str(m.intent) if m.intent in (Intent.SUGGEST, Intent.SAFETY_CHECK)
                        else "cue" for _, _, m in found if m)
        said, last = 0, None
        for start, _, m in found:
            if m and m.intent == Intent.SUGGEST:
                if last is None or start - last >= SUGGEST_GAP.total_seconds():
                    said, last = said + 1, start
        print(f"{label}: {seconds / 60:.1f} min, {len(found)} utterances: suggestions "
              f"{kinds['suggest']} ({kinds['suggest'] / hours:.1f}/h raw, "
              f"{said / hours:.1f}/h said), safety checks {kinds['safety_check']} "
              f"({kinds['safety_check'] / hours:.1f}/h), cues {kinds['cue']} "
              f"({kinds['cue'] / hours:.1f}/h)")
        for _, t, m in found:
            if m:
                print(f"  {t.text!r} -> {m.intent} {dict(m.slots)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sets", nargs="*", type=Path, help="labelled TSV sets")
    ap.add_argument("--audio", action="store_true", help="also hear talk through whisper")
    ap.add_argument("--replay", action="store_true",
                    help="with --audio: re-decide the transcripts the last --audio run saved")
    ap.add_argument("--talk-minutes", type=float, default=15,
                    help="minutes of Kokoro talk (rendered once, cached)")
    args = ap.parse_args()
    router = default_router()
    text_report(router, rows_of(args.sets))
    if args.audio:
        audio_report(router, args.talk_minutes, args.replay)
    return 0


if __name__ == "__main__":
    sys.exit(main())
