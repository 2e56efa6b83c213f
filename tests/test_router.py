"""Router behaviour that is not a phrase list: slot limits, the recognizer phrase lists,
explanations, the decision stages, language folders and their errors, normalization.

The table-driven phrase lists (positives per intent, near-misses for every cue word,
negation, disfluency, third person, slots, safety kinds, the device's own kinds of lines)
are sentence files beside the language data, voiceguide/lang/<language>/tests/ (checked by
tests/test_lang.py). Phrasings here and there are written for the tests; they are not the
evaluation splits in bench/data.
"""

from __future__ import annotations

import pytest

from voiceguide.errors import CueError
from voiceguide.intents import CONTROLS, GUIDANCE, INTENTS, Intent
from voiceguide.router import IntentMatch, Router, default_router, expand
from voiceguide.routing.explain import format_explanation
from voiceguide.routing.match import Found, Nothing
from voiceguide.routing.stages import STAGES
from voiceguide.routing.table import load_language, packaged_cue_file
from voiceguide.text import normalize


@pytest.fixture(scope="module")
def router() -> Router:
    return default_router()


def test_more_time_minutes_and_default(router):
    assert router.route("ten more minutes").slots == {"minutes": 10}
    assert router.route("another 15 minutes").slots == {"minutes": 15}
    assert router.route("more time").slots == {}


def test_slot_limits(router):
    assert router.route("pause for 3000 minutes") is None  # over 24 hours
    assert router.route("pause for 24 hours").slots["minutes"] == 1440
    assert router.route("11") is None  # scores are 0-10
    assert router.route("seven").slots == {"score": 7}


def test_every_phrase_routes_back_to_its_intent(router):
    """Recognizer grammars are built from phrases(): each must route to its own intent."""
    for intent in router.intents():
        for phrase in router.phrases([intent]):
            match = router.route(phrase)
            assert match is not None and match.intent == intent, (phrase, intent, match)


def test_phrase_list_is_spoken_words_and_sensible(router):
    assert set(router.intents()) == set(INTENTS)
    phrases = router.phrases()
    assert "i'm flooded" in phrases and "half an hour" not in phrases
    assert any("half an hour" in p for p in router.phrases(["pause"]))
    assert all(p == p.lower() and not any(c.isdigit() for c in p) for p in phrases)
    assert {"help", "i'm not safe", "i want to die"} <= set(router.phrases(["safety"]))
    assert len(phrases) < 3000


def test_explain_names_the_reason(router):
    text = format_explanation(router.explain("um, I'm not flooded"))
    assert "negation" in text and "result:     none" in text
    text = format_explanation(router.explain("he's overwhelmed"))
    assert "third person" in text
    text = format_explanation(router.explain("the basement flooded"))
    assert "no template covers" in text
    e = router.explain("I'm, I'm so flooded right now")
    assert e.match.intent == "flooded" and any(h.intent == "flooded" for h in e.hits)
    assert "so" in e.clauses[-1].dropped
    e = router.explain("he pushed me")
    assert e.hits[0].intent == "safety:danger" and e.hits[0].template


def test_the_decision_stages_in_their_order():
    assert [stage.__name__ for stage in STAGES] == [
        "safety_anywhere", "canonical_whole", "guidance_whole", "control_whole",
        "guidance_per_clause", "controls_in_every_clause", "control_with_reason",
        "two_controls_run_on"]


def test_a_stage_added_to_the_list_answers_in_its_turn():
    def pineapple(m, utt, hits):  # a safe word of one's own
        return Found(Intent.STOP, 0.5) if utt.whole.cleaned == ("pineapple",) else None

    assert default_router().route("pineapple") is None
    r = Router(packaged_cue_file(), stages=(*STAGES[:4], pineapple, *STAGES[4:]))
    assert r.route("um, pineapple") == IntentMatch(Intent.STOP, 0.5, {})
    assert r.route("pineapple, he hit me").intent == "safety"  # safety still comes first
    assert r.route("I'm flooded").intent == "flooded"


def test_a_stage_that_finds_nothing_ends_the_search():
    r = Router(packaged_cue_file(), stages=(lambda m, utt, hits: Nothing("test"), *STAGES))
    assert r.route("I'm flooded") is None


def test_intent_groups():
    assert len(GUIDANCE) == 11 and "safety" in GUIDANCE and "withdrawing" in GUIDANCE
    assert set(CONTROLS) == {"stop", "repeat", "slower", "faster", "louder", "quieter", "next",
                             "help", "yes", "no", "more_time", "time_left"}


def test_expand_templates():
    assert expand("(a|b) [c] d") == ["a c d", "a d", "b c d", "b d"]
    with pytest.raises(CueError):
        expand("(a|b")


