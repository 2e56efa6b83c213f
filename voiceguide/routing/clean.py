"""From raw text to what the templates are matched against: clauses of cleaned words.

Steps, each recorded for ``route --explain``:

1. split on punctuation (Whisper writes it; Vosk and PocketSphinx do not);
2. normalize each piece (:class:`voiceguide.text.Normalizer`), read recognizer spellings
   (:mod:`.spellings`) and the language's rewrites;
3. split on a conjunction that starts a new clause ("..., and I need space") and before
   a new "I"/"we" in run-on text ("i'm flooded i need a break");
4. per clause: drop repeated words ("i am i am so flooded", "stop stop"), stutter
   fragments ("fl flooded") and filler words anywhere ("um", "honestly", "like", "just");
   then, as a further variant, filler words at the edges ("okay", "now", "again").

The words for each step are the language's (``_common.toml``: fillers, rewrites,
subjectless, and the ``[clauses]``, ``[cleaning]`` and ``[spellings]`` lists).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Iterable, Sequence

from ..errors import CueError
from ..text import Normalizer
from .spellings import RecognizerSpellings

if TYPE_CHECKING:
    from .table import CommonFile

_PIECES = re.compile(r"[.,;:!?\u2014\u2013\u2026]+|\s-\s|\"")


@dataclass(frozen=True)
class Clause:
    words: tuple[str, ...]
    """normalized words of the clause"""
    cleaned: tuple[str, ...]
    """repeats, stutters and fillers dropped"""
    trimmed: tuple[str, ...]
    """``cleaned`` with edge fillers dropped too"""
    subject: tuple[str, ...] = ()
    """``trimmed`` with the subject it was said without ("need to breathe" ->
    "i need to breathe"), or empty"""
    subject_full: tuple[str, ...] = ()
    """``cleaned`` with the subject put back (searched for safety), or empty"""
    dropped: tuple[str, ...] = ()
    """what cleaning removed, for explanations"""
    filler_only: bool = False
    """nothing but fillers ("okay", "um", "sorry")"""
    is_whole: bool = False
    """the whole utterance (whole-only templates apply)"""
    head: tuple[str, ...] = ()
    """``trimmed`` cut before a word that starts a tail ("i need to ground myself before
    i say something" -> "i need to ground myself"), or empty"""
    subject_head: tuple[str, ...] = ()
    """``subject`` cut the same way, or empty"""

    def variants(self, head: bool = True) -> list[tuple[str, ...]]:
        """Distinct word sequences to match, most literal first; ``head``: also the clause
        cut before a word that starts a tail ("... before i say something")."""
        out: list[tuple[str, ...]] = []
        for w in (self.words, self.cleaned, self.trimmed, self.head if head else (),
                  self.subject, self.subject_head if head else (), self.subject_full):
            if w and w not in out:
                out.append(w)
        return out


@dataclass(frozen=True)
class Utterance:
    text: str
    words: tuple[str, ...]
    clauses: tuple[Clause, ...]
    whole: Clause
    """the whole utterance as one clause"""
    notes: tuple[str, ...] = field(default=())

    def all_strings(self) -> list[tuple[str, ...]]:
        """Whole-utterance word sequences for anywhere-searches (safety, slots)."""
        out: list[tuple[str, ...]] = []
        for v in (self.words, self.whole.cleaned,
                  *(c.subject_full for c in self.clauses if c.subject_full)):
            if v and v not in out:
                out.append(v)
        return out


Phrases = dict[str, list[tuple[str, ...]]]
"""word sequences indexed by their first word, and by "$" + their last word"""


class Cleaner:
    """Text -> :class:`Utterance`, in one language's words."""

    def __init__(self, common: CommonFile, normalizer: Normalizer | None = None):
        self.normalize = (normalizer or Normalizer(common.normalize)).normalize
        self.spellings = RecognizerSpellings(common.spellings)
        fillers = common.fillers
        self.anywhere = self._phrases(fillers.anywhere)
        self.leading = self._phrases(fillers.leading)
        self.trailing = self._phrases(fillers.trailing)
        self.rewrites: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for src, dst in sorted(common.rewrites.items(), key=lambda kv: -len(kv[0].split())):
            sources = _alternatives(src)
            # "to (much|fast)" = "too (much|fast)": alternatives pair up in order
            targets = _alternatives(dst) if "(" in dst else [dst] * len(sources)
            if len(targets) != len(sources):
                raise CueError(f"rewrite {src!r} = {dst!r}: alternatives do not pair up")
            for variant, target in zip(sources, targets):
                key = tuple(self.normalize(variant))
                if key:
                    self.rewrites.setdefault(key[0], []).append(
                        (key, tuple(self.normalize(target))))
        self.subjectless = {tuple(prefix.split()): self._phrases(firsts)
                            for prefix, firsts in common.subjectless.items()}
        state = common.subjectless_state
        self.state_suffix, self.state_min = state.suffix, state.min_length
        self.state_prefix = tuple(state.prefix.split())
        self.not_states = frozenset(state.not_states)
        c = common.clauses
        self.conjunctions, self.starters = frozenset(c.conjunctions), frozenset(c.starters)
        self.split_before, self.no_split_after = frozenset(c.split_before), frozenset(
            c.no_split_after)
        self.starts = {k: frozenset(v) for k, v in c.starts.items()}
        self.subjects, self.determiners = frozenset(c.subjects), frozenset(c.determiners)
        self.not_after_determiner = frozenset(c.not_after_determiner)
        self.unfinished = frozenset(c.unfinished)
        self.tail_starters = frozenset(c.tail_starters)
        self.not_a_tail_after = {k: frozenset(v) for k, v in c.not_a_tail_after.items()}
        self.real_short_words = frozenset(common.cleaning.real_short_words)
        self.filler_kept_after = {k: frozenset(v)
                                  for k, v in common.cleaning.filler_kept_after.items()}

    def analyse(self, text: str) -> Utterance:
        notes: list[str] = []
        pieces = [self._rewrite(self.spellings.read(self.normalize(p), notes), notes)
                  for p in _PIECES.split(text)]
        pieces = self._merge_broken([p for p in pieces if p])
        words = tuple(w for p in pieces for w in p)
        clauses: list[tuple[str, ...]] = []
        for piece in pieces:
            for part in self._split_conjunctions(piece):
                clauses.extend(self._split_run_on(part))
        if len(clauses) > 1:
            notes.append("clauses: " + " | ".join(" ".join(c) for c in clauses))
        whole = self.clause(words)
        return Utterance(text=text, words=words,
                         clauses=tuple(self.clause(c) for c in clauses),
                         whole=replace(whole, is_whole=True), notes=tuple(notes))

    def clause(self, words: Sequence[str]) -> Clause:
        dropped: list[str] = []
        words = self.spellings.clause_start(list(words))
        cleaned = self._drop_fillers(list(words), self.anywhere, dropped)
        cleaned = (self.spellings.clause_start(self._drop_repeats(cleaned, dropped))
                   if cleaned else cleaned)
        trimmed = _trim(cleaned, self.leading, self.trailing, dropped)
        filler_only = not cleaned or not _trim(trimmed, self.leading, self.trailing, [],
                                               allow_empty=True)
        subject = self._subject(trimmed)
        return Clause(tuple(words), tuple(cleaned), tuple(trimmed), subject,
                      self._subject(cleaned), tuple(dropped), filler_only,
                      head=self._head(tuple(trimmed)), subject_head=self._head(subject))

    def plain(self, words: Sequence[str]) -> Clause:
        """``words`` as a clause as they are, with nothing cleaned (for explanations)."""
        words = tuple(words)
        return Clause(words, words, words, head=self._head(words))

    # ---- pieces and clauses ----
    def _rewrite(self, words: list[str], notes: list[str]) -> list[str]:
        """Word sequences said another way ("u" -> "you", "how i can" -> "how can i")."""
        if not self.rewrites:
            return words
        out: list[str] = []
        i = 0
        while i < len(words):
            for src, dst in self.rewrites.get(words[i], ()):
                if tuple(words[i:i + len(src)]) == src:
                    notes.append(f"read {' '.join(src)!r} as {' '.join(dst)!r}")
                    out.extend(dst)
                    i += len(src)
                    break
            else:
                out.append(words[i])
                i += 1
        return out

    def _merge_broken(self, pieces: list[list[str]]) -> list[list[str]]:
        """A piece ending on an unfinished word was cut by a comma mid-clause ("I, uh, I
        want to, like, fix it with her"): it joins the next piece."""
        out: list[list[str]] = []
        for p in pieces:
            if out and out[-1][-1] in self.unfinished:
                out[-1] = out[-1] + p
            else:
                out.append(list(p))
        return out

    def _split_conjunctions(self, words: list[str]) -> list[list[str]]:
        out: list[list[str]] = [[]]
        for i, w in enumerate(words):
            nxt = words[i + 1] if i + 1 < len(words) else None
            if w in self.conjunctions and out[-1] and nxt in self.starters:
                # "and then i ...": the clause starts after every joining word
                out.append([])
                continue
            if w in self.conjunctions and not out[-1] and len(out) > 1:
                continue
            out[-1].append(w)
        return [c for c in out if c]

    def _split_run_on(self, words: list[str]) -> list[tuple[str, ...]]:
        """Run-on text (no punctuation) starts a new clause before "i"/"we", and before a
        request or a state said of one's own head: "... my mind won't stop help me
        settle", "it's too much my head is empty", "we're in our cycle can we stop"."""
        out: list[list[str]] = [[]]
        starts, no_split_after = self.starts, self.no_split_after
        for i, w in enumerate(words):
            prev = words[i - 1] if i else None
            nxt = words[i + 1] if i + 1 < len(words) else None
            if (w in self.split_before and prev is not None and prev not in no_split_after
                    and prev not in self.split_before and len(out[-1]) >= 2
                    and i + 1 < len(words)):
                out.append([])
            elif (nxt in starts.get(w, ()) and prev is not None and prev not in no_split_after
                  and prev not in self.subjects and w not in starts.get(prev, ())
                  and prev != w
                  and not (w in self.not_after_determiner and i >= 2
                           and words[i - 2] in self.determiners)
                  and len(out[-1]) >= 2):
                out.append([])
            out[-1].append(w)
        return [tuple(c) for c in out if c]

    def _head(self, words: tuple[str, ...]) -> tuple[str, ...]:
        """A clause may run on past its cue: "i need to ground myself before i say
        something" is also tried as "i need to ground myself"."""
        for i, w in enumerate(words):
            if (i >= 2 and w in self.tail_starters
                    and words[i - 1] not in self.not_a_tail_after.get(w, ())):
                return words[:i]
        return ()

    # ---- cleaning ----
    def _phrases(self, items: Iterable[str]) -> Phrases:
        """Filler phrases indexed by first and by last word, longest first."""
        out = set()
        for item in items:
            for variant in _alternatives(item):
                toks = tuple(self.normalize(variant))
                if toks:
                    out.add(toks)
        index: Phrases = {}
        for toks in sorted(out, key=len, reverse=True):
            index.setdefault(toks[0], []).append(toks)
            index.setdefault("$" + toks[-1], []).append(toks)
        return index

    def _drop_fillers(self, words: list[str], fillers: Phrases,
                      dropped: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(words):
            w = words[i]
            if w in self.filler_kept_after:
                # "like": a filler, but a word after "would", "feel", "look", ...
                if out and out[-1] in self.filler_kept_after[w]:
                    out.append(w)
                else:
                    dropped.append(w)
                i += 1
                continue
            f = next((f for f in fillers.get(w, ()) if tuple(words[i:i + len(f)]) == f), None)
            if f:
                dropped.append(" ".join(f))
                i += len(f)
                continue
            out.append(w)
            i += 1
        return out

    def _drop_repeats(self, words: list[str], dropped: list[str]) -> list[str]:
        """'i am i am so flooded' -> 'i am so flooded'; 'fl flooded' -> 'flooded'."""
        out: list[str] = []
        for w in words:
            out.append(w)
            for n in (4, 3, 2, 1):
                if len(out) >= 2 * n and out[-n:] == out[-2 * n:-n]:
                    if n == 1 and out[-1].isdigit():
                        continue  # "5 4 3 2 1" and "2 2" stay
                    dropped.append(" ".join(out[-n:]))
                    del out[-n:]
                    break
        cleaned: list[str] = []
        for i, w in enumerate(out):
            nxt = out[i + 1] if i + 1 < len(out) else ""
            if (w not in self.real_short_words and len(w) < len(nxt) and nxt.startswith(w)
                    and len(w) <= 4 and not w.isdigit()):
                dropped.append(w)
                continue
            cleaned.append(w)
        return cleaned

    def _subject(self, words: list[str]) -> tuple[str, ...]:
        """The clause with the subject it was said without, or ()."""
        if not words:
            return ()
        for prefix, index in self.subjectless.items():
            for first in index.get(words[0], ()):
                if tuple(words[:len(first)]) == first and len(words) > len(first) - 1:
                    return prefix + tuple(words)
        first = words[0]
        if (self.state_suffix and first.endswith(self.state_suffix)
                and len(first) >= self.state_min and first not in self.not_states):
            # "lying awake again", "texting him nonstop": a state said without "i am"
            return self.state_prefix + tuple(words)
        return ()


def _alternatives(item: str) -> list[str]:
    from .templates import expand
    return expand(item) if any(c in item for c in "([") else [item]


def _trim(words: list[str], leading: Phrases, trailing: Phrases, dropped: list[str],
          allow_empty: bool = False) -> list[str]:
    w = list(words)
    keep = 0 if allow_empty else 1
    changed = True
    while changed and w:
        changed = False
        for f in leading.get(w[0], ()):
            if len(w) >= len(f) + keep and tuple(w[:len(f)]) == f:
                dropped.append(" ".join(f))
                w = w[len(f):]
                changed = True
                break
        for f in trailing.get("$" + w[-1], ()) if w else ():
            if len(w) >= len(f) + keep and tuple(w[-len(f):]) == f:
                dropped.append(" ".join(f))
                w = w[:-len(f)]
                changed = True
                break
    return w
