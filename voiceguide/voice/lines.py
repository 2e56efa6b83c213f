"""Every line the device can say that is known before the moment comes.

Script steps, breathing cues and the session's prompts, each at its script's pace, with
the placeholders whose values come from the config filled in (the emergency number, the
crisis lines, the default pause length). Lines with a clock time in them cannot be
known ahead; they are rendered while the line before plays (``Voice.prepare``).
"""

from __future__ import annotations

import string
from typing import Iterator, Mapping

from ..library import Library, fill
from .chain import Line


def static_values(session_settings) -> dict[str, str]:
    """Placeholder values that come from the config alone, filled as the session fills
    them (a line whose number is not configured is never said, so it is left out)."""
    from ..session.delivery import values

    filled = values(session_settings.helplines(), session_settings.pause_minutes, None,
                    session_settings.clock_24h)
    return {name: value for name, value in filled.items() if value is not None}


def _filled(text: str, values: Mapping[str, str]) -> str | None:
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    if not names <= values.keys():
        return None
    return fill(text, dict(values))


def fixed_lines(library: Library, values: Mapping[str, str]) -> list[Line]:
    """Each distinct (text, rate) once; first lines of scripts first (they are needed
    first), then the rest."""
    firsts: list[Line] = []
    rest: list[Line] = []
    prompts = library.prompts
    breath = [prompts.breathe_in, prompts.breathe_hold, prompts.breathe_out]
    for script in sorted(library.scripts.values(), key=lambda s: s.id):
        for i, step in enumerate(script.steps):
            text = _filled(step.text, values)
            if text is not None:
                (firsts if i == 0 else rest).append(Line(text, script.rate))
            if step.breathing:
                rest.extend(Line(b, script.rate) for b in breath)
    for _, text in prompts.lines():
        filled = _filled(text, values)
        if filled is not None:
            rest.append(Line(filled, 1.0))
    return list(dict.fromkeys(firsts + rest))


def all_texts(library: Library, values: Mapping[str, str]) -> Iterator[str]:
    """Every line's words, placeholders filled where they can be (for the bench)."""
    for line in fixed_lines(library, values):
        yield line.text
