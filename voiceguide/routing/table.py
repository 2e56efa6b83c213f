"""The cue table: one language folder of TOML files, validated, and compiled into regular
expressions once.

A language folder (``voiceguide/lang/en``, or one of one's own) holds ``_common.toml``
(fillers, rewrites, clauses said without a subject, macros, slot cues, and the named word
lists of :mod:`.words`), ``safety.toml`` and one ``<intent>.toml`` per other intent; see
the comments at the top of ``voiceguide/lang/en/_common.toml``. Its ``tests/`` folder
holds the sentences each intent must match (``tests/test_lang.py``)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._compat import tomllib
from ..errors import CueError
from ..intents import ANSWERS, CONTROLS, GUIDANCE, INTENTS, Intent
from ..text import NormalizeWords, Normalizer
from .templates import Vocab, compile_template, expand
from .words import (CleaningWords, ClauseWords, ExplainWords, RouterWords, SpokenWords,
                    Spellings, SubjectlessState, TemplateWords)

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

SAFETY_KINDS = ("self_harm", "danger", "general")
"""Safety kinds, in the order they win when an utterance says more than one: advice for
danger from someone may mention a locked room, which is wrong for a person at risk of
self-harm."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Fillers(_Strict):
    anywhere: list[str] = Field(default_factory=list)
    leading: list[str] = Field(default_factory=list)
    trailing: list[str] = Field(default_factory=list)


class IntentCues(_Strict):
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    whole_only: list[str] = Field(default_factory=list)
    """templates that count only as the whole utterance, never as one clause of it
    ("here we go again" is a cue; "here we go again, the printer's jammed" is not)"""


class SafetyCues(_Strict):
    phrases: list[str] = Field(default_factory=list)
    """canonical safety cues for recognizer grammars (each must route to safety)"""
    danger: list[str] = Field(default_factory=list)
    self_harm: list[str] = Field(default_factory=list)
    general: list[str] = Field(default_factory=list)
    alone: list[str] = Field(default_factory=list)
    discreet: list[str] = Field(default_factory=list)
    present: list[str] = Field(default_factory=list)
    """the partner is here or can hear: an unclear plea ("help, quietly") is danger"""
    imminent: list[str] = Field(default_factory=list)
    """the danger is now (means in hand, something taken, violence under way, a weapon
    out): a safety match with one of these anywhere carries ``imminent``"""
    harmless: list[str] = Field(default_factory=list)
    """words that only sound like danger ("the dog won't let me leave"): blanked out
    before the danger templates are searched"""
    macros: dict[str, str] = Field(default_factory=dict)


class SlotCues(_Strict):
    bedside: list[str] = Field(default_factory=list)
    away: list[str] = Field(default_factory=list)
    timer: list[str] = Field(default_factory=list)
    """in a stop: the timer or pause named ("cancel the pause"), so it ends without asking"""


class CommonFile(_Strict):
    """``_common.toml``: what every intent of a language shares, and the named word lists
    the code reads (:mod:`.words`)."""
    fillers: Fillers = Field(default_factory=Fillers)
    rewrites: dict[str, str] = Field(default_factory=dict)
    """word sequences said another way ("u" -> "you", "how i can" -> "how can i")"""
    subjectless: dict[str, list[str]] = Field(default_factory=dict)
    """first words of a clause said without its subject ("need to breathe", "going
    quiet"), by the subject the router puts back ("i", "i am"): it also tries the clause
    with it"""
    subjectless_state: SubjectlessState = Field(default_factory=SubjectlessState)
    macros: dict[str, str] = Field(default_factory=dict)
    slots: SlotCues = Field(default_factory=SlotCues)
    normalize: NormalizeWords = Field(default_factory=NormalizeWords)
    clauses: ClauseWords = Field(default_factory=ClauseWords)
    cleaning: CleaningWords = Field(default_factory=CleaningWords)
    spellings: Spellings = Field(default_factory=Spellings)
    templates: TemplateWords = Field(default_factory=TemplateWords)
    router: RouterWords = Field(default_factory=RouterWords)
    explain: ExplainWords = Field(default_factory=ExplainWords)
    spoken: SpokenWords = Field(default_factory=SpokenWords)


WORD_LISTS = ("subjectless_state", "normalize", "clauses", "cleaning", "spellings",
              "templates", "router", "explain", "spoken")
"""The fields of :class:`CommonFile` that are named word lists read by the code (the rest
is cue data: fillers, rewrites, subjectless, macros, slots)."""


class CueFile(CommonFile):
    """One language's cue table, all its files together (:func:`load_language`)."""
    safety: SafetyCues = Field(default_factory=SafetyCues)
    """``safety.toml``"""
    intents: dict[str, IntentCues] = Field(default_factory=dict)
    """``<intent>.toml`` for each other intent, in priority order"""
    source: str = ""
    """the folder it was read from, for messages ("" for a table made in code)"""


