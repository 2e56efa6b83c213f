"""What the session asks the runner to do next: say something, keep silent, or show a line
on screen without saying it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Speak:
    text: str
    """Written as for the eye ("come back at 7:30"); voices speak ``for_the_ear(text)``."""
    rate: float = 1.0
    """Multiplier on the configured speaking rate."""
    volume: float = 1.0
    """Multiplier on the configured volume (0..1 of it)."""
    span: float = 0.0
    """Seconds this action takes from its start, speech included (a breathing count)."""
    script_id: str | None = None
    """The script this line belongs to; None for the session's own lines."""


@dataclass(frozen=True)
class Silence:
    seconds: float


@dataclass(frozen=True)
class Show:
    """A line for the screen only: in discreet safety, the numbers are shown, not said."""

    text: str
    script_id: str | None = None


Action = Speak | Silence | Show
