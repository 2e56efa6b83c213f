"""The session keeps its promises: return times rounded and said naturally, the bridge and
the timer agree, short pauses are gentle, the pause survives a restart, night mode for
every script, and variants do not come back too soon."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta

import pytest

from session_harness import LIB, START, TEST_LIB, Harness
from voiceguide.intents import GUIDANCE, Intent
from voiceguide.library import Library
from voiceguide.router import IntentMatch
from voiceguide.session import OfferKind
from voiceguide.session import Silence, Speak, clock_time, round_up
from voiceguide.spoken import for_the_ear, number_words
from voiceguide.state import FileStore

needs_espeak = pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng not installed")


def phonemes(text: str) -> str:
    out = subprocess.run(["espeak-ng", "-q", "-x", "-v", "en-us", text], capture_output=True,
                         text=True, check=True).stdout
    return " ".join(out.split())


def at(hour: int, minute: int, second: int = 0):
    return START.replace(hour=hour, minute=minute, second=second)


# ---- return times ----
def test_return_times_round_up_to_five_minutes():
    assert round_up(at(19, 1, 10)) == at(19, 5)
    assert round_up(at(19, 5)) == at(19, 5)
    assert round_up(at(19, 5, 1)) == at(19, 10)
    assert round_up(at(23, 58)) == at(23, 55) + timedelta(minutes=5)


@needs_espeak
@pytest.mark.parametrize("start,minutes,h24,written,words,espeak_alone_says_it", [
    (at(19, 0), 30, False, "7:30", "seven thirty", True),
    (at(9, 38, 20), 20, False, "10:00", "ten o'clock", False),  # espeak: "ten zero zero"
    (at(7, 44, 5), 20, False, "8:05", "five past eight", False),  # "eight zero five"
    (at(19, 1), 25, True, "19:30", "nineteen thirty", True),
])
def test_return_times_are_written_as_digits_and_said_naturally(
        start, minutes, h24, written, words, espeak_alone_says_it):
    h = Harness(start=start, clock_24h=h24)
    h.cue(f"pause for {minutes} minutes")
    line = next(t for t in h.play() if written in t)
    assert clock_time(h.session.pause.return_at, h24) == written  # the timer agrees
    ear = for_the_ear(line)  # what every voice is given
    assert words in ear and written not in ear
    # The line also says the pause's length ("20 minutes"): give espeak that in words too.
    expected = line.replace(written, words).replace(f"{minutes} minutes",
                                                    f"{number_words(minutes)} minutes")
    assert phonemes(ear) == phonemes(expected)
    # Left to itself, espeak reads "10:00" as "ten zero zero": the time is why we write
    # for the ear (the line with only its count in words, as espeak would get it).
    raw = line.replace(f"{minutes} minutes", f"{number_words(minutes)} minutes")
    assert (phonemes(raw) == phonemes(ear)) == espeak_alone_says_it


def test_the_timer_fires_at_the_time_it_said():
    h = Harness(start=at(19, 1, 30))
    h.cue("pause for 20 minutes")
    said = h.play()
    assert any("7:25" in s for s in said)
    until = (at(19, 25) - h.clock.now()).total_seconds()
    assert h.wait(until - 1) == []
    assert h.wait(1)  # the return script, at 7:25 exactly


# ---- the bridge and the timer ----
def test_with_no_timer_the_bridge_offers_one_for_the_time_it_just_said():
    h = Harness()
    h.cue("bridge sentence")
    said = h.play()
    proposed = next(s for s in said if "come back at" in s or "be back at" in s)
    offer = said[-1]
    time_said = next(w.strip("?.,") for w in proposed.split() if ":" in w)
    assert offer == h.text("offer_pause").format(return_time=time_said)
    h.wait(40)  # time passes before the yes (the offer lasts 45 s)
    h.cue("yes")
    h.play()
    assert h.session.pause.return_at.strftime("%-I:%M") == time_said


def test_with_a_timer_running_the_bridge_says_its_time_and_offers_none():
    h = Harness()
    h.cue("pause for 45 minutes")
    h.play()
    h.wait(3 * 60)
    h.cue("bridge sentence")
    said = h.play()
    assert any("7:45" in s for s in said)
    assert h.session.offer is None and not said[-1].endswith("?")


def test_more_time_moves_the_return_time_and_suggests_telling_the_partner():
    h = Harness()
    h.cue("take a break")
    h.play()
    h.cue("ten more minutes")
    said = h.play()
    assert said == [h.text("pause_extended").format(minutes=10, return_time="7:30")]
    assert "partner" in said[0] and said[0].count(".") <= 3
    assert h.wait(21 * 60) == []
    assert h.wait(10 * 60)


# ---- short pauses ----
def test_i_need_a_minute_is_the_default_pause_not_a_countdown():
    """The router gives "I need a minute" / "a moment" as a pause with no minutes slot."""
    h = Harness()
    h.cue(IntentMatch(Intent.PAUSE, 1.0, {}))
    said = h.play()
    assert said[0] == h.text("pause_default").format(minutes=20, return_time="7:20")
    assert h.session.pause.return_at == at(19, 20)
    assert h.wait(60) == []  # no "time to come back together" after a minute
    assert h.session.pause is not None


def test_a_short_pause_gets_one_gentle_line_and_the_choice_stands():
    h = Harness()
    h.cue("pause for 5 minutes")
    said = h.play()
    assert said[0] == h.text("pause_short").format(minutes=5, return_time="7:05")
    assert "20 minutes" in said[0] and sum("20 minutes" in s for s in said) == 1
    assert h.session.pause.return_at == at(19, 5)


def test_one_minute_is_singular_and_said_so():
    h = Harness()
    h.cue(IntentMatch(Intent.PAUSE, 1.0, {"minutes": 1}))
    said = h.play()
    assert not any("1 minutes" in s for s in said)
    assert any("1 minute" in s for s in said)
    assert "one minute" in for_the_ear(" ".join(said))


# ---- the pause survives a restart ----
def test_the_pause_survives_a_restart(tmp_path):
    first = Harness(store=FileStore(tmp_path))
    first.cue("pause for 30 minutes")
    first.play()
    saved = json.loads((tmp_path / "pause.json").read_text())
    assert set(saved) == {"return_at", "minutes"}  # the time, never what was said
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []

    # A power cut; the device starts again ten minutes later.
    second = Harness(store=FileStore(tmp_path), start=at(19, 10))
    said = second.play()
    assert said == [second.text("pause_resumed").format(return_time="7:30")]
    assert second.wait(19 * 60) == []
    back = second.wait(60)
    assert back and second.script_of().intent == "return"
    assert not (tmp_path / "pause.json").exists()


def test_a_return_time_missed_while_off_is_said_once(tmp_path):
    first = Harness(store=FileStore(tmp_path))
    first.cue("pause for 20 minutes")
    first.play()
    late = Harness(store=FileStore(tmp_path), start=at(20, 0))
    assert late.play() == [late.text("pause_missed").format(return_time="7:20")]
    assert late.session.pause is None
    again = Harness(store=FileStore(tmp_path), start=at(20, 5))
    assert again.play() == []  # once


def test_one_shot_commands_do_not_resume_another_runs_pause(tmp_path):
    first = Harness(store=FileStore(tmp_path))
    first.cue("pause for 30 minutes")
    first.play()
    once = Harness(store=FileStore(tmp_path), start=at(19, 10))
    once.session = type(once.session)(LIB, store=FileStore(tmp_path), resume=False)
    assert once.play() == [] and once.session.pause is None
    assert (tmp_path / "pause.json").exists()  # still there for the listener


def test_more_time_is_saved_too(tmp_path):
    first = Harness(store=FileStore(tmp_path))
    first.cue("take a break")
    first.play()
    first.cue("ten more minutes")
    first.play()
    second = Harness(store=FileStore(tmp_path), start=at(19, 25))
    assert "7:30" in second.play()[0]


def test_a_broken_state_file_is_ignored(tmp_path):
    (tmp_path / "pause.json").write_text("{not json")
    h = Harness(store=FileStore(tmp_path))
    assert h.play() == []
    h.cue("take a break")
    h.play()
    assert json.loads((tmp_path / "pause.json").read_text())["minutes"] == 20


# ---- night mode ----
NIGHT_INTENTS = [i for i in GUIDANCE if i not in (Intent.SAFETY,)]


def first_line(h: Harness) -> Speak:
    return next(s for s in h.spoken if s.script_id and not s.span)


def silences(h: Harness) -> float:
    return sum(a.seconds for a in h.actions if isinstance(a, Silence))


def cue_for(intent: Intent, night: bool) -> IntentMatch:
    slots = {"bedside": True} if night else {}
    if intent == Intent.PAUSE:
        slots["minutes"] = 20
    return IntentMatch(intent, 1.0, slots)


@pytest.mark.parametrize("intent", NIGHT_INTENTS, ids=str)
@pytest.mark.parametrize("how", ["slot", "bedside", "hours"])
def test_night_mode_for_every_intent(intent, how):
    day = Harness()
    day.cue(cue_for(intent, night=False))
    day.play()
    if how == "slot":  # "I can't sleep"
        night = Harness()
        night.cue(cue_for(intent, night=True))
    elif how == "bedside":  # --bedside
        night = Harness(bedside=True)
        night.cue(cue_for(intent, night=False))
    else:  # 2 a.m., inside the default 23:00-6:00
        night = Harness(start=at(2, 0))
        night.cue(cue_for(intent, night=False))
    night.play()
    d, n = first_line(day), first_line(night)
    if how == "hours" or not night.script_of().bedside:
        # The night voice on daytime words (bedside scripts set their own pace).
        assert n.rate < d.rate and n.volume < d.volume
        assert silences(night) > silences(day)
    if how == "hours":
        # The clock changes only the voice: the same help, and the same question after it.
        assert not night.script_of().bedside
        assert (night.session.offer and night.session.offer.kind) == \
            (day.session.offer and day.session.offer.kind)
    elif intent != Intent.BRIDGE:  # the bridge still offers the timer it promised
        assert night.session.offer is None
        assert not night.spoken[-1].text.endswith("?")


def test_night_hours_are_configurable():
    h = Harness(start=at(21, 30), night_start="21:00", night_end="7:00")
    h.cue("I'm flooded")
    h.play()
    day = Harness(start=at(19, 0))
    day.cue("I'm flooded")
    day.play()
    assert first_line(h).rate < first_line(day).rate  # the night voice from 21:00
    off = Harness(start=at(2, 0), night_start="0:00", night_end="0:00")  # equal: never
    off.cue("I'm flooded")
    off.play()
    assert first_line(off).rate == first_line(day).rate


def test_at_1_am_a_fight_gets_the_daytime_help_and_its_timer():
    """At 1 am, during a fight, "I'm flooded" once got "The day is over now... lie on your
    back" and no timer: the clock may soften the voice, not change the help."""
    h = Harness(start=at(1, 0))
    h.cue("I'm flooded")
    h.play()
    assert not h.script_of().bedside
    assert h.session.offer is not None and h.session.offer.kind == OfferKind.PAUSE


