"""`voiceguide service`: the systemd user unit, checked without a running systemd."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys

import pytest


def dry_run(cli, *extra, env=None):
    out = cli(*extra, "service", "install", "--dry-run", env=env, check=0).stdout
    head, _, commands = out.partition("# then:\n")
    path, _, unit = head.partition("\n")
    return path.lstrip("# ").strip(), unit, [shlex.split(c) for c in commands.splitlines()]


def test_the_unit_restarts_listen_on_failure_and_starts_at_boot(cli, tmp_path):
    path, unit, commands = dry_run(cli, env={"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    assert path == str(tmp_path / "cfg" / "systemd" / "user" / "voiceguide.service")
    lines = unit.splitlines()
    for line in ("Restart=on-failure", "WantedBy=default.target", "Type=notify",
                 "StartLimitIntervalSec=0"):
        assert line in lines
    exec_start = next(x for x in lines if x.startswith("ExecStart="))
    assert shlex.split(exec_start[len("ExecStart="):]) == [sys.executable, "-m", "voiceguide",
                                                           "listen"]
    assert commands[0] == ["systemctl", "--user", "daemon-reload"]
    assert commands[1] == ["systemctl", "--user", "enable", "--now", "voiceguide.service"]
    assert commands[2][:2] == ["loginctl", "enable-linger"]  # starts without a login


def test_the_unit_runs_this_installation_with_the_given_config(cli, tmp_path):
    config = tmp_path / "my config.toml"
    config.write_text("[session]\npause_minutes = 25\n")
    _, unit, _ = dry_run(cli, "--config", str(config))
    exec_start = next(x for x in unit.splitlines() if x.startswith("ExecStart="))
    command = shlex.split(exec_start[len("ExecStart="):])
    assert command[-3:] == ["--config", str(config), "listen"]
    # The very command the service would run, asked for its help: it starts voiceguide.
    proc = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "--text" in proc.stdout, proc.stderr


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_accepts_the_unit(cli, tmp_path):
    _, unit, _ = dry_run(cli)
    good = tmp_path / "voiceguide.service"
    good.write_text(unit)
    proc = subprocess.run(["systemd-analyze", "verify", str(good)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
    # The verifier is not a rubber stamp: it names a bad setting.
    bad = tmp_path / "bad.service"
    bad.write_text(unit.replace("Restart=on-failure", "Restart=sometimes"))
    proc = subprocess.run(["systemd-analyze", "verify", str(bad)], capture_output=True,
                          text=True, timeout=120)
    assert "sometimes" in proc.stderr


def test_without_a_user_systemd_install_fails_in_one_line_and_leaves_nothing(cli, tmp_path):
    if shutil.which("systemctl") and subprocess.run(
            ["systemctl", "--user", "is-system-running"], capture_output=True,
            timeout=60).returncode in (0, 1) and subprocess.run(
            ["systemctl", "--user", "show-environment"], capture_output=True,
            timeout=60).returncode == 0:
        pytest.skip("a user systemd is running here: not installing a service on this machine")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    proc = cli("service", "install", env=env, check=1)
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("voiceguide: "), proc.stderr
    assert not (tmp_path / "cfg" / "systemd" / "user" / "voiceguide.service").exists()
    status = cli("service", "status", env=env, check=3).stdout
    assert "not installed" in status
    assert "not installed" in cli("service", "uninstall", env=env, check=0).stdout
