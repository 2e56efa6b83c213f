"""The session state machine, driven with a virtual clock (no waiting, no audio)."""

from __future__ import annotations

import io

import pytest

from session_harness import LIB, ROUTER, START, TEST_LIB, Harness
from voiceguide.clock import VirtualClock
from voiceguide.config import SessionSettings
from voiceguide.intents import INTENTS, Intent
from voiceguide.router import IntentMatch
from voiceguide.runner import Runner
from voiceguide.session import Session, Speak, clock_time
from voiceguide.session.handlers import HANDLERS
from voiceguide.speaker import PrintSpeaker


def test_every_intent_has_exactly_one_handler():
    assert set(HANDLERS) == set(Intent)


def test_flooded_plays_a_script_then_offers_the_pause_for_a_time_it_names():
    h = Harness()
    h.cue("I'm flooded")
    said = h.play()
    assert said[0] == LIB.variants("flooded")[0].steps[0].text
    assert said[-1].startswith("Would you like me to start a pause timer for 7:")
    assert [s.text for s in h.spoken].count("In two three four") == 3  # three rounds


def test_breathing_is_counted_softly_at_the_configured_pace():
    h = Harness()
    h.cue("help me ground")
    h.play()
    counts = [s for s in h.spoken if s.span]
    assert [c.text for c in counts[:2]] == ["In two three four",
                                            "And out two three four five six"]
    assert [c.span for c in counts[:2]] == [4, 6]  # in for 4 s, out for 6 s: longer out
    line = next(s for s in h.spoken if not s.span)
    assert all(c.volume < line.volume for c in counts)  # softer than the lines
    script = LIB.get(h.spoken[0].script_id)
    expected = sum(s.pause for s in script.steps) / 0.9  # scripts at rate 0.9 stretch pauses
    assert h.clock.elapsed >= expected + 4 * (4 + 6)


def test_a_hold_is_counted_too(tmp_path):
    (tmp_path / "box.toml").write_text(
        'id = "grounding-box"\nintent = "grounding"\ntitle = "Box"\n[[steps]]\n'
        'text = "Breathe with me."\nbreathing = { inhale = 4, hold = 2, exhale = 7, rounds = 1 }\n')
    from voiceguide.library import load_library
    lib = load_library(tmp_path)
    h = Harness(library=lib)
    h.session.start_script(lib.get("grounding-box"), h.clock.now())
    h.play()
    assert [(c.text, c.span) for c in h.spoken if c.span] == [
        ("In two three four", 4), ("Hold two", 2),
        ("And out two three four five six seven", 7)]


def test_breath_counts_keep_their_timing_whatever_the_voice_speed():
    h = Harness()
    h.cue("help me ground")
    h.step()
    for _ in range(4):
        h.cue("faster")
    h.play()
    counts = [s for s in h.spoken if s.span]
    assert counts[0].rate > 1.2 and [c.span for c in counts[:2]] == [4, 6]


def test_pause_and_return_at_the_said_time():
    h = Harness()
    h.cue("pause for half an hour")
    said = h.play()
    assert any("7:30" in s for s in said) and any("30 minutes" in s for s in said)
    assert h.wait(60) == []  # nothing happens before the return time
    back = h.wait(30 * 60)
    assert back and back[0] in {s.steps[0].text.replace("{minutes}", "30")
                                 for s in LIB.variants("return")}
    assert h.session.pause is None


def test_default_pause_comes_from_config_and_is_said():
    h = Harness(pause_minutes=25)
    h.cue("take a break")
    said = h.play()
    assert said[0] == h.text("pause_default").format(minutes=25, return_time="7:25")


def test_more_time_without_a_pause_says_so():
    h = Harness()
    h.cue("more time")
    assert h.play() == [h.text("no_pause_running")]


def test_pause_is_capped_at_24_hours():
    h = Harness()
    h.cue("pause for 24 hours")
    h.play()
    h.cue("another 60 minutes")
    h.play()
    assert (h.session.pause.return_at - h.clock.now()).total_seconds() <= 24 * 3600


def test_offer_expires_without_an_answer():
    h = Harness()
    h.cue("bridge sentence")
    h.play()
    h.wait(60)  # past the 45 s offer timeout
    h.cue("yes")
    assert h.play() == [] and h.session.pause is None


