"""Cue templates: a tiny pattern language over normalized words.

Syntax (shared with the recognizer phrase lists):

* ``(a|b)`` one of, ``[a]`` optional, words separated by spaces;
* ``<NAME>`` a macro from the cue table's ``[macros]`` (itself a template);
* ``{minutes}`` a number of minutes (durations are "<N> minutes" after normalization,
  so a template says "{minutes} minutes"; "take {minutes}" is "take five");
  ``{score}`` a number 0..10;
* ``*`` any one word, ``**`` any number of words (as few as possible);
* ``~`` up to six words of the speaker's own clause: none of them a negation, another
  person or thing (he, she, it, you, the, his, ...) or "is"/"are", so "i ~ overwhelmed"
  takes "i find i am quite overwhelmed" but not "i am not overwhelmed" or "i think the
  dog is overwhelmed" (a concept said in the first person);
* ``!(a|b)`` not followed by a or b ("push me !(to)": not "pushing me to talk").

:func:`expand` lists every string a macro-free template stands for (for grammars);
:func:`compile_template` turns any template into a regular expression over the words of
an utterance encoded one character per word (:class:`Vocab`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterable, Mapping

from ..errors import CueError

SLOTS = ("minutes", "score")

class Vocab:
    """Words <-> single characters: a template compiles to a regex over one character per
    word, which Python's regex parser reads several times faster than the words spelled
    out, and which cannot match inside a word. Every number is one character (NUMBER);
    a word no template uses is OTHER (matched only by ``*`` and ``**``).

    A vocabulary belongs to one language's table: ``normalize`` reads a template's words
    the way that language's text is read ("one" -> "1", "i'm" -> "i am"), and
    ``gap_stops`` are the words a ``~`` gap may not hold."""

    OTHER = "\U000F0000"
    NUMBER = "\U000F0001"

    def __init__(self, normalize: Callable[[str], list[str]] | None = None,
                 gap_stops: Iterable[str] = ()) -> None:
        self._char: dict[str, str] = {}
        self._word: dict[str, str] = {}
        if normalize is None:
            from ..text import normalize
        self._normalize = normalize
        self._literals: dict[str, tuple[str, ...]] = {}
        self.gap_stops = tuple(gap_stops)
        self._gap: str | None = None
        self.macros: dict[int, dict[str, str]] = {}
        """compiled macros, by the macro table they came from (see :func:`_macro`)"""

    def char(self, word: str) -> str:
        if word.isdigit():
            return self.NUMBER
        c = self._char.get(word)
        if c is None:
            n = len(self._char)
            # Supplementary private-use characters: Python's regex compiler keeps sets of
            # them as plain lists instead of building a 64 KiB bitmap for each set.
            c = chr(0xF0002 + n)
            self._char[word] = c
            self._word[c] = word
        return c

    def encode(self, words) -> str:
        get = self._char.get
        return "".join(self.NUMBER if w.isdigit() else get(w, self.OTHER) for w in words)

    def __len__(self) -> int:
        return len(self._char)

    def literal(self, word: str) -> tuple[str, ...]:
        """A template word as the router sees text: "one" -> "1", "i'm" -> "i am"."""
        words = self._literals.get(word)
        if words is None:
            words = self._literals[word] = tuple(self._normalize(word)) or (word,)
        return words

    def gap(self) -> str:
        """The regex of a ``~`` gap: up to six words, none of them a gap stop."""
        if self._gap is None:
            stops = "".join(sorted({self.char(w) for w in self.gap_stops}))
            self._gap = f"[^{stops}]{{0,6}}?" if stops else ".{0,6}?"
        return self._gap
_TOKEN = re.compile(r"\s*(\(|\)|\[|\]|\||!\(|<\w+>|\{\w+\}|\*\*|\*|~|[^\s()\[\]|<>{}*!~]+)")
_LITERAL = re.compile(r"^[a-z0-9']+$")


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


def template_words(template: str) -> set[str]:
    """The literal words a template uses (macros, slots and brackets left out)."""
    return {t for t in _lex(template) if t[0] not in "()[]|<{*!~"}


@lru_cache(maxsize=None)
def _lex(template: str) -> list[str]:
    tokens = _TOKEN.findall(template)
    if "".join(tokens) != "".join(template.split()):
        raise CueError(f"cannot read template {template!r}")
    return tokens


def _macro(name: str, macros: Mapping[str, str], vocab: Vocab, depth: int) -> str:
    # Kept with the vocabulary it was compiled for: a cache keyed by id() outlived its
    # tables, and a later table could get the same ids.
    cache = vocab.macros.setdefault(id(macros), {})
    if name not in cache:
        cache[name] = compile_template(macros[name], vocab, macros, depth + 1)
    return cache[name]


def compile_template(template: str, vocab: Vocab, macros: Mapping[str, str] | None = None,
                     _depth: int = 0) -> str:
    """The regular expression (no anchors) for ``template`` over ``vocab``-encoded words."""
    if _depth > 8:
        raise CueError(f"macros nest too deeply in {template!r}")
    macros = macros or {}
    tokens = _lex(template)
    pos = 0

    def seq(closer: str | None) -> str:
        nonlocal pos
        alternatives: list[str] = [""]
        while pos < len(tokens):
            t = tokens[pos]
            pos += 1
            if t in ("(", "[", "!("):
                inner = seq("]" if t == "[" else ")")
                if t == "!(":
                    alternatives[-1] += f"(?!{inner})"
                else:
                    alternatives[-1] += f"(?:{inner})" + ("?" if t == "[" else "")
            elif t == closer:
                return _join(alternatives)
            elif t == "|":
                if closer is None:
                    raise CueError(f"'|' outside brackets in template {template!r}")
                alternatives.append("")
            elif t in (")", "]"):
                raise CueError(f"unbalanced {t!r} in template {template!r}")
            elif t.startswith("<"):
                name = t[1:-1]
                if name not in macros:
                    raise CueError(f"unknown macro {t} in template {template!r}")
                alternatives[-1] += f"(?:{_macro(name, macros, vocab, _depth)})"
            elif t.startswith("{"):
                name = t[1:-1]
                if name not in SLOTS:
                    raise CueError(f"unknown slot {t} in template {template!r}")
                alternatives[-1] += f"(?P<{name}>{Vocab.NUMBER})"
            elif t == "**":
                alternatives[-1] += ".*?"
            elif t == "~":
                alternatives[-1] += vocab.gap()
            elif t == "*":
                alternatives[-1] += "."
            elif not _LITERAL.match(t):
                raise CueError(f"unexpected {t!r} in template {template!r}")
            else:
                alternatives[-1] += "".join(vocab.char(w) for w in vocab.literal(t))
        if closer is not None:
            raise CueError(f"missing {closer!r} in template {template!r}")
        return _join(alternatives)

    return seq(None)


def _join(alternatives: list[str]) -> str:
    """Alternatives as a regex; single words become one character class, which Python's
    regex parser reads far faster than a long alternation."""
    singles = sorted({a for a in alternatives if len(a) == 1 and a >= Vocab.OTHER})
    others = list(dict.fromkeys(a for a in alternatives if a not in singles))
    if len(singles) > 1:
        return "|".join(["[" + "".join(singles) + "]", *others])
    return "|".join(singles + others)
