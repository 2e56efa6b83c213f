"""From a button's edges (down, up, with their times) to presses: short, double, long.

Pure: times are passed in, so it is checked with made-up times. A long press is decided
the moment the button has been held for :data:`LONG_SECONDS` (not when it is let go: the
person asking for safety should not have to guess when to let go). A short press is
decided when :data:`DOUBLE_WITHIN` has passed after it without a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

LONG_SECONDS = 2.0
"""Held this long: a long press (quiet safety)."""
DOUBLE_WITHIN = 0.45
"""A second press starting this soon after the first was let go makes a double press."""


class PressKind(str, Enum):
    SHORT = "short"
    DOUBLE = "double"
    LONG = "long"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Edge:
    """The button went down or came up."""

    down: bool
    """True: pressed; False: let go."""
    at: float
    """Seconds on the source's clock (see :attr:`~voiceguide.button.sources.ButtonSource`)."""


@dataclass(frozen=True)
class ButtonPress:
    """One press, decided: what the person did with the button."""

    kind: PressKind
    at: float
    """When it was decided, on the source's clock."""


_EPS = 1e-6
"""Seconds of float rounding forgiven: ``deadline - up_at`` is not always ``double_within``
(with a large clock value, (t + 0.45) - t is 0.44999...): a press decided at its own
deadline must be decided."""


class PressDecoder:
    """Feed it edges and the time; it gives the presses they make."""

    def __init__(self, long_seconds: float = LONG_SECONDS, double_within: float = DOUBLE_WITHIN):
        self.long_seconds = long_seconds
        self.double_within = double_within
        self._down_at: float | None = None
        """When the button went down, while it is held (and not yet a long press)."""
        self._count = 0
        """Presses in the current group (1 or 2)."""
        self._up_at: float | None = None
        """When the first press of a group was let go (waiting for a second)."""
        self._held_long = False
        """The press held now was already given as long: its let-go means nothing."""

    @property
    def deadline(self) -> float | None:
        """When :meth:`due` will have something to give, if nothing else happens first."""
        if self._down_at is not None:
            return self._down_at + self.long_seconds
        if self._up_at is not None:
            return self._up_at + self.double_within
        return None

    def due(self, now: float) -> list[ButtonPress]:
        """Presses decided by time alone: a long hold, or no second press in time."""
        if self._down_at is not None and now - self._down_at >= self.long_seconds - _EPS:
            self._down_at = None
            self._up_at = None
            self._count = 0
            self._held_long = True
            return [ButtonPress(PressKind.LONG, now)]
        if self._up_at is not None and now - self._up_at >= self.double_within - _EPS:
            self._up_at = None
            self._count = 0
            return [ButtonPress(PressKind.SHORT, now)]
        return []

    def edge(self, edge: Edge) -> list[ButtonPress]:
        presses = self.due(edge.at)  # time passed before this edge decides first
        if edge.down:
            if self._down_at is None and not self._held_long:
                self._down_at = edge.at
                self._count += 1
                self._up_at = None
            return presses
        if self._held_long:  # letting go after a long press
            self._held_long = False
            return presses
        if self._down_at is None:  # an up without a down (opened while held)
            return presses
        self._down_at = None
        if self._count >= 2:
            self._count = 0
            return presses + [ButtonPress(PressKind.DOUBLE, edge.at)]
        self._up_at = edge.at
        return presses

    def tap(self, at: float) -> list[ButtonPress]:
        """A press with no length (Enter on an empty line): down and up at once."""
        return self.edge(Edge(True, at)) + self.edge(Edge(False, at))
