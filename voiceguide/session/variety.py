"""Variety: which variant of a script to use, so the same words do not come back soon.

The least recently used variant is chosen, so with four variants none of the last two (or
three) used comes back. The order of use is kept in a state file (script ids only), so it
holds across restarts.
"""

from __future__ import annotations

from typing import Sequence

from ..library import Script
from ..state import MemoryStore, StateStore

STATE_NAME = "recent"
KEEP = 12
"""Script ids remembered per intent."""


class Variety:
    def __init__(self, store: StateStore | None = None):
        self.store = store if store is not None else MemoryStore()
        self._recent: dict[str, list[str]] | None = None

    @property
    def recent(self) -> dict[str, list[str]]:
        if self._recent is None:
            data = self.store.read(STATE_NAME) or {}
            self._recent = {k: [str(i) for i in v] for k, v in data.items()
                            if isinstance(v, list)}
        return self._recent

    def pick(self, key: str, pool: Sequence[Script]) -> Script:
        """The variant in ``pool`` used longest ago (never used counts as oldest)."""
        used = self.recent.get(key, [])
        order = {sid: i for i, sid in enumerate(used)}  # later = used more recently
        script = min(pool, key=lambda s: (order.get(s.id, -1), s.id))
        self.recent[key] = [i for i in used if i != script.id][-(KEEP - 1):] + [script.id]
        self.store.write(STATE_NAME, self.recent)
        return script
