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
_EMPTY_CONFIG = _STATE_HOME / "empty-config.toml"
_EMPTY_CONFIG.write_text("# every setting at its default\n")
NETBLOCK = HERE / "netblock"
sys.path.insert(0, str(NETBLOCK))
import sitecustomize  # noqa: E402,F401  (blocks the network in this process too)


def _env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(NETBLOCK), env.get("PYTHONPATH", "")])
    env.setdefault("VOICEGUIDE_CONFIG", str(_EMPTY_CONFIG))  # the defaults, not the user's
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


class Room:
    """A PulseAudio daemon of the tests' own with one null sink, ``room``: what is played
    into it can be recorded from its monitor, the default microphone. It can be killed and
    started again in the same runtime folder (an audio server restart)."""

    def __init__(self, runtime: Path):
        os.chmod(runtime, 0o700)
        self.env = {"XDG_RUNTIME_DIR": str(runtime), "PULSE_RUNTIME_PATH": str(runtime / "pulse")}
        self._full = dict(os.environ, **self.env)
        self._full.pop("PULSE_SERVER", None)

    def _run(self, *cmd, check=True):
        return subprocess.run(cmd, env=self._full, check=check, capture_output=True, text=True)

    def running(self) -> bool:
        return self._run("pulseaudio", "--check", check=False).returncode == 0

    def start(self) -> None:
        self._run("pulseaudio", "-D", "--exit-idle-time=-1", "-n",
                  "--load=module-native-protocol-unix", "--load=module-always-sink")
        deadline = time.monotonic() + 60
        while self._run("pactl", "info", check=False).returncode != 0:
            assert time.monotonic() < deadline, "the PulseAudio daemon did not answer"
            time.sleep(0.05)
        self._run("pactl", "load-module", "module-null-sink", "sink_name=room")
        self._run("pactl", "set-default-sink", "room")
        self._run("pactl", "set-default-source", "room.monitor")

    def kill(self) -> None:
        self._run("pulseaudio", "--kill", check=False)
        deadline = time.monotonic() + 60
        while self.running():
            assert time.monotonic() < deadline, "the PulseAudio daemon did not exit"
            time.sleep(0.05)

    def restart(self) -> None:
        self.kill()
        self.start()

    def keys(self):  # so that {**room} gives the environment the room needs
        return self.env.keys()

    def __getitem__(self, key):
        return self.env[key]


def _room(runtime: Path):
    if not shutil.which("pulseaudio") or not shutil.which("pactl"):
        pytest.skip("pulseaudio/pactl not installed (apt install pulseaudio pulseaudio-utils)")
    room = Room(runtime)
    room.start()
    return room


@pytest.fixture(scope="session")
def room(tmp_path_factory):
    """The virtual room shared by the tests (a test that restarts it leaves it running)."""
    room = _room(tmp_path_factory.mktemp("pulse"))
    yield room
    room.kill()


@pytest.fixture
def own_room(tmp_path_factory):
    """A virtual room for one test alone (e.g. to take its audio server away for good)."""
    room = _room(tmp_path_factory.mktemp("pulse-own"))
    yield room
    room.kill()


@pytest.fixture(scope="session")
def whisper_engine():
    """The default English engine, loaded once for the whole run (the built-in tiny.en)."""
    from voiceguide.config import Settings
    from voiceguide.hearing.registry import choose_engine
    from voiceguide.router import default_router

    return choose_engine("whisper", None, Settings(), default_router()).engine