@dataclass(frozen=True)
class Rule:
    """One template compiled on its own (for explanations)."""
    intent: str
    template: str
    regex: re.Pattern


@dataclass(frozen=True)
class Compiled:
    """Everything the router matches with, compiled once."""
    whole: dict[Intent, re.Pattern]
    """intent -> one regex of all its templates (full match against the utterance)."""
    clause: dict[Intent, re.Pattern]
    """the same without the intent's whole-only templates (full match against a clause)."""
    rules: dict[Intent, tuple[str, ...]]
    """intent -> its templates, for explanations."""
    canonical: dict[Intent, re.Pattern]
    """intent -> one regex of its canonical phrases only."""
    safety: dict[str, re.Pattern]
    """safety kind -> one regex, searched anywhere in an utterance."""
    safety_rules: dict[str, tuple[str, ...]]
    alone: re.Pattern
    discreet: re.Pattern
    present: re.Pattern
    imminent: re.Pattern
    harmless: re.Pattern
    bedside: re.Pattern
    away: re.Pattern
    timer: re.Pattern
    macros: Mapping[str, str]
    vocab: Vocab


COMMON = "_common.toml"
SAFETY = "safety.toml"
DEFAULT_LANGUAGE = "en"


def packaged_languages() -> list[str]:
    """Names of the language folders that come with voiceguide (voiceguide/lang/<name>)."""
    root = resources.files("voiceguide").joinpath("lang")
    return sorted(p.name for p in root.iterdir() if p.joinpath(COMMON).is_file())


def language_folder(language: str) -> Traversable:
    """A packaged language by name ("en"), or the path of a language folder of one's own."""
    packaged = resources.files("voiceguide").joinpath("lang", language)
    if language and packaged.joinpath(COMMON).is_file():
        return packaged
    path = Path(language).expanduser()
    if language and path.joinpath(COMMON).is_file():
        return path
    raise CueError(f"no language {language!r}: not one of the packaged languages "
                   f"({', '.join(packaged_languages())}) nor a folder with a {COMMON}")


def load_language(folder: Traversable | Path) -> CueFile:
    """Read and validate a language folder: ``_common.toml``, ``safety.toml`` and one
    ``<intent>.toml`` per other intent (any may be missing but ``_common.toml``). A problem
    is a :class:`CueError` naming the file and the field."""
    common = _read(folder.joinpath(COMMON), CommonFile)
    files = {p.name[:-len(".toml")]: p for p in folder.iterdir()
             if p.name.endswith(".toml") and p.name != COMMON and p.is_file()}
    unknown = sorted(set(files) - {i.value for i in INTENTS})
    if unknown:
        raise CueError(f"{files[unknown[0]]}: {unknown[0]!r} is not an intent; the files of a "
                       f"language are {COMMON} and <intent>.toml for one of: "
                       + ", ".join(i.value for i in INTENTS))
    safety = _read(files[SAFETY[:-5]], SafetyCues) if SAFETY[:-5] in files else SafetyCues()
    intents = {i.value: _read(files[i.value], IntentCues) for i in INTENTS
               if i != Intent.SAFETY and i.value in files}
    return CueFile(**dict(common), safety=safety, intents=intents, source=str(folder))


def packaged_cue_file(language: str = DEFAULT_LANGUAGE) -> CueFile:
    """The cue table of a packaged language (or of a language folder's path)."""
    return load_language(language_folder(language))


@lru_cache(maxsize=None)
def packaged_common(language: str = DEFAULT_LANGUAGE) -> CommonFile:
    """Only ``_common.toml`` of a packaged language: its word lists serve the module
    functions that speak English, and routers built from plain phrase lists."""
    return _read(language_folder(language).joinpath(COMMON), CommonFile)


