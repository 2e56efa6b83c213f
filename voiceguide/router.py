"""The intent router: typed or recognized text -> IntentMatch | None.

Pure code: no audio, no I/O beyond reading the packaged cue table once. The set is
closed: a whole utterance must be one of the cue phrases (after filler words at the
edges are dropped), so ordinary talk such as "the basement flooded" routes to nothing.
Safety phrases are searched for anywhere in an utterance and win over everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable, Mapping

from ._compat import tomllib
from .errors import CueError
from .intents import INTENTS, Intent
from .text import normalize, number_to_words


SLOT_RANGES = {"minutes": (1, 24 * 60), "score": (0, 10)}
# Durations a recognizer grammar offers for a {minutes} slot.
SPOKEN_MINUTES = (5, 10, 15, 20, 25, 30, 40, 45, 60, 90)
# Safety phrases this long or longer are found anywhere in an utterance; shorter ones
# ("emergency") only as the whole utterance, so "the emergency room bill" stays talk.
SAFETY_SUBSEQUENCE_MIN_WORDS = 3


@dataclass(frozen=True)
class IntentMatch:
    intent: Intent
    confidence: float
    """1.0 for an exact phrase, lower when fillers were dropped or clauses combined."""
    slots: Mapping[str, int | bool | str] = field(default_factory=dict)
    """e.g. {"minutes": 30} for a pause, {"score": 7}, {"bedside": True} (see intents.SLOTS)."""

    def as_dict(self) -> dict:
        return {"intent": self.intent.value, "confidence": round(self.confidence, 3),
                "slots": dict(self.slots)}


def expand(template: str) -> list[str]:
    """All strings a template stands for: (a|b) one of, [a] optional."""
    def parse(s: str, i: int, closer: str | None) -> tuple[list[str], int]:
        alternatives: list[list[str]] = [[""]]
        while i < len(s):
            c = s[i]
            if c in "([":
                inner, i = parse(s, i + 1, ")" if c == "(" else "]")
                if c == "[":
                    inner = inner + [""]
                alternatives[-1] = [a + b for a in alternatives[-1] for b in inner]
            elif c == closer:
                return [x for alt in alternatives for x in alt], i + 1
            elif c == "|":
                if closer is None:
                    raise CueError(f"'|' outside brackets in template {template!r}")
                alternatives.append([""])
                i += 1
                continue
            elif c in ")]":
                raise CueError(f"unbalanced {c!r} in template {template!r}")
            else:
                alternatives[-1] = [a + c for a in alternatives[-1]]
            if c not in "([":
                i += 1
        if closer is not None:
            raise CueError(f"missing {closer!r} in template {template!r}")
        return [x for alt in alternatives for x in alt], i

    out, _ = parse(template, 0, None)
    return sorted({" ".join(x.split()) for x in out if x.strip()})


_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class _Entry:
    intent: str
    slots: tuple[tuple[str, int], ...]
    """(slot name, token position) pairs."""
    literal_numbers: tuple[str, ...]
    """Numbers written into the phrase itself ("out of 10"), which must match exactly."""
    phrase: str


class Router:
    """Routes text to intents from a cue table (intent -> templates)."""

    def __init__(self, cues: Mapping[str, Iterable[str]],
                 leading: Iterable[str] = (), trailing: Iterable[str] = ()):
        self._table: dict[tuple[str, ...], _Entry] = {}
        self._safety: list[tuple[str, ...]] = []
        self._spoken: dict[str, list[str]] = {}
        for intent, templates in cues.items():
            if intent not in INTENTS:
                raise CueError(f"unknown intent {intent!r} in the cue table")
            intent = Intent(intent)
            for template in templates:
                for phrase in expand(template):
                    self._add(intent, phrase)
        self._leading = sorted((tuple(normalize(f)) for f in leading), key=len, reverse=True)
        self._trailing = sorted((tuple(normalize(f)) for f in trailing), key=len, reverse=True)
        self.fillers = sorted({f for f in [*leading, *trailing]})

    def _add(self, intent: str, phrase: str) -> None:
        slot_names = tuple(_SLOT.findall(phrase))
        for name in slot_names:
            if name not in SLOT_RANGES:
                raise CueError(f"unknown slot {{{name}}} in phrase {phrase!r}")
        marked = normalize(_SLOT.sub(lambda m: f" slot{m.group(1)} ", phrase))
        positions = tuple(i for i, t in enumerate(marked) if t.startswith("slot") and t[4:] in SLOT_RANGES)
        literal = tuple(t for t in marked if t.isdigit())
        key = tuple("#" if (i in positions or t.isdigit()) else t for i, t in enumerate(marked))
        other = self._table.get(key)
        if other and other.intent != intent:
            raise CueError(f"phrase {phrase!r} is a cue for both {other.intent} and {intent}")
        self._table[key] = _Entry(intent, tuple(zip(slot_names, positions)), literal, phrase)
        if intent == "safety":
            self._safety.append(key)
        self._spoken.setdefault(intent, []).extend(_spoken_forms(phrase))

    # ---- public API ----
    def route(self, text: str) -> IntentMatch | None:
        words = tuple(normalize(text))
        if not words:
            return None
        safety = self._find_safety(words)
        if safety:
            return safety
        match = self._match_whole(words)
        if match:
            return match
        return self._match_clauses(text)

    def phrases(self, intents: Iterable[str] | None = None) -> list[str]:
        """Every phrase (in spoken words) for the given intents; all when None."""
        wanted = INTENTS if intents is None else tuple(intents)
        return sorted({p for i in wanted for p in self._spoken.get(i, [])})

    def intents(self) -> list[str]:
        return [i for i in INTENTS if i in self._spoken]

    # ---- matching ----
    def _find_safety(self, words: tuple[str, ...]) -> IntentMatch | None:
        for key in self._safety:
            n = len(key)
            if key == words or (n >= SAFETY_SUBSEQUENCE_MIN_WORDS and any(
                    words[i:i + n] == key for i in range(len(words) - n + 1))):
                return IntentMatch(Intent.SAFETY, 1.0)
        return None

    def _lookup(self, words: tuple[str, ...]) -> IntentMatch | None:
        key = tuple("#" if w.isdigit() else w for w in words)
        entry = self._table.get(key)
        if entry is None:
            return None
        slot_positions = {pos for _, pos in entry.slots}
        literal = tuple(w for i, w in enumerate(words) if w.isdigit() and i not in slot_positions)
        if literal != entry.literal_numbers:
            return None
        slots: dict[str, int | bool] = {}
        for name, pos in entry.slots:
            value = int(words[pos])
            low, high = SLOT_RANGES[name]
            if not low <= value <= high:
                return None
            slots[name] = value
        if entry.intent == "grounding" and "sleep" in words:
            slots["bedside"] = True
        return IntentMatch(entry.intent, 1.0, slots)

    def _stripped(self, words: tuple[str, ...]) -> list[tuple[str, ...]]:
        """``words`` with filler words dropped from the front, the back, or both."""
        fronts = [words]
        while True:
            w = fronts[-1]
            f = next((f for f in self._leading if w[:len(f)] == f and len(w) > len(f)), None)
            if not f:
                break
            fronts.append(w[len(f):])
        out = []
        for w in fronts:
            out.append(w)
            while True:
                f = next((f for f in self._trailing if w[-len(f):] == f and len(w) > len(f)), None)
                if not f:
                    break
                w = w[:-len(f)]
                out.append(w)
        return out[1:]

    def _match_whole(self, words: tuple[str, ...]) -> IntentMatch | None:
        match = self._lookup(words)
        if match:
            return match
        for candidate in self._stripped(words):
            match = self._lookup(candidate)
            if match:
                return IntentMatch(match.intent, 0.9, match.slots)
        return None

    def _match_clauses(self, text: str) -> IntentMatch | None:
        """'I'm flooded, I need space.' -> every clause must be a cue; best one wins."""
        clauses = [c for c in re.split(r"[.,;!?]+|\band\b|\bbut\b", text) if normalize(c)]
        if len(clauses) < 2:
            return None
        matches = [self._match_whole(tuple(normalize(c))) for c in clauses]
        if not all(matches):
            return None
        best = min(matches, key=lambda m: INTENTS.index(m.intent))
        return IntentMatch(best.intent, 0.8, best.slots)


