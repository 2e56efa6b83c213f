#!/usr/bin/env bash
# Set up (first time only) and run the whole test suite. The tests start their own
# PulseAudio virtual room; they never use the network. Extra arguments go to pytest.
#
# Network isolation: where the machine allows it, the suite runs in a network namespace
# of its own (`unshare -rn`) with only loopback up, so nothing can reach the network
# (DNS and UDP included). Elsewhere the tests' socket patch (tests/netblock) still
# refuses every connection that is not to loopback. VOICEGUIDE_NETNS=0 turns the
# namespace off.
set -euo pipefail
cd "$(dirname "$0")"
tools/setup.sh --test

# Two test processes (pytest-xdist), a test file to each: most tests keep one core busy
# with speech work, so a second process nearly halves the time on two cores.
# `./test.sh -n0 -s ...` runs in one process and shows the figures the tests print.
parallel=(-n auto --maxprocesses=2 --dist loadfile)

if [ "${VOICEGUIDE_NETNS:-}" != "0" ] && [ "${VOICEGUIDE_NETNS:-}" != "1" ]; then
  if command -v unshare >/dev/null && command -v ip >/dev/null \
      && unshare -rn ip link set lo up 2>/dev/null; then
    export VOICEGUIDE_NETNS=1
    exec unshare -rn sh -c 'ip link set lo up && exec "$@"' sh .venv/bin/python -m pytest "${parallel[@]}" "$@"
  fi
  echo "test.sh: no network namespace here (unshare -rn not allowed); the socket patch blocks the network" >&2
  export VOICEGUIDE_NETNS=0
fi
exec .venv/bin/python -m pytest "${parallel[@]}" "$@"
