"""Carrying out a :class:`~voiceguide.service.unit.Plan` with systemctl and loginctl."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import VoiceguideError
from .unit import NAME, Plan, shell_line, status_commands


class ServiceError(VoiceguideError):
    """systemd is missing, or one of its commands failed."""


def _run(command: tuple[str, ...], check: bool = True) -> subprocess.CompletedProcess:
    if shutil.which(command[0]) is None:
        raise ServiceError(f"{command[0]} not found: this system does not run systemd; "
                           "`voiceguide service install --dry-run` shows the unit to adapt")
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        why = " ".join((proc.stderr or proc.stdout).split()) or f"exit {proc.returncode}"
        raise ServiceError(f"`{shell_line(command)}` failed: {why}")
    return proc


def install(plan: Plan) -> None:
    """Write the unit, then enable and start it and turn on lingering; a failed step
    removes the unit file again so nothing is left half-installed."""
    for command in plan.commands:  # fail early, before writing anything
        if shutil.which(command[0]) is None:
            _run(command)
    plan.unit_path.parent.mkdir(parents=True, exist_ok=True)
    existed = plan.unit_path.exists()
    plan.unit_path.write_text(plan.unit, "utf-8")
    try:
        for command in plan.commands:
            _run(command)
    except ServiceError:
        if not existed:
            plan.unit_path.unlink(missing_ok=True)
        raise


def uninstall(plan: Plan) -> bool:
    """Stop and disable the service and remove its unit; False if it was not installed."""
    if not plan.unit_path.exists():
        return False
    for command in plan.commands:
        _run(command, check=False)  # already stopped or unknown to systemd: go on
    plan.unit_path.unlink()
    _run(("systemctl", "--user", "daemon-reload"), check=False)
    return True


@dataclass(frozen=True)
class Status:
    unit_path: Path
    installed: bool
    enabled: str
    """systemctl's answer: enabled, disabled, not-found, ..."""
    active: str
    """active, inactive, failed, activating, ..."""
    linger: str
    """yes: starts at boot without a login; no; or unknown."""


def status(unit_path: Path) -> Status:
    answers = []
    for command in status_commands():
        try:
            proc = _run(command, check=False)
            answers.append((proc.stdout.strip() or "unknown").splitlines()[0])
        except ServiceError:
            answers.append("unknown (no systemd)")
    return Status(unit_path, unit_path.exists(), *answers)


__all__ = ["NAME", "ServiceError", "Status", "install", "status", "uninstall"]