def _spoken_forms(phrase: str) -> list[str]:
    """A template phrase in words a recognizer can hear ({minutes} and {score} expanded)."""
    forms = [phrase]
    if re.search(r"\{minutes\} minutes \w", phrase):
        # Used as an adjective ("a {minutes} minutes break"): people say "a twenty minute break".
        forms = [phrase.replace("{minutes} minutes", f"{number_to_words(m)} minute")
                 for m in SPOKEN_MINUTES if m < 60]
    elif "{minutes} minutes" in phrase:
        spoken = [f"{number_to_words(m)} minutes" for m in SPOKEN_MINUTES if m < 60]
        spoken += ["half an hour", "an hour", "one hour", "an hour and a half", "two hours"]
        forms = [phrase.replace("{minutes} minutes", s) for s in spoken]
    elif "{minutes}" in phrase:
        forms = [phrase.replace("{minutes}", number_to_words(m))
                 for m in SPOKEN_MINUTES if m < 60]
    if "{score}" in phrase:
        forms = [f.replace("{score}", number_to_words(n)) for f in forms for n in range(11)]
        forms = [f.replace("out of 10", "out of ten") for f in forms]
    # People say "I'm" and "I am": offer the recognizer both the full and the short form.
    return sorted({g for f in forms for g in (_contract(f), _uncontract(f))})


_SPOKEN_CONTRACTIONS = {
    "i am": "i'm", "we are": "we're", "you are": "you're", "they are": "they're",
    "he is": "he's", "she is": "she's", "it is": "it's", "that is": "that's",
    "let us": "let's", "can not": "can't", "do not": "don't", "will not": "won't",
    "i have": "i've", "i will": "i'll", "i would": "i'd", "what is": "what's",
}


def _contract(phrase: str) -> str:
    out = f" {phrase} "
    for full, short in _SPOKEN_CONTRACTIONS.items():
        out = out.replace(f" {full} ", f" {short} ")
    return out.strip()


def _uncontract(phrase: str) -> str:
    out = f" {phrase} "
    for full, short in _SPOKEN_CONTRACTIONS.items():
        out = out.replace(f" {short} ", f" {full} ")
    return out.strip()


@lru_cache(maxsize=1)
def default_router() -> Router:
    """The router built from the packaged cue table (cached: built once per process)."""
    data = tomllib.loads(resources.files("voiceguide").joinpath("cues.toml").read_text("utf-8"))
    fillers = data.pop("fillers", {})
    cues = {intent: table["phrases"] for intent, table in data.items()}
    return Router(cues, fillers.get("leading", ()), fillers.get("trailing", ()))
