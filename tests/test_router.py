"""Table-driven router tests: every cue, every negative, slots and priorities."""

from __future__ import annotations

import pytest

from voiceguide.errors import CueError
from voiceguide.intents import CONTROLS, GUIDANCE, INTENTS
from voiceguide.router import Router, default_router, expand
from voiceguide.text import normalize

POSITIVES = [
    # flooded
    ("I'm flooded", "flooded"), ("I'm overwhelmed", "flooded"), ("I'm shutting down", "flooded"),
    ("I need space", "flooded"), ("my head is empty", "flooded"), ("I am so overwhelmed", "flooded"),
    ("im flooded", "flooded"), ("I feel flooded.", "flooded"), ("I can't think straight", "flooded"),
    ("This is too much", "flooded"), ("I'm freezing up", "flooded"), ("I need some space", "flooded"),
    # chasing
    ("I'm starting to chase", "chasing"), ("I'm chasing", "chasing"),
    ("I want to push for an answer", "chasing"), ("I feel abandoned", "chasing"),
    ("I'm panicking", "chasing"), ("I can't let it go", "chasing"),
    ("I want to follow her", "chasing"),
    # grounding
    ("help me ground", "grounding"), ("I need to breathe", "grounding"),
    ("calm me down", "grounding"), ("I can't sleep", "grounding"), ("Help me calm down", "grounding"),
    ("grounding", "grounding"), ("help me relax", "grounding"),
    # name_part
    ("name the part", "name_part"), ("what part is this", "name_part"),
    ("help me name it", "name_part"), ("which part is this?", "name_part"),
    # bridge
    ("bridge sentence", "bridge"), ("what do I say", "bridge"),
    ("help me ask for a break", "bridge"), ("What should I say?", "bridge"),
    # pause
    ("take a break", "pause"), ("start a pause", "pause"), ("time out", "pause"),
    ("we need twenty minutes", "pause"), ("let's take a break", "pause"),
    ("pause for half an hour", "pause"), ("take a 20 minute break", "pause"),
    # repair
    ("help me repair", "repair"), ("I want to make up", "repair"),
    ("we need to repair", "repair"), ("help us repair", "repair"),
    # cycle
    ("we're in our cycle", "cycle"), ("this is the dance", "cycle"),
    ("we're doing it again", "cycle"), ("here we go again", "cycle"),
    ("we are stuck in our cycle", "cycle"),
    # soft_startup
    ("help me bring something up", "soft_startup"), ("how do I start this", "soft_startup"),
    ("how do I bring this up", "soft_startup"),
    # safety
    ("I'm not safe", "safety"), ("I'm in danger", "safety"), ("he's hitting me", "safety"),
    ("I want to die", "safety"), ("I want to hurt myself", "safety"),
    ("she won't let me leave", "safety"), ("they're threatening me", "safety"),
    ("I don't want to live", "safety"), ("emergency", "safety"),
    # controls
    ("stop", "stop"), ("quiet", "stop"), ("Stop!", "stop"), ("repeat", "repeat"),
    ("again", "repeat"), ("say that again", "repeat"), ("slower", "slower"),
    ("slow down", "slower"), ("faster", "faster"), ("louder", "louder"), ("softer", "quieter"),
    ("quieter", "quieter"), ("next", "next"), ("another tool", "next"),
    ("what can I say", "help"), ("help", "help"), ("yes", "yes"), ("yeah", "yes"),
    ("no", "no"), ("no thanks", "no"), ("ten more minutes", "more_time"),
    ("I need more time", "more_time"), ("seven", "score"), ("about 4", "score"),
    ("8 out of 10", "score"),
    # fillers at the edges
    ("um, I'm flooded", "flooded"), ("okay, help me ground please", "grounding"),
    ("I think we're in our cycle", "cycle"), ("I'm starting to chase right now", "chasing"),
]

# Ordinary household talk, including near-misses that share words with cues.
NEGATIVES = [
    "the basement flooded", "we should repair the fence", "I'll chase that invoice",
    "the kitchen flooded last week", "can you repair the bike", "the dog is chasing the cat",
    "I need to chase up the plumber", "the market is overwhelmed with orders",
    "take a break from the spreadsheet and eat", "the car needs a repair",
    "what part of the car is this", "we need twenty eggs", "the bridge is closed",
    "I'm flooded with emails", "my inbox is overwhelmed", "let's dance in the kitchen",
    "we're in our car", "what do I say to grandma on her birthday",
    "I can't sleep in this heat without a fan", "ground the coffee beans",
    "name the cat", "we're doing the dishes", "pass the salt", "dinner is ready",
    "did you feed the dog", "I'll be home at seven", "turn off the lights", "",
    "the emergency room bill came", "the kids are hitting the ball around",
    "stop by the store on the way home", "again with the traffic", "yes we have no bananas",
    "time out in hockey is thirty seconds", "she made up a story", "the cycle path is closed",
    "next week is busy", "I'm done with the report", "help me find my keys", "twenty",
    "forty seven", "I'm chasing the deadline", "we need to repair the roof before winter",
]


