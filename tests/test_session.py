"""The session state machine, driven with a virtual clock (no waiting, no audio)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest

from voiceguide.clock import VirtualClock
from voiceguide.config import SessionSettings
from voiceguide.library import load_library
from voiceguide.router import default_router
from voiceguide.runner import Runner
from voiceguide.session import Session, Silence, Speak, clock_time
from voiceguide.speaker import PrintSpeaker

LIB = load_library()
ROUTER = default_router()
START = datetime(2026, 11, 21, 19, 0).astimezone()
WORD_SECONDS = 0.4  # roughly how long a word takes to say, for advancing virtual time


class Harness:
    def __init__(self, bedside: bool = False, **settings):
        self.clock = VirtualClock(START)
        self.session = Session(LIB, SessionSettings(**settings), bedside=bedside)
        self.spoken: list[Speak] = []

    def cue(self, text: str) -> None:
        match = ROUTER.route(text)
        assert match is not None, text
        self.session.handle(match, self.clock.now())

    def step(self):
        action = self.session.next_action(self.clock.now())
        if isinstance(action, Speak):
            self.spoken.append(action)
            self.clock.advance(max(action.span, len(action.text.split()) * WORD_SECONDS))
        elif isinstance(action, Silence):
            self.clock.advance(action.seconds)
        return action

    def play(self, limit: int = 500) -> list[str]:
        """Run until idle; returns the texts spoken in this call."""
        start = len(self.spoken)
        for _ in range(limit):
            if self.step() is None:
                break
        return [s.text for s in self.spoken[start:]]

    def wait(self, seconds: float) -> list[str]:
        self.clock.advance(seconds)
        return self.play()

    def text(self, prompt: str) -> str:
        return getattr(LIB.prompts, prompt)


def test_flooded_plays_a_script_then_offers_the_pause():
    h = Harness()
    h.cue("I'm flooded")
    said = h.play()
    assert said[0] == LIB.variants("flooded")[0].steps[0].text
    assert said[-1] == "Would you like me to start the 20 minute pause timer now?"
    assert said.count(h.text("breathe_in")) == 3  # three rounds of paced breathing


def test_breathing_is_timed_and_pauses_are_real_silence():
    h = Harness()
    h.cue("help me ground")
    h.play()
    breaths = [s for s in h.spoken if s.text in (h.text("breathe_in"), h.text("breathe_out"))]
    assert [b.span for b in breaths[:2]] == [4, 6]
    script = LIB.get(h.spoken[0].script_id)
    expected = sum(s.pause for s in script.steps) / 0.9  # scripts at rate 0.9 stretch pauses
    assert h.clock.elapsed >= expected


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


def test_default_pause_comes_from_config():
    h = Harness(pause_minutes=25)
    h.cue("take a break")
    assert any("7:25" in s for s in h.play())


def test_more_time_extends_the_running_pause():
    h = Harness()
    h.cue("take a break")
    h.play()
    h.cue("ten more minutes")
    said = h.play()
    assert said == ["I've added 10 minutes. The new time to come back is 7:30."]
    assert h.wait(21 * 60) == []
    assert h.wait(10 * 60)


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
    assert h.session.pause.return_at <= h.clock.now() + timedelta(hours=24)


def test_bridge_offer_starts_the_pause_at_the_time_it_proposed():
    h = Harness()
    h.cue("bridge sentence")
    said = h.play()
    proposed = next(s for s in said if "come back at" in s)
    assert said[-1] == "Would you like me to start the 20 minute pause timer now?"
    h.cue("yes")
    h.play()
    assert clock_time(h.session.pause.return_at) in proposed


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


def test_variants_do_not_repeat_back_to_back():
    h = Harness()
    used = []
    for _ in range(4):
        h.cue("we're in our cycle")
        h.play()
        used.append(h.spoken[-1].script_id or h.spoken[-2].script_id)
        h.spoken.clear()
    assert all(a != b for a, b in zip(used, used[1:]))


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


def test_stop_silences_now_and_then_cancels_the_timer():
    h = Harness()
    h.cue("take a break")
    h.step()
    h.cue("stop")
    assert h.play() == []
    assert h.session.pause is not None  # stopping the words keeps the timer
    h.cue("stop")
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


def test_help_lists_what_can_be_said():
    h = Harness()
    h.cue("what can I say")
    said = h.play()
    assert said == [h.text("help")] and "stop" in said[0]


def test_safety_wins_mid_script():
    h = Harness(emergency_number="112")
    h.cue("help me ground")
    h.step()
    h.cue("he's hitting me")
    said = h.play()
    assert "call 1 1 2" in " ".join(said)
    assert "988" in " ".join(said)
    assert h.spoken[1].script_id.startswith("safety")
    assert h.session.offer is None  # no question after a safety script


def test_bedside_variant_is_slower_quieter_and_ends_without_a_question():
    h = Harness()
    h.cue("I can't sleep")
    said = h.play()
    script = LIB.get(h.spoken[0].script_id)
    assert script.bedside
    assert h.spoken[0].rate == pytest.approx(0.75) and h.spoken[0].volume == pytest.approx(0.6)
    assert said[-1] == script.steps[-1].text and not said[-1].endswith("?")
    assert h.session.offer is None


def test_bedside_mode_applies_to_all_grounding():
    h = Harness(bedside=True)
    h.cue("help me ground")
    h.play()
    assert LIB.get(h.spoken[0].script_id).bedside


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
    assert "crisis line" in said[0] and "9 1 1" in said[0]
    h.cue("three")
    assert h.play() == [h.text("distress_better")]


def test_distress_question_unanswered_still_grounds():
    h = Harness(distress_check=True)
    h.cue("help me ground")
    h.play()
    assert len(h.wait(60)) > 5


class TestRunner:
    """The runner: real waiting logic on a virtual clock, cues arriving mid-silence."""

    def run(self, cues_at: dict[int, str], settings=None):
        out = io.StringIO()
        clock = VirtualClock(START)
        session = Session(LIB, settings or SessionSettings())
        runner = Runner(session, PrintSpeaker(out), clock)
        spoken: list[Speak] = []

        def on_speak(action: Speak) -> None:
            spoken.append(action)
            text = cues_at.get(len(spoken))
            if text:
                runner.submit(ROUTER.route(text))

        runner.on_speak = on_speak
        runner.submit(ROUTER.route(cues_at.pop(0)))
        runner.close()
        runner.run()
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
