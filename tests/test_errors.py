"""Every error is one line, starting "voiceguide:", with a non-zero exit, and nothing is
left half done: bad output paths, unknown script ids (with at most five near ones as a
hint), typed text that is not a cue."""

from __future__ import annotations

import re

import pytest

NO_MODEL = "no intent model here"
"""This branch ships no router model: the router says so once at start (not an error)."""


def errors(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.strip() and NO_MODEL not in ln]


def one_line(proc, code: int = 1) -> str:
    assert proc.returncode == code, proc.stderr
    lines = errors(proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("voiceguide: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


@pytest.mark.parametrize("where,why", [
    ("/no/such/dir/x.wav", "the folder /no/such/dir does not exist"),
    (".", "is a folder"),
])
def test_render_to_a_path_that_cannot_be_written_is_one_line(cli, tmp_path, where, why):
    line = one_line(cli("render", "grounding-feet-and-breath", "-o", where))
    assert why in line
    assert not list(tmp_path.glob("**/*.wav"))


def test_render_to_a_file_inside_a_file_is_one_line(cli, tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    line = one_line(cli("render", "repair", "-o", str(tmp_path / "notes.txt" / "x.wav")))
    assert "notes.txt" in line


@pytest.mark.parametrize("command", [["run", "--print"], ["render", "-o", "x.wav"]])
def test_an_unknown_script_id_is_one_short_line_with_five_near_ids_at_most(cli, command):
    line = one_line(cli(*command, "safety-danger-get-ot"))
    assert "no script or intent named 'safety-danger-get-ot'" in line
    near = re.search(r"nearest: (.*?) \(", line).group(1).split(", ")
    assert 1 <= len(near) <= 5 and near[0] == "safety-danger-get-out"
    assert len(line) < 300


def test_an_id_like_nothing_still_gets_a_short_hint(cli):
    line = one_line(cli("run", "--print", "zzzzzz"))
    assert "nearest: " in line and len(line) < 300


def test_render_needs_a_script_or_a_cue_and_a_cue_it_understands(cli, tmp_path):
    assert "script id or intent, or --cue" in one_line(cli("render", "-o", "x.wav"))
    line = one_line(cli("render", "--cue", "pass the salt", "-o", "x.wav"))
    assert "No cue there. Say 'what can I say' for examples." in line
    assert not (tmp_path / "x.wav").exists()


def test_say_with_no_cue_is_one_line_exit_3(cli):
    line = one_line(cli("say", "--print", "pass the salt"), code=3)
    assert line == "voiceguide: No cue there. Say 'what can I say' for examples."


def test_typed_text_that_is_not_a_cue_gets_one_line(cli):
    proc = cli("listen", "--text", "--print", input="pass the salt\n\nthe basement flooded\n",
               check=0)
    assert proc.stdout.splitlines().count(
        "No cue there. Say 'what can I say' for examples.") == 2
