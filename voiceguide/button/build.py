"""Choosing and starting the button the settings name."""

from __future__ import annotations

import threading
import time
from typing import Callable

from ..config import ButtonSettings
from ..library import Library
from .cues import press_cues
from .listener import ButtonListener, Submit
from .source import ButtonSource, Report


class KeyboardButton:
    """`listen --text`: Enter on an empty line is a press (see :meth:`ButtonListener.tap`);
    there is no device to read."""

    name = "Enter on an empty line"
    holds = False
    """A line has no length: no long press (say "quiet safety" instead)."""
    clock = staticmethod(time.monotonic)

    def run(self, put, stop: threading.Event) -> None:
        stop.wait()


def button_source(settings: ButtonSettings, report: Report) -> ButtonSource:
    """The configured source (its library is imported only here); ButtonUnavailable when
    that library is missing."""
    if settings.pin is not None:
        from .gpio_source import GpioButton

        return GpioButton(settings.pin, report)
    assert settings.device is not None
    from .evdev_source import EvdevButton

    return EvdevButton(settings.device, settings.key, report)


def start_button(settings: ButtonSettings, library: Library, submit: Submit, report: Report,
                 on_press: Callable | None = None,
                 source: ButtonSource | None = None) -> ButtonListener:
    """Start listening to the button; one line says which it is and what each press
    does. A missing device is said in one line too, and tried again meanwhile."""
    cues = press_cues(settings.short, library)  # a bad button.short: ConfigError now
    source = source or button_source(settings, report)
    report(f"button {source.name}: {cues.summary(source.holds)}")
    return ButtonListener(source, cues, submit, on_press=on_press).start()


def start_configured(settings: ButtonSettings, library: Library, submit: Submit,
                     report: Report, on_press: Callable | None = None) -> ButtonListener | None:
    """`listen`'s button, or None: when its library is missing that is one line, and
    listening goes on without it (a device that is missing is retried instead)."""
    from .source import ButtonUnavailable

    try:
        return start_button(settings, library, submit, report, on_press)
    except ButtonUnavailable as exc:
        report(str(exc))
        return None
