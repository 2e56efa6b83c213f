"""Numbers you can trust: a named config that is not there is an error, every `listen`
start names the numbers in use, `doctor` shows them and warns of a missing line, and a
changed config is picked up by a running `listen` (on the next cue, or on SIGHUP)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading

import pytest

from conftest import _env

NO_MODEL = "no intent model here"
"""This branch ships no router model: the router says so once at start (not an error)."""


def errors(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.strip() and NO_MODEL not in ln]


def write_config(path, text: str) -> None:
    """Replace the file whole, as an editor does (a new inode: the change is certain)."""
    tmp = path.with_suffix(".new")
    tmp.write_text(text)
    os.replace(tmp, path)


@pytest.mark.parametrize("how", ["--config", "VOICEGUIDE_CONFIG"])
@pytest.mark.parametrize("command", [["say", "--print", "I'm not safe"], ["config"],
                                     ["listen", "--text", "--print"], ["doctor"]])
def test_a_named_config_that_does_not_exist_is_one_line_and_exit_1(cli, tmp_path, how,
                                                                   command):
    typo = tmp_path / "gb.tom"
    args = ["--config", str(typo), *command] if how == "--config" else command
    env = {"VOICEGUIDE_CONFIG": str(typo)} if how == "VOICEGUIDE_CONFIG" else {}
    proc = cli(*args, env=env, input="", check=1)
    assert errors(proc.stderr) == [f"voiceguide: {typo}: no such config file (named by {how}); "
                                   f"check the name, or leave it out to use "
                                   f"{proc.stderr.split('leave it out to use ')[1].strip()}"]
    assert "911" not in proc.stdout  # nothing was said with the wrong numbers


def test_listen_names_the_country_and_the_three_numbers_at_every_start(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[session]\ncountry = "GB"\n')
    for _ in range(2):  # not only on the first run
        proc = cli("--config", str(config), "listen", "--text", "--print", input="", check=0)
        numbers = [ln for ln in errors(proc.stderr) if "safety numbers" in ln]
        assert numbers == [f"voiceguide: safety numbers (GB): emergency 999; crisis line "
                           f"116 123, the Samaritans, free at any hour; domestic-violence line "
                           f"0808 2000 247, the National Domestic Abuse Helpline (from {config})"]


def test_doctor_shows_the_numbers_and_warns_of_a_missing_line(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[session]\ncountry = "EU"\n')
    out = cli("--config", str(config), "doctor", timeout=300).stdout
    assert f"[ok] safety numbers (EU): emergency 112; no crisis line; no domestic-violence " \
           f"line (from {config})" in out
    assert "[!!] no crisis line for EU" in out and "fix: set session.crisis_line" in out
    assert "[!!] no domestic-violence line for EU" in out
    config.write_text('[session]\ncountry = "EU"\ncrisis_line = "116 123, the Samaritans"\n'
                      'dv_line = "116 016"\n')
    out = cli("--config", str(config), "doctor", timeout=300).stdout
    assert "crisis line 116 123, the Samaritans; domestic-violence line 116 016" in out
    assert "[!!] no " not in out
    assert "local time" in out and "night voice (slower, quieter) from 23:00 to 06:00" in out


def test_config_shows_the_numbers_the_local_time_and_the_night_window(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[session]\ncountry = "NZ"\nnight_start = 22\nnight_end = "7:30"\n')
    out = cli("--config", str(config), "config", check=0).stdout
    assert "# safety numbers (NZ): emergency 111;" in out
    assert "night voice (slower, quieter) from 22:00 to 07:30" in out and "local time" in out


class Listening:
    """A real `listen --text --print` process, fed a line at a time; its output is read
    on threads so a test can wait for a line to appear."""

    def __init__(self, tmp_path, config):
        env = _env({"XDG_STATE_HOME": str(tmp_path / "state")})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "voiceguide", "--config", str(config), "listen", "--text",
             "--print"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path, bufsize=1)
        self.lines: queue.Queue = queue.Queue()
        for stream in (self.proc.stdout, self.proc.stderr):
            threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _next(self, timeout: float, waiting_for, seen: list[str]) -> str | None:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no {waiting_for!r} within {timeout} s; seen: {seen}") from None

    def say(self, text: str) -> None:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def wait_for(self, needle: str, timeout: float = 120) -> list[str]:
        """Every line up to and including the first with ``needle`` in it (any case)."""
        seen = []
        while True:
            line = self._next(timeout, needle, seen)
            assert line is not None, f"exited before {needle!r}: {seen}"
            seen.append(line)
            if needle.lower() in line.lower():
                return seen

    def wait_for_all(self, *needles: str, timeout: float = 120) -> list[str]:
        """Every line until each of ``needles`` has been in one (any order: stdout and
        stderr are read apart, so their lines may interleave either way)."""
        seen, left = [], [n.lower() for n in needles]
        while left:
            line = self._next(timeout, left, seen)
            assert line is not None, f"exited before {left!r}: {seen}"
            seen.append(line)
            left = [n for n in left if n not in line.lower()]
        return seen

    def close(self) -> int:
        self.proc.stdin.close()
        return self.proc.wait(timeout=120)


def test_a_changed_config_is_used_from_the_next_cue(tmp_path):
    config = tmp_path / "config.toml"
    write_config(config, '[session]\ncountry = "GB"\n')
    listening = Listening(tmp_path, config)
    try:
        listening.wait_for("safety numbers (GB)")
        listening.say("I'm not safe")
        listening.wait_for("call 999")
        write_config(config, '[session]\ncountry = "IE"\n')
        listening.say("I'm not safe")
        seen = listening.wait_for_all("config reloaded: safety numbers (IE): emergency 112",
                                      "call 112")
        assert not any("call 999" in ln.lower() for ln in seen)
        # A broken edit keeps the numbers in use, with one line saying so.
        write_config(config, '[session]\ncountry = "FR"\n')
        listening.say("I'm not safe")
        seen = listening.wait_for_all("config not reloaded", "call 112")
        assert sum("config not reloaded" in ln for ln in seen) == 1
    finally:
        assert listening.close() == 0


def test_sighup_reloads_the_config_at_once(tmp_path):
    config = tmp_path / "config.toml"
    write_config(config, '[session]\ncountry = "US"\n')
    listening = Listening(tmp_path, config)
    try:
        listening.wait_for("safety numbers (US)")
        write_config(config, '[session]\ncountry = "AU"\n')
        listening.proc.send_signal(signal.SIGHUP)
        listening.wait_for("config reloaded: safety numbers (AU): emergency 000")
        listening.say("I'm not safe")
        listening.wait_for("call 000")
    finally:
        assert listening.close() == 0


def test_the_service_reloads_with_sighup():
    from voiceguide.service.unit import exec_start, unit_text

    unit = unit_text(exec_start())
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit.splitlines()


def test_the_night_line_says_the_local_time_and_whether_the_night_voice_is_on():
    from datetime import datetime, timezone

    from voiceguide.config import SessionSettings

    s = SessionSettings()
    late = s.night_summary(datetime(2026, 12, 2, 1, 5, tzinfo=timezone.utc))
    assert late.startswith("local time 01:05 UTC;") and "06:00, on now" in late
    assert "off now" in s.night_summary(datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc))
    never = SessionSettings(night_start="0:00", night_end="0:00").night_summary()
    assert "no night hours" in never


def test_listening_from_the_microphone_names_the_numbers_as_it_starts(capsys, tmp_path):
    """The microphone path (and so the service's journal): the numbers line on stderr
    just before the line that says it is listening."""
    from voiceguide.app import App
    from voiceguide.cli import PrintedEvents

    config = tmp_path / "config.toml"
    config.write_text('[session]\ncountry = "NZ"\n')
    app = App.load(config)
    PrintedEvents(app.numbers_line()).listening("room.monitor", "whisper tiny.en")
    out, err = capsys.readouterr()
    assert err.startswith("voiceguide: safety numbers (NZ): emergency 111;")
    assert "listening on 'room.monitor'" in out
