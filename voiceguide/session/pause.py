"""The pause timer: one return time, kept in a state file so a restart keeps the promise.

Only the return time and the pause's length are saved (never what was said). After a
restart, a pause still running goes on; one whose time passed while the device was off
is reported once, gently, and forgotten.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..state import MemoryStore, StateStore
from .times import round_up

log = logging.getLogger(__name__)

STATE_NAME = "pause"
MAX_PAUSE = timedelta(hours=24)


@dataclass(frozen=True)
class Pause:
    return_at: datetime
    minutes: int
    """The length asked for (said in the return script: "the 20 minutes are up")."""


class PauseTimer:
    def __init__(self, store: StateStore | None = None):
        self.store = store if store is not None else MemoryStore()
        self.current: Pause | None = None

    def start(self, return_at: datetime, minutes: int) -> Pause:
        self.current = Pause(return_at, minutes)
        self._save()
        return self.current

    def extend(self, now: datetime, minutes: int) -> Pause:
        """Move the running pause's return time ``minutes`` later (rounded up, at most a
        day from now)."""
        assert self.current is not None
        later = round_up(self.current.return_at + timedelta(minutes=minutes))
        later = min(later, now + MAX_PAUSE)
        self.current = Pause(later, self.current.minutes + minutes)
        self._save()
        return self.current

    def cancel(self) -> Pause | None:
        cancelled, self.current = self.current, None
        if cancelled is not None:
            self.store.write(STATE_NAME, None)
        return cancelled

    def take_due(self, now: datetime) -> Pause | None:
        """The pause if its return time has come (it ends), else None."""
        if self.current and now >= self.current.return_at:
            return self.cancel()
        return None

    def restore(self, now: datetime) -> tuple[Pause | None, Pause | None]:
        """Read the saved pause: (still running, missed while off). At most one is set."""
        data = self.store.read(STATE_NAME)
        if not data:
            return None, None
        try:
            pause = Pause(datetime.fromisoformat(data["return_at"]), int(data["minutes"]))
            if pause.return_at.tzinfo is None:
                raise ValueError("no time zone")
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("ignoring a saved pause that cannot be read (%s)", exc)
            self.store.write(STATE_NAME, None)
            return None, None
        if pause.return_at > now:
            self.current = pause
            return pause, None
        self.store.write(STATE_NAME, None)
        return None, pause

    def _save(self) -> None:
        assert self.current is not None
        self.store.write(STATE_NAME, {"return_at": self.current.return_at.isoformat(),
                                      "minutes": self.current.minutes})
