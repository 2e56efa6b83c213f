"""Clock arithmetic for promises: return times rounded up to five minutes, written as
digits ("7:30", "19:30"); :func:`voiceguide.spoken.for_the_ear` says them."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

ROUND_TO_MINUTES = 5


def round_up(when: datetime, step: int = ROUND_TO_MINUTES) -> datetime:
    """The next whole ``step`` minutes at or after ``when``: 19:01:10 -> 19:05."""
    base = when.replace(second=0, microsecond=0)
    if base < when:
        base += timedelta(minutes=1)
    return base + timedelta(minutes=-base.minute % step)


def return_time(now: datetime, minutes: int) -> datetime:
    """When a pause of ``minutes`` starting ``now`` ends, as it is promised aloud."""
    return round_up(now + timedelta(minutes=minutes))


def minutes_until(now: datetime, when: datetime) -> int:
    """Whole minutes from ``now`` to ``when``, rounded up (at least 1)."""
    return max(1, math.ceil((when - now).total_seconds() / 60))


def duration(minutes: int) -> str:
    """A length as said: under an hour in minutes ("20 minutes", "1 minute"), from an
    hour on in hours ("an hour", "an hour and a half", "2 hours and 10 minutes")."""
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    if rest == 30:
        return "an hour and a half" if hours == 1 else f"{hours} and a half hours"
    head = "an hour" if hours == 1 else f"{hours} hours"
    return head if rest == 0 else f"{head} and {duration(rest)}"


def clock_time(when: datetime, h24: bool = False) -> str:
    """A time written the way it is said: "7:30" (12-hour) or "19:30" (24-hour).
    Midnight on a 12-hour clock is written "midnight" ("12:00" would be said as noon)."""
    if h24:
        return f"{when.hour}:{when.minute:02d}"
    if when.hour == 0 and when.minute == 0:
        return "midnight"
    return f"{(when.hour % 12) or 12}:{when.minute:02d}"
