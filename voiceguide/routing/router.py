"""The intent router: typed or recognized text -> IntentMatch | None.

Pure code, no I/O per utterance (the language folder's cue table is read once). How it decides:

* **Safety first, found anywhere.** A first-person statement of danger, violence or
  self-harm anywhere in the utterance routes to safety and wins over everything; "help",
  "please help" or "emergency" count when said alone.
* **Guidance must cover a clause.** Each clause (after fillers and repeats are dropped) is
  matched whole against the intent's templates, so a cue word in another sense ("the
  basement flooded", "I'm flooded with emails") covers no clause and routes to nothing.
  When clauses name different intents, the earlier one in ``INTENTS`` wins.
* **Controls and answers must be the whole utterance** ("stop", "yes", "seven").
Negation and third person need no special case: "i am not flooded" and "he is flooded"
are simply not templates; the explanation names them when they were the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Mapping

from ..errors import CueError
from ..intents import GUIDANCE, INTENTS, Intent
from .clean import Clause, Cleaner, Utterance
from .table import (DEFAULT_LANGUAGE, GUIDANCE_ORDER, SAFETY_KINDS, WHOLE_ONLY, WITH_REASON,
                    WORD_LISTS, Compiled, CueFile, Fillers, IntentCues, SafetyCues,
                    check_phrases, compile_table, packaged_common, packaged_cue_file)
from .templates import Vocab, compile_template
from ..text import Normalizer
from .grammar import Speaker

SLOT_RANGES = {"minutes": (1, 24 * 60), "score": (0, 10)}
_DURATION = re.compile(r"\b(\d+) minutes ")


@dataclass(frozen=True)
class IntentMatch:
    intent: Intent
    confidence: float
    """1.0 for a canonical phrase or a safety statement, 0.9 for another template covering
    the whole utterance, 0.8 when one clause of a longer utterance matched."""
    slots: Mapping[str, int | bool | str] = field(default_factory=dict)
    """e.g. {"minutes": 30} for a pause, {"score": 7}, {"bedside": True},
    {"safety": "danger", "discreet": True} (see intents.SLOTS)."""

    def as_dict(self) -> dict:
        return {"intent": self.intent.value, "confidence": round(self.confidence, 3),
                "slots": dict(self.slots)}


@dataclass(frozen=True)
class Hit:
    """One template that matched."""
    intent: str
    """an intent, or "safety:<kind>" """
    text: str
    """the words it covered"""
    template: str = ""
    where: str = ""
    """'whole', 'clause 2', 'anywhere'"""


@dataclass(frozen=True)
class Explanation:
    """Why the router chose what it chose (``voiceguide route --explain``)."""
    text: str
    words: tuple[str, ...]
    clauses: tuple[Clause, ...]
    hits: tuple[Hit, ...]
    notes: tuple[str, ...]
    scores: Mapping[str, float]
    """intent -> 1.0 matched; otherwise the share of its cue words seen (0..0.5)"""
    match: IntentMatch | None


class Router:
    """Routes text to intents (see the module docstring)."""

    def __init__(self, cues: Mapping[str, Iterable[str]] | CueFile,
                 leading: Iterable[str] = (), trailing: Iterable[str] = ()):
        if not isinstance(cues, CueFile):
            cues = _simple_table(cues, leading, trailing)
        self._cues = cues
        normalizer = Normalizer(cues.normalize)
        speaker = Speaker(cues.spoken, normalizer.number_to_words)
        self._spoken = {i: sorted({f for p in ps for f in speaker.forms(p)})
                        for i, ps in check_phrases(cues).items()}
        self._c: Compiled = compile_table(cues, normalizer)
        self._cleaner = Cleaner(cues, normalizer)
        words = cues.router
        self._negations, self._negated_aux = frozenset(words.negations), frozenset(
            words.negated_aux)
        self._ways_out = frozenset(Intent(i) for i in words.ways_out)
        self._road = frozenset(words.road)
        self._back_in = re.compile(r"\b(?:" + "|".join(map(re.escape, words.back_in))
                                   + r") (\d+) ") if words.back_in else None
        self.fillers = sorted(set(cues.fillers.leading) | set(cues.fillers.trailing))
        self._keywords = {Intent(k): v.keywords for k, v in cues.intents.items() if v.keywords}

    # ---- public API ----
    def route(self, text: str) -> IntentMatch | None:
        return self._decide(self._cleaner.analyse(text), None)

    def explain(self, text: str) -> Explanation:
        utt = self._cleaner.analyse(text)
        hits: list[Hit] = []
        notes: list[str] = list(utt.notes)
        match = self._decide(utt, hits)
        from .explain import cue_word_scores, why_not
        if match is None:
            notes += why_not(self, utt)
        scores = cue_word_scores(self, utt, hits)
        return Explanation(text, utt.words, utt.clauses, tuple(hits), tuple(notes), scores,
                           match)

    def phrases(self, intents: Iterable[str] | None = None) -> list[str]:
        """Every canonical phrase (in spoken words) for the given intents; all when None."""
        wanted = INTENTS if intents is None else tuple(intents)
        return sorted({p for i in wanted for p in self._spoken.get(Intent(i), [])})

    def intents(self) -> list[str]:
        present = set(self._spoken) | set(self._c.whole)
        if any(self._c.safety_rules.values()) or self._cues.safety.alone:
            present.add(Intent.SAFETY)
        return [i for i in INTENTS if i in present]

    # ---- deciding ----
    def _decide(self, utt: Utterance, hits: list[Hit] | None) -> IntentMatch | None:
        if not utt.words:
            return None
        safety = self._safety(utt, hits)
        if safety:
            return safety
        whole = (self._canonical_match(utt.whole, hits)
                 or self._match_clause(utt.whole, list(GUIDANCE_ORDER), "whole", hits,
                                       whole=True)
                 or self._match_clause(utt.whole, list(WHOLE_ONLY), "whole", hits, head=False))
        if whole:
            intent, groups, clause_text = whole
            conf = 1.0 if self._is_canonical(intent, utt.whole) else 0.9
            return self._finish(intent, conf, groups, utt)
        found = []
        if len(utt.clauses) > 1:
            for n, clause in enumerate(utt.clauses, 1):
                m = self._match_clause(clause, list(GUIDANCE_ORDER), f"clause {n}", hits)
                if m:
                    found.append(m)
            denied = self._denied(utt)
            if denied and found:
                # "I'm not overwhelmed, I'm angry": a clause that denies an intent takes
                # it away from the other clauses
                kept = [m for m in found if m[0] not in denied]
                if hits is not None and len(kept) < len(found):
                    hits.append(Hit("none", "", "another clause denies "
                                    + ", ".join(sorted(i.value for i in denied)), "clause"))
                found = kept
                if not found:
                    return None
            if not found:
                found = self._controls_in_every_clause(utt, hits)
            if not found:
                found = self._control_with_reason(utt, hits)
        if not found:
            found = self._two_controls_run_on(utt, hits)
        if not found:
            return None
        # The first clause that asks for something wins ("help me calm down, I'm shaking"),
        # except that naming the cycle is what one says before asking for the way out of it
        # ("we're going in circles, let's stop for twenty minutes").
        if found[0][0] == Intent.CYCLE:
            found = [m for m in found if m[0] in self._ways_out] + found
        intent, groups, _ = found[0]
        return self._finish(intent, 0.8, groups, utt)

    def _denied(self, utt: Utterance) -> set[Intent]:
        """Guidance intents a clause denies: the clause with its negation taken out
        ("i am not overwhelmed" -> "i am overwhelmed") is a cue of that intent."""
        denied: set[Intent] = set()
        for clause in utt.clauses:
            words = clause.cleaned
            if not any(w in self._negations for w in words) or self._match_clause(
                    clause, list(GUIDANCE_ORDER), "", None):
                continue
            kept: list[str] = []
            for w in words:
                if w in self._negations:
                    if kept and kept[-1] in self._negated_aux:
                        kept.pop()
                    continue
                kept.append(w)
            m = self._match_clause(self._cleaner.clause(kept), list(GUIDANCE_ORDER), "", None)
            if m:
                denied.add(m[0])
        return denied

    def _controls_in_every_clause(self, utt: Utterance, hits) -> list:
        """'okay. stop.' or 'stop, please stop': every clause a control (or only fillers)."""
        found = []
        mine: list[Hit] = []
        for n, clause in enumerate(utt.clauses, 1):
            m = self._match_clause(clause, list(WHOLE_ONLY), f"clause {n}", mine, head=False)
            if not m and clause.filler_only:
                continue
            if not m:
                return []
            found.append(m)
        if hits is not None:
            hits.extend(mine)
        return found

    def _two_controls_run_on(self, utt: Utterance, hits) -> list:
        """Recognizer text without punctuation: "okay that's enough stop", "sure let's try
        it", "once more please repeat": two controls of the same kind (or one and fillers)."""
        words = utt.whole.cleaned
        if not 2 <= len(words) <= 10:
            return []
        for i in range(1, len(words)):
            left = self._cleaner.clause(words[:i])
            right = self._cleaner.clause(words[i:])
            a = self._match_clause(left, list(WHOLE_ONLY), "", None, head=False)
            b = self._match_clause(right, list(WHOLE_ONLY), "", None, head=False)
            if (a and b and a[0] == b[0]) or (a and right.filler_only and not b) or (
                    b and left.filler_only and not a):
                m = a or b
                if hits is not None:
                    hits.append(Hit(m[0].value, " ".join(m[2]), "",
                                    f"run-on: {' '.join(words[:i])} | {' '.join(words[i:])}"))
                return [m]
        return []

    def _control_with_reason(self, utt: Utterance, hits) -> list:
        """'too loud, the kids are asleep', 'slower please, my English is not so good': a
        control about the voice or the timer in the first clause, the rest a reason that
        asks for nothing."""
        first = self._match_clause(utt.clauses[0], list(WITH_REASON), "clause 1", hits,
                                   head=False)
        if not first:
            return []
        for clause in utt.clauses[1:]:
            if self._match_clause(clause, list(INTENTS[1:]), "", None):
                return []
            if first[0] in (Intent.SLOWER, Intent.FASTER) and self._road.intersection(clause.words):
                # "slow down, there's a speed camera": said to whoever is driving
                return []
        if hits is not None:
            hits.append(Hit(first[0].value, "", "", "the other clauses: a reason"))
        return [first]

    def _match_clause(self, clause: Clause, order: list[Intent], where: str,
                      hits: list[Hit] | None, head: bool = True, whole: bool = False):
        table = self._c.whole if whole or clause.is_whole else self._c.clause
        for variant in clause.variants(head):
            encoded = self._c.vocab.encode(variant)
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
                                    self._which(intent, encoded), where))
                return intent, groups, variant
        return None

    def _canonical_match(self, clause: Clause, hits: list[Hit] | None):
        """A canonical phrase said as written wins over every looser template."""
        variants = [(v, self._c.vocab.encode(v)) for v in dict.fromkeys(
            (clause.words, clause.cleaned)) if v]
        for intent in INTENTS[1:]:
            rx = self._c.canonical.get(intent)
            for v, encoded in variants:
                m = rx.fullmatch(encoded) if rx else None
                if m and _slots_in_range(_slot_groups(m, v)):
                    if hits is not None:
                        hits.append(Hit(intent.value, " ".join(v), "canonical phrase", "whole"))
                    return intent, _slot_groups(m, v), v
        return None

    def _is_canonical(self, intent: Intent, clause: Clause) -> bool:
        rx = self._c.canonical.get(intent)
        return bool(rx and rx.fullmatch(self._c.vocab.encode(clause.words)))

    def _safety(self, utt: Utterance, hits: list[Hit] | None) -> IntentMatch | None:
        kinds: list[str] = []
        encoded = [(w, self._c.vocab.encode(w)) for w in utt.all_strings()]
        for kind in SAFETY_KINDS:
            for words, enc in encoded:
                if kind == "danger":
                    enc = self._c.harmless.sub(lambda h: Vocab.OTHER * len(h.group()), enc)
                m = self._c.safety[kind].search(enc)
                if m:
                    kinds.append(kind)
                    if hits is not None:
                        covered = words[m.start():m.end()]
                        hits.append(Hit(f"safety:{kind}", " ".join(covered),
                                        self._which_safety(kind, covered), "anywhere"))
                    break
        # "help", "please help", "emergency": said alone, or as a clause of its own when
        # no other clause asks for something ("I need help, he's in the room")
        clauses = [utt.whole]
        if len(utt.clauses) > 1 and not any(
                self._match_clause(c, list(GUIDANCE_ORDER), "", None) for c in utt.clauses):
            clauses += utt.clauses
        for clause in clauses:
            if any(self._c.alone.fullmatch(self._c.vocab.encode(v)) for v in clause.variants()):
                kinds.append("general")
                if hits is not None:
                    hits.append(Hit("safety:general", " ".join(clause.trimmed),
                                    "said alone (help / emergency)",
                                    "whole" if clause is utt.whole else "clause"))
                break
        if not kinds:
            return None
        slots: dict[str, str | bool] = {"safety": kinds[0]}
        if any(self._c.discreet.search(enc) for _, enc in encoded):
            slots["discreet"] = True
        if kinds[0] == "general" and any(self._c.present.search(enc) for _, enc in encoded):
            # "help, quietly, he's in the next room": the danger is in the room
            slots["safety"] = "danger"
            if hits is not None:
                hits.append(Hit("safety:danger", "", "the partner is here or can hear",
                                "anywhere"))
        return IntentMatch(Intent.SAFETY, 1.0, slots)

    def _finish(self, intent: Intent, confidence: float, groups: dict, utt: Utterance):
        slots: dict[str, int | bool | str] = {}
        if intent in (Intent.PAUSE, Intent.MORE_TIME):
            minutes = groups.get("minutes")
            if minutes is None:
                # "we need a time out, half an hour": the duration in another clause
                found = _DURATION.findall(" ".join(utt.words) + " ")
                if not found and intent == Intent.PAUSE and self._back_in:
                    # "We're taking a break. I'll be back in 20."
                    found = self._back_in.findall(" ".join(utt.words) + " ")
                minutes = found[0] if len(found) == 1 else None
            if minutes is not None and _slots_in_range({"minutes": minutes}):
                slots["minutes"] = int(minutes)
        if intent == Intent.SCORE:
            slots["score"] = int(groups["score"])
        strings = [self._c.vocab.encode(w) for w in utt.all_strings()]
        if intent in GUIDANCE and any(self._c.bedside.search(s) for s in strings):
            slots["bedside"] = True
        if intent == Intent.CHASING and any(self._c.away.search(s) for s in strings):
            slots["away"] = True
        return IntentMatch(intent, confidence, slots)

    # ---- explanations ----
    def _which(self, intent: Intent, encoded: str) -> str:
        for t in self._c.rules.get(intent, ()):
            if re.fullmatch(_unnamed(compile_template(t, self._c.vocab, self._c.macros)), encoded):
                return t
        return ""

    def _which_safety(self, kind: str, covered: tuple[str, ...]) -> str:
        encoded = self._c.vocab.encode(covered)
        for t in self._c.safety_rules[kind]:
            if re.search(_unnamed(compile_template(t, self._c.vocab, self._c.macros)), encoded):
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


def _simple_table(cues: Mapping[str, Iterable[str]], leading: Iterable[str],
                  trailing: Iterable[str]) -> CueFile:
    """A cue table from plain phrase lists (intent -> templates), as in tests."""
    intents = {}
    safety: list[str] = []
    for name, templates in cues.items():
        if name not in INTENTS:
            raise CueError(f"unknown intent {name!r} in the cue table")
        if name == "safety":
            safety = list(templates)
        else:
            intents[name] = IntentCues(phrases=list(templates))
    english = packaged_common()
    return CueFile(**{k: getattr(english, k) for k in WORD_LISTS},
                   fillers=Fillers(leading=list(leading), trailing=list(trailing)),
                   safety=SafetyCues(general=safety), intents=intents)


@lru_cache(maxsize=None)
def default_router(language: str = DEFAULT_LANGUAGE) -> Router:
    """The router for a language (config ``router.language``): a packaged language's name
    or a language folder's path (cached: built once per process and language)."""
    return Router(packaged_cue_file(language))
