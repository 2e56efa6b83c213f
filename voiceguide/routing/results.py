"""What the router answers: an :class:`IntentMatch`, and for explanations the
:class:`Hit` records and the :class:`Explanation` (all re-exported by :mod:`.router`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

from ..intents import Intent
from .clean import Clause

if TYPE_CHECKING:
    from .decide import Decision
    from .model import ModelScores


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
    rule_match: IntentMatch | None = None
    """what the rules alone decided"""
    model: "ModelScores | None" = None
    """what the model thought (None: no model on this machine)"""
    decision: "Decision | None" = None
    nearest: tuple[tuple[str, str, float], ...] = ()
    """the training sentences most like this one: (text, class, cosine)"""
