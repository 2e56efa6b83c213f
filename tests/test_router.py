"""Table-driven router tests: positives per intent, near-misses for every cue word, negation,
disfluency, third person, slots, safety kinds, and the device's own kinds of lines.

Phrasings here are written for the tests; they are not the evaluation splits in bench/data.
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


POSITIVES = {
    "flooded": [
        "I'm flooded", "I am so overwhelmed right now", "honestly I'm just totally flooded",
        "I'm getting really flooded", "I feel completely overloaded", "I'm shutting down",
        "my mind just went blank", "my head is spinning", "I can't think straight anymore",
        "this is way too much for me", "it's all too much", "I need some air",
        "I'm frozen, I can't move", "i cant think", "I'm about to lose it",
        "I think I'm having a panic attack", "my heart is pounding", "I'm shaking",
        "I feel like I'm drowning in this argument", "I can't process any of this",
        "I'm flooded, I need some space", "uh, I'm, I'm so overwhelmed",
    ],
    "chasing": [
        "I'm chasing him again", "I'm starting to chase her", "I want to follow her upstairs",
        "I really want to text him right now", "I need her to talk to me",
        "I feel abandoned", "it feels like he's leaving me", "I'm panicking",
        "I can't let this go", "I keep calling her and she won't pick up",
        "I want to go after him", "I need an answer right now", "I'm pursuing again",
        "I have this urge to chase him", "I want to keep messaging her",
        "I'm scared she's going to leave me",
    ],
    "withdrawing": [
        "I'm starting to withdraw", "I'm pulling away from her", "I just want to walk out",
        "I'm checking out", "I want to leave the room", "I'm going quiet again",
        "I want to shut him out", "I feel myself pulling back", "I just want to be alone",
        "I'm stonewalling her", "I want to get out of here", "I'm done talking",
    ],
    "grounding": [
        "help me ground", "I need to ground myself", "can you calm me down",
        "help me breathe", "let's do a breathing exercise", "I need to calm down",
        "walk me through some grounding", "I can't sleep", "I can't fall asleep",
        "help me settle", "I feel so anxious and tense", "ground me please",
        "can we do a body scan", "I want to slow my breathing down",
    ],
    "name_part": [
        "name the part", "what part of me is this", "which part is talking right now",
        "help me name this part", "can we do some parts work", "which part just got triggered",
        "my scared part is taking over", "help me figure out which part this is",
    ],
    "bridge": [
        "bridge sentence", "give me a bridge", "what do I say to him before I go",
        "how do I ask for a break", "help me tell her I need some space",
        "what should I say so she knows I'm coming back",
        "how do I tell him I need a pause without hurting him",
    ],
    "pause": [
        "take a break", "let's take a break", "can we pause for twenty minutes",
        "we need a time out", "pause for half an hour", "I need a breather",
        "let's take 20 mins", "start a pause timer", "we should step away for a bit",
        "I need a minute", "give me a sec", "let's take five",
    ],
    "repair": [
        "help us repair", "I want to make up with her", "how do we reconnect",
        "I'm ready to make up", "I want to apologize to him", "help me say I'm sorry",
        "we need to fix this", "can we make up now", "we're back",
    ],
    "cycle": [
        "we're in our cycle", "I think we're in the cycle again", "this is our dance",
        "here we go again", "we're doing it again", "same old fight again",
        "we're stuck in our pattern", "we keep going around in circles",
        "were in our cycle",
    ],
    "soft_startup": [
        "help me bring something up", "how do I start this", "how do I raise something hard",
        "I want to bring something up without a fight",
        "help me start a difficult conversation", "soft start up",
        "how do I say this without blaming her",
    ],
    "stop": ["stop", "Stop!", "stop talking", "be quiet", "okay stop", "cancel the timer",
             "that's enough", "stop, stop"],
    "repeat": ["repeat", "again", "say that again", "can you repeat that", "what did you say",
               "sorry, what?"],
    "slower": ["slower", "slow down", "can you speak more slowly", "you're going too fast"],
    "faster": ["faster", "speed up", "you're too slow", "can you talk faster"],
    "louder": ["louder", "speak up", "I can't hear you", "turn it up"],
    "quieter": ["quieter", "softer", "too loud", "turn it down"],
    "next": ["next", "skip", "skip this one", "something else", "try another tool",
             "let's move on"],
    "help": ["what can I say", "what can you do", "list the options", "how does this work"],
    "yes": ["yes", "yeah", "sure", "okay", "yes please", "go ahead", "sounds good"],
    "no": ["no", "nope", "not now", "no thanks", "maybe later", "I'm fine"],
    "more_time": ["ten more minutes", "I need more time", "give us five more minutes",
                  "another fifteen minutes", "extend the pause"],
    "score": ["seven", "about a four", "8 out of 10", "maybe 3", "I'd say six", "zero"],
}

SAFETY = [
    # (text, kind)
    ("I'm not safe", "general"), ("I don't feel safe", "general"), ("I feel unsafe", "general"),
    ("I'm in danger", "general"), ("help", "general"), ("please help", "general"),
    ("help me", "general"), ("emergency", "general"), ("I need help now", "general"),
    ("somebody help me", "general"), ("this is an emergency", "general"),
    ("he's hitting me", "danger"), ("she slapped me", "danger"), ("he pushed me", "danger"),
    ("he grabbed me by the wrist", "danger"), ("she choked me", "danger"),
    ("he's blocking the door", "danger"), ("she won't let me leave", "danger"),
    ("they're not letting me go out", "danger"), ("he has a knife", "danger"),
    ("my husband is threatening me", "danger"), ("I'm scared he'll hurt me", "danger"),
    ("he said he would kill me", "danger"), ("I want to hit him", "danger"),
    ("I'm afraid I'll hurt her", "danger"), ("I got hit", "danger"),
    ("he took my phone", "danger"), ("I'm locked in the bathroom", "danger"),
    ("I want to die", "self_harm"), ("I want to kill myself", "self_harm"),
    ("I'm suicidal", "self_harm"), ("I don't want to be here anymore", "self_harm"),
    ("I don't want to live", "self_harm"), ("I took too many pills", "self_harm"),
    ("I'm thinking about ending it all", "self_harm"), ("I want to hurt myself", "self_harm"),
    ("I wish I was dead", "self_harm"), ("everyone would be better off without me", "self_harm"),
    ("I've been cutting myself", "self_harm"),
]

# Ordinary talk, including a near-miss for every cue word.
NEGATIVES = [
    "", "   ", "the basement flooded", "the kitchen flooded again last winter",
    "I'm flooded with emails", "the market is overwhelmed with orders", "the dog keeps chasing the cat",
    "I need to chase up the plumber", "I'm chasing the deadline", "we need to repair the roof",
    "we should repair the fence before spring", "can you repair the bike", "spring break",
    "the spin cycle takes an hour", "the cycle path is closed", "the beans are finely ground",
    "ground the coffee beans", "which part of the car is broken", "what part of the car is this",
    "pause the movie", "kill the lights", "I'd die for a coffee", "help me find my keys",
    "you never listen to me", "you always do this", "why are you like this",
    "take a break from the spreadsheet and eat", "give me a break, that's ridiculous",
    "the bridge is closed", "what do I say to grandma on her birthday",
    "I can't sleep in this heat without a fan", "name the cat", "we're doing the dishes",
    "pass the salt", "dinner is ready", "did you feed the dog", "I'll be home at seven",
    "turn off the lights", "the emergency room bill came", "the kids are hitting the ball around",
    "stop by the store on the way home", "again with the traffic", "yes we have no bananas",
    "time out in hockey is thirty seconds", "she made up a story", "next week is busy",
    "I'm done with the report", "twenty", "forty seven", "11", "the game is on at eight",
    "he's flooded with work", "she's overwhelmed at her new job", "my phone died",
    "this pattern on the rug is ugly", "we went to a dance class", "I'm pushing the car",
    "she pushed the door open", "he hit the ball over the fence", "the knife is in the drawer",
    "pass me the bread knife", "I need to take my pills with food", "did you take your vitamins",
    "the ground is wet", "I need a break pad for the car", "let's break the chocolate in half",
    "the break room is on the left", "I want to make up a song", "can you text me the address",
    "I'll call you when I leave work", "follow the recipe", "she follows a lot of chefs",
    "the police station is on Main Street", "I'm afraid of spiders", "the plants need water",
    "my part of the rent is due", "the parts arrived today", "I'm not flooded",
    "I'm not overwhelmed, just tired", "I don't want to take a break", "he's chasing her",
    "she's withdrawing money from the bank", "we're in the car", "our dance recital is friday",
    "this is too much salt", "it's too much money", "I'm out of milk", "I'm leaving for work",
    "the movie was about a suicide bomber", "the show had a stabbing in it",
]

# The device's own kinds of lines: second-person instructions and conditionals.
DEVICE_LINES = [
    "If you are in danger right now, call 911.", "If you might hurt yourself, reach a crisis line.",
    "Breathe in for four, and out for six.", "Put both feet on the floor.",
    "You are free to go somewhere safe.", "If anyone is in danger, call 911 now.",
    "Your partner is not leaving the relationship by going quiet.",
    "You noticed the urge to chase.", "A part of you is overwhelmed.",
    "Notice where it sits in your body.", "There are people who can make a safety plan with you.",
    "Drop your shoulders, and let your jaw go loose.", "Your pause is over.",
    "The pull to follow is strong right now.", "Let the bed hold your weight.",
    "You can tell me how it feels, for example I'm flooded, or I'm starting to chase.",
    "Say it slowly.", "Later, you might say something kind.",
]


def _cases(table: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(text, intent) for intent, texts in table.items() for text in texts]


@pytest.mark.parametrize("text,intent", _cases(POSITIVES))
def test_positive(router, text, intent):
    match = router.route(text)
    assert match is not None, text
    assert match.intent == intent, (text, match)


@pytest.mark.parametrize("text,kind", SAFETY)
def test_safety_and_its_kind(router, text, kind):
    match = router.route(text)
    assert match is not None and match.intent == "safety", (text, match)
    assert match.slots["safety"] == kind, (text, match.slots)


@pytest.mark.parametrize("text", NEGATIVES)
def test_negative(router, text):
    assert router.route(text) is None, (text, router.route(text))


@pytest.mark.parametrize("text", ["i", "i am", "we are", "i want to", "i feel", "it is",
                                  "this is", "i need", "can we", "let us", "i am with you",
                                  "we can wait", "i am here", "um", "like"])
def test_fragments_route_to_nothing(router, text):
    """No template may be so loose that a bare subject or fragment matches it."""
    assert router.route(text) is None, (text, router.route(text))


@pytest.mark.parametrize("text", DEVICE_LINES)
def test_device_lines_route_to_nothing(router, text):
    assert router.route(text) is None, (text, router.route(text))


@pytest.mark.parametrize("text,intent", [
    # Whisper: capitals and punctuation; Vosk/PocketSphinx: bare lowercase words
    ("I'm flooded.", "flooded"), ("im flooded", "flooded"), ("i am flooded", "flooded"),
    ("Were in our cycle.", "cycle"), ("were in our cycle", "cycle"),
    ("HELP ME GROUND", "grounding"), ("lets take a break", "pause"),
    ("whats the part thats loud", "name_part"),
    # fillers anywhere, repetitions, stutters
    ("um so like I'm, I'm really flooded right now honestly", "flooded"),
    ("I I I need a break", "pause"), ("I'm ch- chasing him", "chasing"),
    ("okay okay, help me ground", "grounding"), ("stop stop stop", "stop"),
    # tense and him/her/them
    ("I've been pulling away from him all day", "withdrawing"),
    ("I was starting to chase them", "chasing"), ("I want to follow them", "chasing"),
])
def test_recognizer_text_and_disfluency(router, text, intent):
    match = router.route(text)
    assert match is not None and match.intent == intent, (text, match)


@pytest.mark.parametrize("text", [
    "I'm not flooded", "I'm not chasing him", "I don't want to pull away", "we're not in our cycle",
    "I don't need to ground", "he's flooded", "she's chasing him", "they're in their cycle",
    "my sister is overwhelmed",
])
def test_negation_and_third_person_route_to_nothing(router, text):
    assert router.route(text) is None, (text, router.route(text))


@pytest.mark.parametrize("text", ["I don't feel safe", "I can't feel safe here",
                                  "I'm not safe at home", "I don't want to live anymore"])
def test_negated_safety_is_still_safety(router, text):
    assert router.route(text).intent == "safety"


@pytest.mark.parametrize("text", [
    "I'm flooded and he's hitting me", "help me ground, I want to die",
    "we're in our cycle and I'm not safe", "take a break, she is going to hurt me",
    "um so I'm scared he will hurt me tonight", "stop. he grabbed my arm.",
    "what can I say, he won't let me leave",
])
def test_safety_wins(router, text):
    assert router.route(text).intent == "safety"


@pytest.mark.parametrize("text,discreet", [
    ("quiet safety", True), ("safety, quietly", True), ("I need help but quietly", True),
    ("help, he can hear me", True), ("I'm not safe", False), ("help", False),
])
def test_discreet_slot(router, text, discreet):
    match = router.route(text)
    assert match.intent == "safety"
    assert match.slots.get("discreet", False) is discreet


@pytest.mark.parametrize("text,minutes", [
    ("we need twenty minutes", 20), ("pause for half an hour", 30), ("take 45 minutes", 45),
    ("we need twenty-five minutes", 25), ("pause for an hour", 60), ("pause for 2 hours", 120),
    ("take a 20 min break", 20), ("pause for an hour and a half", 90),
    ("let's take a break for fifteen minutes", 15), ("let's take ten", 10),
    ("we need a time out, half an hour", 30), ("pause for one minute", 1),
])
def test_pause_minutes_slot(router, text, minutes):
    match = router.route(text)
    assert match.intent == "pause" and match.slots["minutes"] == minutes, (text, match)


@pytest.mark.parametrize("text", ["I need a minute", "give me a sec", "I need a moment",
                                  "we need a break", "can we pause"])
def test_idioms_are_a_pause_without_minutes(router, text):
    match = router.route(text)
    assert match.intent == "pause" and "minutes" not in match.slots, (text, match)


def test_more_time_minutes_and_default(router):
    assert router.route("ten more minutes").slots == {"minutes": 10}
    assert router.route("another 15 minutes").slots == {"minutes": 15}
    assert router.route("more time").slots == {}


def test_slot_limits(router):
    assert router.route("pause for 3000 minutes") is None  # over 24 hours
    assert router.route("pause for 24 hours").slots["minutes"] == 1440
    assert router.route("11") is None  # scores are 0-10
    assert router.route("seven").slots == {"score": 7}


@pytest.mark.parametrize("text,intent", [
    ("I can't sleep", "grounding"), ("it's 3am and I'm lying awake", "grounding"),
    ("I keep waking up and I can't get back to sleep", "grounding"),
    ("I'm lying in bed and I'm so flooded", "flooded"),
])
def test_bedside_slot(router, text, intent):
    match = router.route(text)
    assert match.intent == intent and match.slots.get("bedside") is True, (text, match)


def test_no_bedside_by_day(router):
    assert "bedside" not in router.route("help me ground").slots
    assert "bedside" not in router.route("I'm flooded").slots


@pytest.mark.parametrize("text,away", [
    ("I want to text him while he's gone", True),
    ("she's been gone 10 minutes and I want to follow her", True),
    ("he left for his walk and I want to call him", True),
    ("I'm chasing her", False),
])
def test_away_slot(router, text, away):
    match = router.route(text)
    assert match.intent == "chasing", (text, match)
    assert match.slots.get("away", False) is away
    assert "minutes" not in match.slots


def test_first_asking_clause_wins(router):
    assert router.route("help me calm down, I'm shaking").intent == "grounding"
    assert router.route("we're in our cycle, can we take a break").intent == "cycle"
    assert router.route("stop. I'm flooded.").intent == "flooded"
    assert router.route("I'm flooded. Pass the salt.").intent == "flooded"


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
                             "help", "yes", "no", "more_time"}


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
    (tmp_path / "_common.toml").write_text('[fillers]\nleading = ["bitte"]\n')
    (tmp_path / "stop.toml").write_text('phrases = ["halt"]\n')
    (tmp_path / "safety.toml").write_text('alone = ["hilfe"]\n')
    r = default_router(str(tmp_path))
    assert r.route("bitte halt").intent == "stop"
    assert r.route("hilfe").slots == {"safety": "general"}
    assert r.intents() == ["safety", "stop"]
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
])
def test_normalize(text, tokens):
    assert normalize(text) == tokens


# ---- round two: people's own words, as Whisper and grammar-free recognizers write them ----

@pytest.mark.parametrize("text,intent", [
    # a clause said without its subject (Whisper writes the fragments)
    ("Need to breathe.", "grounding"), ("Can't think.", "flooded"), ("Going quiet.", "withdrawing"),
    ("Want to go after him.", "chasing"), ("Head's spinning.", "flooded"),
    ("Keep texting her. Can't stop.", "chasing"), ("lying awake again", "grounding"),
    # a concept in the speaker's own clause, with words around it
    ("I realise I'm honestly pretty overloaded", "flooded"),
    ("I notice I'm withdrawing from her", "withdrawing"),
    ("my chest is so tight", "flooded"), ("my jaw's locked up", "flooded"),
    ("I'm in full pursuer mode", "chasing"), ("my avoidant part wants to bolt", "withdrawing"),
    ("my protector part just got activated", "name_part"),
    ("help me unblend from this angry part", "name_part"),
    ("is there something for when we keep going around in circles?", "cycle"),
    ("I keep checking my phone to see if he answered", "chasing"),
    ("my heart is pounding and I can't get a word out", "flooded"),
    # non-native English and chat spellings
    ("How I can ask her for a pause?", "bridge"), ("I am wanting to make up with him", "repair"),
    ("Please speak little slowly", "slower"), ("More loud please", "louder"),
    ("can u slow down", "slower"), ("I am not able to think properly", "flooded"),
    ("We need to make a pause of ten minutes", "pause"),
    # recognizer text without punctuation or apostrophes
    ("babe were stuck in our pattern", "cycle"), ("its too much my mind is blank", "flooded"),
    ("cant sleep my thoughts keep racing", "grounding"), ("okay thats enough stop", "stop"),
    ("sure lets do it", "yes"), ("im chasin her again", "chasing"),
    ("its way to much", "flooded"), ("my protectors up help me name it", "name_part"),
    # a control with its reason; a comma in the middle of a clause
    ("slower please, I'm still learning English", "slower"), ("louder, the fan is on", "louder"),
    ("I, um, I want to, like, make it right with him", "repair"),
    ("Yes, thank you.", "yes"),
])
def test_own_words_and_recognizer_text(router, text, intent):
    match = router.route(text)
    assert match is not None and match.intent == intent, (text, match)


@pytest.mark.parametrize("text,kind", [
    ("id rather not be alive", "self_harm"), ("hell kill me if i go", "danger"),
    ("Thinking about hurting myself again.", "self_harm"),
    ("I keep staring at the pills in the drawer", "self_harm"),
    ("he's smashing the doors and coming at me", "danger"),
    ("I need the domestic violence hotline", "danger"), ("I'm living with domestic abuse", "danger"),
    ("help, quietly, she's in the next room", "danger"),
    ("quietly i need help shes right here", "danger"),
])
def test_safety_in_own_words(router, text, kind):
    match = router.route(text)
    assert match is not None and match.intent == "safety", (text, match)
    assert match.slots["safety"] == kind, (text, match.slots)


@pytest.mark.parametrize("text", [
    # the device naming a line is not a plea
    "A domestic violence line can help you plan.", "There are domestic violence lines too.",
    # the gap holds no negation and no other person or thing
    "I'm not overloaded at all", "I think the server is overloaded", "my basement is flooded",
    "I'm overwhelmed with invoices", "my mom can't sleep since her operation",
    "he can't think straight after a night shift", "the kids were in the garden",
    "well be there at six", "I'm heading out to the shop", "Heading out.", "i am cold",
    # whole-only cues, and controls that need every clause
    "here we go again, the dishwasher is leaking", "stop, the bus is here", "next, we need milk",
    "everything is coming at me at once at work",
    "I can't leave it in the oven much longer", "help help me find my glasses",
])
def test_round_two_negatives(router, text):
    assert router.route(text) is None, (text, router.route(text))


def test_pause_minutes_from_back_in(router):
    match = router.route("Okay. Taking a break now. Back in 15.")
    assert match.intent == "pause" and match.slots.get("minutes") == 15, match


def test_here_we_go_again_alone_is_the_cycle(router):
    assert router.route("here we go again").intent == "cycle"
    assert router.route("Here we go again.").intent == "cycle"


def test_explain_names_the_new_evidence(router):
    text = format_explanation(router.explain("Need to breathe."))
    assert "also read as: 'i need to breathe'" in text
    text = format_explanation(router.explain("babe were in our cycle"))
    assert "recognizer spelling" in text
    text = format_explanation(router.explain("How I can ask her for a pause?"))
    assert "read 'how i can' as 'how can i'" in text
    text = format_explanation(router.explain("I find I'm quite overwhelmed"))
    assert "result:     flooded" in text


# Round three: the concepts behind dev6's missed safety phrasings, in other words
# (other verbs, tenses, persons, recognizer spellings), written for these tests.
@pytest.mark.parametrize("text,kind", [
    # violence idioms, and fear of what the partner will do
    ("she laid into me in the hallway", "danger"), ("im scared shell go for me again", "danger"),
    ("he battered me last week and I'm afraid he'll do it again", "danger"),
    ("I'm petrified they're going to lay into me", "danger"),
    ("I'm worried about what she might do to me", "danger"),
    # a weapon with a kind word before it, a weapon out, a gun named at all
    ("she's holding the carving knife", "danger"), ("he took his knife out", "danger"),
    ("there was a gun on the table and she was screaming", "danger"),
    ("there's a loaded rifle in the hall, he's drunk", "danger"),
    # threats in so many words
    ("she keeps telling me I'll regret this", "danger"),
    ("he said you're going to pay for this", "danger"),
    # hands at the throat, however said
    ("her hands were round my neck", "danger"), ("he grabbed me by the throat", "danger"),
    ("his fingers on my throat", "danger"),
    # slang for killing oneself, pills taken, goodbyes
    ("thinking i might off myself", "self_harm"), ("I could just do myself in", "self_harm"),
    ("im going to unalive myself", "self_harm"), ("i swallowed a load of tablets", "self_harm"),
    ("I've overdosed", "self_harm"), ("I wrote letters for my kids, they'll need them after", "self_harm"),
    ("I've said my goodbyes to everybody", "self_harm"),
    ("I've been giving away all my stuff", "self_harm"),
])
def test_round_three_safety_concepts(router, text, kind):
    match = router.route(text)
    assert match is not None and match.intent == "safety", (text, match)
    assert match.slots["safety"] == kind, (text, match.slots)


@pytest.mark.parametrize("text", [
    "bring up the hotline number but keep the sound off", "text me the crisis line",
    "I need a helpline", "private safety info please", "silent help now",
    "can you put the emergency numbers on the screen, no sound",
    "pull up the help numbers, he mustn't know",
])
def test_round_three_asking_for_the_line_quietly(router, text):
    match = router.route(text)
    assert match is not None and match.intent == "safety", (text, match)


@pytest.mark.parametrize("text,slots", [
    ("help me quietly, she can't find out about this", {"safety": "danger", "discreet": True}),
    ("I need help, he checks my phone", {"safety": "danger"}),
    ("give me the safety numbers, don't say them out", {"discreet": True}),
])
def test_round_three_safety_slots(router, text, slots):
    match = router.route(text)
    assert match is not None and match.intent == "safety", (text, match)
    for key, value in slots.items():
        assert match.slots.get(key) == value, (text, match.slots)


@pytest.mark.parametrize("text", [
    "I took my pills with breakfast", "there's a bat in the attic",
    "the knife drawer is stuck", "I'll regret eating all that cake",
    "she went for a run", "he's going for the job in Leeds", "I have odd socks on",
])
def test_round_three_safety_negatives(router, text):
    assert router.route(text) is None, (text, router.route(text))


@pytest.mark.parametrize("text,slot", [
    ("we're lying next to each other and I want to chase her", "bedside"),
    ("what do I say if I sleep on the sofa", "bedside"),
    ("the break is still running and I want to message her", "away"),
])
def test_round_three_night_and_away_slots(router, text, slot):
    match = router.route(text)
    assert match is not None and match.slots.get(slot) is True, (text, match)


@pytest.mark.parametrize("text", [
    # a clause that denies an intent takes it away from the other clauses
    "I'm not flooded, I'm just fed up", "I'm not shutting down, I'm thinking",
    # permission or pretence claims no state
    "I'm entitled to be upset about this", "she says I'm pretending to be overwhelmed",
    # speed words to whoever is driving
    "slow down, the road's icy", "speed up a bit, we're holding up traffic",
    # an animal or the weather "won't let me leave" is not danger
    "the cat won't let me leave the sofa", "this rain won't let me leave the house",
])
def test_round_three_negatives(router, text):
    assert router.route(text) is None, (text, router.route(text))


def test_round_three_denial_keeps_other_intents_and_danger_stays(router):
    assert router.route("slow down, I can't follow you").intent == "slower"
    assert router.route("the dog won't let me leave and he hit me").intent == "safety"
    assert router.route("he won't let me leave the house").intent == "safety"


@pytest.mark.parametrize("text,intent", [
    # grounding: walked through something, an exercise for breathing, the heart rate down
    ("could you talk me through something that helps me calm down", "grounding"),
    ("coach me through some deep breaths", "grounding"), ("I want my pulse to slow down", "grounding"),
    ("give me an exercise for my nerves", "grounding"), ("the body scan one please", "grounding"),
    # name the part: a part of me said in the first person, which bit of me
    ("one part of me is so loud, I have no idea what to call it", "name_part"),
    ("I can sense a part of me that is furious", "name_part"),
    ("my manager part keeps trying to fix everything", "name_part"),
    ("what side of me is reacting", "name_part"), ("something inside me just took over", "name_part"),
    # pause: both of us, stop talking for a while, stop and come back
    ("pause us for 10 minutes", "pause"), ("we need to both take a break", "pause"),
    ("we should both cool off for a bit", "pause"), ("let's stop arguing for tonight", "pause"),
    ("maybe we should stop this and come back to it later", "pause"),
])
def test_round_three_guidance_concepts(router, text, intent):
    match = router.route(text)
    assert match is not None and match.intent == intent, (text, match)


@pytest.mark.parametrize("text,intent", [
    # flooded: froze, fight or flight, the body locks up, alone as a whole utterance
    ("I just locked up", "flooded"), ("I've gone into survival mode", "flooded"),
    ("whenever he sighs like that my chest goes tight", "flooded"), ("way too much", "flooded"),
    ("overstimulated", "flooded"),
    # chasing: another message, make him talk, knock until, waiting outside the door
    ("I'm desperate to phone her", "chasing"), ("I want to fire off one more message", "chasing"),
    ("I want to get him to answer me", "chasing"), ("I'm pacing outside his office door", "chasing"),
    ("every bit of me wants to follow her down the hallway", "chasing"),
    ("I want to keep knocking till he opens up", "chasing"),
    # withdrawing
    ("I'm mentally out the door", "withdrawing"), ("I keep eyeing the car keys", "withdrawing"),
    ("I feel myself drifting away from her", "withdrawing"), ("I've gone quiet on him", "withdrawing"),
    ("I want to sleep in the spare room just to avoid her", "withdrawing"),
    # cycle
    ("it's our push and pull thing", "cycle"), ("the pattern is the enemy, not you", "cycle"),
    ("typical us", "cycle"), ("we're doing the same old dance again", "cycle"),
    ("ugh here we go again", "cycle"),
    # bridge, repair, soft startup
    ("script me some words for a time out", "bridge"),
    ("I want to go back to her and say sorry", "repair"),
    ("what's the best way to start talking about money gently", "soft_startup"),
    ("I want to bring up the holidays without it turning into a row", "soft_startup"),
    # controls
    ("close this session", "stop"), ("a tad slower please", "slower"),
    ("I can't hear you over the kettle", "louder"), ("what commands do you understand", "help"),
])
def test_round_three_more_guidance_concepts(router, text, intent):
    match = router.route(text)
    assert match is not None and match.intent == intent, (text, match)


@pytest.mark.parametrize("text", [
    "that's too much salt", "I froze the leftovers", "the oven is overloaded with trays",
    "my face goes red in the sun", "I keep looking at the door colours in the catalogue",
    "the cycle lane is blocked", "I sent nine texts to the plumber",
])
def test_round_three_guidance_negatives(router, text):
    assert router.route(text) is None, (text, router.route(text))


@pytest.mark.parametrize("text,intent", [
    # naming the cycle, then asking for the way out: the request wins
    ("we keep going round in circles, can we take a break for 15 minutes", "pause"),
    # the roles in the cycle are still the cycle
    ("we're in the same pattern, I'm chasing and she's hiding", "cycle"),
    # a pause said first, then asking what to say: the words are the request
    ("I have to walk away for a bit, but how do I tell him so he doesn't panic", "bridge"),
    # a part, then asking to say it
    ("one part of me is furious, can you help me put words to it", "name_part"),
])
def test_round_three_which_clause_wins(router, text, intent):
    match = router.route(text)
    assert match is not None and match.intent == intent, (text, match)


@pytest.mark.parametrize("text", [
    "shes going off and im scared shell lay into me", "he keeps saying ill pay for this",
    "im terrified hell batter me when he gets back",
])
def test_round_three_recognizer_threats(router, text):
    match = router.route(text)
    assert match is not None and match.slots.get("safety") == "danger", (text, match)


@pytest.mark.parametrize("text,kind", [
    ("i swallowed to many tablets", "self_harm"),
    ("need help quietly she reads my messages", "danger"),
])
def test_round_three_recognizer_safety(router, text, kind):
    match = router.route(text)
    assert match is not None and match.slots.get("safety") == kind, (text, match)


@pytest.mark.parametrize("text,kind", [
    ("she threatened she'd set fire to my car", "danger"), ("he's taking his belt off", "danger"),
    ("he's brandishing a frying pan at me", "danger"), ("my lip is split open", "general"),
    ("no one would even notice if I was gone", "self_harm"),
    ("I only want the pain to stop", "self_harm"),
    ("I keep thinking about not waking up", "self_harm"),
])
def test_round_three_more_safety_neighbours(router, text, kind):
    match = router.route(text)
    assert match is not None and match.slots.get("safety") == kind, (text, match)


@pytest.mark.parametrize("text", [
    "I've been thinking about ending things with her", "I want the arguing to stop",
    "I took my belt off before bed", "nobody would miss the old sofa",
])
def test_round_three_more_safety_negatives(router, text):
    assert router.route(text) is None, (text, router.route(text))


@pytest.mark.parametrize("text,intent", [
    ("I can't stop checking whether she's seen my text", "chasing"),
    ("my hands won't stop trembling", "grounding"), ("we need 30 minutes apart", "pause"),
    ("there is an angry part inside me", "name_part"),
    ("help me put words to what is happening inside me", "name_part"),
])
def test_round_three_own_probe_phrasings(router, text, intent):
    match = router.route(text)
    assert match is not None and match.intent == intent, (text, match)