def test_no_declines_gently():
    h = Harness()
    h.cue("I'm flooded")
    h.play()
    h.cue("no")
    assert h.play() == [h.text("offer_declined")]


def test_grounding_offers_again_or_another_tool():
    h = Harness()
    h.cue("help me ground")
    first = h.play()
    assert first[-1] == h.text("offer_again")
    h.cue("yes")
    again = h.play()
    assert again[0] != first[0]  # a different variant, never the one just used
    assert again[-1] == h.text("offer_again")
    h.cue("another tool")
    other = h.play()
    assert other[0] in {s.steps[0].text for s in LIB.variants("name_part")}


def test_withdrawing_leads_to_the_bridge():
    h = Harness()
    h.cue("I'm starting to withdraw")
    said = h.play()
    assert h.script_of().intent == "withdrawing"
    assert said[-1] == h.text("offer_bridge")
    h.cue("yes")
    said = h.play()
    assert h.script_of().intent == "bridge"
    assert said[-1].startswith("Would you like me to start a pause timer")


def test_chasing_while_a_pause_runs_gets_the_partner_away_script():
    h = Harness(library=TEST_LIB)
    h.cue("I'm starting to chase")
    h.play()
    assert h.script_of().situation is None  # no pause: the ordinary chasing scripts
    h.cue("take a break")
    h.play()
    h.cue("I want to keep texting")
    h.play()
    assert h.script_of().situation == "away"


def test_the_away_slot_also_gets_the_partner_away_script():
    h = Harness(library=TEST_LIB)
    h.cue(IntentMatch(Intent.CHASING, 1.0, {"away": True}))
    h.play()
    assert h.script_of().situation == "away"


def test_timers_survive_other_scripts():
    h = Harness()
    h.cue("pause for 5 minutes")
    h.play()
    h.wait(4 * 60)
    h.cue("help me ground")  # runs past the return time
    said = h.play()
    h.cue("no")
    said += h.play()
    returns = {s.steps[0].text.replace("{minutes}", "5") for s in LIB.variants("return")}
    assert any(s in returns for s in said)
    assert said.index(next(s for s in said if s in returns)) > 3  # after grounding finished


def test_stop_silences_now_and_then_asks_before_it_cancels_the_timer():
    h = Harness()
    h.cue("take a break")
    h.step()
    h.cue("stop")
    assert h.play() == []
    assert h.session.pause is not None  # stopping the words keeps the timer
    h.cue("stop")
    assert h.play() == [h.text("confirm_cancel")]
    assert h.session.pause is not None
    h.cue("yes")
    assert h.play() == [h.text("timer_cancelled")]
    assert h.session.pause is None


def test_repeat_replays_the_current_step():
    h = Harness()
    h.cue("help us repair")
    first = h.step().text
    h.step()  # its pause
    h.cue("repeat")
    assert h.step().text == first


def test_repeat_when_idle_says_the_last_line_again():
    h = Harness()
    assert (h.cue("repeat"), h.play())[1] == [h.text("nothing_to_repeat")]
    h.cue("what can I say")
    h.play()
    h.cue("repeat")
    assert h.play() == [h.text("help")]


def test_next_skips_ahead():
    h = Harness()
    h.cue("help us repair")
    script = LIB.get(h.step().script_id)
    h.cue("next")
    assert h.step().text == script.steps[1].text


def test_slower_faster_louder_quieter():
    h = Harness()
    h.cue("help us repair")
    base = h.step()
    h.cue("slower")
    slower = next(a for a in iter(h.step, None) if isinstance(a, Speak))
    assert slower.rate < base.rate
    h.cue("faster")
    h.cue("faster")
    faster = next(a for a in iter(h.step, None) if isinstance(a, Speak))
    assert faster.rate > base.rate
    h.cue("quieter")
    quiet = next(a for a in iter(h.step, None) if isinstance(a, Speak))
    assert quiet.volume < base.volume
    h.cue("louder")
    loud = next(a for a in iter(h.step, None) if isinstance(a, Speak))
    assert loud.volume > quiet.volume


