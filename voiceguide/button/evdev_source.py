"""A Linux input device as a button (a USB "big button", a presenter clicker, a foot
pedal, one key of a keyboard), read with python-evdev.

The device is found by path or by name (as `voiceguide devices --buttons` lists it);
:func:`key_edges` turns its events into :class:`~.presses.Edge` values, stamped with the
kernel's own event time (so the length of a press does not depend on how soon it was
read). The device is not grabbed: a keyboard key used as the button still types.
"""

from __future__ import annotations

import errno
import glob
import logging
import os
import select
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from .presses import Edge
from .source import ButtonUnavailable, Report, Retrying

log = logging.getLogger(__name__)

INPUT_DIR = "/dev/input"
PERMISSION_FIX = ("add the user to the input group (sudo usermod -aG input $USER, then log "
                  "in again), or run `voiceguide service install`, which writes a udev rule "
                  "for this one device")
INSTALL_FIX = "pip install 'voiceguide[button]' (or: pip install evdev)"


def _evdev():
    try:
        import evdev
    except ImportError:
        raise ButtonUnavailable(f"button: python-evdev is not installed; {INSTALL_FIX}") \
            from None
    return evdev


@dataclass(frozen=True)
class InputInfo:
    """One input device as `devices --buttons` and `doctor` show it."""

    path: str
    name: str
    """The device's own name; "" when it cannot be opened."""
    keys: tuple[str, ...]
    """Its keys and buttons, by name (KEY_SPACE, BTN_0 ...)."""
    readable: bool
    """False: the device exists but this user cannot read it (see PERMISSION_FIX)."""


def key_code(key: str | None) -> int | None:
    """``button.key`` as an evdev code: "KEY_SPACE", "space", "BTN_0" or "57"; None = any."""
    if key is None:
        return None
    if key.isdigit():
        return int(key)
    ecodes = _evdev().ecodes
    name = key.upper()
    for candidate in (name, f"KEY_{name}", f"BTN_{name}"):
        code = ecodes.ecodes.get(candidate)
        if isinstance(code, int) and (candidate.startswith(("KEY_", "BTN_"))):
            return code
    raise ButtonUnavailable(f"button.key: {key!r} is not a key name evdev knows; "
                            "`voiceguide devices --buttons` lists each device's keys")


def key_name(code: int) -> str:
    name = _evdev().ecodes.KEY.get(code) or _evdev().ecodes.BTN.get(code) or str(code)
    return name[0] if isinstance(name, list) else name


def key_edges(events: Iterable, code: int | None) -> Iterator[Edge]:
    """The button's downs and ups among evdev events: key events (value 1 down, 0 up; the
    key-repeat value 2 is left out) of ``code``, or of any key when ``code`` is None."""
    ecodes = _evdev().ecodes
    for event in events:
        if event.type != ecodes.EV_KEY or event.value not in (0, 1):
            continue
        if code is not None and event.code != code:
            continue
        yield Edge(down=event.value == 1, at=event.timestamp())


def list_inputs(folder: str = INPUT_DIR) -> list[InputInfo]:
    """Every event device under ``folder`` with keys or buttons, readable or not."""
    evdev = _evdev()
    found = []
    for path in sorted(glob.glob(os.path.join(folder, "event*")), key=_event_number):
        if not os.access(path, os.R_OK):
            found.append(InputInfo(path, "", (), False))
            continue
        try:
            device = evdev.InputDevice(path)
        except OSError as exc:
            readable = exc.errno not in (errno.EACCES, errno.EPERM)
            found.append(InputInfo(path, "", (), readable))
            continue
        try:
            keys = device.capabilities().get(evdev.ecodes.EV_KEY, [])
            if keys:
                found.append(InputInfo(path, device.name, tuple(key_name(k) for k in keys),
                                       True))
        finally:
            device.close()
    return found


def _event_number(path: str) -> int:
    """event10 after event9."""
    digits = os.path.basename(path).removeprefix("event")
    return int(digits) if digits.isdigit() else -1