def _read(file: Traversable | Path, model: type[_Strict]):
    try:
        data = tomllib.loads(file.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CueError(f"{file}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise CueError(f"{file}: cannot read ({exc.strerror})") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise CueError(f"{file}: {where}: {err['msg']}") from None


_GROUP = re.compile(r"\(\?P<(\w+)>")


def _combine(templates: Iterable[str], macros: Mapping[str, str], counter,
             vocab: Vocab) -> str:
    parts = []
    for t in templates:
        body = compile_template(t, vocab, macros)
        # Named groups must be unique in one regex: number each copy; the router strips
        # the number again ("minutes_12" -> "minutes").
        parts.append(_GROUP.sub(lambda m: f"(?P<{m.group(1)}_{next(counter)}>", body))
    return "|".join(f"(?:{p})" for p in parts) or r"(?!)"


def compile_table(cues: CueFile, normalizer: Normalizer | None = None) -> Compiled:
    """Every template of a language compiled (its words read by ``normalizer``, by default
    one of the language's own); a template that cannot be read is a :class:`CueError`
    naming its file and field."""
    for name in cues.intents:
        if name not in INTENTS or name == "safety":
            raise CueError(f"unknown intent {name!r} in the cue table")
    try:
        return _compile(cues, normalizer or Normalizer(cues.normalize))
    except CueError as exc:
        raise CueError(f"{_culprit(cues)}: {exc}") from None


def _compile(cues: CueFile, normalizer: Normalizer) -> Compiled:
    macros = {**cues.macros, **cues.safety.macros}
    counter = itertools.count()
    vocab = Vocab(normalizer.normalize, cues.templates.gap_stops)
    whole: dict[Intent, re.Pattern] = {}
    clause: dict[Intent, re.Pattern] = {}
    canonical: dict[Intent, re.Pattern] = {}
    rules: dict[Intent, tuple[str, ...]] = {}
    for name, table in cues.intents.items():
        intent = Intent(name)
        templates = tuple(table.phrases) + tuple(table.patterns)
        rules[intent] = templates + tuple(t for t in table.whole_only if t not in templates)
        whole[intent] = re.compile(_combine(templates + tuple(table.whole_only), macros,
                                            counter, vocab))
        clause[intent] = re.compile(_combine(
            [t for t in templates if t not in table.whole_only], macros, counter, vocab)
        ) if table.whole_only else whole[intent]
        if table.phrases:
            canonical[intent] = re.compile(_combine(table.phrases, macros, counter, vocab))

    def search(templates: Iterable[str]) -> re.Pattern:
        return re.compile(_combine(templates, macros, counter, vocab))

    safety = {kind: search(getattr(cues.safety, kind)) for kind in SAFETY_KINDS}
    return Compiled(
        whole=whole, clause=clause, rules=rules, canonical=canonical, safety=safety,
        safety_rules={k: tuple(getattr(cues.safety, k)) for k in SAFETY_KINDS},
        alone=re.compile(_combine(cues.safety.alone, macros, counter, vocab)),
        discreet=search(cues.safety.discreet), present=search(cues.safety.present),
        imminent=search(cues.safety.imminent),
        harmless=search(cues.safety.harmless), bedside=search(cues.slots.bedside),
        away=search(cues.slots.away), timer=search(cues.slots.timer), macros=macros,
        vocab=vocab)


def _culprit(cues: CueFile) -> str:
    """The file and field of the first template that does not compile (macros first: a
    broken macro breaks every template that uses it)."""
    macros = {**cues.macros, **cues.safety.macros}
    safety = cues.safety
    fields = [(COMMON, f"macros.{k}", [v]) for k, v in cues.macros.items()]
    fields += [(SAFETY, f"macros.{k}", [v]) for k, v in safety.macros.items()]
    fields += [(COMMON, f"slots.{k}", getattr(cues.slots, k)) for k in SlotCues.model_fields]
    fields += [(SAFETY, k, getattr(safety, k)) for k in SafetyCues.model_fields if k != "macros"]
    fields += [(f"{name}.toml", k, getattr(table, k)) for name, table in cues.intents.items()
               for k in ("phrases", "patterns", "whole_only")]
    for file, field, templates in fields:
        for t in templates:
            try:
                compile_template(t, Vocab(), macros)
            except CueError:
                return f"{_file(cues, file)}: {field}"
    return cues.source or "the cue table"


def _file(cues: CueFile, file: str) -> str:
    return f"{cues.source}/{file}" if cues.source else file


def check_phrases(cues: CueFile) -> dict[Intent, list[str]]:
    """intent -> its canonical phrases expanded; a phrase claimed by two intents is an error."""
    owner: dict[str, str] = {}
    out: dict[Intent, list[str]] = {}
    tables = [("safety", cues.safety.phrases), *((n, t.phrases) for n, t in cues.intents.items())]
    for name, phrases in tables:
        for template in phrases:
            if "<" in template or "*" in template:
                raise CueError(f"phrase {template!r} of {name} uses a macro or wildcard; "
                               "put it under patterns")
            try:
                expanded = expand(template)
            except CueError as exc:
                raise CueError(f"{_file(cues, name + '.toml')}: phrases: {exc}") from None
            for phrase in expanded:
                other = owner.setdefault(phrase, name)
                if other != name:
                    raise CueError(f"phrase {phrase!r} is a cue for both {other} and {name}")
                out.setdefault(Intent(name), []).append(phrase)
    return out


GUIDANCE_ORDER = tuple(i for i in INTENTS if i in GUIDANCE and i != Intent.SAFETY)
WHOLE_ONLY = tuple(i for i in INTENTS if i in CONTROLS or i in ANSWERS)
WITH_REASON = (Intent.SLOWER, Intent.FASTER, Intent.LOUDER, Intent.QUIETER, Intent.REPEAT)
"""Controls that may come with a reason in another clause ("too loud, the baby's asleep")."""
