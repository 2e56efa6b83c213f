#!/usr/bin/env bash
# Start voiceguide listening; the first time, set it up first (tools/setup.sh).
#   ./run.sh              listen (extra arguments go to `voiceguide listen`, e.g. --text)
#   ./run.sh --setup      set up again (after `git pull`): packages, .venv, voiceguide
# A start never installs anything and never needs the network: an offline Pi starts
# with what it has, even after an update changed pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = "--setup" ]; then
  shift
  tools/setup.sh "$@"
  exit 0
fi
if [ ! -x .venv/bin/voiceguide ]; then
  tools/setup.sh
fi
exec .venv/bin/voiceguide listen "$@"
