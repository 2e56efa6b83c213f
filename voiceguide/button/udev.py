"""The udev rule that lets the service user read one input device (the button) without
being in the ``input`` group, which would let it read every keyboard. Pure: text only;
`voiceguide service install` writes it."""

from __future__ import annotations

import os
from pathlib import Path

RULE_NAME = "70-voiceguide-button.rules"
RULES_DIR = Path("/etc/udev/rules.d")


def rule_text(device: str, user: str) -> str:
    """The rule for ``button.device`` (a name, or a part of one, as the config matches
    it: any case there, the exact case here)."""
    if device.startswith("/") or os.sep in device:
        raise ValueError("a device given by path has no stable name for a rule: set "
                         "button.device to its name (`voiceguide devices --buttons`)")
    if any(c in device for c in '"\\*?[]\n'):
        raise ValueError(f"button.device {device!r} has characters a udev rule cannot "
                         "match; use a plain part of the name")
    return ("# Written by `voiceguide service install`: the voiceguide button, readable by "
            f"{user}.\n"
            f'SUBSYSTEM=="input", KERNEL=="event*", ATTRS{{name}}=="*{device}*", '
            f'OWNER="{user}", MODE="0660"\n')


def install_commands(rule_file: Path) -> tuple[tuple[str, ...], ...]:
    """Put the rule in place and apply it to devices already plugged in (as root)."""
    return (("install", "-m", "644", str(rule_file), str(RULES_DIR / RULE_NAME)),
            ("udevadm", "control", "--reload"),
            ("udevadm", "trigger", "--subsystem-match=input", "--action=change"))
