"""Canonical cue phrases in the words a recognizer hears (for grammar-based engines)."""

from __future__ import annotations

import re

from ..text import number_to_words
from .templates import expand

# Durations a recognizer grammar offers for a {minutes} slot.
SPOKEN_MINUTES = (5, 10, 15, 20, 25, 30, 40, 45, 60, 90)

_SPOKEN_CONTRACTIONS = {
    "i am": "i'm", "we are": "we're", "you are": "you're", "they are": "they're",
    "he is": "he's", "she is": "she's", "it is": "it's", "that is": "that's",
    "let us": "let's", "can not": "can't", "do not": "don't", "will not": "won't",
    "i have": "i've", "i will": "i'll", "i would": "i'd", "what is": "what's",
}


def spoken_forms(phrase: str) -> list[str]:
    """One expanded phrase in words a recognizer can hear ({minutes}, {score} spelled out)."""
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


def template_phrases(template: str) -> list[str]:
    return [f for p in expand(template) for f in spoken_forms(p)]


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
