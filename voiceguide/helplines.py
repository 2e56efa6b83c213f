"""Phone numbers for the safety scripts: an emergency number, a crisis line, a
domestic-violence line, with defaults per country and the first-run notice that says
which numbers are in use.

A line is written as its number, digits and spaces ("1 800 799 7233"), optionally followed
by a comma and a name ("116 123, the Samaritans"). :func:`voiceguide.spoken.for_the_ear`
reads the number digit by digit. Where no crisis line or domestic-violence line is known,
a script step that would name it is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PHONE = re.compile(r"^\+?\d[\d \-]*\d$")
"""A phone number as written: digits, with spaces or dashes between groups."""


@dataclass(frozen=True)
class Line:
    number: str
    """Digits as written, e.g. "1 800 799 7233"."""
    name: str = ""
    """What it is, e.g. "the National Domestic Violence Hotline"; may be empty."""

    @property
    def said(self) -> str:
        """The text a script says: "988, the Suicide and Crisis Lifeline, by call or text"."""
        return f"{self.number}, {self.name}" if self.name else self.number


@dataclass(frozen=True)
class Helplines:
    emergency: Line
    crisis: Line | None
    """Suicide and self-harm crisis line; None = none known (steps naming it are left out)."""
    dv: Line | None
    """Domestic-violence line; None = none known."""


def parse_line(text: str) -> Line | None:
    """ "116 123, the Samaritans" -> Line; "" -> None. Raises ValueError if no number leads."""
    text = text.strip()
    if not text:
        return None
    number, _, name = (part.strip() for part in text.partition(","))
    if not PHONE.match(number):
        raise ValueError(f"{text!r} does not start with a phone number")
    return Line(number, name)


COUNTRIES: dict[str, Helplines] = {
    # Sources for every number: see the README's safety section (checked when written).
    "US": Helplines(Line("911"),
                    Line("988", "the Suicide and Crisis Lifeline, by call or text"),
                    Line("1 800 799 7233", "the National Domestic Violence Hotline")),
    "CA": Helplines(Line("911"),
                    Line("988", "the Suicide Crisis Helpline, by call or text"),
                    None),  # domestic-violence lines are provincial: set session.dv_line
    "GB": Helplines(Line("999"),
                    Line("116 123", "the Samaritans, free at any hour"),
                    Line("0808 2000 247", "the National Domestic Abuse Helpline")),
    "IE": Helplines(Line("112"),
                    Line("116 123", "the Samaritans, free at any hour"),
                    Line("1800 341 900", "the Women's Aid helpline")),
    "AU": Helplines(Line("000"),
                    Line("13 11 14", "Lifeline"),
                    Line("1800 737 732", "the national family violence counselling line")),
    "NZ": Helplines(Line("111"),
                    Line("1737", "Need to Talk, by call or text"),
                    Line("0800 733 843", "the Women's Refuge crisis line")),
    # 112 works in every EU country; crisis and domestic-violence lines differ by country
    # (116 123 and 116 016 are reserved EU-wide but not answered everywhere): set them.
    "EU": Helplines(Line("112"), None, None),
}
ALIASES = {"UK": "GB"}


def country_code(text: str) -> str:
    """ "uk" -> "GB"; raises ValueError for a country without defaults."""
    code = ALIASES.get(text.strip().upper(), text.strip().upper())
    if code not in COUNTRIES:
        raise ValueError(f"no defaults for {text!r}")
    return code


def helplines(country: str, emergency: str | None = None, crisis: str | None = None,
              dv: str | None = None) -> Helplines:
    """The country's defaults, each replaced by a configured line where one is given
    (``""`` = none for the crisis and domestic-violence lines)."""
    base = COUNTRIES[country_code(country)]
    return Helplines(
        emergency=(parse_line(emergency) if emergency else None) or base.emergency,
        crisis=base.crisis if crisis is None else parse_line(crisis),
        dv=base.dv if dv is None else parse_line(dv))


def _parts(lines: Helplines) -> list[str]:
    parts = [f"emergency {lines.emergency.said}"]
    parts.append(f"crisis line {lines.crisis.said}" if lines.crisis else "no crisis line")
    parts.append(f"domestic-violence line {lines.dv.said}" if lines.dv
                 else "no domestic-violence line")
    return parts


def summary(lines: Helplines, country: str) -> str:
    """The country and the three numbers in one line (every `listen` start, `doctor`)."""
    return f"safety numbers ({country_code(country)}): {'; '.join(_parts(lines))}"


MISSING = {"crisis": ("crisis line", "session.crisis_line",
                      "self-harm scripts leave out the step that names a crisis line"),
           "dv": ("domestic-violence line", "session.dv_line",
                  "danger scripts leave out the step that names a support line")}
"""What a missing line means, and the setting that supplies it."""


def missing(lines: Helplines, country: str) -> list[tuple[str, str]]:
    """(problem, setting) for each line the scripts would want but have none for."""
    out = []
    for attr, (what, setting, effect) in MISSING.items():
        if getattr(lines, attr) is None:
            out.append((f"no {what} for {country_code(country)}: the {effect}", setting))
    return out


def notice(lines: Helplines, country: str, config: Path | str) -> str:
    """One line for the first run: which numbers the safety scripts say, and how to change
    them."""
    parts = _parts(lines)
    return (f"Safety numbers in use ({country_code(country)}): {'; '.join(parts)}. "
            f"To change them, set session.country ({', '.join(COUNTRIES)}) or "
            f"session.emergency_number, session.crisis_line and session.dv_line in {config}.")
