"""The router's decision stages, in the order they are tried (:data:`STAGES`).

A stage is a function (or any callable) ``stage(m, utt, hits) -> Found | Nothing | None``:
``m`` the :class:`~.match.Matcher` (the language's compiled table), ``utt`` the cleaned
:class:`~.clean.Utterance`, ``hits`` the list an explanation collects :class:`~.results.Hit`
records in (None when only routing). It returns

* :class:`~.match.Found`: the answer (the router fills in slots from its groups);
* :class:`~.match.Nothing`: the utterance asks for nothing, and no later stage is tried;
* None: not this stage's case; the next one is tried.

Adding a stage (a learned model, say) is one line in :data:`STAGES`, or a router built
with ``Router(cues, stages=...)``.
"""

from __future__ import annotations

from typing import Protocol

from ..intents import INTENTS, Intent
from .clean import Utterance
from .match import Found, Matcher, Nothing
from .results import Hit
from .table import GUIDANCE_ORDER, SAFETY_KINDS, WHOLE_ONLY, WITH_REASON
from .templates import Vocab

Hits = list[Hit] | None


class Stage(Protocol):
    def __call__(self, m: Matcher, utt: Utterance, hits: Hits) -> Found | Nothing | None: ...


ALONE_WHOLE = 0.95
"""Confidence of a safety match that is only "help" / "emergency" said alone ..."""
ALONE_CLAUSE = 0.9
"""... or said as a clause of its own ("I want to make up with her, help me"): the one
safety answer of the rules that the model may overrule (decide.py)."""


def safety_anywhere(m: Matcher, utt: Utterance, hits: Hits) -> Found | None:
    """A first-person statement of danger, violence or self-harm anywhere in the utterance
    wins over everything; "help", "please help" or "emergency" count said alone (or as a
    clause of their own when no other clause asks for something)."""
    c = m.c
    kinds: list[str] = []
    encoded = [(w, c.vocab.encode(w)) for w in utt.all_strings()]
    for kind in SAFETY_KINDS:
        for words, enc in encoded:
            if kind in ("danger", "self_harm"):  # "the dog won't let me", "jump in the shower"
                enc = c.harmless.sub(lambda h: Vocab.OTHER * len(h.group()), enc)
            found = c.safety[kind].search(enc)
            if found:
                kinds.append(kind)
                if hits is not None:
                    covered = words[found.start():found.end()]
                    hits.append(Hit(f"safety:{kind}", " ".join(covered),
                                    m.which_safety(kind, covered), "anywhere"))
                break
    # "help", "please help", "emergency": said alone, or as a clause of its own when
    # no other clause asks for something ("I need help, he's in the room")
    clauses = [utt.whole]
    if len(utt.clauses) > 1 and not any(
            m.match_clause(cl, list(GUIDANCE_ORDER), "", None) for cl in utt.clauses):
        clauses += utt.clauses
    said_as = 1.0 if kinds else 0.0
    for clause in clauses:
        if any(c.alone.fullmatch(c.vocab.encode(v)) for v in clause.variants()):
            kinds.append("general")
            if not said_as:
                said_as = ALONE_WHOLE if clause is utt.whole else ALONE_CLAUSE
            if hits is not None:
                hits.append(Hit("safety:general", " ".join(clause.trimmed),
                                "said alone (help / emergency)",
                                "whole" if clause is utt.whole else "clause"))
            break
    if not kinds:
        return None
    slots: dict[str, str | bool] = {"safety": kinds[0]}
    if any(c.discreet.search(enc) for _, enc in encoded):
        slots["discreet"] = True
    for words, enc in encoded:
        now = c.imminent.search(enc)
        if now:
            slots["imminent"] = True  # the emergency number comes first
            if hits is not None:
                hits.append(Hit("safety:imminent", " ".join(words[now.start():now.end()]),
                                "the danger is now (safety.toml: imminent)", "anywhere"))
            break
    if kinds[0] == "general" and any(c.present.search(enc) for _, enc in encoded):
        # "help, quietly, he's in the next room": the danger is in the room
        slots["safety"] = "danger"
        if hits is not None:
            hits.append(Hit("safety:danger", "", "the partner is here or can hear",
                            "anywhere"))
    return Found(Intent.SAFETY, said_as, slots=slots)


def canonical_whole(m: Matcher, utt: Utterance, hits: Hits) -> Found | None:
    """A canonical phrase said as written, as the whole utterance, wins over every looser
    template."""
    return _whole(m, utt, m.canonical_match(utt.whole, hits))


def guidance_whole(m: Matcher, utt: Utterance, hits: Hits) -> Found | None:
    """A guidance template covering the whole utterance (whole-only templates count)."""
    return _whole(m, utt, m.match_clause(utt.whole, list(GUIDANCE_ORDER), "whole", hits,
                                         whole=True))


def control_whole(m: Matcher, utt: Utterance, hits: Hits) -> Found | None:
    """A control or an answer is the whole utterance ("stop", "yes", "seven")."""
    return _whole(m, utt, m.match_clause(utt.whole, list(WHOLE_ONLY), "whole", hits,
                                         head=False))


