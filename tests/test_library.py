"""The script library: validation, user overrides, placeholders and the self-trigger guard."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voiceguide.errors import ScriptError
from voiceguide.library import MIN_VARIANTS, QUOTES_CUES, builtin_dir, load_library, self_triggers
from voiceguide.intents import GUIDANCE
from voiceguide.router import default_router

GOOD = """
id = "grounding-mine"
intent = "grounding"
title = "My own grounding"

[[steps]]
text = "Feel the chair under you."
pause = 3
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_builtin_library_loads_with_enough_variants_per_guidance_intent():
    lib = load_library()
    assert lib.problems == []
    for intent in GUIDANCE:
        if intent != "safety":
            assert len(lib.variants(intent)) >= MIN_VARIANTS >= 4, intent
    for situation in ("danger", "self_harm", "general"):
        found = lib.variants("safety", situation=situation)
        assert len(found) >= 2 and {s.situation for s in found} == {situation}
    assert lib.variants("return")
    assert {s.id for s in lib.variants("grounding", bedside=True)} == {
        "grounding-night-senses", "grounding-night-body-scan"}
    assert all(not s.bedside for s in lib.variants("grounding"))


def test_safety_scripts_give_the_number_and_never_keep_anyone():
    lib = load_library()
    safety = [s for s in lib.scripts.values() if s.intent == "safety"]
    assert safety
    for script in safety:
        text = " ".join(s.text for s in script.steps).lower()
        assert "{emergency_number}" in text
        for banned in ("stay in", "keep talking", "talk it out", "don't leave", "stop them"):
            assert banned not in text


def test_lines_are_short():
    """A person in a heated moment takes in one or two sentences at a time."""
    for script in load_library().scripts.values():
        for step in script.steps:
            sentences = [s for s in re.split(r"(?<=[.?!])\s+", step.text) if s]
            assert len(sentences) <= 3, (script.id, step.text)
            assert len(step.text.split()) <= 30, (script.id, step.text)


def test_user_script_adds_and_overrides(tmp_path):
    write(tmp_path, "mine.toml", GOOD)
    write(tmp_path, "override.toml", GOOD.replace("grounding-mine", "repair-staying-close")
          .replace('intent = "grounding"', 'intent = "repair"'))
    lib = load_library(tmp_path)
    assert lib.problems == []
    assert lib.get("grounding-mine").title == "My own grounding"
    assert lib.get("repair-staying-close").title == "My own grounding"


@pytest.mark.parametrize("text,expected", [
    (GOOD.replace('intent = "grounding"', 'intent = "gardening"'), r"broken\.toml: intent:"),
    (GOOD.replace("pause = 3", "pause = 3\nwobble = 1"), r"broken\.toml: steps\.0\.wobble:"),
    (GOOD.replace("pause = 3", 'pause = "long"'), r"broken\.toml: steps\.0\.pause:"),
    (GOOD.replace("Feel the chair under you.", "Back at {return_time}."),
     r"broken\.toml: steps\.0\.text: placeholder \{return_time\} is not allowed"),
    (GOOD.replace("Feel the chair under you.", "Breathe {now"), r"steps\.0\.text: bad placeholder"),
    (GOOD + "[[steps\n", r"broken\.toml: not valid TOML"),
    (GOOD.replace("Feel the chair under you.", "You should calm down."), r"you should"),
    (GOOD.replace('id = "grounding-mine"', 'id = "Bad Id"'), r"broken\.toml: id:"),
])
def test_broken_user_file_is_one_line_and_the_rest_loads(tmp_path, text, expected):
    write(tmp_path, "broken.toml", text)
    write(tmp_path, "mine.toml", GOOD)
    lib = load_library(tmp_path)
    assert len(lib.problems) == 1
    assert "\n" not in lib.problems[0]
    assert re.search(expected, lib.problems[0]), lib.problems[0]
    assert lib.get("grounding-mine") is not None
    assert len(lib.scripts) == len(load_library().scripts) + 1


@pytest.mark.parametrize("line,intent", [
    ("Now say: I'm flooded.", "flooded"),
    ("Take a break.", "pause"),
    ("Okay, let's begin.", "yes"),
    ("When it's done, stop.", "stop"),
    ("If it helps, say I'm not safe out loud.", "safety"),
])
def test_self_trigger_guard_catches_lines_the_device_would_hear(tmp_path, line, intent):
    assert intent in self_triggers(line, default_router().rules_only())
    write(tmp_path, "echo.toml", GOOD.replace("Feel the chair under you.", line))
    lib = load_library(tmp_path)
    assert "self-trigger" in lib.problems[0] and "echo.toml" in lib.problems[0]
    assert lib.get("grounding-mine") is None


