"""A pause that is hard to lose: a bare "stop" asks before it ends a running pause (said
outright, "cancel the pause" does not); "how long is left" and "what time do we come
back" are answered; every pause variant says the return time in its first line; an hour
or more is said in hours; typed cues run a pause in real time and can answer offers."""

from __future__ import annotations

import pytest

from session_harness import LIB, START, Harness
from test_numbers import Listening
from voiceguide.errors import ScriptError
from voiceguide.library import Script, check_script
from voiceguide.router import default_router
from voiceguide.session.playback import fill
from voiceguide.session.times import duration
from voiceguide.spoken import for_the_ear


def paused(minutes: int = 20) -> Harness:
    h = Harness()
    h.cue(f"pause for {minutes} minutes")
    h.play()
    assert h.session.pause is not None
    return h


def test_a_bare_stop_with_nothing_playing_asks_once_and_no_keeps_the_pause():
    h = paused()
    h.cue("stop")
    assert h.play() == [h.text("confirm_cancel")]
    h.cue("stop")  # asked once: a second "stop" is not a yes
    assert h.play() == [] and h.session.pause is not None
    h.cue("no")
    assert h.play() == [h.text("pause_kept").format(return_time="7:20")]
    assert h.session.pause is not None and h.session.offer is None


def test_a_bare_stop_unanswered_keeps_the_pause():
    h = paused()
    h.cue("stop")
    h.play()
    h.wait(120)  # the question lapses
    assert h.session.offer is None and h.session.pause is not None


@pytest.mark.parametrize("said", ["cancel the pause", "stop the timer", "cancel the timer",
                                  "we don't need the timer anymore"])
def test_said_outright_the_pause_ends_without_a_question(said):
    h = paused()
    h.cue(said)
    assert h.play() == [h.text("timer_cancelled")]
    assert h.session.pause is None


@pytest.mark.parametrize("asked", ["how long is left", "what time do we come back?",
                                   "when does the break end", "how much longer"])
def test_how_long_is_left_and_when_to_come_back_are_answered(asked):
    h = paused(30)
    h.wait(10 * 60)
    h.cue(asked)
    said = h.play()
    assert said == ["20 minutes left. The time to come back is 7:30."], said


def test_how_long_is_left_with_no_pause_says_so():
    h = Harness()
    h.cue("how long is left")
    assert h.play() == [h.text("no_pause_running")]


def test_every_pause_variant_says_the_return_time_first():
    pauses = [s for s in LIB.scripts.values() if s.intent == "pause"]
    assert len(pauses) >= 4
    for script in pauses:
        h = Harness()
        h.session.start_script(script, h.clock.now())
        first = next(s for s in (h.step() for _ in range(3)) if s is not None and
                     getattr(s, "text", None))
        assert "7:20" in first.text, (script.id, first.text)


def test_the_library_rejects_a_pause_script_without_the_time_first(tmp_path):
    script = Script.model_validate({
        "id": "p", "intent": "pause", "title": "p",
        "steps": [{"text": "Choose one thing for your body."},
                  {"text": "Come back at {return_time}."}]})
    with pytest.raises(ScriptError, match="first line"):
        check_script(script, tmp_path / "p.toml", default_router().rules_only())


@pytest.mark.parametrize("minutes,said", [
    (1, "1 minute"), (20, "20 minutes"), (60, "an hour"), (90, "an hour and a half"),
    (120, "2 hours"), (150, "2 and a half hours"), (75, "an hour and 15 minutes"),
    (180, "3 hours"), (1440, "24 hours")])
def test_lengths_of_an_hour_or_more_are_said_in_hours(minutes, said):
    assert duration(minutes) == said
    assert fill("This time apart runs {minutes} minutes.", {"minutes": str(minutes)}) == \
        f"This time apart runs {said}."


def test_a_three_hour_pause_is_said_in_hours():
    h = Harness()
    h.cue("pause for 3 hours")
    said = " ".join(h.play())
    assert "180" not in said and "3 hours" in said
    assert "three hours" in for_the_ear(said)
    assert h.session.pause.return_at == START.replace(hour=22)


def test_typed_cues_run_the_pause_in_real_time_and_answer_offers(tmp_path):
    """`listen --text --print`: the lines come at once, but the offer waits for its yes,
    and the pause it starts is still running when asked about."""
    config = tmp_path / "config.toml"
    config.write_text("")
    listening = Listening(tmp_path, config)
    try:
        listening.wait_for("safety numbers")
        listening.say("I'm flooded")
        listening.wait_for("start a pause timer for")
        listening.say("yes")
        listening.wait_for("until")  # the pause script: its first line says the time
        listening.say("how long is left")
        seen = listening.wait_for("left. The time to come back is")
        assert not any("no pause timer running" in ln for ln in seen)
        listening.say("cancel the pause")
        listening.wait_for("cancelled the pause timer")
    finally:
        assert listening.close() == 0
