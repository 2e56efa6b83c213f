"""The named word lists in a language's ``_common.toml``, one model per module that reads
them (``[normalize]``'s model is :class:`voiceguide.text.NormalizeWords`).

The code says what a list is for; the words are the language's. Every list may be left
out (it is then empty), so a language folder fills in what its language needs.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..intents import INTENTS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _words() -> list[str]:
    return Field(default_factory=list)


class ClauseWords(_Strict):
    """``[clauses]``, read by :mod:`.clean`: where one clause ends and the next begins."""
    conjunctions: list[str] = _words()
    """start a new clause when one of ``starters`` follows ("..., and I need space")"""
    starters: list[str] = _words()
    split_before: list[str] = _words()
    """run-on text starts a new clause before these ("i'm flooded i need a break") ..."""
    no_split_after: list[str] = _words()
    """... but never after these ("i think i am", "so i")"""
    starts: dict[str, list[str]] = Field(default_factory=dict)
    """run-on text also starts a new clause before one of these word pairs (a first word
    -> the words that may follow it: "help" -> "me", "us") ..."""
    subjects: list[str] = _words()
    """... but not after a subject"""
    determiners: list[str] = _words()
    not_after_determiner: list[str] = _words()
    """first words of a pair that start no clause after a determiner ("the can ...")"""
    unfinished: list[str] = _words()
    """a piece cut by a comma on one of these joins the next ("I, uh, I want to, like, ...")"""
    tail_starters: list[str] = _words()
    """a clause is also tried cut before one of these ("... before i say something") ..."""
    not_a_tail_after: dict[str, list[str]] = Field(default_factory=dict)
    """... unless it follows one of these words ("after" after "go": "go after him")"""


class CleaningWords(_Strict):
    """``[cleaning]``, read by :mod:`.clean`: repeats, stutters and fillers."""
    real_short_words: list[str] = _words()
    """short words that are words, not a stutter's first go at the next ("fl flooded")"""
    filler_kept_after: dict[str, list[str]] = Field(default_factory=dict)
    """a filler -> the words after which it is a word of its own ("i would like")"""


class SubjectlessState(_Strict):
    """``[subjectless_state]``, read by :mod:`.clean`: a first word ending in ``suffix``
    ("lying awake again") is also tried with ``prefix`` put before it ("i am")."""
    suffix: str = ""
    min_length: int = 0
    prefix: str = ""
    not_states: list[str] = _words()
    """words with the suffix that are no state ("nothing", "morning")"""


class Bare(_Strict):
    """A word of its own that is also a contraction a recognizer wrote without its
    apostrophe ("ill", "hell"): read as the contraction only before one of its words."""
    read_as: str
    before: list[str] = _words()
    words_of: str = ""
    """another entry whose words count too ("shell" as "hell")"""
    not_before: list[str] = _words()
    """words of ``words_of`` that do not count here"""
    only_first: bool = False
    """only as the first word of a piece ("well be there", not "as well")"""


class LostIs(_Strict):
    """A lost "'s" between a stem and a state ("protectors up" -> "protector is up")."""
    suffix: str = ""
    read_as: str = ""
    stems: list[str] = _words()
    before: list[str] = _words()


class Were(_Strict):
    """A recognizer's "were" for "we're": after one of ``after`` (or first) and before one
    of ``before``; at the start of a clause unless one of ``not_at_start_before`` follows."""
    word: str = ""
    read_as: str = ""
    after: list[str] = _words()
    before: list[str] = _words()
    not_at_start_before: list[str] = _words()


class Spellings(_Strict):
    """``[spellings]``, read by :mod:`.clean`: contractions a recognizer writes without the
    apostrophe ("theres", "id rather", "hell hurt me") and a lost "'s"."""
    no_apostrophe: dict[str, str] = Field(default_factory=dict)
    """always read as the contraction ("theres" -> "there is")"""
    bare: dict[str, Bare] = Field(default_factory=dict)
    lost_is: LostIs = Field(default_factory=LostIs)
    were: Were = Field(default_factory=Were)

    @field_validator("bare")
    @classmethod
    def _known_words_of(cls, bare: dict[str, Bare]) -> dict[str, Bare]:
        for word, entry in bare.items():
            if entry.words_of and entry.words_of not in bare:
                raise ValueError(f"{word}.words_of: no entry {entry.words_of!r}")
            if bare.get(entry.words_of) and bare[entry.words_of].words_of:
                raise ValueError(f"{word}.words_of: {entry.words_of!r} takes its words "
                                 "from another entry itself")
        return bare


class TemplateWords(_Strict):
    """``[templates]``, read by :mod:`.templates`."""
    gap_stops: list[str] = _words()
    """words a ``~`` gap may not hold: a negation, or another person or thing as the
    subject"""


class RouterWords(_Strict):
    """``[router]``, read by :mod:`.stages`."""
    negations: list[str] = _words()
    """a clause with one taken out that then names an intent denies it"""
    negated_aux: list[str] = _words()
    """an auxiliary before a negation, taken out with it ("i do not feel")"""
    ways_out: list[str] = _words()
    """intents one asks for after naming the cycle (they win over the cycle)"""
    road: list[str] = _words()
    """a reason about the road makes "slow down" / "speed up" a word to the driver"""
    back_in: list[str] = _words()
    """a number after these is a pause's length ("I'll be back in 20")"""

    @field_validator("ways_out")
    @classmethod
    def _intents(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in INTENTS:
                raise ValueError(f"{name!r} is not an intent")
        return names


class ExplainWords(_Strict):
    """``[explain]``, read by :mod:`.explain`: why nothing matched."""
    negations: list[str] = _words()
    negated_aux: list[str] = _words()
    aux_kept_after: list[str] = _words()
    """an auxiliary after one of these stays with its negation taken out"""
    first_person: str = ""
    first_person_verbs: dict[str, str] = Field(default_factory=dict)
    """a verb after ``first_person`` said as one says it of oneself ("is" -> "am")"""
    third_person: dict[str, str] = Field(default_factory=dict)
    """another person said as oneself ("he" -> "i", "his" -> "my")"""


class SpokenWords(_Strict):
    """``[spoken]``, read by :mod:`.grammar`: canonical phrases in the words a recognizer
    hears."""
    minutes: str = ""
    """"{minutes} minutes" said with a number under an hour ("twenty minutes")"""
    minute: str = ""
    """... and before a noun ("a twenty minute break")"""
    hours: list[str] = _words()
    """durations of an hour or more, as said"""
    contractions: dict[str, str] = Field(default_factory=dict)
    """full -> short forms: the recognizer is offered both"""
