"""Canonical cue phrases in the words a recognizer hears (for grammar-based engines).

The words are the language's ``[spoken]`` table (:class:`.words.SpokenWords`) and its
number words; :func:`spoken_forms` and :func:`template_phrases` speak English.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from .templates import expand
from .words import SpokenWords

# Durations a recognizer grammar offers for a {minutes} slot.
SPOKEN_MINUTES = (5, 10, 15, 20, 25, 30, 40, 45, 60, 90)

_DIGITS = re.compile(r"\b\d\d?\b")


class Speaker:
    """Expanded phrases -> the forms a recognizer may hear them in."""

    def __init__(self, words: SpokenWords, number_to_words: Callable[[int], str]):
        self.words = words
        self.number = number_to_words
        self.contractions = list(words.contractions.items())

    def forms(self, phrase: str) -> list[str]:
        """One expanded phrase in words a recognizer can hear ({minutes}, {score} and
        digits spelled out), in its full and its contracted form."""
        w, number = self.words, self.number
        forms = [phrase]
        if re.search(r"\{minutes\} minutes \w", phrase):
            # Used as an adjective ("a {minutes} minutes break"): people say "a twenty
            # minute break".
            forms = [phrase.replace("{minutes} minutes", f"{number(m)} {w.minute}")
                     for m in SPOKEN_MINUTES if m < 60]
        elif "{minutes} minutes" in phrase:
            spoken = [f"{number(m)} {w.minutes}" for m in SPOKEN_MINUTES if m < 60]
            spoken += w.hours
            forms = [phrase.replace("{minutes} minutes", s) for s in spoken]
        elif "{minutes}" in phrase:
            forms = [phrase.replace("{minutes}", number(m)) for m in SPOKEN_MINUTES if m < 60]
        if "{score}" in phrase:
            forms = [f.replace("{score}", number(n)) for f in forms for n in range(11)]
        forms = [_DIGITS.sub(lambda m: number(int(m.group())), f) for f in forms]
        # People say "I'm" and "I am": offer the recognizer both the full and the short form.
        return sorted({g for f in forms for g in (self._contract(f), self._uncontract(f))})

    def _contract(self, phrase: str) -> str:
        out = f" {phrase} "
        for full, short in self.contractions:
            out = out.replace(f" {full} ", f" {short} ")
        return out.strip()

    def _uncontract(self, phrase: str) -> str:
        out = f" {phrase} "
        for full, short in self.contractions:
            out = out.replace(f" {short} ", f" {full} ")
        return out.strip()


@lru_cache(maxsize=None)
def _english() -> Speaker:
    from ..text import packaged_normalizer
    from .table import packaged_common
    return Speaker(packaged_common().spoken, packaged_normalizer().number_to_words)


def spoken_forms(phrase: str) -> list[str]:
    """One expanded phrase in English words a recognizer can hear."""
    return _english().forms(phrase)


def template_phrases(template: str) -> list[str]:
    return [f for p in expand(template) for f in spoken_forms(p)]
