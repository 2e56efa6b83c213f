"""What each press asks the session for: an :class:`~voiceguide.router.IntentMatch`, the
same typed value a spoken cue gives, so the session needs no button of its own.

* short: ``button.short``, an intent or a script id (grounding by default);
* double: the pause with the default length, or its end when one runs
  (the ``toggle`` slot: the session knows whether a pause runs, the button does not);
* long: quiet safety (general, discreet: low volume, numbers shown and not read aloud,
  since the person who is a danger may be in the room).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError
from ..intents import Intent
from ..library import Library
from ..router import IntentMatch
from .presses import ButtonPress, PressKind

NOT_FOR_A_BUTTON = (Intent.SCORE, Intent.SAFETY_CHECK, Intent.SUGGEST)
"""Intents a press cannot stand for: a 0-10 answer needs its number; the safety check is
the router's doubt, not a request."""

DOUBLE = IntentMatch(Intent.PAUSE, 1.0, {"toggle": True})
LONG = IntentMatch(Intent.SAFETY, 1.0, {"safety": "general", "discreet": True})


@dataclass(frozen=True)
class PressCues:
    short: IntentMatch
    short_name: str
    """What a short press does, in words for the start line ("grounding",
    "the script grounding-five-senses")."""

    def cue(self, press: ButtonPress) -> IntentMatch:
        if press.kind is PressKind.LONG:
            return LONG
        if press.kind is PressKind.DOUBLE:
            return DOUBLE
        return self.short

    def summary(self, holds: bool = True) -> str:
        """What each press does, for the start line (``holds``: the source can be held)."""
        return (f"press = {self.short_name}, double press = start or end the pause"
                + (", hold 2 s = quiet safety" if holds else ""))


def press_cues(short: str, library: Library) -> PressCues:
    """The cues for ``button.short`` (an intent or a script id); a ConfigError naming the
    setting when it is neither."""
    try:
        intent = Intent(short)
    except ValueError:
        intent = None
    if intent is not None and intent not in NOT_FOR_A_BUTTON:
        return PressCues(IntentMatch(intent, 1.0, {}), intent.value.replace("_", " "))
    script = library.get(short)
    if script is not None and script.intent in Intent._value2member_map_:
        return PressCues(IntentMatch(Intent(script.intent), 1.0, {"script": script.id}),
                         f"the script {script.id}")
    raise ConfigError(f"button.short: {short!r} is not an intent or a script id; use an "
                      "intent such as \"grounding\", or a script id from `voiceguide scripts`")