def test_every_builtin_line_is_silent_to_the_router():
    router = default_router().rules_only()  # the guard is the rules (library.py)
    lib = load_library()
    lines = [s.text for sc in lib.scripts.values() for s in sc.steps]
    lines += [t for name, t in lib.prompts.model_dump().items() if name not in QUOTES_CUES]
    assert lines
    for line in lines:
        assert self_triggers(line, router) is None, line
    # The help line names cues on purpose, only inside double quotes.
    assert self_triggers(lib.prompts.help, router) is not None
    assert self_triggers(lib.prompts.help, router, quoted_ok=True) is None


def test_against_a_language_of_ones_own_the_builtin_lines_are_guarded_at_load(tmp_path):
    """The packaged language's rules are checked against the built-in lines by the test
    above, not at every start; another table is checked at every load."""
    from voiceguide.router import default_router as router_for
    from voiceguide.routing.table import language_folder
    packaged = load_library()
    assert default_router().packaged
    line = re.split(r"[.,]", packaged.get("grounding-feet-and-breath").steps[1].text)[0]
    (tmp_path / "_common.toml").write_text(
        language_folder("en").joinpath("_common.toml").read_text("utf-8"))
    (tmp_path / "stop.toml").write_text('phrases = ["stop"]\n')
    (tmp_path / "grounding.toml").write_text(f'phrases = ["{line.lower()}"]\n')
    own = router_for(str(tmp_path))
    assert not own.packaged
    with pytest.raises(ScriptError, match="self-trigger"):
        load_library(router=own)


def test_a_safety_script_without_the_number_is_rejected(tmp_path):
    text = GOOD.replace('intent = "grounding"', 'intent = "safety"\nsituation = "danger"')
    write(tmp_path, "safety.toml", text)
    assert "must say {emergency_number}" in load_library(tmp_path).problems[0]


def test_a_safety_script_names_its_situation(tmp_path):
    write(tmp_path, "safety.toml", GOOD.replace('intent = "grounding"', 'intent = "safety"'))
    assert "situation: a safety script must say" in load_library(tmp_path).problems[0]
    write(tmp_path, "safety.toml", GOOD.replace('intent = "grounding"',
                                                'intent = "grounding"\nsituation = "danger"'))
    assert "'danger' is not a situation of a grounding script" in \
        load_library(tmp_path).problems[0]


