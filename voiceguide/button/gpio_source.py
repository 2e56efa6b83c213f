"""A push button on a Raspberry Pi GPIO pin (``button.pin``), through gpiozero.

The button connects the pin to ground; the internal pull-up holds it high otherwise.
gpiozero chooses its pin factory itself (lgpio on a current Raspberry Pi OS); tests hand
in its MockFactory. Its callbacks run on gpiozero's own thread and only stamp the edge.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from typing import Callable

from .presses import Edge
from .source import ButtonUnavailable, Report, Retrying

log = logging.getLogger(__name__)

BOUNCE_SECONDS = 0.02
"""Contacts chatter for a few milliseconds; changes closer together are one."""
GPIO_FIX = ("add the user to the gpio group (sudo usermod -aG gpio $USER), and install "
            "the pin library: sudo apt install python3-lgpio, or pip install lgpio")


class GpioButton:
    def __init__(self, pin: int | str, report: Report | None = None, pin_factory=None):
        try:
            import gpiozero  # noqa: F401
        except ImportError:
            raise ButtonUnavailable("button: gpiozero is not installed; pip install "
                                    "'voiceguide[button]' (or: pip install gpiozero lgpio)") \
                from None
        self.pin = pin
        self.pin_factory = pin_factory
        self.report = report or (lambda line: log.warning("%s", line))
        self.name = f"on GPIO pin {pin}"
        self.ready = threading.Event()
        """Set while the pin is set up and watched."""

    holds = True
    clock = staticmethod(time.monotonic)

    def open(self, put: Callable[[Edge], None]):
        from gpiozero import Button
        from gpiozero.exc import GPIOZeroError, PinFactoryFallback

        try:
            with warnings.catch_warnings():  # each factory it tried: the error says enough
                warnings.simplefilter("ignore", PinFactoryFallback)
                button = Button(self.pin, pull_up=True, bounce_time=BOUNCE_SECONDS,
                                pin_factory=self.pin_factory)
        except (GPIOZeroError, OSError, RuntimeError, ValueError) as exc:
            raise ButtonUnavailable(f"button on GPIO pin {self.pin} cannot be used "
                                    f"({' '.join(str(exc).split()) or type(exc).__name__}); "
                                    f"{GPIO_FIX}") from None
        button.when_pressed = lambda: put(Edge(True, self.clock()))
        button.when_released = lambda: put(Edge(False, self.clock()))
        return button

    def run(self, put: Callable[[Edge], None], stop: threading.Event) -> None:
        retry = Retrying(f"the button {self.name}", self.report)
        while not stop.is_set():
            try:
                button = self.open(put)
            except ButtonUnavailable as exc:
                retry.failed(str(exc))
                retry.wait(stop)
                continue
            retry.opened()
            self.ready.set()
            try:
                stop.wait()
            finally:
                self.ready.clear()
                button.close()
