"""The systemd user unit that keeps `voiceguide listen` running, and the commands that
install, remove and inspect it. Pure: nothing here runs a command or writes a file."""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

NAME = "voiceguide.service"


@dataclass(frozen=True)
class Plan:
    unit_path: Path
    """Where the unit file goes (the user's systemd folder)."""
    unit: str
    """The unit file's text."""
    commands: tuple[tuple[str, ...], ...]
    """What is run, in order, after the file is written (install) or before it is
    removed (uninstall)."""


def unit_dir() -> Path:
    """~/.config/systemd/user (or under $XDG_CONFIG_HOME)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def user() -> str:
    import getpass

    return getpass.getuser()


def exec_start(python: str | None = None, config: Path | None = None) -> list[str]:
    """`python -m voiceguide listen` with this very interpreter (the virtualenv's, not
    the one it links to), so the service runs the installation that installed it."""
    command = [python or sys.executable, "-m", "voiceguide"]
    if config is not None:
        command += ["--config", str(Path(config).expanduser().absolute())]
    return command + ["listen"]


def unit_text(command: list[str], workdir: str | None = "%h") -> str:
    lines = [
        "# Written by `voiceguide service install`; remove with `voiceguide service uninstall`.",
        "[Unit]",
        "Description=voiceguide: offline voice companion, listening for cues",
        "After=sound.target pipewire.service pipewire-pulse.service pulseaudio.service",
        "Wants=sound.target",
        "# Never give up restarting: an appliance has nobody to start it by hand.",
        "StartLimitIntervalSec=0",
        "",
        "[Service]",
        "# Ready once it listens; then it pings the watchdog while its hearing loop runs,",
        "# so a loop stuck in an audio driver is restarted too.",
        "Type=notify",
        "NotifyAccess=main",
        "WatchdogSec=60",
        "TimeoutStartSec=300",
        f"ExecStart={' '.join(_quote(part) for part in command)}",
        "# `systemctl --user reload voiceguide` re-reads the config (new safety numbers).",
        "ExecReload=/bin/kill -HUP $MAINPID",
        *([f"WorkingDirectory={workdir}"] if workdir else []),
        "# A lost microphone that does not come back ends listen with an error: start again.",
        "Restart=on-failure",
        "RestartSec=5",
        "# Stopping waits for a decode and a render in progress (60 s each at most).",
        "TimeoutStopSec=150",
        "Environment=PYTHONUNBUFFERED=1",
        "# The journal gets the names of the cues heard, never the words said",
        "# (unless listen.log_transcripts = true in the config).",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ]
    return "\n".join(lines)


def _quote(part: str) -> str:
    """systemd's quoting for ExecStart: like a shell's double quotes for plain paths."""
    if part and all(c.isalnum() or c in "/._-+=:@%," for c in part):
        return part
    return '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"'


def install_plan(config: Path | None = None, python: str | None = None,
                 login: str | None = None) -> Plan:
    command = exec_start(python, config)
    systemctl = ("systemctl", "--user")
    return Plan(unit_dir() / NAME, unit_text(command, "%h"), (
        (*systemctl, "daemon-reload"),
        (*systemctl, "enable", "--now", NAME),
        # Start at boot, before (and without) anyone logging in.
        ("loginctl", "enable-linger", login or user()),
    ))


def uninstall_plan() -> Plan:
    return Plan(unit_dir() / NAME, "", (
        ("systemctl", "--user", "disable", "--now", NAME),
    ))


def status_commands(login: str | None = None) -> tuple[tuple[str, ...], ...]:
    return (("systemctl", "--user", "is-enabled", NAME),
            ("systemctl", "--user", "is-active", NAME),
            ("loginctl", "show-user", login or user(), "--property=Linger", "--value"))


def shell_line(command: tuple[str, ...]) -> str:
    return shlex.join(command)
