"""Cue templates: a tiny pattern language over normalized words.

Syntax (shared with the recognizer phrase lists):

* ``(a|b)`` one of, ``[a]`` optional, words separated by spaces;
* ``<NAME>`` a macro from the cue table's ``[macros]`` (itself a template);
* ``{minutes}`` a number of minutes (durations are "<N> minutes" after normalization,
  so a template says "{minutes} minutes"; "take {minutes}" is "take five");
  ``{score}`` a number 0..10;
* ``*`` any one word.

:func:`expand` lists every string a macro-free template stands for (for grammars);
:func:`compile_template` turns any template into a regular expression over the
space-joined words of an utterance, each word followed by one space.
"""

from __future__ import annotations

import re
from typing import Mapping

from ..errors import CueError

SLOT_REGEX = {
    "minutes": r"(?P<minutes>\d+) ",
    "score": r"(?P<score>\d+) ",
}
_TOKEN = re.compile(r"\s*(\(|\)|\[|\]|\||<\w+>|\{\w+\}|\*|[^\s()\[\]|<>{}*]+)")


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
    return {t for t in _lex(template) if t[0] not in "()[]|<{*"}


def _lex(template: str) -> list[str]:
    out, pos = [], 0
    template = template.strip()
    while pos < len(template):
        m = _TOKEN.match(template, pos)
        if not m:
            raise CueError(f"cannot read template {template!r} at {template[pos:]!r}")
        out.append(m.group(1))
        pos = m.end()
    return out


def _words(literal: str) -> list[str]:
    """A template word as the router sees text: "one" -> "1", "i'm" -> "i am"."""
    from ..text import normalize
    return normalize(literal) or [literal]


def compile_template(template: str, macros: Mapping[str, str] | None = None,
                     _depth: int = 0) -> str:
    """The regular expression (no anchors) for ``template``; see the module docstring."""
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
            if t in ("(", "["):
                inner = seq(")" if t == "(" else "]")
                alternatives[-1] += f"(?:{inner})" + ("?" if t == "[" else "")
            elif t == closer:
                return "|".join(alternatives)
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
                alternatives[-1] += f"(?:{compile_template(macros[name], macros, _depth + 1)})"
            elif t.startswith("{"):
                name = t[1:-1]
                if name not in SLOT_REGEX:
                    raise CueError(f"unknown slot {t} in template {template!r}")
                # Named groups may appear once per regex: later copies are plain groups.
                alternatives[-1] += SLOT_REGEX[name]
            elif t == "*":
                alternatives[-1] += r"\S+ "
            else:
                alternatives[-1] += "".join(re.escape(w) + " " for w in _words(t))
        if closer is not None:
            raise CueError(f"missing {closer!r} in template {template!r}")
        return "|".join(alternatives)

    return seq(None)
