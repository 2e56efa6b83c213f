"""`voiceguide service install | uninstall | status`: the only place here that prints."""

from __future__ import annotations

from pathlib import Path

from . import systemd
from .unit import NAME, install_plan, shell_line, uninstall_plan, unit_dir


def cmd_service(args) -> int:
    config = Path(args.config) if args.config else None
    if args.action == "install":
        plan = install_plan(config)
        if args.dry_run:
            print(f"# {plan.unit_path}")
            print(plan.unit)
            print("# then:")
            for command in plan.commands:
                print(shell_line(command))
            return 0
        systemd.install(plan)
        print(f"installed {plan.unit_path}; voiceguide now starts at boot and restarts "
              "after a failure")
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
