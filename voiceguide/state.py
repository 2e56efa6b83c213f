"""Small state files the session keeps between runs, in the platform state dir.

Only what a promise needs survives a restart: the pause's return time (and its length,
for "the 20 minutes are up"), the ids of the scripts used last (so the same words do not
come back at once), and a marker that the first-run notice was shown. Never what was
said. Each file is written atomically (a temporary file in the same folder, flushed, then
renamed over the old one), so a power cut leaves the old file or the new one, never half.

The session gets a :class:`StateStore`; tests pass a :class:`FileStore` on a temp dir or
a :class:`MemoryStore`.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class StateStore(Protocol):
    def read(self, name: str) -> dict | None:
        """The saved mapping, or None when there is none (or it is unreadable)."""

    def write(self, name: str, data: dict | None) -> None:
        """Save ``data`` under ``name``; None removes it."""


class MemoryStore:
    """State that lives as long as the process (``render``, tests)."""

    def __init__(self) -> None:
        self.data: dict[str, dict] = {}

    def read(self, name: str) -> dict | None:
        value = self.data.get(name)
        return dict(value) if value is not None else None

    def write(self, name: str, data: dict | None) -> None:
        if data is None:
            self.data.pop(name, None)
        else:
            self.data[name] = dict(data)


class FileStore:
    """One JSON file per name in ``folder``. A failing disk never stops the session: the
    problem is logged and the state is kept in memory for this run."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._fallback = MemoryStore()

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def read(self, name: str) -> dict | None:
        path = self.path(name)
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return self._fallback.read(name)
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable state file %s (%s)", path, exc)
            return self._fallback.read(name)
        return data if isinstance(data, dict) else None

    def write(self, name: str, data: dict | None) -> None:
        self._fallback.write(name, data)
        path = self.path(name)
        try:
            if data is None:
                path.unlink(missing_ok=True)
                return
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(data, f)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            _sync_folder(self.folder)
        except OSError as exc:
            log.warning("could not save %s (%s); it is kept until the program ends", path, exc)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the platform allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


FIRST_RUN = "first-run"


def first_run(store: StateStore) -> bool:
    """True exactly once per state dir: the first time this is asked."""
    if store.read(FIRST_RUN) is not None:
        return False
    store.write(FIRST_RUN, {"numbers_notice_shown": True})
    return True
