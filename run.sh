#!/usr/bin/env bash
# Set up (first time only) and start voiceguide listening. Extra arguments go to
# `voiceguide listen`, e.g.  ./run.sh --text   or   ./run.sh --bedside
set -euo pipefail
cd "$(dirname "$0")"
tools/setup.sh
exec .venv/bin/voiceguide listen "$@"
