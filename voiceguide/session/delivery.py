"""How lines are delivered: night mode and discreet safety as styles, and the values filled
into a script's placeholders (return times as digits, phone lines as configured)."""

from __future__ import annotations

from datetime import datetime

from ..helplines import Helplines
from ..library import Script
from .playback import Style
from .times import clock_time

NIGHT = Style(rate=0.85, volume=0.6, pause=1.5)
"""Night mode on top of a daytime script (scripts written for bedside are left as they are):
slower, quieter, longer silences. Questions at the end are dropped elsewhere."""
DISCREET = Style(volume=0.35, numbers=False)
"""Quiet safety with a screen someone watches: low volume, and steps that say a phone
number are shown, not said."""
DISCREET_VOICE = Style(volume=0.35, number_rate=0.8)
"""Quiet safety where no screen is watched (a service, no terminal): a number shown there
reaches nobody, so each is said once, at the same low volume and slower."""


def script_style(script: Script, night: bool, base: Style, rate: float,
                 volume: float) -> Style:
    """The script's own rate and volume, the listener's adjustments (``rate``, ``volume``),
    ``base`` (discreet or not), then night mode. Safety keeps its pace and volume at night:
    quiet safety is asked for, not imposed."""
    r = base.rate * rate * script.rate
    v = base.volume * volume * script.volume
    pause = base.pause
    if night and not script.bedside and script.intent != "safety":
        r, v, pause = r * NIGHT.rate, v * NIGHT.volume, pause * NIGHT.pause
    return Style(r, v, pause, base.numbers, base.number_rate)


def line_style(night: bool, rate: float, volume: float) -> Style:
    """The session's own lines (confirmations, questions) at the current settings."""
    if night:
        return Style(rate * NIGHT.rate, volume * NIGHT.volume)
    return Style(rate, volume)


def values(helplines: Helplines, minutes: int, return_at: datetime | None,
           h24: bool) -> dict[str, str | None]:
    """Placeholder values; None for a line that is not configured (its step is left out)."""
    crisis = helplines.crisis.said if helplines.crisis else None
    filled: dict[str, str | None] = {
        "minutes": str(minutes),
        "emergency_number": helplines.emergency.said,
        "crisis_line": crisis,
        "crisis_lines": crisis,
        "dv_line": helplines.dv.said if helplines.dv else None,
    }
    if return_at is not None:
        filled["return_time"] = clock_time(return_at, h24)
    return filled
