"""Imminent danger (the means in hand, something taken, violence under way, a weapon out):
the emergency number is the first thing said, within five seconds. Checked three ways:
the library's own rule, the session's first line, and rendered audio heard back by the
real recognizer (the number must be in the first five seconds of the WAV)."""

from __future__ import annotations

import json
import re

import pytest

from session_harness import LIB, Harness
from voiceguide.audio import Audio, read_wav, write_wav
from voiceguide.errors import ScriptError
from voiceguide.library import IMMINENT_SECONDS, Script, check_script, first_line_seconds
from voiceguide.router import default_router
from voiceguide.session import Show, Speak

SELF_HARM_NOW = ["I have the pills in my hand", "I took too many pills",
                 "I'm holding the razor", "I just cut myself"]
DANGER_NOW = ["he has a knife", "his hands are around my throat", "he's hitting me",
              "he's breaking down the door"]
NOT_NOW = ["I want to die", "I'm scared he'll hurt me", "I'm not safe"]


def first_action(h: Harness):
    return h.session.next_action(h.clock.now())


@pytest.mark.parametrize("cue", SELF_HARM_NOW + DANGER_NOW)
def test_the_first_line_says_the_emergency_number(cue):
    h = Harness(country="GB")
    match = h.cue(cue)
    assert match.slots.get("imminent") is True, match
    first = first_action(h)
    assert isinstance(first, Speak) and "999" in first.text, first
    assert h.session.playing.script.imminent


@pytest.mark.parametrize("cue", NOT_NOW)
def test_other_safety_cues_keep_their_own_scripts(cue):
    h = Harness()
    h.cue(cue)
    first_action(h)
    assert not h.session.playing.script.imminent


def test_safety_wins_over_a_running_script_and_the_number_still_comes_first():
    h = Harness()
    h.cue("I'm flooded")
    h.step()
    h.cue("he has a knife")
    assert "911" in first_action(h).text


def test_discreet_with_a_screen_shows_the_number_first():
    h = Harness()
    h.cue("quietly, he has a knife")
    first = first_action(h)
    assert isinstance(first, Show) and "911" in first.text


def test_discreet_with_no_screen_says_the_number_first_low_and_slow():
    loud = Harness()
    loud.cue("he has a knife")
    normal = first_action(loud)
    h = Harness()
    h.session.screen = False
    h.cue("quietly, he has a knife")
    first = first_action(h)
    assert isinstance(first, Speak) and "911" in first.text
    assert first.volume < 0.5 and first.rate < normal.rate


def test_every_situation_has_an_imminent_script_whose_number_is_early():
    for situation in ("danger", "self_harm", "general"):
        pool = LIB.variants("safety", situation=situation, imminent=True)
        assert pool and all(s.imminent and s.situation == situation for s in pool)
        for script in pool:
            assert first_line_seconds(script) <= IMMINENT_SECONDS


def _script(first: str) -> Script:
    return Script.model_validate({
        "id": "x", "intent": "safety", "situation": "danger", "imminent": True, "title": "x",
        "steps": [{"text": first}, {"text": "Or call {emergency_number}."},
                  {"text": "Support line: {dv_line}."},
                  {"text": "Get out if you can."}]})


def test_the_library_rejects_an_imminent_script_with_the_number_late_or_missing(tmp_path):
    router = default_router().rules_only()
    check_script(_script("Call now, on {emergency_number}."), tmp_path / "ok.toml", router)
    late = ("Take a slow breath, find your phone, and when you have it in your hand, "
            "call {emergency_number}.")
    with pytest.raises(ScriptError, match="within 5 s"):
        check_script(_script(late), tmp_path / "late.toml", router)
    with pytest.raises(ScriptError, match="in its first line"):  # said, but only later
        check_script(_script("Get out if you can, toward people."), tmp_path / "no.toml",
                     router)


_WORDS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
          "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}


def _digits(text: str) -> str:
    words = re.findall(r"[a-z]+|\d", text.lower())
    return "".join(_WORDS.get(w, w) for w in words if w.isdigit() or w in _WORDS)


@pytest.mark.parametrize("cue,country,number", [
    ("I have the pills in my hand", "US", "911"),
    ("I took too many pills", "GB", "999"),
    ("he has a knife", "US", "911"),
    ("his hands are around my throat", "IE", "112"),
])
def test_rendered_audio_says_the_number_within_five_seconds(cli, tmp_path, cue, country,
                                                            number):
    config = tmp_path / "config.toml"
    config.write_text(f'[session]\ncountry = "{country}"\n')
    env = {"VOICEGUIDE_CONFIG": str(config)}
    wav = tmp_path / "answer.wav"
    out = cli("render", "--cue", cue, "-o", str(wav), "--lines", env=env, timeout=300,
              check=0).stdout
    lines = [ln.split(None, 2) for ln in out.splitlines()[1:]]
    start, end, text = float(lines[0][0]), float(lines[0][1]), lines[0][2]
    assert start == 0.0 and number in text and end <= IMMINENT_SECONDS, lines[0]
    # Hear the file's first five seconds with the real recognizer: the number is in them.
    audio = read_wav(wav)
    head = tmp_path / "first_5_seconds.wav"
    write_wav(head, Audio(audio.samples[: int(audio.rate * IMMINENT_SECONDS)], audio.rate))
    heard = cli("hear", "--all", "--json", str(head), env=env, timeout=300, check=0).stdout
    said = " ".join(json.loads(row).get("transcript") or "" for row in heard.splitlines())
    # tiny.en, listening back, writes a digit said three times as two at times ("call
    # mal on 9 9", under load): one digit of a run may be missing, no more.
    heard = _digits(said)
    shorter = {number[:i] + number[i + 1:] for i in range(1, len(number))
               if number[i] == number[i - 1]}
    assert number in heard or any(s in heard for s in shorter), said


def test_explain_says_why_it_is_imminent(cli):
    out = cli("route", "--explain", "I have the pills in my hand", check=0).stdout
    assert "matched:    safety:imminent [anywhere] 'i have the pills in my hand'" in out
    assert "imminent=True" in out.splitlines()[-1]
