"""Text normalisation shared by the router and the recognizers.

Everything the router compares goes through :func:`normalize`: lower case, plain
apostrophes, no punctuation, contractions expanded, number words turned into digits,
and durations ("half an hour", "2 hours", "twenty mins") turned into ``<N> minutes``.

The words are a language's data (the ``[normalize]`` table of its ``_common.toml``): a
:class:`Normalizer` is built from them. The router builds one for its own language; the
module functions (:func:`normalize`, :func:`number_to_words`, ...) use the packaged
English one. What stays here is what no language changes: ``minutes`` is the token a
duration becomes (templates say ``{minutes} minutes``), and an hour is 60 of them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from ._compat import tomllib

MINUTES = "minutes"
"""The token every duration is written as, after its number ("half an hour" -> "30 minutes")."""
HOURS = "hours"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Numbers(_Strict):
    units: dict[str, int] = Field(default_factory=dict)
    """number words below ten ("zero" = 0 ... "nine" = 9)"""
    teens: dict[str, int] = Field(default_factory=dict)
    """the other number words below twenty"""
    tens: dict[str, int] = Field(default_factory=dict)
    """"twenty" = 20 ...: a word for 1..9 after one adds to it ("twenty five" -> 25)"""
    unspoken: list[str] = Field(default_factory=list)
    """number words read, but never offered to a recognizer grammar (a misspelling)"""


class ApostropheS(_Strict):
    suffix: str = "'s"
    read_as: str = ""
    """the word the suffix stands for before one of ``before`` ("the cycle's got us")"""
    before: list[str] = Field(default_factory=list)
    """before any other word the suffix is dropped ("the dog's bowl")"""


class TimeWords(_Strict):
    minutes: list[str] = Field(default_factory=list)
    """words for minutes after a number ("min", "minute")"""
    hours: list[str] = Field(default_factory=list)
    """words for hours after a number: "2 hours" -> "120 minutes" """
    spelled_out: list[str] = Field(default_factory=list)
    """minute words written "minutes" even without a number before them"""
    after_digits: dict[str, str] = Field(default_factory=dict)
    """a suffix written on digits -> the word it is split into ("20min" -> "20 minutes")"""


class Duration(_Strict):
    minutes: int
    said: list[str]
    """word sequences read as "<minutes> minutes" (the first that fits wins)"""


class NormalizeWords(_Strict):
    """``[normalize]`` in a language's ``_common.toml``."""
    contractions: dict[str, str] = Field(default_factory=dict)
    """a word, with or without its apostrophe -> the words it stands for"""
    homophones: dict[str, str] = Field(default_factory=dict)
    """a word a recognizer writes for a cue word that sounds the same -> that word"""
    numbers: Numbers = Field(default_factory=Numbers)
    apostrophe_s: ApostropheS = Field(default_factory=ApostropheS)
    time: TimeWords = Field(default_factory=TimeWords)
    durations: list[Duration] = Field(default_factory=list)
    """applied in this order ("an hour and a half" before "an hour")"""


