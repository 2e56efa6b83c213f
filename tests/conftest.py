"""Shared fixtures: the network block, the CLI runner, espeak-ng speech, the virtual room."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent
_STATE_HOME = Path(tempfile.mkdtemp(prefix="voiceguide-test-state-"))
NETBLOCK = HERE / "netblock"
sys.path.insert(0, str(NETBLOCK))
import sitecustomize  # noqa: E402,F401  (blocks the network in this process too)


def _env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(NETBLOCK), env.get("PYTHONPATH", "")])
    env.setdefault("VOICEGUIDE_CONFIG", str(HERE / "no-such-config.toml"))
    env.setdefault("XDG_STATE_HOME", str(_STATE_HOME))  # never the real user's state dir
    env.update(extra or {})
    return env


@pytest.fixture
def cli(tmp_path):
    """Run `python -m voiceguide ...` as a real process."""

    def run(*args, input=None, env=None, timeout=120, check=None):
        env = {"XDG_STATE_HOME": str(tmp_path / "state"), **(env or {})}
        proc = subprocess.run([sys.executable, "-m", "voiceguide", *args], input=input,
                              capture_output=True, text=True, timeout=timeout, env=_env(env),
                              cwd=tmp_path)
        if check is not None:
            assert proc.returncode == check, proc.stderr
        return proc

    return run


@pytest.fixture(scope="session")
def room(tmp_path_factory):
    """A PulseAudio null sink: what is played into it can be recorded from its monitor."""
    if not shutil.which("pulseaudio") or not shutil.which("pactl"):
        pytest.skip("pulseaudio/pactl not installed (apt install pulseaudio pulseaudio-utils)")
    runtime = tmp_path_factory.mktemp("pulse")
    os.chmod(runtime, 0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), PULSE_RUNTIME_PATH=str(runtime / "pulse"))
    env.pop("PULSE_SERVER", None)
    subprocess.run(["pulseaudio", "-D", "--exit-idle-time=-1", "-n",
                    "--load=module-native-protocol-unix", "--load=module-always-sink"],
                   env=env, check=True, capture_output=True)
    for _ in range(50):
        if subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=room"],
                   env=env, check=True, capture_output=True)
    subprocess.run(["pactl", "set-default-sink", "room"], env=env, check=True)
    subprocess.run(["pactl", "set-default-source", "room.monitor"], env=env, check=True)
    yield {"XDG_RUNTIME_DIR": env["XDG_RUNTIME_DIR"], "PULSE_RUNTIME_PATH": env["PULSE_RUNTIME_PATH"]}
    subprocess.run(["pulseaudio", "--kill"], env=env, capture_output=True)


@pytest.fixture(scope="session")
def whisper_engine():
    """The default English engine, loaded once for the whole run (the built-in tiny.en)."""
    from voiceguide.config import Settings
    from voiceguide.hearing.registry import choose_engine
    from voiceguide.router import default_router

    return choose_engine("whisper", None, Settings(), default_router()).engine
