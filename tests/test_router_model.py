"""The router's learned stage: the packaged model, its checks, and what it decides.

Every test here runs the real packaged model (CTranslate2, int8) on real text. Accuracy
figures on unseen sets are the benchmark's (bench/router_eval.py), not these tests': here
the model must fit its own labelled sentences, never make the device hear itself, and
fail loudly and safely when its files are damaged.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from pathlib import Path

import pytest

from voiceguide.errors import ModelError
from voiceguide.intents import DOUBTS, GUIDANCE, Intent
from voiceguide.library import device_lines, load_library
from voiceguide.routing.examples import CLASSES, read_examples
from voiceguide.routing.model import IntentModel, packaged_model_dir
from voiceguide.routing.router import Router, default_router
from voiceguide.routing.table import packaged_cue_file

_GUIDANCE = {i.value for i in GUIDANCE}
SENTENCES = Path(__file__).resolve().parent.parent / "voiceguide/lang/en/sentences"
ROUTER = default_router()


def test_the_packaged_model_loads_and_is_used():
    assert ROUTER.model is not None, "the packaged intent model did not load"
    # the model knows every class but the newest controls, which the rules alone route
    assert set(ROUTER.model.classes) <= set(CLASSES) and "safety_danger" in ROUTER.model.classes


def route(text):
    m = ROUTER.route(text)
    return m.intent.value if m else None


@pytest.mark.parametrize("intent", sorted(p.stem for p in SENTENCES.glob("*.tsv")))
def test_the_router_learned_its_own_sentences(intent):
    """Each intent's labelled sentences (the model's training data) route to it, nearly
    all (the benchmark measures what matters: sentences the model never saw)."""
    rows = read_examples(SENTENCES, {intent})
    # The template negatives are many and alike: one in four is enough to check the fit;
    # of the other ordinary sentences (about 8,000, the suite's slowest check), one in two.
    rows = [e for i, e in enumerate(rows) if i % (4 if e.source == "generated_s8" else
                                                  2 if intent == "none" else 1) == 0]
    got = ROUTER.route_many([e.text for e in rows])
    wrong = [(e.text, m.intent.value if m else None) for e, m in zip(rows, got)
             if (m.intent.value if m else "none") != intent
             and not (intent == "none" and m is not None and m.intent in DOUBTS)]
    # A guard against a worse model, at what the packaged one does (docs/router.md): it
    # does not fit all of its own data (three epochs, frozen word embeddings, labels that
    # disagree), least of all the controls, which have about 100 sentences each. Model v2
    # fits withdrawing at 93.9 %: a few "I need to get out of this room" read as safety,
    # near the new pleas about getting out (on blind sets G and H: 91.7 % and 94.4 %
    # right, none taken for safety).
    limit = {"safety": 0.012, "none": 0.025}.get(intent, 0.065 if intent in _GUIDANCE
                                                  else 0.12)
    share = len(wrong) / len(rows)
    assert share <= limit, f"{len(wrong)}/{len(rows)} wrong, e.g. {wrong[:8]}"


def test_no_line_the_device_says_starts_a_script_or_a_control():
    """The device hears itself: none of its lines (nor the cues it teaches, which the
    model alone would take, e.g. "I want to come back to this in twenty minutes") starts
    a script. Safety is left out on purpose: "call 911" said by a person is a plea, and
    the echo removal keeps the device from hearing its own."""
    lines = device_lines(load_library(router=ROUTER))
    heard = ROUTER.route_many(lines)
    cues = [(t, m.intent.value) for t, m in zip(lines, heard)
            if m is not None and m.intent not in (Intent.SAFETY, Intent.SAFETY_CHECK)]
    assert not cues, cues[:10]
    unhushed = Router(packaged_cue_file(), model=ROUTER.model)  # what the hush is for
    assert any(m is not None and m.intent not in (Intent.SAFETY, Intent.SAFETY_CHECK)
               for m in unhushed.route_many(lines))


@pytest.mark.parametrize("text, intent, slots", [
    ("I have the pills in my hand", "safety", {"safety": "self_harm", "imminent": True}),
    ("he's coming at me with a knife", "safety", {"safety": "danger", "imminent": True}),
    ("I wish I could go to sleep and not wake up", "safety", {"safety": "self_harm"}),
    ("quietly, he's in the next room and he scares me", "safety", {"discreet": True}),
    ("I'm going to jump in the shower", None, {}),
    ("this traffic is killing me", None, {}),
    ("the basement flooded again", None, {}),
])
def test_safety_and_its_slots(text, intent, slots):
    m = ROUTER.route(text)
    assert (m.intent.value if m else None) == intent, ROUTER.explain(text)
    for k, v in slots.items():
        assert m.slots.get(k) == v, (k, dict(m.slots))


@pytest.mark.parametrize("text, intent", [
    # a plea only the rules saw, in a longer sentence the model is sure is talk: the
    # short check line, never silence and never the full script
    ("the boys want to jump off the high board at the swimming pool on saturday",
     Intent.SAFETY_CHECK),
    # short pleas stand whatever the model thinks ("they are blocking the door" reads as
    # talk to it)
    ("they are blocking the door", Intent.SAFETY),
    # a control the rules found, said to a person inside a sentence
    ("hurry up, we're going to miss the train to your mum's", None),
    ("slow down, you're driving like my dad", None),
    ("slow down", Intent.SLOWER),
    ("can you speak a bit slower please", Intent.SLOWER),
    # a guidance cue the rules found in a longer sentence the model reads as talk
    ("my mind's gone blank, what's her name again", None),
    ("my mind's gone blank", Intent.FLOODED),
    # an answer the rules read stands, though the model hears a number to call in it
    ("it's a zero", Intent.SCORE),
])
def test_the_model_overrules_the_rules_only_on_longer_talk(text, intent):
    m = ROUTER.route(text)
    assert (m.intent if m else None) == intent, ROUTER.explain(text)


@pytest.mark.parametrize("text", [
    " ".join(["we talked about the garden and the weather and what to cook"] * 500),
    "\x00\x01\xff\ufffd" * 300 + "\u202e\u200b" * 50,
    "Ich gehe heute Abend mit dem Hund spazieren und kaufe Brot.",
    "今日はいい天気ですね",
    "", "   ", "?!?!", "12345 678",
])
def test_bad_input_routes_to_nothing_in_bounded_time(text):
    t0 = time.perf_counter()
    m = ROUTER.route(text)
    assert time.perf_counter() - t0 < 5.0
    assert m is None or m.intent == Intent.SAFETY_CHECK, ROUTER.explain(text)


def test_a_plea_at_the_end_of_a_long_ramble_is_still_heard():
    ramble = " ".join(["we were talking about the holidays and who is cooking"] * 30)
    m = ROUTER.route(ramble + " and now he is hitting me")
    assert m is not None and m.intent == Intent.SAFETY


def test_explain_names_the_rules_the_model_and_the_nearest_examples():
    from voiceguide.routing.explain import format_explanation
    text = format_explanation(ROUTER.explain("my chest is tight and my thoughts are racing"))
    assert "rules:" in text and "model:" in text and "like:" in text and "decided by:" in text


def _copy_model(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(packaged_model_dir(), target)
    return target


def test_a_damaged_model_file_is_one_clear_error(tmp_path):
    folder = _copy_model(tmp_path)
    with (folder / "heads.npz").open("r+b") as f:
        f.seek(100)
        f.write(b"\x00\x01\x02\x03")
    with pytest.raises(ModelError) as err:
        IntentModel(folder)
    assert "damaged" in str(err.value) and "\n" not in str(err.value)


def test_a_missing_model_is_one_clear_error(tmp_path):
    with pytest.raises(ModelError) as err:
        IntentModel(tmp_path)
    assert "tools/train_router.py" in str(err.value) and "\n" not in str(err.value)


def test_without_a_model_the_rules_still_route():
    rules = Router(packaged_cue_file())
    assert rules.model is None
    assert rules.route("I'm flooded").intent == Intent.FLOODED
    assert rules.route("he hit me").intent == Intent.SAFETY
