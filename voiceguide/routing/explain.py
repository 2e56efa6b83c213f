"""``voiceguide route --explain``: the router's reasons as plain text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..intents import INTENTS

if TYPE_CHECKING:
    from .clean import Utterance
    from .router import Explanation, Hit, Router
    from .words import ExplainWords


def format_explanation(e: Explanation) -> str:
    lines = [f"text:       {e.text!r}", f"words:      {' '.join(e.words) or '(none)'}"]
    for n, c in enumerate(e.clauses, 1):
        dropped = f"   (dropped: {', '.join(c.dropped)})" if c.dropped else ""
        lines.append(f"clause {n}:   {' '.join(c.trimmed) or '(fillers only)'}{dropped}")
        if c.subject or c.subject_full:
            lines.append(f"   said without a subject, also read as: "
                         f"{' '.join(c.subject or c.subject_full)!r}")
    for h in e.hits:
        lines.append(f"matched:    {h.intent} [{h.where}] {h.text!r}")
        if h.template:
            lines.append(f"   by:      {h.template}")
    for note in e.notes:
        lines.append(f"note:       {note}")
    if e.scores:
        ranked = sorted(e.scores.items(), key=lambda kv: -kv[1])
        lines.append("scores:     " + ", ".join(f"{k} {v:.2f}" for k, v in ranked))
    if e.model is not None:
        rules = e.rule_match.intent.value if e.rule_match else "none"
        lines.append(f"rules:      {rules}")
        top = ", ".join(f"{c} {p:.2f}" for c, p in e.model.top(3))
        aux = ", ".join(f"{k} {v:.2f}" for k, v in e.model.aux.items())
        lines.append(f"model:      {top}; safety {e.model.safety:.2f}; {aux}")
        for text, label, cos in e.nearest:
            lines.append(f"   like:    {text!r} ({label}, cosine {cos:.2f})")
        if e.decision is not None:
            lines.append(f"decided by: {e.decision.by}")
    elif e.scores is not None:
        lines.append("model:      none on this machine (the built-in phrases only)")
    if e.match:
        slots = " ".join(f"{k}={v}" for k, v in e.match.slots.items())
        lines.append(f"result:     {e.match.intent} ({e.match.confidence:.2f}) {slots}".rstrip())
    else:
        lines.append("result:     none (ordinary talk: nothing is said)")
    return "\n".join(lines)


def why_not(router: Router, utt: Utterance) -> list[str]:
    """Why nothing matched: negation, third person, or cue words in another sense."""
    notes = []
    m = router.matcher
    lang = m.explain_words
    negations = frozenset(lang.negations)
    for n, clause in enumerate(utt.clauses, 1):
        words = list(clause.trimmed)
        label = f"clause {n} {' '.join(words)!r}"
        negators = [w for w in words if w in negations]
        if negators:
            plain = _without_negation(words, lang)
            match = m.match_clause(m.plain(plain), list(INTENTS[1:]), "", None)
            if match:
                notes.append(f"{label}: negation {negators[0]!r}: would be "
                             f"{match.intent.value} without it")
                continue
        first = _to_first_person(words, lang)
        if first != words:
            match = m.match_clause(m.plain(first), list(INTENTS[1:]), "", None)
            if match:
                notes.append(f"{label}: third person: would be {match.intent.value} if said "
                             "about oneself")
                continue
        seen = [(i.value, k) for i, ks in m.keywords.items() for k in ks
                if f" {k} " in " " + " ".join(words) + " "]
        if seen:
            cues = ", ".join(f"{k!r} ({i})" for i, k in seen[:4])
            notes.append(f"{label}: cue words {cues} but no template covers the clause "
                         "(another sense, or extra words)")
        else:
            notes.append(f"{label}: no cue words")
    return notes


def cue_word_scores(router: Router, utt: Utterance, hits: list[Hit]) -> dict[str, float]:
    """1.0 for an intent that matched; else half the share of its cue words seen."""
    text = " " + " ".join(utt.whole.cleaned) + " "
    scores: dict[str, float] = {}
    for intent in INTENTS:
        if any(h.intent.split(":")[0] == intent.value for h in hits):
            scores[intent.value] = 1.0
            continue
        keys = router.matcher.keywords.get(intent, [])
        seen = sum(1 for k in keys if f" {k} " in text)
        if seen:
            scores[intent.value] = round(min(0.5, 0.5 * seen / 2), 2)
    return scores


def _without_negation(words: list[str], lang: ExplainWords) -> list[str]:
    out = []
    for w in words:
        if w in lang.negations:
            if (out and out[-1] in lang.negated_aux
                    and not (len(out) >= 2 and out[-2] in lang.aux_kept_after)):
                out.pop()
            continue
        out.append(w)
    return out


def _to_first_person(words: list[str], lang: ExplainWords) -> list[str]:
    out = []
    for w in words:
        if out and out[-1] == lang.first_person and w in lang.first_person_verbs:
            out.append(lang.first_person_verbs[w])
        else:
            out.append(lang.third_person.get(w, w))
    return out
