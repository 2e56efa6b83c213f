"""When the router is unsure a guidance script was asked for, one question offers it
("Did you want grounding? Say yes."): the real router and model, the session on a virtual
clock. How often it fires on ordinary talk is measured in bench/offers.py."""

from __future__ import annotations

from session_harness import ROUTER, Harness
from voiceguide.intents import GUIDANCE, Intent
from voiceguide.library import device_lines, spoken_pieces
from voiceguide.session.handlers import SUGGEST_GAP, SUGGEST_WAIT

CANDIDATES = ("I can feel the shutters coming down",
              "my jaw is tight and my fists are clenched, walk me through it",
              "um what do I say to him before I go for a walk",
              "I want to take his hand and start again")
"""Vague cues where the model leans to one guidance script but below the line where it
would start it; which of them sits in that band moves a little with each model."""
UNSURE = next((t for t in CANDIDATES if (m := ROUTER.route(t)) is not None
               and m.intent == Intent.SUGGEST), CANDIDATES[0])


def _suggested(text: str) -> str:
    m = ROUTER.route(text)
    assert m is not None and m.intent == Intent.SUGGEST, ROUTER.explain(text)
    return str(m.slots["suggested"])


def test_a_doubtful_cue_gets_one_question_and_yes_starts_that_script():
    intent = _suggested(UNSURE)
    h = Harness()
    h.cue(UNSURE)
    assert h.play() == [h.library.prompts.suggest[intent]]
    h.cue("yes")
    said = h.play()
    assert h.script_of(said).intent == intent


def test_no_or_silence_lets_the_suggestion_go_without_a_word():
    h = Harness()
    h.cue(UNSURE)
    h.play()
    h.cue("no")
    assert h.play() == []
    h.cue(UNSURE)  # (spaced out: asked again only after SUGGEST_GAP)
    assert h.play() == []
    h.wait(SUGGEST_GAP.total_seconds())
    h.cue(UNSURE)
    assert h.play() == [h.library.prompts.suggest[_suggested(UNSURE)]]
    h.wait(SUGGEST_WAIT + 1)  # unanswered: it lapses, and a late "yes" starts nothing
    h.cue("yes")
    assert h.play() == [] and h.session.playing is None


def test_a_suggestion_never_interrupts_a_script_or_another_question():
    h = Harness()
    h.cue("I'm flooded")
    h.step()
    h.cue(UNSURE)  # the script goes on
    said = h.play()
    assert h.script_of(said).intent == "flooded"
    assert said[-1].startswith("Would you like me to start a pause timer")
    h.cue(UNSURE)  # the timer question is still waiting: no second question
    assert h.play() == []
    assert h.session.offer is not None and h.session.offer.kind == "pause"


def test_the_device_does_not_take_its_own_question_as_a_cue():
    """Outside its quoted cue (which the echo removal drops as the device's own), the
    question routes to nothing, by rules or model."""
    library = Harness().library
    pieces = [p for line in library.prompts.suggest.values()
              for p in spoken_pieces(line, quoted_ok=True)]
    assert pieces and set(pieces) <= set(device_lines(library))
    assert [(p, m) for p, m in zip(pieces, ROUTER.route_many(pieces)) if m] == []


def test_ordinary_talk_gets_no_suggestion():
    talk = ["pass me the salt", "the kettle's boiling", "did you feed the cat",
            "we should paint the hallway this spring", "my sister is coming on friday"]
    assert [m for m in ROUTER.route_many(talk) if m is not None] == []


def test_a_few_words_are_never_offered():
    """Short bits of heard talk ("is it me?", a lone "billion") drew most false offers:
    under ``suggest_words`` words the model's lean is not enough to ask."""
    t = ROUTER.thresholds
    short = ["is it me?", "my chest", "I'm stuck", "billion", "give me words"]
    assert all(len(text.split()) < t.suggest_words for text in short)
    scores = ROUTER.model.score_texts(short)
    leaning = [text for text, sc in zip(short, scores) if sc.safety < t.safety_doubt
               and t.suggest <= max(sc.probs.get(i.value, 0.0) for i in GUIDANCE) < t.cue]
    assert leaning, "none of these leans to a script any more: pick others"
    assert [m for m in ROUTER.route_many(leaning) if m is not None
            and m.intent == Intent.SUGGEST] == []