def find_device(wanted: str, folder: str = INPUT_DIR) -> str:
    """The path of the device ``wanted`` names: a path, or a name (exact, any case, then a
    part of one). Raises ButtonUnavailable with the one line to show."""
    if wanted.startswith("/") or os.sep in wanted:
        if not os.path.exists(wanted):
            raise ButtonUnavailable(f"button {wanted!r} is not there (unplugged?); "
                                    "`voiceguide devices --buttons` lists input devices")
        if not os.access(wanted, os.R_OK):
            raise ButtonUnavailable(f"button {wanted!r} cannot be read by this user; "
                                    f"{PERMISSION_FIX}")
        return wanted
    inputs = list_inputs(folder)
    named = [i for i in inputs if i.readable and i.name]
    for match in ([i for i in named if i.name.lower() == wanted.lower()],
                  [i for i in named if wanted.lower() in i.name.lower()]):
        if match:
            return match[0].path
    hidden = sum(not i.readable for i in inputs)
    if hidden:
        raise ButtonUnavailable(f"button {wanted!r} not found, and {hidden} input devices "
                                f"cannot be read by this user; {PERMISSION_FIX}")
    raise ButtonUnavailable(f"button {wanted!r} not found (unplugged?); "
                            "`voiceguide devices --buttons` lists input devices")


class EvdevButton:
    """``button.device`` and ``button.key``: edges from a Linux input device."""

    def __init__(self, device: str, key: str | None = None, report: Report | None = None,
                 folder: str = INPUT_DIR):
        _evdev()  # say now if python-evdev is missing
        self.wanted = device
        self.code = key_code(key)
        self.folder = folder
        self.report = report or (lambda line: log.warning("%s", line))
        self.name = repr(device)
        self.path: str | None = None
        self.ready = threading.Event()
        """Set while the device is open and read."""

    holds = True
    clock = staticmethod(time.time)
    """Evdev stamps events with the wall clock (CLOCK_REALTIME) unless told otherwise."""

    def open(self):
        """The device, opened, with the key checked; ButtonUnavailable when it cannot be."""
        evdev = _evdev()
        path = find_device(self.wanted, self.folder)
        try:
            device = evdev.InputDevice(path)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EPERM):
                raise ButtonUnavailable(f"button {path} cannot be read by this user; "
                                        f"{PERMISSION_FIX}") from None
            raise ButtonUnavailable(f"button {path} cannot be opened ({exc.strerror})") \
                from None
        keys = device.capabilities().get(evdev.ecodes.EV_KEY, [])
        if self.code is not None and self.code not in keys:
            names = ", ".join(key_name(k) for k in keys[:12]) or "none"
            device.close()
            raise ButtonUnavailable(f"button {device.name!r} has no key "
                                    f"{key_name(self.code)} (its keys: {names})")
        self.path = path
        self.name = f"{device.name!r} ({path}" + (
            f", {key_name(self.code)})" if self.code is not None else ", any key)")
        return device

    def run(self, put: Callable[[Edge], None], stop: threading.Event) -> None:
        retry = Retrying(f"the button {self.name}", self.report)
        while not stop.is_set():
            try:
                device = self.open()
            except ButtonUnavailable as exc:
                retry.failed(str(exc))
                retry.wait(stop)
                continue
            retry.what = f"the button {self.name}"
            retry.opened()
            self.ready.set()
            try:
                self._read(device, put, stop)
            except OSError as exc:  # ENODEV: unplugged
                retry.failed(f"the button {self.name} was lost ({exc.strerror or exc})")
            finally:
                self.ready.clear()
                device.close()

    def _read(self, device, put: Callable[[Edge], None], stop: threading.Event) -> None:
        while not stop.is_set():
            ready, _, _ = select.select([device.fd], [], [], 0.5)  # 0.5: to notice stop
            if not ready:
                continue
            try:
                events = list(device.read())
            except BlockingIOError:  # woken for nothing
                continue
            if not events:  # readable yet empty: end of file, the device is gone
                raise OSError(errno.ENODEV, "the device is gone")
            for edge in key_edges(events, self.code):
                put(edge)
