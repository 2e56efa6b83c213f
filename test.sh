#!/usr/bin/env bash
# Set up (first time only) and run the whole test suite. The tests start their own
# PulseAudio virtual room; they never use the network. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
tools/setup.sh --test
exec .venv/bin/python -m pytest "$@"
