"""The system voice on Linux: one ``espeak-ng`` process per line.

A fresh process per line is what makes a changed rate apply to the very next line
(pyttsx3's espeak loop keeps one library instance whose rate can lag a line behind),
lets a hung render be killed, and leaves nothing on disk: audio comes back on a pipe.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import threading
from typing import Callable

import numpy as np

from ..audio import Audio
from ..errors import TTSError

log = logging.getLogger(__name__)

HEARD_PER_NOMINAL = 1.21
"""espeak-ng speaks about 21 % more words per minute than its ``-s`` value once the pauses
between clauses are counted (measured on a 47-word passage: -s 130/150/175 gave
155/181/215 words per minute heard); ``speech.rate`` is words per minute as heard."""
MIN_NOMINAL = 80
"""espeak-ng's slowest ``-s``; slower still is made with longer gaps between words."""


@functools.lru_cache(maxsize=None)
def _voices(binary: str) -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """(voice names, variant names, short names for messages), all lower case."""
    def table(arg: str) -> list[list[str]]:
        out = subprocess.run([binary, arg], capture_output=True, text=True, timeout=30).stdout
        return [line.split() for line in out.splitlines()[1:] if line.strip()]

    names: set[str] = set()
    short: list[str] = []
    for row in table("--voices"):
        if len(row) >= 5:
            lang, name, file = row[1], row[3], row[4]
            names.update({lang.lower(), name.lower(), file.lower(),
                          file.split("/")[-1].lower()})
            short.append(lang)
    variants = {row[4].split("/")[-1].lower() for row in table("--voices=variant") if len(row) >= 5}
    variants |= {row[3].lower() for row in table("--voices=variant") if len(row) >= 4}
    return frozenset(names), frozenset(variants), tuple(sorted(set(short)))


def check_voice(binary: str, voice: str) -> None:
    """Raise ``TTSError`` naming some real voices if espeak-ng has no ``voice`` (it would
    silently speak with its default one)."""
    names, variants, short = _voices(binary)
    base, _, variant = voice.lower().partition("+")
    if base in names and (not variant or variant in variants):
        return
    raise TTSError(f"no voice {voice!r} (some available: {', '.join(short[:12])}, ...; "
                   "see `espeak-ng --voices`)")


@functools.lru_cache(maxsize=None)
def version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    # "eSpeak NG text-to-speech: 1.51  Data at: ..."
    return out.split(":", 1)[1].split()[0] if ":" in out else out.strip()


def nominal_speed(wpm: float) -> tuple[int, int]:
    """(``-s`` value, ``-g`` word gap in 10 ms units) that give ``wpm`` words per minute."""
    nominal = wpm / HEARD_PER_NOMINAL
    if nominal >= MIN_NOMINAL:
        return int(round(min(nominal, 450))), 0
    # Below espeak's floor: speak at the floor and stretch the gaps between words.
    per_word_floor = 60 / (MIN_NOMINAL * HEARD_PER_NOMINAL)
    gap = 60 / wpm - per_word_floor
    return MIN_NOMINAL, int(round(gap * 100))


def parse_stdout_wav(data: bytes) -> Audio:
    """espeak-ng's ``--stdout``: a 44-byte WAV header whose sizes are not filled in
    (it streams), then 16-bit mono PCM."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise TTSError("espeak-ng gave no audio")
    rate = int.from_bytes(data[24:28], "little")
    body = data[44:len(data) - (len(data) - 44) % 2]
    return Audio.from_pcm16(body, rate)


class EspeakEngine:
    """``speech.engine = "pyttsx3"`` on Linux: espeak-ng, the voice pyttsx3 drives there."""

    name = "pyttsx3"
    in_process = False

    def __init__(self, voice: str | None = None, pitch: float = 1.0,
                 binary: str | None = None, limit: float = 60.0):
        self.voice = voice
        self.pitch = pitch
        self.binary = binary or shutil.which("espeak-ng") or "espeak-ng"
        self.limit = limit
        """Seconds after which a render is killed even if nobody gave up on it."""
        self.on_spawn: Callable[[int], None] | None = None
        """Called with each espeak-ng process id as it starts (the tests stop one)."""
        self._procs: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._loaded = False

    def identity(self) -> str:
        return (f"espeak-ng {self._version()}; voice {self.voice or 'default'}; "
                f"pitch {self.pitch:g}")

    def describe(self) -> str:
        return f"system voice espeak-ng {self.voice or 'default'}"

    def _version(self) -> str:
        try:
            return version(self.binary)
        except (OSError, subprocess.SubprocessError):
            return "missing"

    def load(self) -> None:
        if self._loaded:
            return
        if not shutil.which(self.binary):
            raise TTSError("espeak-ng is not installed (sudo apt install espeak-ng)")
        if self.voice:
            check_voice(self.binary, self.voice)
        self._loaded = True

    def render(self, text: str, wpm: float) -> Audio:
        self.load()
        speed, gap = nominal_speed(wpm)
        cmd = [self.binary, "--stdout", "-b", "1", "-s", str(speed),
               "-p", str(int(round(min(max(50 * self.pitch, 0), 99))))]
        if gap:
            cmd += ["-g", str(gap)]
        if self.voice:
            cmd += ["-v", self.voice]
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
        except OSError as exc:
            raise TTSError(f"espeak-ng could not start ({exc})") from None
        with self._lock:
            self._procs.add(proc)
        try:
            if self.on_spawn:
                self.on_spawn(proc.pid)
            out, err = proc.communicate(text.encode("utf-8"), timeout=self.limit)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise TTSError(f"espeak-ng hung for {self.limit:.0f} s and was stopped") from None
        finally:
            with self._lock:
                self._procs.discard(proc)
        if proc.returncode != 0:
            why = err.decode("utf-8", "replace").strip().splitlines()
            raise TTSError(f"espeak-ng failed ({why[-1] if why else f'exit {proc.returncode}'})")
        audio = parse_stdout_wav(out)
        if not len(audio.samples) or not np.any(audio.samples):
            raise TTSError(f"espeak-ng gave silence for {text[:40]!r}")
        return audio

    def abort(self) -> None:
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            log.info("stopping espeak-ng process %d", proc.pid)
            proc.kill()