def test_conflicting_or_unknown_cues_are_rejected():
    with pytest.raises(CueError, match="both"):
        Router({"stop": ["halt"], "next": ["halt"]})
    with pytest.raises(CueError, match="unknown intent"):
        Router({"dance": ["tango"]})


def test_a_small_router_from_phrase_lists():
    r = Router({"stop": ["halt [now]"], "next": ["onward"]}, leading=["um"])
    assert r.route("um halt now").intent == "stop"
    assert r.route("onward").intent == "next"
    assert r.route("halt the car") is None


@pytest.mark.parametrize("file,text,error", [
    ("flooded.toml", 'phrases = ["(a|b"]', r"flooded\.toml: phrases: missing"),
    ("flooded.toml", 'patterns = ["<NOPE> flooded"]', r"flooded\.toml: patterns: unknown macro"),
    ("flooded.toml", 'patterns = ["i am flooded?"]', r"flooded\.toml: patterns: unexpected"),
    ("flooded.toml", 'phrasez = ["x"]', r"flooded\.toml: phrasez: Extra inputs"),
    ("flooded.toml", 'phrases = ["x"', r"flooded\.toml: not valid TOML"),
    ("safety.toml", 'danger = ["(he|she) hit me"]\nkinds = []', r"safety\.toml: kinds"),
    ("safety.toml", 'danger = ["<HURT> me"]', r"safety\.toml: danger: unknown macro"),
    ("_common.toml", '[fillers]\nanywhere = "um"', r"_common\.toml: fillers\.anywhere"),
    ("_common.toml", '[macros]\nME = "(me|myself"\n[slots]\naway = ["left <ME>"]',
     r"_common\.toml: macros\.ME: missing"),
    ("dance.toml", 'phrases = ["tango"]', r"dance\.toml: 'dance' is not an intent"),
])
def test_broken_language_files_name_the_file_and_field(tmp_path, file, text, error):
    (tmp_path / "_common.toml").write_text("")
    (tmp_path / "stop.toml").write_text('phrases = ["stop"]\n')
    (tmp_path / file).write_text(text)
    with pytest.raises(CueError, match=error):
        Router(load_language(tmp_path))


def test_a_language_folder_of_ones_own(tmp_path):
    """A second language is a folder of data: its own fillers, number and time words."""
    (tmp_path / "_common.toml").write_text(
        '[fillers]\nleading = ["bitte"]\n'
        '[normalize.numbers]\nunits = { eins = 1, zwei = 2 }\ntens = { zwanzig = 20 }\n'
        '[normalize.time]\nminutes = ["minute", "minuten"]\n'
        '[spoken]\nminutes = "minuten"\n')
    (tmp_path / "stop.toml").write_text('phrases = ["halt"]\n')
    (tmp_path / "pause.toml").write_text('phrases = ["pause {minutes} minutes"]\n')
    (tmp_path / "safety.toml").write_text('alone = ["hilfe"]\n')
    r = default_router(str(tmp_path))
    assert r.route("bitte halt").intent == "stop"
    assert r.route("Pause, zwanzig Minuten").slots == {"minutes": 20}
    assert r.route("hilfe").slots == {"safety": "general"}
    assert r.intents() == ["safety", "pause", "stop"]
    assert "pause zwanzig minuten" in r.phrases(["pause"])
    with pytest.raises(CueError, match="no language 'xx'"):
        default_router("xx")


@pytest.mark.parametrize("text,tokens", [
    ("I’m FLOODED!!", ["i", "am", "flooded"]),
    ("half an hour", ["30", "minutes"]),
    ("twenty-five mins", ["25", "minutes"]),
    ("2 hrs", ["120", "minutes"]),
    ("can't", ["can", "not"]),
    ("a minute", ["a", "minute"]),
    ("the cycle's got us", ["the", "cycle", "is", "got", "us"]),
    ("3am", ["3", "am"]),
    ("20min", ["20", "minutes"]),
    ("fourty five mins", ["45", "minutes"]),
    ("twenty zero", ["20", "0"]),
    ("the dog's bowl", ["the", "dog", "bowl"]),
    ("oh no", ["oh", "no"]),
])
def test_normalize(text, tokens):
    assert normalize(text) == tokens


def test_explain_names_the_new_evidence(router):
    text = format_explanation(router.explain("Need to breathe."))
    assert "also read as: 'i need to breathe'" in text
    text = format_explanation(router.explain("babe were in our cycle"))
    assert "recognizer spelling" in text
    text = format_explanation(router.explain("How I can ask her for a pause?"))
    assert "read 'how i can' as 'how can i'" in text
    text = format_explanation(router.explain("I find I'm quite overwhelmed"))
    assert "result:     flooded" in text


