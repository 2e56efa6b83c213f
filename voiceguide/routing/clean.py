"""From raw text to what the templates are matched against: clauses of cleaned words.

Steps, each recorded for ``route --explain``:

1. split on punctuation (Whisper writes it; Vosk and PocketSphinx do not);
2. normalize each piece (:func:`voiceguide.text.normalize`);
3. split on a conjunction that starts a new clause ("..., and I need space") and before
   a new "I"/"we" in run-on text ("i'm flooded i need a break");
4. per clause: drop repeated words ("i am i am so flooded", "stop stop"), stutter
   fragments ("fl flooded") and filler words anywhere ("um", "honestly", "like", "just");
   then, as a further variant, filler words at the edges ("okay", "now", "again").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping, Sequence

from ..errors import CueError
from ..text import normalize

_PIECES = re.compile(r"[.,;:!?\u2014\u2013\u2026]+|\s-\s|\"")
_CONJUNCTIONS = {"and", "but", "so", "because", "cause", "then", "plus", "also"}
_CLAUSE_STARTERS = {
    "i", "we", "he", "she", "they", "my", "it", "this", "that", "you", "can", "could",
    "let", "now", "please", "help", "there", "everything", "our", "his", "her", "their",
}
# No run-on split after these: "i think i am", "he said i", "scared i will", "so i".
_NO_SPLIT_AFTER = {
    "feel", "felt", "feels", "think", "thought", "know", "knew", "say", "said", "says",
    "that", "like", "if", "when", "because", "as", "so", "and", "but", "or", "what", "how",
    "why", "where", "wish", "hope", "guess", "mean", "scared", "afraid", "worried",
    "terrified", "sure", "than", "until", "whether", "before", "after", "while", "since",
    "swear", "believe", "tell", "told", "realize", "realise", "see", "notice", "wonder",
    "bet", "suppose", "then", "hear", "heard", "whenever", "once", "frightened", "fear",
    "feeling", "thinking", "saying", "knowing", "cause", "maybe", "probably", "unless",
    "should", "could", "would", "can", "will", "do", "did", "does", "am", "was", "were",
    "is", "are", "not", "to", "me", "ok", "okay", "yes", "yeah", "no", "um", "uh", "well",
    "oh", "hey", "now", "you", "anyway", "honestly", "just", "really", "who", "which",
    "example", "instance", "say", "saying", "try", "with",
}
_SPLIT_PRONOUNS = {"i", "we"}
_REAL_SHORT_WORDS = {
    "i", "a", "we", "he", "me", "my", "no", "so", "to", "in", "on", "at", "it", "is", "us",
    "be", "do", "go", "or", "an", "as", "of", "up", "by", "if", "am", "oh", "ok",
}
_KEEP_LIKE_AFTER = {
    "would", "feel", "felt", "feels", "feeling", "look", "looks", "looked", "sound",
    "sounds", "seem", "seems", "something", "i", "you", "we", "they", "do", "not",
    "it", "more", "much", "anything", "nothing", "kind", "sort", "things",
}


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

    def variants(self, head: bool = True) -> list[tuple[str, ...]]:
        """Distinct word sequences to match, most literal first; ``head``: also the clause
        cut before a word that starts a tail ("... before i say something")."""
        out: list[tuple[str, ...]] = []
        for w in (self.words, self.cleaned, self.trimmed, _head(self.trimmed) if head else (),
                  self.subject, _head(self.subject) if head else (), self.subject_full):
            if w and w not in out:
                out.append(w)
        return out


# A clause may run on past its cue: "i need to ground myself before i say something".
_TAIL_STARTERS = {"before", "after", "because", "since", "when", "whenever", "while", "even",
                  "until", "unless", "though", "although", "cause", "and", "but", "or", "if",
                  "so", "cuz", "till", "every", "whatever"}


_PHRASAL = {"go", "going", "went", "run", "running", "ran", "chase", "chasing", "come",
            "came", "coming", "look", "looking", "take", "taking", "looked", "chased"}


def _head(words: tuple[str, ...]) -> tuple[str, ...]:
    for i, w in enumerate(words):
        if i >= 2 and w in _TAIL_STARTERS and not (w == "after" and words[i - 1] in _PHRASAL):
            return words[:i]
    return ()


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


class Cleaner:
    def __init__(self, anywhere: Iterable[str], leading: Iterable[str],
                 trailing: Iterable[str], rewrites: Mapping[str, str] | None = None,
                 subjectless: Mapping[str, Iterable[str]] | None = None):
        self.anywhere = _phrases(anywhere)
        self.leading = _phrases(leading)
        self.trailing = _phrases(trailing)
        self.rewrites: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for src, dst in sorted((rewrites or {}).items(), key=lambda kv: -len(kv[0].split())):
            sources = _alternatives(src)
            # "to (much|fast)" = "too (much|fast)": alternatives pair up in order
            targets = _alternatives(dst) if "(" in dst else [dst] * len(sources)
            if len(targets) != len(sources):
                raise CueError(f"rewrite {src!r} = {dst!r}: alternatives do not pair up")
            for variant, target in zip(sources, targets):
                key = tuple(normalize(variant))
                if key:
                    self.rewrites.setdefault(key[0], []).append((key, tuple(normalize(target))))
        self.subjectless = {name: _phrases(firsts)
                            for name, firsts in (subjectless or {}).items()}

    def analyse(self, text: str) -> Utterance:
        notes: list[str] = []
        pieces = [self._rewrite(recognizer_spellings(normalize(p), notes), notes)
                  for p in _PIECES.split(text)]
        pieces = _merge_broken([p for p in pieces if p])
        words = tuple(w for p in pieces for w in p)
        clauses: list[tuple[str, ...]] = []
        for piece in pieces:
            for part in _split_conjunctions(piece):
                clauses.extend(_split_run_on(part))
        if len(clauses) > 1:
            notes.append("clauses: " + " | ".join(" ".join(c) for c in clauses))
        whole = self.clause(words)
        return Utterance(text=text, words=words,
                         clauses=tuple(self.clause(c) for c in clauses),
                         whole=replace(whole, is_whole=True), notes=tuple(notes))

    def clause(self, words: Sequence[str]) -> Clause:
        dropped: list[str] = []
        words = _clause_start(list(words))
        cleaned = _drop_fillers(list(words), self.anywhere, dropped)
        cleaned = _clause_start(_drop_repeats(cleaned, dropped)) if cleaned else cleaned
        trimmed = _trim(cleaned, self.leading, self.trailing, dropped)
        filler_only = not cleaned or not _trim(trimmed, self.leading, self.trailing, [],
                                               allow_empty=True)
        return Clause(tuple(words), tuple(cleaned), tuple(trimmed), self._subject(trimmed),
                      self._subject(cleaned), tuple(dropped), filler_only)

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

    def _subject(self, words: list[str]) -> tuple[str, ...]:
        """The clause with the subject it was said without, or ()."""
        if not words:
            return ()
        for name, index in self.subjectless.items():
            for first in index.get(words[0], ()):
                if tuple(words[:len(first)]) == first and len(words) > len(first) - 1:
                    prefix = {"i_am": ("i", "am")}.get(name, (name,))
                    return prefix + tuple(words)
        first = words[0]
        if first.endswith("ing") and len(first) > 4 and first not in _ING_NOUNS:
            # "lying awake again", "texting him nonstop": a state said without "i am"
            return ("i", "am") + tuple(words)
        return ()


# A piece ending on one of these was cut by a comma mid-clause ("I, uh, I want to, like,
# fix it with her"): it joins the next piece.
_UNFINISHED = {"i", "to", "a", "the", "my", "and", "but", "or", "of",
               "for", "with", "want", "need", "so", "uh", "um", "like", "just", "an",
               "very", "really", "too", "feel", "feeling", "can", "could", "would", "will",
               "we", "at", "in", "on", "about"}


def _merge_broken(pieces: list[list[str]]) -> list[list[str]]:
    out: list[list[str]] = []
    for p in pieces:
        if out and out[-1][-1] in _UNFINISHED:
            out[-1] = out[-1] + p
        else:
            out.append(list(p))
    return out


def _phrases(items: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
    """Filler phrases indexed by first and by last word, longest first."""
    out = set()
    for item in items:
        for variant in _alternatives(item):
            toks = tuple(normalize(variant))
            if toks:
                out.add(toks)
    index: dict[str, list[tuple[str, ...]]] = {}
    for toks in sorted(out, key=len, reverse=True):
        index.setdefault(toks[0], []).append(toks)
        index.setdefault("$" + toks[-1], []).append(toks)
    return index


def _alternatives(item: str) -> list[str]:
    from .templates import expand
    return expand(item) if any(c in item for c in "([") else [item]


def _clause_start(words: list[str]) -> list[str]:
    """Recognizer spellings at the start of a clause: "were in our cycle" is "we are"."""
    if words[:1] == ["were"] and len(words) > 1 and words[1] not in ("you", "we", "they"):
        return ["we", "are"] + words[1:]
    return words


def _split_conjunctions(words: list[str]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        if w in _CONJUNCTIONS and out[-1] and nxt in _CLAUSE_STARTERS:
            # "and then i ...": the clause starts after every joining word
            out.append([])
            continue
        if w in _CONJUNCTIONS and not out[-1] and len(out) > 1:
            continue
        out[-1].append(w)
    return [c for c in out if c]


# Run-on text (no punctuation) also starts a new clause before a request or a state said
# of one's own head: "... my mind won't stop help me settle", "it's too much my head is
# empty", "we're in our cycle can we stop".
_STARTS = {
    "help": {"me", "us"}, "can": {"we", "you", "not"}, "could": {"we", "you"}, "let": {"us"},
    "please": {"help", "stop"}, "it": {"is"},
    "my": {"head", "mind", "brain", "heart", "chest", "body", "protector", "nervous",
           "thoughts"},
    "what": {"do", "can", "should", "is"}, "how": {"do", "can", "should", "to"},
    "which": {"part", "one"}, "start": {"it", "the", "a"},
    "do": {"not"},
    "he": {"is", "was", "has", "will", "just", "keeps"}, "she": {"is", "was", "has", "will", "just", "keeps"},
    "they": {"are", "were", "have", "will", "just", "keep"},
}
_DETERMINERS = {"my", "his", "her", "their", "our", "the", "a", "your", "an", "this", "that"}
_SUBJECTS = {"i", "we", "you", "he", "she", "they", "it", "that", "this", "who", "which",
             "there", "one", "people", "what", "why", "how", "where", "when"}


def _split_run_on(words: list[str]) -> list[tuple[str, ...]]:
    out: list[list[str]] = [[]]
    for i, w in enumerate(words):
        prev = words[i - 1] if i else None
        nxt = words[i + 1] if i + 1 < len(words) else None
        if (w in _SPLIT_PRONOUNS and prev is not None and prev not in _NO_SPLIT_AFTER
                and prev not in _SPLIT_PRONOUNS and len(out[-1]) >= 2
                and i + 1 < len(words)):
            out.append([])
        elif (nxt in _STARTS.get(w, ()) and prev is not None and prev not in _NO_SPLIT_AFTER
              and prev not in _SUBJECTS and w not in _STARTS.get(prev, ()) and prev != w
              and not (w in ("can", "do") and i >= 2 and words[i - 2] in _DETERMINERS)
              and len(out[-1]) >= 2):
            out.append([])
        out[-1].append(w)
    return [tuple(c) for c in out if c]


_ING_NOUNS = {"nothing", "something", "everything", "anything", "morning", "evening",
              "during", "wedding", "building", "ceiling", "feeling", "feelings", "meeting",
              "painting", "clothing", "setting", "ending", "beginning", "according",
              "including", "pudding", "thanksgiving", "wedding", "spring", "sibling",
              "being", "having", "doing", "saying", "nothing"}


# Contractions a recognizer writes without the apostrophe, where the bare word is also a
# word of its own: read as the contraction only before a word that fits.
_BARE = {"ill": ("i", "will"), "id": ("i", "would"), "hell": ("he", "will"),
         "shell": ("she", "will"), "hed": ("he", "would"), "shed": ("she", "would"),
         "well": ("we", "will"), "wed": ("we", "would")}
_BARE_BEFORE = {
    "ill": {"be", "try", "come", "go", "do", "call", "text", "take", "wait", "need", "stop",
            "leave", "just", "never", "not", "hurt", "kill", "die", "say", "get", "walk"},
    "id": {"rather", "like", "love", "say", "prefer", "give", "be", "never", "really",
           "just", "better"},
    "hell": {"do", "be", "hurt", "kill", "leave", "hit", "come", "think", "say", "find",
             "get", "go", "never", "not", "just", "really", "hear", "see", "know", "feel"},
    "well": {"be", "come", "talk", "try", "figure", "need", "get", "make", "work"},
}
# violence and threats said through a recognizer ("hell lay into me", "ill regret it")
_BARE_BEFORE["hell"] |= {"lay", "batter", "beat", "punch", "smash", "break", "snap", "lose",
                         "kick", "attack", "choke", "strangle", "stab", "shoot", "throw",
                         "grab", "push", "slap", "murder", "end", "make", "take", "use",
                         "wreck", "trash", "burn", "lock", "stop", "keep", "follow"}
_BARE_BEFORE["ill"] |= {"regret", "pay", "end", "make", "pack", "run", "hide", "lose",
                        "snap", "lock", "sleep", "stay", "be"}
_BARE_BEFORE["shell"] = _BARE_BEFORE["hell"]
_BARE_BEFORE["hed"] = _BARE_BEFORE["hell"] | {"kill", "hurt", "said", "rather"}
_BARE_BEFORE["shed"] = _BARE_BEFORE["hell"] - {"be"}
_BARE_BEFORE["wed"] = _BARE_BEFORE["id"]
_NO_APOSTROPHE = {
    "theres": ("there", "is"), "arent": ("are", "not"), "wasnt": ("was", "not"),
    "werent": ("were", "not"), "couldnt": ("could", "not"), "wouldnt": ("would", "not"),
    "shouldnt": ("should", "not"), "havent": ("have", "not"), "hasnt": ("has", "not"),
    "hadnt": ("had", "not"), "whos": ("who", "is"), "theyre": ("they", "are"),
    "theyve": ("they", "have"), "youve": ("you", "have"), "weve": ("we", "have"),
    "itll": ("it", "will"), "thatll": ("that", "will"), "aint": ("is", "not"),
    "hows": ("how", "is"), "wheres": ("where", "is"), "heres": ("here", "is"),
    "theyll": ("they", "will"), "youll": ("you", "will"), "youd": ("you", "would"),
}
# "protectors up", "heads spinning": a lost "'s" before a state.
_LOST_IS_STEMS = {"protector", "cycle", "pattern", "head", "mind", "brain", "heart", "chest",
                  "body", "part", "dance", "loop", "one", "exile", "critic"}
_LOST_IS_BEFORE = {"just", "so", "really", "totally", "completely", "up", "got", "spinning", "racing", "blank", "empty", "pounding", "back",
                   "here", "on", "running", "driving", "taking", "loud", "activated",
                   "triggered", "going", "not", "gone", "fried", "static", "mush", "done",
                   "happening", "starting", "in", "out", "online"}


# "babe were in our cycle", "i think were okay": "were" is "we're" after these words and
# before a state (not "they were in", "the kids were fine").
_WERE_AFTER = {"and", "but", "so", "think", "feel", "like", "now", "oh", "god", "ugh", "hey",
               "babe", "okay", "um", "uh", "because", "cause", "know", "guess", "seems",
               "look", "see", "again", "sure", "well", "yeah", "yes", "no", "honestly",
               "maybe", "right", "me", "tell", "hope", "lord", "bro", "man", "wow", "listen"}
_WERE_BEFORE = {"in", "on", "stuck", "caught", "doing", "going", "okay", "fine", "back",
                "both", "not", "spiraling", "spiralling", "looping", "always", "calm",
                "calmer", "getting", "having", "so", "really", "done", "totally", "all",
                "at", "fighting", "arguing", "cycling", "trapped", "taking", "about", "ready",
                "good", "alright", "um", "uh", "just", "still", "falling", "repeating",
                "talking", "literally", "definitely", "circling", "locked", "okay", "safe"}


def recognizer_spellings(words: list[str], notes: list[str] | None = None) -> list[str]:
    """Contractions written without their apostrophe ("theres", "id rather", "hell hurt
    me"), and a lost "'s" ("protectors up" -> "protector is up")."""
    out: list[str] = []
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w in _NO_APOSTROPHE:
            out.extend(_NO_APOSTROPHE[w])
        elif w in _BARE and nxt in _BARE_BEFORE.get(w, ()):
            if w == "well" and out:
                out.append(w)  # "as well", "oh well": only at the start
            else:
                out.extend(_BARE[w])
        elif (w == "were" and nxt in _WERE_BEFORE
              and (not out or out[-1] in _WERE_AFTER)):
            out.extend(("we", "are"))
        elif (w.endswith("s") and w[:-1] in _LOST_IS_STEMS and nxt in _LOST_IS_BEFORE):
            out.extend((w[:-1], "is"))
        else:
            out.append(w)
            continue
        if notes is not None:
            notes.append(f"read {w!r} as {' '.join(out[-2:])!r} (recognizer spelling)")
    return out


def _drop_fillers(words: list[str], fillers: dict[str, list[tuple[str, ...]]],
                  dropped: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w == "like":
            if out and out[-1] in _KEEP_LIKE_AFTER:
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


def _drop_repeats(words: list[str], dropped: list[str]) -> list[str]:
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
        if (w not in _REAL_SHORT_WORDS and len(w) < len(nxt) and nxt.startswith(w)
                and len(w) <= 4 and not w.isdigit()):
            dropped.append(w)
            continue
        cleaned.append(w)
    return cleaned


def _trim(words: list[str], leading: dict[str, list[tuple[str, ...]]],
          trailing: dict[str, list[tuple[str, ...]]], dropped: list[str],
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
