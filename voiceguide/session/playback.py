"""Playback: one script as a cursor over its steps, each step turned into actions.

A step is its line, then (if it has one) paced breathing counted softly, then its silence.

Each breathing phase is one soft line, "In two three four" or "And out two three four
five six", that spans exactly the phase's seconds: the words take what the voice needs and
silence fills the rest, so a slow voice or a fast one still breathes at the configured
pace, and the out-breath stays longer than the in-breath. The device hears itself, so the
counts are kept together: counting each number as its own line, one a second, gave the
recognizer isolated words it took for "stop" (8 times in 4 breathing scripts fed back to
it); commas between the counts split the slow bedside counts the same way (4 false cues in
the 10 breathing scripts); one line without commas, none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Mapping

from ..library import Prompts, Script, Step
from ..spoken import number_words
from .times import duration
from .actions import Action, Show, Silence, Speak

NUMBER_PLACEHOLDERS = frozenset({"emergency_number", "crisis_line", "crisis_lines", "dv_line"})
"""Placeholders that say a phone number (discreet mode shows these steps, never says them)."""
COUNT_VOLUME = 0.8
"""Breathing counts are said a little softer than the lines around them."""
RATE_RANGE = (0.5, 1.6)
VOLUME_RANGE = (0.1, 1.0)

_MINUTES = re.compile(r"\b(\d+) minutes\b")


def fill(text: str, values: Mapping[str, str | None]) -> str | None:
    """``text`` with its placeholders filled; None when a value it needs is missing (a line
    that is not configured). Lengths are said as a person says them: "1 minutes" becomes
    "1 minute", "90 minutes" "an hour and a half"."""
    try:
        filled = text.format_map(_Strict(values))
    except _Missing:
        return None
    return _MINUTES.sub(lambda m: duration(int(m.group(1))), filled)


class _Missing(Exception):
    pass


class _Strict(dict):
    """A value that is absent or None stops the fill."""

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise _Missing(key)
        return value


def says_a_number(text: str) -> bool:
    return any("{" + name + "}" in text for name in NUMBER_PLACEHOLDERS)


@dataclass(frozen=True)
class Style:
    """How a script is delivered: night mode and discreet safety change only this."""

    rate: float = 1.0
    volume: float = 1.0
    pause: float = 1.0
    """Multiplier on every silence between steps (longer at night)."""
    numbers: bool = True
    """False: steps that say a phone number are shown, not spoken (discreet safety with a
    screen someone watches)."""
    number_rate: float = 1.0
    """Multiplier on the rate for steps that say a phone number (discreet safety with no
    screen says them once, low and slow)."""

    def clamped(self) -> "Style":
        return replace(self, rate=min(max(self.rate, RATE_RANGE[0]), RATE_RANGE[1]),
                       number_rate=min(max(self.number_rate, 0.5), 1.0),
                       volume=min(max(self.volume, VOLUME_RANGE[0]), VOLUME_RANGE[1]))


class Playback:
    """Plays one script: ``next()`` gives its actions one at a time, None at the end."""

    def __init__(self, script: Script, values: Mapping[str, str | None], style: Style,
                 prompts: Prompts):
        self.script = script
        self.values = dict(values)
        self.style = style.clamped()
        self.prompts = prompts
        self.step = 0
        self.part = 0
        """Index into the current step's parts (line, breathing counts, silence)."""

    # ---- steering ----
    def repeat(self) -> None:
        """Back to the start of the current step (or the previous one, between steps)."""
        if self.part == 0 and self.step > 0:
            self.step -= 1
        self.part = 0

    def skip(self) -> None:
        self.step += 1
        self.part = 0

    def restyle(self, rate: float = 1.0, volume: float = 0.0) -> None:
        """Scale the rate by ``rate`` and shift the volume by ``volume`` from now on."""
        self.style = replace(self.style, rate=self.style.rate * rate,
                             volume=self.style.volume + volume).clamped()

    # ---- output ----
    def next(self) -> Action | None:
        while self.step < len(self.script.steps):
            parts = self._parts(self.script.steps[self.step])
            if self.part < len(parts):
                action = parts[self.part]
                self.part += 1
                return action
            self.skip()
        return None

    def _parts(self, step: Step) -> list[Action]:
        style, sid = self.style, self.script.id
        text = fill(step.text, self.values)
        if text is None:  # names a line that is not configured: leave the step out
            return []
        parts: list[Action] = []
        if says_a_number(step.text) and not style.numbers:
            parts.append(Show(text, sid))
        elif says_a_number(step.text):
            rate = max(RATE_RANGE[0], style.rate * style.number_rate)
            parts.append(Speak(text, rate, style.volume, script_id=sid))
        else:
            parts.append(Speak(text, style.rate, style.volume, script_id=sid))
        b = step.breathing
        if b:
            soft = style.volume * COUNT_VOLUME
            for _ in range(b.rounds):
                parts += _counts(self.prompts.breathe_in, b.inhale, style.rate, soft, sid)
                if b.hold:
                    parts += _counts(self.prompts.breathe_hold, b.hold, style.rate, soft, sid)
                parts += _counts(self.prompts.breathe_out, b.exhale, style.rate, soft, sid)
        if step.pause:
            slow = 1 / style.rate if style.rate < 1 else 1.0
            parts.append(Silence(step.pause * style.pause * slow))
        return parts


def _counts(first: str, seconds: float, rate: float, volume: float, sid: str) -> list[Speak]:
    """A breathing phase counted in one line that spans it: "In two three four" over a
    4 s in-breath (one count a second, rounded)."""
    n = max(1, round(seconds))
    words = [first] + [number_words(i) for i in range(2, n + 1)]
    return [Speak(" ".join(words), rate, volume, span=seconds, script_id=sid)]