def test_broken_builtin_fails_the_load(tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "scripts"
    shutil.copytree(builtin_dir(), copy)
    (copy / "repair_staying_close.toml").write_text("id = 3")
    monkeypatch.setattr("voiceguide.library.builtin_dir", lambda: copy)
    with pytest.raises(ScriptError, match="repair_staying_close.toml"):
        load_library()


def test_missing_user_folder_is_reported_not_fatal(tmp_path):
    lib = load_library(tmp_path / "nope")
    assert "does not exist" in lib.problems[0]


SAFETY = """
id = "safety-mine"
intent = "safety"
situation = "{situation}"
title = "My safety script"

[[steps]]
text = "{first}"
pause = 1

[[steps]]
text = "{numbers}"
pause = 1
"""


def safety_file(folder: Path, situation: str, first: str = "Your safety comes first.",
                numbers: str = "Call {emergency_number}, {crisis_line} or {dv_line}.") -> Path:
    return write(folder, "safety.toml", SAFETY.format(situation=situation, first=first,
                                                      numbers=numbers))


@pytest.mark.parametrize("situation,numbers,missing", [
    ("danger", "Call {emergency_number}.", "{dv_line}"),
    ("self_harm", "Call {emergency_number}.", "{crisis_line} or {crisis_lines}"),
    ("general", "Call {emergency_number}.", "{crisis_line} or {crisis_lines}"),
])
def test_each_safety_situation_must_name_its_line(tmp_path, situation, numbers, missing):
    safety_file(tmp_path, situation, numbers=numbers)
    problem = load_library(tmp_path).problems[0]
    assert f"a {situation} safety script must say {missing}" in problem


@pytest.mark.parametrize("situation", ["self_harm", "general"])
def test_no_locked_door_for_a_person_who_may_hurt_themselves(tmp_path, situation):
    safety_file(tmp_path, situation, first="Go to a room you can lock.")
    problem = load_library(tmp_path).problems[0]
    assert "may not send a person to be alone behind a locked door" in problem


def test_a_locked_door_is_allowed_against_danger_from_someone(tmp_path):
    safety_file(tmp_path, "danger", first="A room with a lock can keep you safe.")
    assert load_library(tmp_path).problems == []


def test_a_safety_script_keeps_a_step_without_numbers_for_discreet_mode(tmp_path):
    text = SAFETY.format(situation="danger", first="Call {emergency_number}.",
                         numbers="Or {dv_line}.")
    write(tmp_path, "safety.toml", text)
    assert "at least one step without a phone number" in load_library(tmp_path).problems[0]


@pytest.mark.parametrize("line", ["I'm listening.", "I hear you.",
                                  "Your partner is not leaving you.", "Your partner feels it too."])
def test_no_line_claims_to_listen_or_to_know_the_partner(tmp_path, line):
    write(tmp_path, "claim.toml", GOOD.replace("Feel the chair under you.", line))
    problem = load_library(tmp_path).problems[0]
    assert "claim.toml: steps.0.text" in problem and "reword it" in problem


def test_prompts_may_only_use_their_own_placeholders(tmp_path):
    text = (builtin_dir() / "_prompts.toml").read_text()
    write(tmp_path, "_prompts.toml", text.replace("There's no pause timer running right now.",
                                                  "No timer until {return_time}."))
    problem = load_library(tmp_path).problems[0]
    assert "no_pause_running: placeholder {return_time} is not allowed here" in problem


def test_too_few_variants_fail_the_builtin_load(tmp_path, monkeypatch):
    """Four variants per guidance intent (so the last two are never repeated) and two
    safety scripts per situation: a built-in library with fewer does not load."""
    import shutil

    copy = tmp_path / "scripts"
    shutil.copytree(builtin_dir(), copy)
    monkeypatch.setattr("voiceguide.library.builtin_dir", lambda: copy)
    cycles = sorted(copy.glob("cycle_*.toml"))
    for path in cycles[:len(cycles) - 3]:
        path.unlink()
    with pytest.raises(ScriptError, match=r"needs at least 4 script variants \(found 3\)"):
        load_library()
    shutil.copy(builtin_dir() / cycles[0].name, copy)
    load_library()
    next(p for p in sorted(copy.glob("safety_*.toml"))
         if 'situation = "danger"' in p.read_text()).unlink()
    with pytest.raises(ScriptError, match=r"safety situation danger needs at least 2"):
        load_library()


def test_variants_by_situation_fall_back_to_general():
    lib = load_library(Path(__file__).parent / "session_scripts")
    assert {s.situation for s in lib.variants("safety", situation="danger")} == {"danger"}
    assert {s.situation for s in lib.variants("safety")} == {"general"}
    assert {s.situation for s in lib.variants("chasing")} == {None}
    assert {s.situation for s in lib.variants("chasing", situation="away")} == {"away"}
    plain = load_library()
    assert {s.situation for s in plain.variants("safety", situation="self_harm")} == {"self_harm"}


def test_every_countrys_helplines_said_by_the_device_trigger_nothing():
    """The safety scripts speak these names aloud; heard back, they must not be a plea."""
    from voiceguide.helplines import COUNTRIES
    from voiceguide.library import self_triggers
    from voiceguide.router import default_router

    router = default_router().rules_only()  # the guard is the rules (library.py)
    for code, lines in COUNTRIES.items():
        for line in (lines.emergency, lines.crisis, lines.dv):
            if line is not None:
                for text in (f"Call {line.said}.", f"You can call {line.said}, any time."):
                    assert self_triggers(text, router) is None, (code, text)


def test_a_helpline_name_that_sounds_like_a_cue_is_refused_in_a_safety_step(monkeypatch):
    """The check fills every country's lines into a step, so a name that routes is caught
    before the device could say it (and then hear itself)."""
    from voiceguide import helplines
    from voiceguide.helplines import Helplines, Line
    from voiceguide.library import self_triggers
    from voiceguide.router import default_router

    router = default_router().rules_only()  # the guard is the rules (library.py)
    assert self_triggers("Call {dv_line}.", router) is None
    monkeypatch.setitem(helplines.COUNTRIES, "XX", Helplines(
        Line("112"), None, Line("0800 123 456", "I'm not safe")))
    assert "would trigger safety" in (self_triggers("Call {dv_line}.", router) or "")