_PUNCT = re.compile(r"[^\w\s']+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def tokens(text: str) -> list[str]:
    """Lower-case words with punctuation removed (apostrophes inside words kept)."""
    text = text.translate(_APOSTROPHES).lower()
    text = _PUNCT.sub(" ", text)
    return [t.strip("'") for t in text.split() if t.strip("'")]


class Normalizer:
    """:func:`normalize` in one language's words."""

    def __init__(self, words: NormalizeWords):
        self.contractions = {k: v.split() for k, v in words.contractions.items()}
        self.contraction_keys = frozenset(words.contractions)
        self.homophones = dict(words.homophones)
        n = words.numbers
        self.units = {**n.units, **n.teens}
        self.tens = dict(n.tens)
        unspoken = set(n.unspoken)
        self.number_words = {v: k for k, v in {**n.units, **n.teens}.items()
                             if k not in unspoken}
        self.number_words |= {v: k for k, v in n.tens.items() if k not in unspoken}
        s = words.apostrophe_s
        self.s_suffix, self.s_word, self.s_before = s.suffix, s.read_as, frozenset(s.before)
        t = words.time
        self.time_units = {w: MINUTES for w in t.minutes} | {w: HOURS for w in t.hours}
        self.spelled_out = frozenset(t.spelled_out)
        suffixes = sorted(t.after_digits, key=len, reverse=True)
        self.after_digits = dict(t.after_digits)
        self.digits_with_unit = re.compile(
            r"^(\d+)(" + "|".join(map(re.escape, suffixes)) + r")$") if suffixes else None
        self.durations = [
            (re.compile(r"\b(?:" + "|".join(map(re.escape, d.said)) + r")\b"),
             f"{d.minutes} {MINUTES}") for d in words.durations if d.said]

    def normalize(self, text: str) -> list[str]:
        """The canonical token list for ``text`` (see module docstring)."""
        return self._durations(self._numbers(self._expand(tokens(text))))

    def number_to_words(self, n: int) -> str:
        """0..99 as spoken words, for recognizer grammars (digits where the language's
        number words do not say it)."""
        if n in self.number_words:
            return self.number_words[n]
        tens, unit = divmod(n, 10)
        if tens * 10 in self.number_words and unit in self.number_words:
            return f"{self.number_words[tens * 10]} {self.number_words[unit]}"
        return str(n)

    def _expand(self, words: list[str]) -> list[str]:
        out: list[str] = []
        suffix = self.s_suffix
        for i, w in enumerate(words):
            if w.endswith(suffix) and w not in self.contraction_keys and len(w) > len(suffix):
                nxt = words[i + 1] if i + 1 < len(words) else ""
                stem = w[:-len(suffix)]
                out += [stem, self.s_word] if nxt in self.s_before else [stem]
                continue
            m = self.digits_with_unit.match(w) if self.digits_with_unit else None
            if m:
                out += [m.group(1), self.after_digits[m.group(2)]]
            else:
                w = self.homophones.get(w, w)
                said = self.contractions.get(w)
                out += w.split() if said is None else said
        return out

    def _numbers(self, words: list[str]) -> list[str]:
        """Turn runs of number words into digit tokens: 'twenty five' -> '25'."""
        out: list[str] = []
        i = 0
        while i < len(words):
            w = words[i]
            if w in self.tens:
                value = self.tens[w]
                unit = self.units.get(words[i + 1]) if i + 1 < len(words) else None
                if unit and unit < 10:
                    value += unit
                    i += 1
                out.append(str(value))
            elif w in self.units:
                out.append(str(self.units[w]))
            else:
                out.append(w)
            i += 1
        return out

    def _durations(self, words: list[str]) -> list[str]:
        """Rewrite durations as '<N> minutes'."""
        if self.durations:
            text = " ".join(words)
            for regex, minutes in self.durations:
                text = regex.sub(minutes, text)
            words = text.split()
        out: list[str] = []
        for w in words:
            unit = self.time_units.get(w)
            if unit and out and out[-1].isdigit():
                if unit == HOURS:
                    out[-1] = str(int(out[-1]) * 60)
                out.append(MINUTES)
            else:
                out.append(MINUTES if unit == MINUTES and w in self.spelled_out else w)
        return out


def load_normalize_words(language: str = "en") -> NormalizeWords:
    """The ``[normalize]`` table of a packaged language."""
    text = resources.files("voiceguide").joinpath("lang", language, "_common.toml").read_text(
        "utf-8")
    return NormalizeWords.model_validate(tomllib.loads(text).get("normalize", {}))


@lru_cache(maxsize=None)
def packaged_normalizer(language: str = "en") -> Normalizer:
    """The normalizer of a packaged language (English for the module functions)."""
    return Normalizer(load_normalize_words(language))


def normalize(text: str) -> list[str]:
    """The canonical token list for ``text`` in English (see module docstring)."""
    return packaged_normalizer().normalize(text)


def normalize_str(text: str) -> str:
    return " ".join(normalize(text))


def number_to_words(n: int) -> str:
    """0..99 as spoken English words, for recognizer grammars."""
    return packaged_normalizer().number_to_words(n)
