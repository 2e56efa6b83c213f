"""`voiceguide service install | uninstall | status`: the only place here that prints."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from . import systemd
from .unit import NAME, install_plan, shell_line, uninstall_plan, unit_dir, user


def _button_rule(config: Path | None) -> str | None:
    """The udev rule for a configured input-device button, or None (no button, or a GPIO
    one: the gpio group is enough there)."""
    from ..config import load_settings

    button = load_settings(config).button
    if button.device is None:
        return None
    from ..button.udev import rule_text

    try:
        return rule_text(button.device, user())
    except ValueError as exc:
        print(f"voiceguide: no udev rule for the button: {exc}")
        return None


def _install_rule(rule: str, dry_run: bool) -> None:
    """Write the rule beside the config; put it in place when root, else say how."""
    from ..button.udev import RULE_NAME, RULES_DIR, install_commands
    from ..config import config_dir

    staged = config_dir() / RULE_NAME
    commands = install_commands(staged)
    if dry_run:
        print(f"# the button's udev rule ({staged}, then {RULES_DIR / RULE_NAME}):")
        print(rule, end="")
        print("# as root:")
        for command in commands:
            print(shell_line(command))
        return
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_text(rule, "utf-8")
    if os.geteuid() == 0:
        for command in commands:
            subprocess.run(command, check=False, timeout=60)
        print(f"wrote {RULES_DIR / RULE_NAME}: the button can be read by the service")
        return
    print(f"wrote the button's udev rule to {staged}; put it in place (once, as root) so "
          "the service can read the button:")
    print("  sudo sh -c " + shlex.quote("; ".join(shell_line(c) for c in commands)))


def cmd_service(args) -> int:
    config = Path(args.config) if args.config else None
    if args.action == "install":
        plan = install_plan(config)
        rule = _button_rule(config)
        if args.dry_run:
            print(f"# {plan.unit_path}")
            print(plan.unit)
            print("# then:")
            for command in plan.commands:
                print(shell_line(command))
            if rule:
                _install_rule(rule, dry_run=True)
            return 0
        systemd.install(plan)
        print(f"installed {plan.unit_path}; voiceguide now starts at boot and restarts "
              "after a failure")
        if rule:
            _install_rule(rule, dry_run=False)
        print(f"follow it with: journalctl --user -u {NAME} -f")
        return 0
    if args.action == "uninstall":
        plan = uninstall_plan()
        if args.dry_run:
            for command in plan.commands:
                print(shell_line(command))
            print(f"rm {plan.unit_path}")
            return 0
        if not systemd.uninstall(plan):
            print(f"not installed ({plan.unit_path} does not exist)")
            return 0
        print(f"removed {plan.unit_path}; lingering stays on (loginctl disable-linger to "
              "turn it off)")
        return 0
    state = systemd.status(unit_dir() / NAME)
    print(f"unit:     {state.unit_path} ({'installed' if state.installed else 'not installed'})")
    print(f"enabled:  {state.enabled}")
    print(f"running:  {state.active}")
    print(f"at boot:  {'yes (lingering on)' if state.linger == 'yes' else state.linger}")
    return 0 if state.installed and state.active == "active" else 3


def add_commands(sub) -> None:
    s = sub.add_parser("service", help="run voiceguide as a systemd user service "
                                       "(starts at boot, restarts after a failure)")
    s.add_argument("action", choices=["install", "uninstall", "status"])
    s.add_argument("--dry-run", action="store_true",
                   help="print the unit and the commands instead of running them")
    s.set_defaults(func=cmd_service, bare=True)
