"""The command line as a user meets it: real processes, exit codes, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from voiceguide.audio import read_wav


def test_route_json_single_and_stdin(cli):
    out = cli("route", "--json", "pause for half an hour", check=0).stdout
    assert json.loads(out) == {"text": "pause for half an hour", "intent": "pause",
                               "confidence": 1.0, "slots": {"minutes": 30}}
    lines = cli("route", "--json", input="I'm flooded\nthe basement flooded\n", check=0).stdout
    answers = [json.loads(x) for x in lines.splitlines()]
    assert [a["intent"] for a in answers] == ["flooded", None]
    assert set(answers[1]) == {"text", "intent", "confidence", "slots"}


def test_say_print_speaks_the_script_as_text(cli):
    from voiceguide.library import load_library

    proc = cli("say", "--print", "I'm starting to chase", check=0)
    assert "-> chasing" in proc.stdout
    said = [ln.split("voiceguide: ", 1)[1] for ln in proc.stdout.splitlines()
            if ln.startswith("  voiceguide: ")]
    chasing = {step.text for s in load_library().scripts.values() if s.intent == "chasing"
               for step in s.steps}  # day or night: the night hours follow the real clock
    assert said and said[0] in chasing  # the first line of a chasing script, as text


def test_a_typed_safety_cue_is_answered_and_its_words_are_not_echoed(cli):
    proc = cli("-vv", "say", "--print", "I want to hurt myself", check=0)
    assert "heard -> safety" in proc.stdout
    assert "hurt myself" not in (proc.stdout + proc.stderr).lower()


def test_say_unknown_cue_is_one_line_and_exit_3(cli):
    proc = cli("say", "--print", "pass the salt", check=3)
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "what can I say" in proc.stderr


def test_run_by_id_and_intent_bedside(cli):
    out = cli("run", "--print", "--bedside", "grounding", check=0).stdout
    assert "nothing to solve tonight" in out or "bed hold your weight" in out
    bad = cli("run", "--print", "tango", check=1)
    assert bad.stderr.count("\n") == 1 and "no script or intent named 'tango'" in bad.stderr


def test_scripts_lists_the_library(cli):
    out = cli("scripts", check=0).stdout
    assert "grounding-night-senses" in out and "(bedside)" in out
    assert len(out.splitlines()) >= 22


def test_listen_text_drives_the_same_session(cli, tmp_path):
    proc = cli("listen", "--text", "--print", input="what can I say\npass the salt\n", check=0)
    assert "heard -> help" in proc.stdout
    assert "No cue there. Say 'what can I say' for examples." in proc.stdout.splitlines()
    assert "You can tell me how it feels" in proc.stdout
    assert "salt" not in proc.stdout + proc.stderr  # typed words are not echoed by default
    config = tmp_path / "config.toml"
    config.write_text("[listen]\nlog_transcripts = true\n")
    proc = cli("listen", "--text", "--print", input="pass the salt\n",
               env={"VOICEGUIDE_CONFIG": str(config)}, check=0)
    assert "heard 'pass the salt' -> no cue there. Say 'what can I say' for examples." \
        in proc.stdout.splitlines()


def test_check_reports_a_broken_file_in_one_line(cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\nintent = "repair"\ntitle = "t"\n[[steps]]\ntext = "hi"\nwait = 2\n')
    proc = cli("check", str(bad), check=1)
    assert proc.stderr.strip().count("\n") == 0
    assert "bad.toml: steps.0.wait: Extra inputs are not permitted" in proc.stderr
    assert "ok: " in cli("check", check=0).stdout


def test_bad_user_script_is_skipped_and_the_rest_works(cli, tmp_path):
    scripts = tmp_path / "mine"
    scripts.mkdir()
    (scripts / "broken.toml").write_text("id = ")
    config = tmp_path / "config.toml"
    config.write_text(f'user_scripts = "{scripts}"\n')
    proc = cli("say", "--print", "help me repair", env={"VOICEGUIDE_CONFIG": str(config)},
               check=0)
    assert "skipped" in proc.stderr and "broken.toml: not valid TOML" in proc.stderr
    assert "-> repair" in proc.stdout


def test_config_shows_path_and_values_and_rejects_bad_values(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[session]\npause_minutes = 30\n")
    out = cli("config", env={"VOICEGUIDE_CONFIG": str(config)}, check=0).stdout
    assert str(config) in out and '"pause_minutes": 30' in out
    config.write_text("[session]\npause_minutes = 5000\n")
    proc = cli("say", "--print", "take a break", env={"VOICEGUIDE_CONFIG": str(config)}, check=1)
    assert proc.stderr.strip().count("\n") == 0
    assert "session.pause_minutes" in proc.stderr and "must be a whole number from 1 to 1440" in proc.stderr
    config.write_text("[session\n")
    assert "not valid TOML" in cli("config", env={"VOICEGUIDE_CONFIG": str(config)}).stderr


def test_render_writes_speech_and_real_silence(cli, tmp_path):
    out = tmp_path / "repair.wav"
    proc = cli("render", "repair-staying-close", "-o", str(out), check=0)
    assert "repair-staying-close" in proc.stdout
    audio = read_wav(out)
    # Frame energy in 50 ms windows: speech frames and the script's silent pauses.
    frames = audio.samples[: len(audio.samples) // 1102 * 1102].reshape(-1, 1102)
    loud = np.sqrt((frames ** 2).mean(axis=1)) > 0.01
    assert loud.mean() > 0.15  # there is speech
    runs, run = [], 0
    for is_loud in loud:
        run = 0 if is_loud else run + 1
        runs.append(run)
    longest_silence = max(runs) * 0.05
    assert longest_silence >= 3 / 0.9 - 0.2  # the 3 s pauses (rate 0.9) are really there
    total_pause = sum(s for s in (2, 3, 3, 3, 2)) / 0.9
    assert audio.seconds > total_pause + 5


def test_tts_failure_prints_the_line_and_goes_on(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[speech]\nengine = "pyttsx3"\nvoice = "no-such-voice"\n')
    proc = cli("render", "repair", "-o", str(tmp_path / "x.wav"),
               env={"VOICEGUIDE_CONFIG": str(config)})
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert "no voice 'no-such-voice'" in proc.stderr


@pytest.mark.timeout(120)
def test_say_with_broken_tts_still_prints_every_line(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[speech]\nengine = "pyttsx3"\nvoice = "no-such-voice"\n'
                      'piper_voice = "no-such-piper-voice"\n[session]\noffer_timeout = 5\n')
    proc = cli("say", "what can I say", env={"VOICEGUIDE_CONFIG": str(config)}, check=0)
    assert 'You can always say "I\'m not safe"' in proc.stdout, proc.stdout
    assert "no voice 'no-such-voice'" in proc.stderr and "printing the words instead" in proc.stderr
    assert proc.stderr.count("no voice") == 1  # said once, not on every line

