"""The test suite cannot reach the network (see test.sh and tests/netblock)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

PROBE = """
import socket, sys
try:
    socket.create_connection(("192.0.2.1", 9), timeout=5)  # TEST-NET-1: never routable
    print("connected")
except OSError as exc:
    print(type(exc).__name__, exc)
try:
    socket.getaddrinfo("pypi.org", 443)
    print("resolved")
except OSError as exc:
    print(type(exc).__name__, exc)
"""


def test_the_socket_patch_refuses_connections_that_are_not_to_loopback():
    with pytest.raises(OSError, match="network blocked by the voiceguide test suite"):
        socket.create_connection(("192.0.2.1", 9), timeout=5)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    with socket.create_connection(server.getsockname(), timeout=5):
        pass  # loopback stays open (the downloader tests serve models from it)
    server.close()


@pytest.mark.skipif(os.environ.get("VOICEGUIDE_NETNS") != "1",
                    reason="not run in a network namespace (run the suite with ./test.sh)")
def test_in_the_namespace_even_an_unpatched_process_has_no_network():
    # -S -E: no sitecustomize, no PYTHONPATH: the socket patch is not loaded.
    proc = subprocess.run([sys.executable, "-S", "-E", "-c", PROBE], capture_output=True,
                          text=True, timeout=60)
    connect, resolve = proc.stdout.splitlines()
    assert connect.startswith("OSError") and "unreachable" in connect, connect
    assert resolve.startswith("gaierror"), resolve
