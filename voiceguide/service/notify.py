"""Telling systemd how the service is doing (the sd_notify protocol), with no dependency.

Under the unit that `voiceguide service install` writes (``Type=notify``,
``WatchdogSec=``), ``listen`` says READY=1 once it is listening, then WATCHDOG=1 while its
hearing loop is alive. A loop stuck inside an audio driver stops the pings, and systemd
restarts the process. Outside systemd (no ``NOTIFY_SOCKET``) nothing is sent.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)


def notify(message: str) -> bool:
    """Send one sd_notify message ("READY=1", "WATCHDOG=1", "STATUS=..."); True if sent."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
        return True
    except OSError as exc:
        log.debug("sd_notify %r: %s", message, exc)
        return False


def watchdog_seconds() -> float | None:
    """The watchdog period systemd asked for (WATCHDOG_USEC), if it is meant for us."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return int(usec) / 1e6
    except ValueError:
        return None


def keep_alive(alive_at: Callable[[], float], stop: threading.Event) -> threading.Thread | None:
    """Ping systemd's watchdog while ``alive_at()`` (a time.monotonic() stamp) is recent.
    Returns the pinging thread, or None when no watchdog was asked for."""
    period = watchdog_seconds()
    if not period:
        return None

    def ping() -> None:
        while not stop.wait(period / 3):
            if time.monotonic() - alive_at() < period / 2:
                notify("WATCHDOG=1")

    thread = threading.Thread(target=ping, name="watchdog", daemon=True)
    thread.start()
    return thread
