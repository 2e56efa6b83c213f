"""Every language folder's test sentences (voiceguide/lang/<language>/tests/<intent>.toml):
each sentence must route to its intent (tests/none.toml: to nothing), with the slots its
file gives it. One parametrized test over all of them, as hassil's tests do."""

from __future__ import annotations

from importlib import resources

import pytest
from pydantic import BaseModel, ConfigDict, Field

from voiceguide._compat import tomllib
from voiceguide.intents import INTENTS
from voiceguide.router import default_router
from voiceguide.routing.table import packaged_languages


class SentenceFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    sentences: list[str] = Field(default_factory=list)
    """each must route to the file's intent"""
    slots: dict[str, dict[str, bool | int | str]] = Field(default_factory=dict)
    """sentence -> slots it must carry too (false: that slot is absent)"""


def _files() -> dict[tuple[str, str], SentenceFile]:
    out = {}
    for language in packaged_languages():
        folder = resources.files("voiceguide").joinpath("lang", language, "tests")
        for file in sorted(folder.iterdir(), key=lambda f: f.name):
            if file.name.endswith(".toml"):
                data = tomllib.loads(file.read_text("utf-8"))
                out[language, file.name[:-len(".toml")]] = SentenceFile.model_validate(data)
    return out


FILES = _files()
CASES = [(language, intent, text, slots)
         for (language, intent), f in FILES.items()
         for text, slots in [*((t, {}) for t in f.sentences), *f.slots.items()]]


@pytest.mark.parametrize("language,intent,text,slots", CASES,
                         ids=[f"{lang}/{intent}: {text}" for lang, intent, text, _ in CASES])
def test_sentence_routes_to_its_intent(language, intent, text, slots):
    # These are the rules' own test sentences (the language data beside them): checked
    # against the rules. The whole router, model included, is measured on sentences nobody
    # tuned it on (bench/router_eval.py on bench/data/blind, docs/router.md).
    match = default_router(language).rules_only().route(text)
    if intent == "none":
        assert match is None, (text, match)
        return
    assert match is not None and match.intent == intent, (text, match)
    for name, want in slots.items():
        got = match.slots.get(name)
        if want is False:
            assert got is None or got is False, (text, name, match.slots)
        else:
            assert type(got) is type(want) and got == want, (text, name, match.slots)


@pytest.mark.parametrize("language", packaged_languages())
def test_every_intent_has_test_sentences(language):
    mine = {intent for lang, intent in FILES if lang == language}
    assert mine <= {*INTENTS, "none"}, mine - {*INTENTS, "none"}
    assert "none" in mine
    assert set(default_router(language).intents()) <= mine


@pytest.mark.parametrize("language", packaged_languages())
def test_a_sentence_belongs_to_one_intent(language):
    owner: dict[str, str] = {}
    for (lang, intent), f in FILES.items():
        if lang != language:
            continue
        for text in {*f.sentences, *f.slots}:
            assert owner.setdefault(text, intent) == intent, (text, owner[text], intent)
