"""Rendered lines on disk, so a known line starts at once even before a model is loaded.

Layout: ``<root>/<identity hash>/<line hash>.wav`` (16-bit PCM at the engine's rate).
The identity is everything that changes the sound: the engine and its version, the voice
and its file digest, the pitch (see ``Engine.identity``); the line hash covers the words as
spoken (``for_the_ear``) and the pace. A change to any of them is a different file, so
nothing is ever played stale; folders of identities no longer in use are removed by
:meth:`DiskCache.prune`. Files are written under a temporary name and renamed, so a
reader never sees half a file and a killed writer leaves only a ``.part`` file that the
next start removes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
import time
import wave
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from ..audio import Audio, read_wav
from ..errors import AudioFormatError

log = logging.getLogger(__name__)

FORMAT = 1
"""Bumped when what is stored changes (trimming, levels): every old entry is then stale."""


@dataclass(frozen=True)
class CacheKey:
    identity: str
    """The engine's identity (see ``Engine.identity``)."""
    spoken: str
    """The words as spoken (after ``for_the_ear``)."""
    wpm: int
    """Words per minute as heard."""

    @property
    def folder(self) -> str:
        return hashlib.sha256(f"{FORMAT}\n{self.identity}".encode()).hexdigest()[:20]

    @property
    def file(self) -> str:
        return hashlib.sha256(f"{self.wpm}\n{self.spoken}".encode()).hexdigest()[:32] + ".wav"


class DiskCache:
    def __init__(self, root: Path | None, memory_items: int = 64):
        self.root = Path(root) if root is not None else None
        """None: keep lines in memory only (``speech.cache = false``)."""
        self._memory: OrderedDict[CacheKey, Audio] = OrderedDict()
        self._memory_items = memory_items
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self._clean_partials()

    def path(self, key: CacheKey) -> Path:
        return self.root / key.folder / key.file

    def get(self, key: CacheKey) -> Audio | None:
        with self._lock:
            audio = self._memory.get(key)
            if audio is not None:
                self._memory.move_to_end(key)
                self.hits += 1
                return audio
        if self.root is None:
            with self._lock:
                self.misses += 1
            return None
        path = self.path(key)
        try:
            audio = read_wav(path)
        except AudioFormatError:
            if path.exists():  # damaged (a full disk, a crash mid-write): render anew
                log.warning("damaged cache entry %s removed", path)
                path.unlink(missing_ok=True)
            with self._lock:
                self.misses += 1
            return None
        self._remember(key, audio)
        with self._lock:
            self.hits += 1
        return audio

    def __contains__(self, key: CacheKey) -> bool:
        return key in self._memory or (self.root is not None and self.path(key).is_file())

    def put(self, key: CacheKey, audio: Audio) -> Audio:
        """Keep ``audio``; returns it as stored (16-bit steps), which is what every later
        :meth:`get` returns too, so the first answer and the cached ones are identical."""
        pcm = audio.pcm16()
        audio = Audio.from_pcm16(pcm, audio.rate)
        self._remember(key, audio)
        if self.root is None:
            return audio
        path = self.path(key)
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            label = path.parent / "identity.txt"
            if not label.exists():
                label.write_text(key.identity + "\n", "utf-8")
            tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.part")
            with wave.open(str(tmp), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(audio.rate)
                w.writeframes(pcm)
            os.replace(tmp, path)
        except OSError as exc:  # a full or read-only disk: keep speaking, from memory
            log.warning("cannot write the voice cache in %s: %s", self.root, exc)
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        return audio

    def _remember(self, key: CacheKey, audio: Audio) -> None:
        with self._lock:
            self._memory[key] = audio
            self._memory.move_to_end(key)
            while len(self._memory) > self._memory_items:
                self._memory.popitem(last=False)

    def _clean_partials(self, older_than: float = 3600) -> None:
        if self.root is None or not self.root.is_dir():
            return
        now = time.time()
        for part in self.root.glob("*/*.part"):
            try:
                if now - part.stat().st_mtime > older_than:
                    part.unlink()
            except OSError:
                pass

    def prune(self, keep: set[str]) -> int:
        """Remove the folders of identities not in ``keep``; returns how many."""
        if self.root is None or not self.root.is_dir():
            return 0
        wanted = {CacheKey(identity, "", 0).folder for identity in keep}
        removed = 0
        for folder in self.root.iterdir():
            if folder.is_dir() and folder.name not in wanted:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def size(self) -> tuple[int, int]:
        """(files, bytes) on disk."""
        files = total = 0
        if self.root is not None and self.root.is_dir():
            for f in self.root.glob("*/*.wav"):
                files += 1
                total += f.stat().st_size
        return files, total