def _whole(m: Matcher, utt: Utterance, match) -> Found | None:
    if match is None:
        return None
    confidence = 1.0 if m.is_canonical(match.intent, utt.whole) else 0.9
    return Found(match.intent, confidence, match.groups)


def guidance_per_clause(m: Matcher, utt: Utterance, hits: Hits) -> Found | Nothing | None:
    """Guidance must cover a clause: the first clause that asks for something wins ("help
    me calm down, I'm shaking"), except that naming the cycle is what one says before
    asking for the way out of it ("we're going in circles, let's stop for twenty
    minutes"). A clause that denies an intent takes it away from the others ("I'm not
    overwhelmed, I'm angry"); when that leaves nothing, nothing is asked for."""
    if len(utt.clauses) < 2:
        return None
    found = []
    for n, clause in enumerate(utt.clauses, 1):
        match = m.match_clause(clause, list(GUIDANCE_ORDER), f"clause {n}", hits)
        if match:
            found.append(match)
    if not found:
        return None
    denied = _denied(m, utt)
    if denied:
        kept = [f for f in found if f.intent not in denied]
        if hits is not None and len(kept) < len(found):
            hits.append(Hit("none", "", "another clause denies "
                            + ", ".join(sorted(i.value for i in denied)), "clause"))
        if not kept:
            return Nothing("another clause denies " + ", ".join(sorted(i.value for i in denied)))
        found = kept
    if found[0].intent == Intent.CYCLE:
        found = [f for f in found if f.intent in m.ways_out] + found
    return Found(found[0].intent, 0.8, found[0].groups)


def _denied(m: Matcher, utt: Utterance) -> set[Intent]:
    """Guidance intents a clause denies: the clause with its negation taken out
    ("i am not overwhelmed" -> "i am overwhelmed") is a cue of that intent."""
    denied: set[Intent] = set()
    for clause in utt.clauses:
        words = clause.cleaned
        if not any(w in m.negations for w in words) or m.match_clause(
                clause, list(GUIDANCE_ORDER), "", None):
            continue
        kept: list[str] = []
        for w in words:
            if w in m.negations:
                if kept and kept[-1] in m.negated_aux:
                    kept.pop()
                continue
            kept.append(w)
        match = m.match_clause(m.clause(kept), list(GUIDANCE_ORDER), "", None)
        if match:
            denied.add(match.intent)
    return denied


def controls_in_every_clause(m: Matcher, utt: Utterance, hits: Hits) -> Found | None:
    """'okay. stop.' or 'stop, please stop': every clause a control (or only fillers)."""
    if len(utt.clauses) < 2:
        return None
    found = []
    mine: list[Hit] = []
    for n, clause in enumerate(utt.clauses, 1):
        match = m.match_clause(clause, list(WHOLE_ONLY), f"clause {n}", mine, head=False)
        if not match and clause.filler_only:
            continue
        if not match:
            return None
        found.append(match)
    if not found:
        return None
    if hits is not None:
        hits.extend(mine)
    return Found(found[0].intent, 0.8, found[0].groups)


def control_with_reason(m: Matcher, utt: Utterance, hits: Hits) -> Found | None:
    """'too loud, the kids are asleep', 'slower please, my English is not so good': a
    control about the voice or the timer in the first clause, the rest a reason that
    asks for nothing."""
    if len(utt.clauses) < 2:
        return None
    first = m.match_clause(utt.clauses[0], list(WITH_REASON), "clause 1", hits, head=False)
    if not first:
        return None
    for clause in utt.clauses[1:]:
        if m.match_clause(clause, list(INTENTS[1:]), "", None):
            return None
        if first.intent in (Intent.SLOWER, Intent.FASTER) and m.road.intersection(clause.words):
            # "slow down, there's a speed camera": said to whoever is driving
            return None
    if hits is not None:
        hits.append(Hit(first.intent.value, "", "", "the other clauses: a reason"))
    return Found(first.intent, 0.8, first.groups)


def two_controls_run_on(m: Matcher, utt: Utterance, hits: Hits) -> Found | None:
    """Recognizer text without punctuation: "okay that's enough stop", "sure let's try
    it", "once more please repeat": two controls of the same kind (or one and fillers)."""
    words = utt.whole.cleaned
    if not 2 <= len(words) <= 10:
        return None
    for i in range(1, len(words)):
        left = m.clause(words[:i])
        right = m.clause(words[i:])
        a = m.match_clause(left, list(WHOLE_ONLY), "", None, head=False)
        b = m.match_clause(right, list(WHOLE_ONLY), "", None, head=False)
        if (a and b and a.intent == b.intent) or (a and right.filler_only and not b) or (
                b and left.filler_only and not a):
            match = a or b
            if hits is not None:
                hits.append(Hit(match.intent.value, " ".join(match.words), "",
                                f"run-on: {' '.join(words[:i])} | {' '.join(words[i:])}"))
            return Found(match.intent, 0.8, match.groups)
    return None


STAGES: tuple[Stage, ...] = (
    safety_anywhere,
    canonical_whole,
    guidance_whole,
    control_whole,
    guidance_per_clause,
    controls_in_every_clause,
    control_with_reason,
    two_controls_run_on,
)
"""The decision stages in order: the first that answers decides."""
