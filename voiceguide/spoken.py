"""Text written for the ear: times, phone numbers and counts as a person says them.

Every voice speaks what :func:`for_the_ear` returns, so "7:30" is "seven thirty" and
"988" is "nine eight eight" whichever engine renders it. The session writes times as
digits ("7:30", "19:30"); this module alone decides how they sound.
"""

from __future__ import annotations

import re
from datetime import datetime, time

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """0..999999 in words: 21 -> "twenty one", 1440 -> "one thousand four hundred forty"."""
    if n < 0:
        return "minus " + number_words(-n)
    if n < 20:
        return _UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens] + (f" {_UNITS[unit]}" if unit else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_UNITS[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    if n < 1_000_000:
        thousands, rest = divmod(n, 1000)
        return f"{number_words(thousands)} thousand" + (f" {number_words(rest)}" if rest else "")
    return " ".join(_UNITS[int(d)] for d in str(n))


def digits(number: str) -> str:
    """A phone number digit by digit, groups apart: "116 123" -> "one one six, one two three"."""
    groups = [g for g in re.split(r"[\s\-./]+", number.strip()) if g]
    spoken = [" ".join(_UNITS[int(c)] for c in g if c.isdigit()) for g in groups]
    return ", ".join(s for s in spoken if s)


def clock(when: datetime | time, h24: bool = False) -> str:
    """A clock time as said aloud: "seven thirty", "ten o'clock", "five past eight"
    (12-hour), or "nineteen thirty", "twenty hundred" (24-hour)."""
    hour, minute = when.hour, when.minute
    if h24:
        if minute == 0:
            return f"{number_words(hour)} hundred"
        return f"{number_words(hour)} {_minutes_after(minute)}"
    if minute == 0 and hour in (0, 12):
        return "midnight" if hour == 0 else "noon"
    h = number_words(hour % 12 or 12)
    if minute == 0:
        return f"{h} o'clock"
    if minute == 5:
        return f"five past {h}"
    return f"{h} {_minutes_after(minute)}"


def _minutes_after(minute: int) -> str:
    return f"oh {_UNITS[minute]}" if minute < 10 else number_words(minute)


def duration(minutes: int) -> str:
    """A length of time: "one minute", "twenty minutes", "an hour", "an hour and a half",
    "two hours and ten minutes"."""
    if minutes < 60:
        return "one minute" if minutes == 1 else f"{number_words(minutes)} minutes"
    hours, rest = divmod(minutes, 60)
    head = "an hour" if hours == 1 else f"{number_words(hours)} hours"
    if rest == 0:
        return head
    if rest == 30:
        return f"{head} and a half"
    return f"{head} and {duration(rest)}"


_TIME = re.compile(r"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])")
_COUNT = re.compile(
    r"(?<![\d:])(\d+)(\s+)(minutes?|hours?|seconds?|times|rounds|breaths|things?)\b", re.I)
_PHONE = re.compile(r"(?<![\w:])\d+(?:[ \-]\d+)*(?![\w:])")


def for_the_ear(text: str) -> str:
    """``text`` with every time, count and number written in words, ready for any voice.

    "Come back at 7:30" -> "Come back at seven thirty"; "call 911" -> "call nine one one";
    "20 minutes" -> "twenty minutes"; "1 minutes" -> "one minute". Numbers of three or
    more digits that are not counts are read digit by digit (they are phone numbers)."""

    def say_time(m: re.Match) -> str:
        hour, minute = int(m.group(1)), int(m.group(2))
        # "19:30" and "08:15" are 24-hour times; "7:30" is said the 12-hour way.
        h24 = hour > 12 or len(m.group(1)) == 2 and m.group(1).startswith("0")
        return clock(time(hour, minute), h24=h24)

    def say_count(m: re.Match) -> str:
        n, unit = int(m.group(1)), m.group(3)
        if unit.lower().rstrip("s") in ("minute", "hour", "second", "thing"):
            base = unit.rstrip("sS")
            unit = base if n == 1 else base + ("s" if unit.islower() else "S")
        return f"{number_words(n)}{m.group(2)}{unit}"

    def say_number(m: re.Match) -> str:
        raw = m.group(0)
        plain = raw.replace(" ", "").replace("-", "")
        if len(plain) >= 3 or raw != plain:
            return digits(raw)
        return number_words(int(plain))

    text = _TIME.sub(say_time, text)
    text = _COUNT.sub(say_count, text)
    return _PHONE.sub(say_number, text)
