"""Safety wins every time: it stops what plays, cancels the pause and any question, takes
the right path for what was said, and can be discreet."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from session_harness import LIB, ROUTER, TEST_LIB, Harness
from voiceguide.intents import Intent
from voiceguide.router import IntentMatch
from voiceguide.session import Speak
from voiceguide.spoken import for_the_ear
from voiceguide.state import FileStore


def safety(kind: str | None = None, **slots) -> IntentMatch:
    """A safety match as the router gives it ("safety" slot: danger | self_harm | general)."""
    if kind:
        slots["safety"] = kind
    return IntentMatch(Intent.SAFETY, 1.0, slots)


def script_lines(h: Harness) -> list[str]:
    return [s.text for s in h.spoken if s.script_id and not s.span]


def test_safety_cancels_a_running_pause_and_nothing_calls_them_back(tmp_path):
    store = FileStore(tmp_path)
    h = Harness(store=store)
    h.cue("pause for 5 minutes")
    h.play()
    assert store.path("pause").exists()
    h.cue("he's hitting me")
    said = h.play()
    assert h.script_of().intent == "safety"
    assert said[-1] == h.text("safety_cancelled")  # one short line says so
    assert h.session.pause is None and not store.path("pause").exists()
    later = h.wait(60 * 60)  # long past the old return time
    assert later == []
    assert not any("welcome back" in s.text.lower() for s in h.spoken)
    assert not any(s.script_id and s.script_id.startswith("return") for s in h.spoken)


def test_safety_without_a_pause_says_nothing_about_a_timer():
    h = Harness()
    h.cue("I'm not safe")
    assert h.text("safety_cancelled") not in h.play()


def test_safety_wins_mid_breathing_and_the_counting_stops():
    h = Harness()
    h.cue("help me ground")
    while not (h.spoken and h.spoken[-1].span):  # into the paced breathing
        h.step()
    h.cue("I want to hurt myself")
    first = h.step()
    assert isinstance(first, Speak) and h.library.get(first.script_id).intent == "safety"
    h.play()
    after = h.spoken[h.spoken.index(first):]
    assert not any(s.span for s in after)  # no more "two, three, four"
    assert h.session.offer is None  # no question after a safety script


def test_safety_cancels_a_pending_offer():
    h = Harness()
    h.cue("bridge sentence")
    h.play()
    assert h.session.offer is not None
    h.cue("I'm in danger")
    h.play()
    h.cue("yes")
    assert h.play() == [] and h.session.pause is None


def test_asking_to_go_on_is_a_new_guidance_cue():
    h = Harness()
    h.cue("I'm not safe")
    h.play()
    h.cue("yes")  # nothing was asked: nothing resumes
    assert h.play() == []
    h.cue("take a break")
    h.play()
    assert h.session.pause is not None


@pytest.mark.parametrize("kind", ["danger", "self_harm", "general"])
def test_each_safety_kind_gets_its_own_scripts(kind):
    h = Harness(library=TEST_LIB)
    h.cue(safety(kind))
    h.play()
    assert h.script_of().situation == kind


def test_self_harm_and_danger_get_different_scripts_and_the_right_numbers():
    danger, self_harm = Harness(library=TEST_LIB), Harness(library=TEST_LIB)
    danger.cue(safety("danger"))
    self_harm.cue(safety("self_harm"))
    d, s = " ".join(danger.play()), " ".join(self_harm.play())
    assert not {x.script_id for x in danger.spoken} & {x.script_id for x in self_harm.spoken}
    assert "1 800 799 7233" in d and "911" in d  # domestic-violence line, emergency number
    assert "988" in s and "911" in s  # crisis line, emergency number
    assert "lock" not in s.lower()


@pytest.mark.parametrize("text", ["he's hitting me", "he won't let me leave",
                                  "I want to hurt myself", "I want to die", "I'm not safe"])
def test_real_safety_phrases_take_the_path_the_router_names(text):
    match = ROUTER.route(text)
    assert match.intent == "safety"
    h = Harness(library=TEST_LIB)
    h.cue(match)
    h.play()
    assert h.script_of().situation == match.slots.get("safety", "general")


def test_repeated_safety_cues_alternate_variants_within_the_path():
    h = Harness(library=TEST_LIB)
    ids = []
    for _ in range(3):
        h.cue(safety("self_harm"))
        h.play()
        ids.append(h.script_of().id)
    assert ids[0] != ids[1] and ids[1] != ids[2]
    assert all(TEST_LIB.get(i).situation == "self_harm" for i in ids)


@pytest.mark.parametrize("how", ["slot", "config"])
def test_discreet_safety_is_quiet_and_says_no_numbers(how):
    loud = Harness(library=TEST_LIB)
    loud.cue(safety("danger"))
    loud.play()
    if how == "slot":
        h = Harness(library=TEST_LIB)
        h.cue(safety("danger", discreet=True))
    else:
        h = Harness(library=TEST_LIB, discreet_safety=True)
        h.cue(safety("danger"))
    h.play()
    spoken = " ".join(s.text for s in h.spoken)
    assert spoken and not any(c.isdigit() for c in spoken)
    shown = " ".join(s.text for s in h.shown)
    assert "911" in shown and "1 800 799 7233" in shown  # on screen, for the CLI to print
    assert max(s.volume for s in h.spoken) < min(s.volume for s in loud.spoken)
    assert h.script_of().situation == "danger"


def test_discreet_cancel_line_is_quiet_too():
    h = Harness(library=TEST_LIB)
    h.cue("take a break")
    h.play()
    h.cue(safety("danger", discreet=True))
    h.play()
    line = h.spoken[-1]
    assert line.text == h.text("safety_cancelled") and line.volume < 0.5


def test_a_line_that_is_not_configured_is_left_out():
    h = Harness(library=TEST_LIB, country="CA")  # no national domestic-violence line
    h.cue(safety("danger"))
    said = " ".join(h.play())
    assert "911" in said and "{dv_line}" not in said and "domestic violence line" not in said


def test_country_defaults_reach_the_script():
    h = Harness(library=TEST_LIB, country="GB")
    h.cue(safety("self_harm"))
    said = " ".join(h.play())
    assert "999" in said and "116 123" in said


def test_bare_help_routed_to_safety_plays_a_general_script():
    """The router sends bare "help" to safety with safety="general"; the session keeps it."""
    h = Harness(library=TEST_LIB)
    h.cue(safety("general"))
    said = h.play()
    assert h.script_of().situation == "general" and h.text("help") not in said


def test_safety_keeps_its_pace_at_night():
    day, night = Harness(), Harness(bedside=True)
    for h in (day, night):
        h.cue("I'm not safe")
        h.play()
    assert night.spoken[0].rate == day.spoken[0].rate
    assert night.spoken[0].volume == day.spoken[0].volume


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng not installed")
def test_phone_numbers_are_read_digit_by_digit():
    h = Harness(library=TEST_LIB)
    h.cue(safety("self_harm"))
    line = next(t for t in h.play() if "988" in t)
    ear = for_the_ear(line)
    assert "nine eight eight" in ear
    assert phonemes("nine eight eight") in phonemes(ear)
    assert phonemes("nine hundred eighty eight") not in phonemes(ear)


def phonemes(text: str) -> str:
    out = subprocess.run(["espeak-ng", "-q", "-x", "-v", "en-us", text], capture_output=True,
                         text=True, check=True).stdout
    return " ".join(out.split())


def test_builtin_safety_scripts_still_play_for_every_kind():
    """With only the older built-ins (no danger or self-harm scripts yet), every kind
    falls back to a general script rather than to nothing."""
    for kind in ("danger", "self_harm", "general"):
        h = Harness(library=LIB)
        h.cue(safety(kind))
        assert h.play() and h.script_of().intent == "safety"



def test_cli_discreet_safety_prints_the_numbers_but_does_not_say_them(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[session]\ndiscreet_safety = true\ndiscreet_numbers = "screen"\n')
    out = cli("say", "--print", "I'm not safe", env={"VOICEGUIDE_CONFIG": str(config)},
              check=0).stdout
    said = [ln for ln in out.splitlines() if ln.startswith("  voiceguide (quietly): ")]
    shown = [ln for ln in out.splitlines() if ln.startswith("  voiceguide (on screen only): ")]
    assert said and not any(c.isdigit() for ln in said for c in ln)
    assert any("911" in ln for ln in shown)


def test_cli_discreet_safety_with_no_screen_says_each_number_once_quietly(cli, tmp_path):
    """Output that is not a terminal (a service, the journal): nobody watches a screen, so
    the numbers are said, low and slow, once each; nothing is shown "on screen only"."""
    config = tmp_path / "config.toml"
    config.write_text("[session]\ndiscreet_safety = true\n")  # discreet_numbers = "auto"
    out = cli("say", "--print", "I'm not safe", env={"VOICEGUIDE_CONFIG": str(config)},
              check=0).stdout
    assert "on screen only" not in out
    quiet = [ln for ln in out.splitlines() if ln.startswith("  voiceguide (quietly): ")]
    assert sum("911" in ln for ln in quiet) == 1 and any("988" in ln for ln in quiet)
    assert not [ln for ln in out.splitlines() if ln.startswith("  voiceguide: ")]
