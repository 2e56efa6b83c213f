"""What the decision stages match with: one language's compiled table and cleaner, the
clause-matching primitives, and the slots a match carries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from ..intents import GUIDANCE, INTENTS, Intent
from ..text import MINUTES
from .clean import Clause, Cleaner, Utterance
from .results import Hit, IntentMatch
from .table import Compiled, CueFile
from .templates import compile_template

SLOT_RANGES = {"minutes": (1, 24 * 60), "score": (0, 10)}
_DURATION = re.compile(rf"\b(\d+) {MINUTES} ")


@dataclass(frozen=True)
class ClauseMatch:
    """A template that covered a clause (or the whole utterance)."""
    intent: Intent
    groups: Mapping[str, str]
    """slot words it captured ("minutes" -> "20")"""
    words: tuple[str, ...]
    """the variant of the clause it covered"""


@dataclass(frozen=True)
class Found:
    """A stage's answer: this intent."""
    intent: Intent
    confidence: float
    """1.0 canonical or safety, 0.9 another template on the whole utterance, 0.8 a clause"""
    groups: Mapping[str, str] = field(default_factory=dict)
    """slot words a template captured; the router turns them into slots"""
    slots: Mapping[str, int | bool | str] | None = None
    """the match's slots when the stage worked them out itself (safety); None: the router
    fills them in from ``groups`` and the utterance"""


@dataclass(frozen=True)
class Nothing:
    """A stage's answer that the utterance asks for nothing: no later stage is tried."""
    reason: str


class Matcher:
    """One language's compiled table and cleaner, and the ways the stages match with them."""

    def __init__(self, cues: CueFile, compiled: Compiled, cleaner: Cleaner):
        self.c = compiled
        self.cleaner = cleaner
        words = cues.router
        self.negations = frozenset(words.negations)
        self.negated_aux = frozenset(words.negated_aux)
        self.ways_out = frozenset(Intent(i) for i in words.ways_out)
        self.road = frozenset(words.road)
        self.back_in = re.compile(r"\b(?:" + "|".join(map(re.escape, words.back_in))
                                  + r") (\d+) ") if words.back_in else None
        self.explain_words = cues.explain
        self.keywords = {Intent(k): v.keywords for k, v in cues.intents.items() if v.keywords}

    def clause(self, words) -> Clause:
        return self.cleaner.clause(words)

    def plain(self, words) -> Clause:
        return self.cleaner.plain(words)

    def encode(self, words) -> str:
        return self.c.vocab.encode(words)

    def match_clause(self, clause: Clause, order: list[Intent], where: str,
                     hits: list[Hit] | None, head: bool = True,
                     whole: bool = False) -> ClauseMatch | None:
        """The first intent in ``order`` with a template covering a variant of ``clause``
        (whole-only templates too for the whole utterance, or when ``whole``)."""
        table = self.c.whole if whole or clause.is_whole else self.c.clause
        for variant in clause.variants(head):
            encoded = self.c.vocab.encode(variant)
            for intent in order:
                rx = table.get(intent)
                if rx is None:
                    continue
                m = rx.fullmatch(encoded)
                if not m:
                    continue
                groups = _slot_groups(m, variant)
                if not _slots_in_range(groups):
                    continue
                if hits is not None:
                    hits.append(Hit(intent.value, " ".join(variant),
                                    self.which(intent, encoded), where))
                return ClauseMatch(intent, groups, variant)
        return None

    def canonical_match(self, clause: Clause, hits: list[Hit] | None) -> ClauseMatch | None:
        """A canonical phrase said as written wins over every looser template."""
        variants = [(v, self.c.vocab.encode(v)) for v in dict.fromkeys(
            (clause.words, clause.cleaned)) if v]
        for intent in INTENTS[1:]:
            rx = self.c.canonical.get(intent)
            for v, encoded in variants:
                m = rx.fullmatch(encoded) if rx else None
                if m and _slots_in_range(_slot_groups(m, v)):
                    if hits is not None:
                        hits.append(Hit(intent.value, " ".join(v), "canonical phrase", "whole"))
                    return ClauseMatch(intent, _slot_groups(m, v), v)
        return None

    def is_canonical(self, intent: Intent, clause: Clause) -> bool:
        rx = self.c.canonical.get(intent)
        return bool(rx and rx.fullmatch(self.c.vocab.encode(clause.words)))

    def finish(self, found: Found, utt: Utterance) -> IntentMatch:
        """The match with its slots: the stage's own, or from its groups and the words."""
        if found.slots is not None:
            return IntentMatch(found.intent, found.confidence, found.slots)
        intent, groups = found.intent, found.groups
        slots: dict[str, int | bool | str] = {}
        if intent in (Intent.PAUSE, Intent.MORE_TIME):
            minutes = groups.get("minutes")
            if minutes is None:
                # "we need a time out, half an hour": the duration in another clause
                said = _DURATION.findall(" ".join(utt.words) + " ")
                if not said and intent == Intent.PAUSE and self.back_in:
                    # "We're taking a break. I'll be back in 20."
                    said = self.back_in.findall(" ".join(utt.words) + " ")
                minutes = said[0] if len(said) == 1 else None
            if minutes is not None and _slots_in_range({"minutes": minutes}):
                slots["minutes"] = int(minutes)
        if intent == Intent.SCORE:
            slots["score"] = int(groups["score"])
        strings = [self.c.vocab.encode(w) for w in utt.all_strings()]
        if intent in GUIDANCE and any(self.c.bedside.search(s) for s in strings):
            slots["bedside"] = True
        if intent == Intent.CHASING and any(self.c.away.search(s) for s in strings):
            slots["away"] = True
        if intent == Intent.STOP and any(self.c.timer.search(s) for s in strings):
            slots["timer"] = True
        return IntentMatch(intent, found.confidence, slots)

    # ---- explanations ----
    def which(self, intent: Intent, encoded: str) -> str:
        """The template of ``intent`` that covers ``encoded`` words."""
        for t in self.c.rules.get(intent, ()):
            if re.fullmatch(_unnamed(compile_template(t, self.c.vocab, self.c.macros)), encoded):
                return t
        return ""

    def which_safety(self, kind: str, covered: tuple[str, ...]) -> str:
        """The safety template of ``kind`` found in ``covered`` words."""
        encoded = self.c.vocab.encode(covered)
        for t in self.c.safety_rules[kind]:
            if re.search(_unnamed(compile_template(t, self.c.vocab, self.c.macros)), encoded):
                return t
        return ""


def _unnamed(regex: str) -> str:
    return re.sub(r"\(\?P<\w+>", "(?:", regex)


def _slot_groups(m: re.Match, words: tuple[str, ...]) -> dict[str, str]:
    """Slot values: each encoded character is one word, so a group's start is its index."""
    return {k.rsplit("_", 1)[0]: words[m.start(k)] for k, v in m.groupdict().items()
            if v is not None}


def _slots_in_range(groups: Mapping[str, str]) -> bool:
    for name, value in groups.items():
        low, high = SLOT_RANGES[name]
        if not low <= int(value) <= high:
            return False
    return True
