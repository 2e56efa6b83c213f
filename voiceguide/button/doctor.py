"""What `doctor` and `devices --buttons` say about the button: found or not, readable or
not, and how to fix it. Pure of printing: the CLI prints the :class:`Check` values."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import ButtonSettings
from .source import ButtonUnavailable


@dataclass(frozen=True)
class Check:
    ok: bool
    what: str
    fix: str = ""


def check_button(settings: ButtonSettings) -> list[Check]:
    """The configured button (``settings.configured``): can it be opened and read?"""
    try:
        if settings.pin is not None:
            return _check_gpio(settings)
        return _check_evdev(settings)
    except ButtonUnavailable as exc:
        what, _, fix = str(exc).partition("; ")
        return [Check(False, what, fix)]


def _check_evdev(settings: ButtonSettings) -> list[Check]:
    from .evdev_source import EvdevButton

    source = EvdevButton(settings.device or "", settings.key)
    device = source.open()
    device.close()
    return [Check(True, f"button {source.name} found and readable")]


def _check_gpio(settings: ButtonSettings) -> list[Check]:
    from .gpio_source import GpioButton

    source = GpioButton(settings.pin or 0)
    button = source.open(lambda edge: None)
    try:
        held = " (pressed now, or wired to ground?)" if button.is_pressed else ""
    finally:
        button.close()
    return [Check(True, f"button {source.name} can be read{held}")]


def button_lines(folder: str | None = None) -> list[str]:
    """`voiceguide devices --buttons`: each input device with keys, and what to set."""
    from .evdev_source import INPUT_DIR, PERMISSION_FIX, list_inputs

    folder = folder or INPUT_DIR
    inputs = list_inputs(folder)
    lines = []
    for info in inputs:
        if not info.readable:
            lines.append(f"  {info.path}  (cannot be read by this user)")
            continue
        keys = ", ".join(info.keys[:6]) + (f" and {len(info.keys) - 6} more"
                                            if len(info.keys) > 6 else "")
        lines.append(f"  {info.path}  {info.name!r}  keys: {keys}")
    if not inputs:
        lines.append(f"no input devices with keys under {folder}")
    else:
        lines.append('set it with button.device = "NAME" (and button.key = "KEY_..." for '
                     "one key) in the config")
    if any(not i.readable for i in inputs):
        lines.append(f"some devices cannot be read: {PERMISSION_FIX}")
    return lines