@pytest.fixture(scope="module")
def router() -> Router:
    return default_router()


@pytest.mark.parametrize("text,intent", POSITIVES)
def test_positive(router, text, intent):
    match = router.route(text)
    assert match is not None, text
    assert match.intent == intent


@pytest.mark.parametrize("text", NEGATIVES)
def test_negative(router, text):
    assert router.route(text) is None


@pytest.mark.parametrize("text,minutes", [
    ("we need twenty minutes", 20), ("pause for half an hour", 30), ("take 45 minutes", 45),
    ("we need twenty five minutes", 25), ("pause for an hour", 60), ("pause for 2 hours", 120),
    ("take a 20 min break", 20), ("pause for an hour and a half", 90),
    ("let's take a break for fifteen minutes", 15),
])
def test_pause_minutes_slot(router, text, minutes):
    match = router.route(text)
    assert match.intent == "pause" and match.slots["minutes"] == minutes


def test_more_time_minutes_and_default(router):
    assert router.route("ten more minutes").slots == {"minutes": 10}
    assert router.route("another 15 minutes").slots == {"minutes": 15}
    assert router.route("more time").slots == {}


def test_slot_limits(router):
    assert router.route("pause for 3000 minutes") is None  # over 24 hours
    assert router.route("pause for 24 hours").slots["minutes"] == 1440
    assert router.route("11") is None  # scores are 0-10


def test_bedside_slot(router):
    assert router.route("I can't sleep").slots.get("bedside") is True
    assert "bedside" not in router.route("help me ground").slots


@pytest.mark.parametrize("text", [
    "I'm flooded and he's hitting me", "help me ground, I want to die",
    "we're in our cycle and I'm not safe", "take a break she is going to hurt me",
    "um so I'm scared he will hurt me tonight",
])
def test_safety_wins(router, text):
    assert router.route(text).intent == "safety"


def test_clauses_all_cues(router):
    match = router.route("I'm flooded. I need space.")
    assert match.intent == "flooded"
    assert router.route("I'm flooded. Pass the salt.") is None


def test_guidance_beats_control_in_clauses(router):
    assert router.route("stop. I'm flooded.").intent == "flooded"


def test_every_phrase_routes_back_to_its_intent(router):
    """The recognizer grammar is built from phrases(): each must route to its own intent."""
    for intent in router.intents():
        for phrase in router.phrases([intent]):
            match = router.route(phrase)
            assert match is not None and match.intent == intent, (phrase, intent, match)


def test_phrase_list_covers_intents(router):
    assert set(router.intents()) == set(INTENTS)
    phrases = router.phrases()
    assert "i'm flooded" in phrases and "half an hour" not in phrases
    assert any("half an hour" in p for p in router.phrases(["pause"]))
    assert all(p == p.lower() and not any(c.isdigit() for c in p) for p in phrases)


def test_intent_groups():
    assert len(GUIDANCE) == 11 and "safety" in GUIDANCE and "withdrawing" in GUIDANCE
    assert set(CONTROLS) == {"stop", "repeat", "slower", "faster", "louder", "quieter", "next",
                             "help", "yes", "no", "more_time"}


def test_expand_templates():
    assert expand("(a|b) [c] d") == ["a c d", "a d", "b c d", "b d"]
    with pytest.raises(CueError):
        expand("(a|b")


def test_conflicting_cue_table_is_rejected():
    with pytest.raises(CueError, match="both"):
        Router({"stop": ["halt"], "next": ["halt"]})
    with pytest.raises(CueError, match="unknown intent"):
        Router({"dance": ["tango"]})


@pytest.mark.parametrize("text,tokens", [
    ("I’m FLOODED!!", ["i", "am", "flooded"]),
    ("half an hour", ["30", "minutes"]),
    ("twenty-five mins", ["25", "minutes"]),
    ("2 hrs", ["120", "minutes"]),
    ("can't", ["can", "not"]),
])
def test_normalize(text, tokens):
    assert normalize(text) == tokens
