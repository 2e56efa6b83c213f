"""Rules and model together: one decision, safety first.

The rules (templates) are precise where they match and say why; the model generalizes to
words nobody wrote a rule for. How they combine was chosen by measurement on sets the
model never saw (docs/router.md):

1. **Safety, recall first.** (One exception: the rules' "help me" said as a clause of its
   own, when the model sees no plea and is sure of a guidance intent. The model never
   overrules the rules' other pleas: tried, it removed 12 of 28 false pleas on four blind
   sets but lost "they are not letting me leave", which the model scores 3 % safety.) The rules' safety, or the model's summed safety probability
   at or above ``safety``, is a safety plea; its kind comes from the rules when they saw
   one, else from the model. Between ``safety_doubt`` and ``safety`` the utterance is not
   a plea but is not ordinary either: it gets the short safety check line
   (:data:`~voiceguide.intents.Intent.SAFETY_CHECK`). The check line, not the script, also
   goes to a plea only the rules saw in a longer sentence the model is sure is talk
   (``veto_plea``: "he pulled a gun on her in the car park, this show is mental"), and to
   a plea only the model saw in a word or two below ``plea_short`` ("goodbye").
2. **Guidance.** A rule match stands, unless the model is at least ``override`` sure of
   another guidance intent, or ``veto_none`` sure it is ordinary talk (``veto_cue`` in
   ``veto_cue_words`` or more: "wait for me by the gate, I'm just locking up"). A 0-10
   answer the rules read stands over the model's safety below ``plea_short``. With no rule
   match, the model's best class counts at or above ``cue``.
3. **Controls** are the rules' alone (short, said whole), unless the model is at least
   ``control`` sure of a control on a short utterance; a delivery control inside a longer
   sentence the model reads as talk is dropped (``veto_control``: "hurry up, we'll miss
   the bus").
4. **Doubt about guidance.** Nothing matched, but the model's best class is a guidance
   intent at or above ``suggest`` (below ``cue``), in ``suggest_words`` or more: a suggestion
   (:data:`~voiceguide.intents.Intent.SUGGEST`), one question the person answers with a
   yes ("Did you want grounding? Say yes."). Measured in ``bench/offers.py``: false offers
   per hour of ordinary talk, and how many missed cues they recover.
5. Slots come from the rules (minutes, bedside, away, discreet); the model's heads add
   ``imminent`` and the discreet/bedside they see.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..intents import CONTROLS, GUIDANCE, Intent
from .model import ModelScores
from .results import IntentMatch
from .stages import ALONE_CLAUSE

_CONTROLS = frozenset(i.value for i in CONTROLS)
_GUIDANCE = frozenset(i.value for i in GUIDANCE)
_SAID_TO_PEOPLE = frozenset(i.value for i in (Intent.SLOWER, Intent.FASTER, Intent.LOUDER,
                                               Intent.QUIETER, Intent.REPEAT, Intent.NEXT))
"""the controls also said to people ("slow down, you're driving like a maniac", "speak up,
grandad can't hear you"): the ones the control veto may drop. Not stop, yes, no, or the
pause's own ("we don't need the timer anymore", "what time do we come back?"), which the
model knows too little of and reads as talk."""


@dataclass(frozen=True)
class Thresholds:
    """Where the model's probabilities count (stored with the model, in manifest.json)."""

    safety: float = 0.5
    """summed safety probability that makes a plea"""
    safety_doubt: float = 0.2
    """from here up to ``safety``: the short safety check line"""
    cue: float = 0.6
    """best guidance class probability when the rules found nothing"""
    override: float = 0.97
    """model probability that overrules a rule's guidance intent"""
    control: float = 0.9
    """a control the rules missed, on an utterance of at most ``control_words`` words"""
    control_words: int = 6
    veto_none: float = 0.9
    """model probability of ``none`` that overrules a rule's guidance intent (or a control
    said inside a longer sentence): "the therapist reckons I'm the pursuer"."""
    plea_words: int = 3
    plea_short: float = 0.95
    """a plea the model alone sees in fewer than ``plea_words`` words needs this much, else
    it gets the check line, not the script: heard talk's bits ("goodbye" 0.84, "number"
    0.77, "urgent" 0.89) carry too little to start it; "call someone" (0.99) and the
    rules' short pleas ("help", "I'm not safe") stand"""
    veto_plea: float = 1.01
    """model probability of ``none`` (with its safety below ``veto_plea_safety``) that
    overrules a plea only the rules saw in a longer sentence: "he pulled a gun on her in
    the car park, this show is mental" (off above 1)"""
    veto_plea_safety: float = 0.05
    veto_plea_words: int = 6
    """the veto applies from this many words: a short plea always stands ("they are
    blocking the door", five words, which the model reads as talk)"""
    veto_control: float = 1.01
    """model probability of ``none`` that overrules a delivery control the rules found in
    an utterance of more than ``veto_control_words`` words ("hurry up, we'll miss the bus")"""
    veto_control_words: int = 5
    """(the rules' own control phrases are at most five words; the model reads a few of
    them, "how much time is left", as talk)"""
    veto_cue: float = 1.01
    """model probability of ``none`` that overrules a guidance cue the rules found in an
    utterance of at least ``veto_cue_words`` words ("wait for me by the gate, I'm just
    locking up"); below ``veto_none``, which applies at any length (off above 1)"""
    veto_cue_words: int = 6
    suggest: float = 0.4
    """from here up to ``cue``, the best guidance class is offered, not started"""
    suggest_words: int = 5
    """fewer words are never offered: heard talk's short bits ("is it me?", a lone
    "billion") drew most false offers, and on the blind sets no right offer had fewer
    than seven words"""
    imminent: float = 0.5
    discreet: float = 0.5
    bedside: float = 0.5


@dataclass(frozen=True)
class Decision:
    """What the router decided and which part decided it (for --explain and the bench)."""

    intent: Intent | None
    kind: str | None = None
    """the safety kind, for safety"""
    by: str = "none"
    """"rules", "model", "rules+model" or "none" """
    imminent: bool = False
    discreet: bool = False
    bedside: bool = False
    suggested: str | None = None
    """for a suggestion: the guidance intent offered"""


def decide(rule: IntentMatch | None, scores: ModelScores | None, words: int,
           t: Thresholds) -> Decision:
    """The decision for one utterance of ``words`` words, given the rules' match and the
    model's scores (see the module docstring)."""
    rule_intent = rule.intent.value if rule else None
    rule_kind = str(rule.slots.get("safety")) if rule and rule.intent == Intent.SAFETY else None
    if scores is None:  # no model on this machine: the rules alone
        return Decision(rule.intent if rule else None, rule_kind,
                        "rules" if rule else "none")
    aux = scores.aux
    p_safe = scores.safety
    best, p_best = max(((c, p) for c, p in scores.probs.items()
                        if not c.startswith("safety_")), key=lambda cp: cp[1])
    bedside = aux.get("bedside", 0.0) >= t.bedside
    if (rule_intent == Intent.SAFETY and rule.confidence <= ALONE_CLAUSE
            and p_safe < t.safety_doubt and best in _GUIDANCE and p_best >= t.cue):
        # "I want to make it up with her, help me": a "help me" of its own, and the model
        # sure it asks for guidance and sees no plea in it
        return Decision(Intent(best), by="model", bedside=bedside)
    p_none = scores.probs.get("none", 0.0)
    if rule_intent == Intent.SCORE.value and p_safe < t.plea_short:
        # an answer to the 0-10 question the rules read ("it's a zero"): the model, which
        # never learned answers, hears a number to call in it
        return Decision(Intent.SCORE, by="rules")
    if (rule_intent == Intent.SAFETY and words >= t.veto_plea_words
            and p_none >= t.veto_plea and p_safe < t.veto_plea_safety):
        # the model is sure this is talk: not the full script, but not silence either
        return Decision(Intent.SAFETY_CHECK, by="model")
    if (rule_intent != Intent.SAFETY and t.safety <= p_safe < t.plea_short
            and words < t.plea_words):
        return Decision(Intent.SAFETY_CHECK, by="model")
    if rule_intent == Intent.SAFETY or p_safe >= t.safety:
        by = "rules" if rule_intent == Intent.SAFETY else "model"
        if by == "rules" and p_safe >= t.safety:
            by = "rules+model"
        return Decision(Intent.SAFETY, rule_kind or scores.safety_kind, by,
                        imminent=aux.get("imminent", 0.0) >= t.imminent,
                        discreet=aux.get("discreet", 0.0) >= t.discreet)
    if rule_intent is not None:
        if p_none >= t.veto_none and (rule_intent in _GUIDANCE or (
                rule_intent in _CONTROLS and words > t.control_words)):
            return Decision(None, by="model")
        if rule_intent in _GUIDANCE and words >= t.veto_cue_words and p_none >= t.veto_cue:
            return Decision(None, by="model")
        if (rule_intent in _SAID_TO_PEOPLE and words > t.veto_control_words
                and p_none >= t.veto_control):
            return Decision(None, by="model")
        if (rule_intent in _GUIDANCE and best in _GUIDANCE and best != rule_intent
                and p_best >= t.override and rule.confidence < 1.0):
            # (a canonical phrase said whole, confidence 1.0, stands: the recognizers'
            # grammars are built from those phrases)
            return Decision(Intent(best), by="model", bedside=bedside)
        return Decision(Intent(rule_intent), by="rules", bedside=bedside)
    if best in _GUIDANCE and p_best >= t.cue:
        return Decision(Intent(best), by="model", bedside=bedside)
    if best in _CONTROLS and p_best >= t.control and words <= t.control_words:
        return Decision(Intent(best), by="model")
    if p_safe >= t.safety_doubt:
        return Decision(Intent.SAFETY_CHECK, by="model")
    if best in _GUIDANCE and p_best >= t.suggest and words >= t.suggest_words:
        return Decision(Intent.SUGGEST, by="model", bedside=bedside, suggested=best)
    return Decision(None)
