"""Labelled sentences: the intent model's training data and the router's test sentences.

One file per intent under ``voiceguide/lang/<language>/sentences/<intent>.tsv`` (``none.tsv``
for talk that must route to nothing), columns ``text``, ``slots`` (JSON), ``style`` and
``source`` (who wrote it). The model's classes split safety by kind; the slot heads learn
``discreet``, ``imminent`` and ``bedside`` only from rows whose source labels them.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

from ..errors import CueError
from ..intents import CONTROLS, GUIDANCE, Intent

SAFETY_CLASSES = ("safety_danger", "safety_self_harm", "safety_general")
CLASSES: tuple[str, ...] = (("none",) + tuple(i.value for i in GUIDANCE if i != Intent.SAFETY)
                            + SAFETY_CLASSES + tuple(i.value for i in CONTROLS))
"""The model's output classes, in a fixed order (the heads' rows)."""
AUX_HEADS: tuple[str, ...] = ("discreet", "imminent", "bedside")
"""Yes/no slot heads beside the classes."""

COLUMNS = ("text", "slots", "style", "source")
# Sources written before the labelling guide named `imminent`: their safety rows say
# nothing about it, so the imminent head does not learn from them.
_NO_IMMINENT = re.compile(r"^router_")
_GUIDANCE = frozenset(i.value for i in GUIDANCE if i != Intent.SAFETY)


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    """an intent name or "none" """
    slots: Mapping[str, object] = field(default_factory=dict)
    style: str = ""
    source: str = ""

    @property
    def label(self) -> str:
        """The model class: the intent, safety split by kind."""
        if self.intent == Intent.SAFETY:
            return f"safety_{self.slots.get('safety', 'general')}"
        return self.intent

    @property
    def aux(self) -> dict[str, int]:
        """Slot-head targets this row defines (a head missing here is not learned from it)."""
        out: dict[str, int] = {}
        if self.intent == Intent.SAFETY:
            out["discreet"] = int(bool(self.slots.get("discreet")))
            if not _NO_IMMINENT.match(self.source):
                out["imminent"] = int(bool(self.slots.get("imminent")))
        elif self.intent in _GUIDANCE:
            out["bedside"] = int(bool(self.slots.get("bedside")))
        return out


def read_examples(folder: Path, intents: set[str] | None = None) -> list[Example]:
    """Every sentence file in ``folder`` (``<intent>.tsv``), in a stable order."""
    rows: list[Example] = []
    for path in sorted(folder.glob("*.tsv")):
        intent = path.stem
        if intent != "none" and intent not in {i.value for i in Intent}:
            raise CueError(f"{path}: not an intent name (file names are <intent>.tsv)")
        if intents is not None and intent not in intents:
            continue
        rows.extend(_read(path, intent))
    return rows


def _read(path: Path, intent: str) -> Iterator[Example]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise CueError(f"{path}: columns must be {' '.join(COLUMNS)}")
        for n, r in enumerate(reader, 2):
            try:
                slots = json.loads(r["slots"]) if r["slots"].strip() else {}
            except json.JSONDecodeError as exc:
                raise CueError(f"{path}:{n}: slots are not JSON ({exc.msg})") from None
            yield Example(r["text"], intent, slots, r["style"], r["source"])


def write_examples(path: Path, rows: list[Example]) -> None:
    """One intent's file, sorted by source then text (stable diffs)."""
    rows = sorted(rows, key=lambda e: (e.source, e.text.lower(), e.text))
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("\t".join(COLUMNS) + "\n")
        for e in rows:
            slots = json.dumps(dict(e.slots), sort_keys=True) if e.slots else ""
            f.write(f"{e.text}\t{slots}\t{e.style}\t{e.source}\n")


_PUNCT = re.compile(r"[^\w\s']")


def asr_text(text: str) -> str:
    """As a grammar-free recognizer writes it: lower case, no punctuation, no apostrophes."""
    t = _PUNCT.sub(" ", text.lower().replace("\u2019", "'"))
    return " ".join(t.replace("'", "").split())
