"""The closed set of things a person can ask for, shared by router, session and hearing.

An :class:`Intent` is a ``str`` enum, so ``Intent.SAFETY == "safety"`` and it prints and
serializes as its plain name. Slots carry the details a cue adds (see :data:`SLOTS`).
"""

from __future__ import annotations

from enum import Enum
from typing import Literal


class Intent(str, Enum):
    # guidance: each starts a script
    SAFETY = "safety"
    FLOODED = "flooded"
    CHASING = "chasing"
    WITHDRAWING = "withdrawing"
    GROUNDING = "grounding"
    NAME_PART = "name_part"
    BRIDGE = "bridge"
    PAUSE = "pause"
    REPAIR = "repair"
    CYCLE = "cycle"
    SOFT_STARTUP = "soft_startup"
    # controls: steer what is playing, answer offers
    STOP = "stop"
    REPEAT = "repeat"
    SLOWER = "slower"
    FASTER = "faster"
    LOUDER = "louder"
    QUIETER = "quieter"
    NEXT = "next"
    HELP = "help"
    YES = "yes"
    NO = "no"
    MORE_TIME = "more_time"
    TIME_LEFT = "time_left"
    # answers: only heard when a question was asked
    SCORE = "score"
    # the router is unsure whether this is a safety plea: one short line invites one
    SAFETY_CHECK = "safety_check"
    # the router is unsure whether this asked for a guidance script: one short question
    # offers it ("Did you want grounding? Say yes.")
    SUGGEST = "suggest"

    def __str__(self) -> str:
        return self.value


GUIDANCE: tuple[Intent, ...] = (
    Intent.SAFETY, Intent.FLOODED, Intent.CHASING, Intent.WITHDRAWING, Intent.GROUNDING,
    Intent.NAME_PART, Intent.BRIDGE, Intent.PAUSE, Intent.REPAIR, Intent.CYCLE,
    Intent.SOFT_STARTUP)
CONTROLS: tuple[Intent, ...] = (
    Intent.STOP, Intent.REPEAT, Intent.SLOWER, Intent.FASTER, Intent.LOUDER, Intent.QUIETER,
    Intent.NEXT, Intent.HELP, Intent.YES, Intent.NO, Intent.MORE_TIME, Intent.TIME_LEFT)
ANSWERS: tuple[Intent, ...] = (Intent.SCORE,)
INTENTS: tuple[Intent, ...] = GUIDANCE + CONTROLS + ANSWERS
"""Every intent a cue can name, in priority order: when two could apply, the earlier one
wins. (:data:`Intent.SAFETY_CHECK` is not among them: no phrase names it; the router gives
it when its model is unsure whether an utterance is a plea.)"""
DOUBTS: tuple[Intent, ...] = (Intent.SAFETY_CHECK, Intent.SUGGEST)
"""What the router says when it is unsure: not a cue, one short line (a safety check, or
the offer of one guidance script). Counted apart from cues in every benchmark."""

SafetyKind = Literal["danger", "self_harm", "general"]
"""Which safety path a safety cue needs: danger from someone, danger to oneself, or unclear
("help", "I'm not safe", "emergency")."""

SLOTS: dict[str, str] = {
    "minutes": "int: a duration asked for (pause, more_time), 1..1440",
    "score": "int: a 0..10 answer (score)",
    "safety": "SafetyKind: which safety path (safety)",
    "discreet": "bool: safety without numbers read aloud, at low volume (safety)",
    "bedside": "bool: night-time variant asked for, e.g. \"I can't sleep\" (any guidance)",
    "away": "bool: the partner is away during a pause (chasing)",
    "script": "str: the script id to play, instead of a variant chosen for the intent "
              "(a button's configured script)",
    "toggle": "bool: a pause cue that ends the running pause instead (a button's double "
              "press)",
    "timer": "bool: the timer or pause named outright (stop): \"cancel the pause\" ends a "
             "running pause without asking",
    "suggested": "str: the guidance intent a suggestion offers (suggest)",
    "imminent": "bool: the danger is now: means in hand, something taken, violence under "
                "way (safety): the emergency number comes first",
}
"""Slot names an :class:`~voiceguide.router.IntentMatch` may carry, and what they mean."""