def test_help_starts_with_the_safety_phrase():
    h = Harness()
    h.cue("what can I say")
    said = h.play()
    assert said == [h.text("help")]
    assert said[0].startswith('You can always say "I\'m not safe"')
    assert ROUTER.route("I'm not safe").intent == "safety"  # the phrase it names works


def test_distress_check_before_and_after():
    h = Harness(distress_check=True)
    h.cue("help me ground")
    assert h.play() == [h.text("distress_question")]
    h.cue("six")
    said = h.play()
    assert said[-1] == h.text("distress_question")
    h.cue("7")
    said = h.play()
    assert said[0] == h.text("distress_again")
    h.cue("another tool")
    assert h.play()[0] in {s.steps[0].text for s in LIB.variants("name_part")}


def test_distress_check_goes_down_and_crisis_at_nine():
    h = Harness(distress_check=True)
    h.cue("help me ground")
    h.play()
    h.cue("9")
    said = h.play()
    assert said[0] == "That sounds really hard. If you might be in danger, call 911."
    assert said[1].startswith("A crisis line can help too: 988")
    h.cue("three")
    assert h.play() == [h.text("distress_better")]


def test_distress_question_unanswered_still_grounds():
    h = Harness(distress_check=True)
    h.cue("help me ground")
    h.play()
    assert len(h.wait(60)) > 5


class TestRunner:
    """The runner: real waiting logic on a virtual clock, cues arriving mid-silence."""

    def run(self, cues_at: dict[int, str | IntentMatch], settings=None, session=None):
        out = io.StringIO()
        clock = VirtualClock(START)
        session = session or Session(LIB, settings or SessionSettings())
        runner = Runner(session, PrintSpeaker(out), clock)
        spoken: list[Speak] = []
        shown: list = []

        def route(cue):
            return ROUTER.route(cue) if isinstance(cue, str) else cue

        def on_speak(action: Speak) -> None:
            spoken.append(action)
            cue = cues_at.get(len(spoken))
            if cue:
                runner.submit(route(cue))

        runner.on_speak = on_speak
        runner.on_show = shown.append
        runner.submit(route(cues_at.pop(0)))
        runner.close()
        runner.run()
        self.shown = shown
        return spoken, out.getvalue(), clock

    def test_runs_a_script_and_exits_when_input_closed(self):
        spoken, out, clock = self.run({0: "help us repair"})
        assert len(spoken) >= 4 and "voiceguide:" in out
        assert clock.elapsed > 10  # the script's pauses were kept

    def test_next_cuts_a_silence_short(self):
        full, _, full_clock = self.run({0: "help us repair"})
        cut, _, cut_clock = self.run({0: "help us repair", 1: "next"})
        assert [a.text for a in cut] == [a.text for a in full]  # "next" moves on, skips no words
        script = LIB.get(full[0].script_id)
        skipped = full_clock.elapsed - cut_clock.elapsed
        assert skipped == pytest.approx(script.steps[0].pause / script.rate)

    def test_pause_timer_is_kept_after_input_closes(self):
        spoken, out, clock = self.run({0: "take a 5 minute break"})
        assert clock.elapsed >= 5 * 60
        assert any(s.script_id and s.script_id.startswith("return") for s in spoken)

    def test_breathing_takes_its_time_in_the_runner(self):
        spoken, _, clock = self.run({0: "help me ground"})
        counts = [s for s in spoken if s.span]
        assert len(counts) == 4 * 2  # four rounds of in for 4, out for 6
        assert clock.elapsed >= 40  # each phase spans its seconds, speech or not

    def test_discreet_numbers_go_to_the_screen_not_the_voice(self):
        session = Session(TEST_LIB, SessionSettings(discreet_safety=True))
        spoken, out, _ = self.run({0: IntentMatch(Intent.SAFETY, 1.0, {"safety": "danger"})},
                                  session=session)
        assert spoken and not any("911" in s.text for s in spoken)
        assert "911" not in out  # the speaker never got it
        assert any("911" in s.text for s in self.shown)


def test_clock_time_is_written_as_digits():
    assert clock_time(START.replace(hour=19, minute=30)) == "7:30"
    assert clock_time(START.replace(hour=19, minute=30), h24=True) == "19:30"
    assert clock_time(START.replace(hour=0, minute=0)) == "midnight"
