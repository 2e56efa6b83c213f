"""Offers: the one question the session may have pending, and when it lapses.

A question ("shall I start the timer for 7:30?", "once more, or another tool?") waits
``offer_timeout`` seconds for a yes or no; an answer or a new cue takes it, the deadline
drops it. Only one is pending at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Mapping


class OfferKind(str, Enum):
    PAUSE = "pause"
    """Start the pause timer (for the return time just said)."""
    AGAIN = "again"
    """The same tool once more, or another one."""
    BRIDGE = "bridge"
    """Words to say before stepping away (after a withdrawing script)."""
    DISTRESS_BEFORE = "distress_before"
    """How strong, zero to ten, before grounding."""
    DISTRESS_AFTER = "distress_after"
    """How strong now, after grounding."""
    CANCEL_PAUSE = "cancel_pause"
    """End the running pause? (a bare "stop" with nothing playing)"""
    SUGGEST = "suggest"
    """Did you want this script? (the router was unsure a cue asked for it)"""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Offer:
    kind: OfferKind
    deadline: datetime
    intent: str = ""
    """The script intent the offer is about (again, distress)."""
    slots: Mapping = field(default_factory=dict)
    minutes: int = 0
    return_at: datetime | None = None
    """For a pause offer: the time that was said aloud, which the timer then keeps."""


class Offers:
    def __init__(self, timeout: float):
        self.timeout = timeout
        self.pending: Offer | None = None

    def make(self, kind: OfferKind, now: datetime, wait: float | None = None,
             **details) -> Offer:
        """Ask; the answer is awaited ``wait`` seconds (at most the configured timeout)."""
        wait = self.timeout if wait is None else min(wait, self.timeout)
        self.pending = Offer(kind, now + timedelta(seconds=wait), **details)
        return self.pending

    def take(self) -> Offer | None:
        """The pending offer, now answered (so no longer pending)."""
        offer, self.pending = self.pending, None
        return offer

    def expire(self, now: datetime) -> Offer | None:
        """The pending offer if its deadline has passed (it is dropped), else None."""
        if self.pending and now >= self.pending.deadline:
            return self.take()
        return None

    def clear(self) -> None:
        self.pending = None
