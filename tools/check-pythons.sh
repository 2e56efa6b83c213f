#!/usr/bin/env bash
# Install voiceguide into a fresh virtualenv per Python version (with constraints.txt)
# and run the fast tests in each: the versions pyproject.toml's classifiers claim.
#   tools/check-pythons.sh                       pyenv's 3.10-3.13, else python3.10..3.13 on PATH
#   tools/check-pythons.sh /usr/bin/python3.11   just these interpreters
# Venvs live in .cache/pythons/ (kept, so a second run is quick).
set -uo pipefail
cd "$(dirname "$0")/.."

pythons=("$@")
if [ "${#pythons[@]}" -eq 0 ]; then
  for v in 3.10 3.11 3.12 3.13; do
    p=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/$v.*/bin/python3 2>/dev/null | tail -1)
    [ -z "$p" ] && p=$(command -v "python$v" || true)
    [ -n "$p" ] && pythons+=("$p")
  done
fi
fast_tests=(tests/test_router.py tests/test_lang.py tests/test_library.py tests/test_session.py
            tests/test_spoken.py tests/test_source.py tests/test_config_devices.py
            tests/test_audio_files.py tests/test_service.py tests/test_isolation.py
            tests/test_button.py)
failed=()
for py in "${pythons[@]}"; do
  version=$("$py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
  venv=".cache/pythons/$version"
  log=".cache/pythons/$version.log"
  mkdir -p .cache/pythons
  echo "== Python $version ($py)"
  if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv" || { failed+=("$version: no venv"); continue; }
  fi
  if ! PIP_CONSTRAINT="$PWD/constraints.txt" "$venv/bin/python" -m pip install -q \
      --disable-pip-version-check -e ".[test,button]" >"$log" 2>&1; then
    echo "   install failed (see $log)"; tail -n 3 "$log"; failed+=("$version: install"); continue
  fi
  if "$venv/bin/python" -m pytest -q -p no:cacheprovider "${fast_tests[@]}" >>"$log" 2>&1; then
    echo "   $(tail -n 1 "$log")"
  else
    echo "   tests failed (see $log):"; tail -n 5 "$log"; failed+=("$version: tests")
  fi
done
[ "${#failed[@]}" -eq 0 ] && { echo "all Pythons passed"; exit 0; }
printf 'failed: %s\n' "${failed[@]}"
exit 1
