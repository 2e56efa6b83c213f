"""The button from the outside: Enter in `listen --text`, `doctor`'s advice, `devices
--buttons`, the udev rule `service install` writes, and no cost when there is no button."""

from __future__ import annotations

import shlex

import pytest

from voiceguide.config import ButtonSettings

evdev = pytest.importorskip("evdev", reason="python-evdev not installed (the button extra)")


def test_enter_on_an_empty_line_is_a_short_press(cli):
    proc = cli("listen", "--text", "--print", input="\n", check=0)
    assert "short press -> grounding" in proc.stdout
    assert "button Enter on an empty line: press = grounding, double press = start or end " \
           "the pause" in proc.stderr
    assert "feet" in proc.stdout.lower() or "breath" in proc.stdout.lower()  # grounding said


def test_enter_twice_starts_the_pause_and_words_still_work(cli):
    # (a bare "stop" now asks before it ends a pause, and in --text the pause is real
    # time: "cancel the pause" ends it outright, so the run ends with the input)
    proc = cli("listen", "--text", "--print", input="\n\ncancel the pause\n", check=0)
    assert "double press -> pause" in proc.stdout
    assert "heard -> stop" in proc.stdout and "cancelled the pause" in proc.stdout


def test_short_press_can_name_another_intent(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[button]\nshort = "flooded"\n')
    proc = cli("--config", str(config), "listen", "--text", "--print", input="\n", check=0)
    assert "short press -> flooded" in proc.stdout


def test_a_bad_short_setting_is_one_line(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[button]\nshort = "dance"\n')
    proc = cli("--config", str(config), "listen", "--text", "--print", input="\nI'm flooded\n",
               check=0)
    assert "button.short: 'dance' is not an intent or a script id" in proc.stderr
    assert "heard -> flooded" in proc.stdout  # words still work


def test_a_missing_device_is_one_line_and_typed_cues_go_on(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[button]\ndevice = "No Such Big Button"\n')
    proc = cli("--config", str(config), "listen", "--text", "--print", input="I'm flooded\n",
               check=0)
    lost = [x for x in proc.stderr.splitlines() if "No Such Big Button" in x and "not found" in x]
    assert len(lost) == 1, proc.stderr
    assert "heard -> flooded" in proc.stdout


def test_both_a_device_and_a_pin_is_a_config_error(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[button]\ndevice = "x"\npin = 17\n')
    proc = cli("--config", str(config), "listen", "--text", "--print", input="", check=1)
    assert "not both" in proc.stderr


def test_nothing_about_buttons_is_imported_without_one(cli):
    proc = cli("listen", "--text", "--print", input="I'm flooded\n", check=0,
               env={"PYTHONPROFILEIMPORTTIME": "1"})
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert "voiceguide.cli" in imported  # the measurement works
    assert not {m for m in imported if m.startswith(("voiceguide.button", "evdev", "gpiozero"))}


def test_doctor_finds_no_device_and_says_how_to_fix(tmp_path):
    from voiceguide.button.doctor import button_lines, check_button

    (check,) = check_button(ButtonSettings(device="USB Big Button"))
    assert not check.ok and "USB Big Button" in check.what and "devices --buttons" in check.fix
    lines = button_lines(str(tmp_path))
    assert lines == [f"no input devices with keys under {tmp_path}"]


def test_doctor_names_the_permission_fix_for_an_unreadable_device(tmp_path, monkeypatch):
    from voiceguide.button import evdev_source
    from voiceguide.button.doctor import button_lines, check_button

    (tmp_path / "event4").write_bytes(b"")
    monkeypatch.setattr(evdev_source.os, "access", lambda path, mode: False)  # not root
    (check,) = check_button(ButtonSettings(device=str(tmp_path / "event4")))
    assert "cannot be read" in check.what and "input group" in check.fix
    assert "voiceguide service install" in check.fix
    assert any("cannot be read" in x for x in button_lines(str(tmp_path)))


def test_doctor_reports_the_button(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[button]\ndevice = "USB Big Button"\n')
    proc = cli("--config", str(config), "doctor", check=None, timeout=300)
    line = next(x for x in proc.stdout.splitlines() if "USB Big Button" in x)
    assert line.startswith("[!!]"), proc.stdout


def test_service_install_writes_a_udev_rule_for_the_button(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[button]\ndevice = "USB Big Button"\n')
    out = cli("--config", str(config), "service", "install", "--dry-run",
              env={"XDG_CONFIG_HOME": str(tmp_path / "cfg")}, check=0).stdout
    rule = next(x for x in out.splitlines() if x.startswith("SUBSYSTEM=="))
    assert 'ATTRS{name}=="*USB Big Button*"' in rule and "OWNER=" in rule
    commands = [shlex.split(x) for x in out.partition("# as root:\n")[2].splitlines()]
    assert commands[0][0] == "install" and commands[0][-1] == \
        "/etc/udev/rules.d/70-voiceguide-button.rules"
    assert ["udevadm", "control", "--reload"] in commands