def test_bedside_content_only_when_asked_for():
    clock = Harness(start=at(1, 30))
    clock.cue("help me ground")
    clock.play()
    assert not clock.script_of().bedside
    asked = Harness(start=at(1, 30))
    asked.cue("I can't sleep")
    asked.play()
    assert asked.script_of().bedside and asked.session.offer is None
    flag = Harness(start=at(15, 0), bedside=True)  # --bedside, at any hour
    flag.cue("help me ground")
    flag.play()
    assert flag.script_of().bedside


# ---- variety ----
def test_never_one_of_the_last_two_and_all_four_come_round():
    h = Harness(library=TEST_LIB)
    n = len(TEST_LIB.variants("cycle"))
    assert n >= 4
    used = []
    for _ in range(2 * n):
        h.cue("we're in our cycle")
        h.play()
        used.append(h.script_of().id)
    for i in range(2, len(used)):
        assert used[i] not in used[i - 2:i]
    assert len(set(used[:n])) == n  # every variant comes round before any comes back


def test_variety_is_remembered_across_restarts(tmp_path):
    used = []
    for n in range(6):
        h = Harness(library=TEST_LIB, store=FileStore(tmp_path), start=START + timedelta(days=n))
        h.cue("we're in our cycle")
        h.play()
        used.append(h.script_of().id)
    for i in range(2, len(used)):
        assert used[i] not in used[i - 2:i]
    saved = json.loads((tmp_path / "recent.json").read_text())
    assert saved["cycle"][-1] == used[-1]  # script ids only
    assert all(TEST_LIB.get(i) for ids in saved.values() for i in ids)


def test_with_two_variants_the_last_one_never_comes_back():
    two = [s for s in LIB.variants("repair")][:2]
    keep = {s.id: s for s in LIB.scripts.values() if s.intent != "repair"} | {s.id: s for s in two}
    h = Harness(library=Library(keep, LIB.prompts))
    used = []
    for _ in range(4):
        h.cue("help us repair")
        h.play()
        used.append(h.script_of().id)
    assert set(used) == {s.id for s in two}
    assert all(a != b for a, b in zip(used, used[1:]))
