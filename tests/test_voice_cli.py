"""The voice commands as real processes: download from a server on 127.0.0.1, prepare,
list, and the start-up line that names the voice; and the runner's look-ahead."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import shutil
import threading
from datetime import datetime

import pytest

from voiceguide.audio import read_wav
from voiceguide.clock import VirtualClock
from voiceguide.library import load_library
from voiceguide.runner import Runner
from voiceguide.session import Session
from voiceguide.voice.lines import fixed_lines, static_values
from voiceguide.voice.piper import BUNDLED, find_voice
from voiceguide.config import SessionSettings

NAME = "en_US-test-medium"


@pytest.fixture
def homes(tmp_path):
    """Private data, cache and config dirs for the process under test (the config file
    starts empty: a named config must exist)."""
    (tmp_path / "config.toml").write_text("")
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "VOICEGUIDE_CONFIG": str(tmp_path / "config.toml")}
    return env


@pytest.fixture
def server(tmp_path):
    """A voice catalogue on 127.0.0.1: the bundled voice's files under another name."""
    root = tmp_path / "srv"
    rel = f"en/en_US/test/medium/{NAME}"
    (root / rel).parent.mkdir(parents=True)
    src = find_voice(BUNDLED)
    files = {}
    for path, suffix in ((src.model, ".onnx"), (src.config, ".onnx.json")):
        shutil.copyfile(path, root / f"{rel}{suffix}")
        data = path.read_bytes()
        files[f"{rel}{suffix}"] = {"size_bytes": len(data),
                                   "md5_digest": hashlib.md5(data).hexdigest()}
    catalogue = {NAME: {"key": NAME, "files": files}}
    (root / "voices.json").write_text(json.dumps(catalogue))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{httpd.server_address[1]}", "root": root,
           "catalogue": catalogue, "rel": rel}
    httpd.shutdown()


def test_voice_download_fetches_checks_and_then_speaks(cli, homes, server, tmp_path):
    proc = cli("voice", "download", NAME, "--base-url", server["url"], env=homes, check=0)
    folder = tmp_path / "data" / "voiceguide" / "voices" / NAME
    assert str(folder) in proc.stdout
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["files"][f"{NAME}.onnx"]["sha256"] == find_voice(BUNDLED).digest
    assert not list(folder.parent.glob(".*partial*"))
    assert NAME in cli("voice", "list", env=homes, check=0).stdout

    (tmp_path / "config.toml").write_text(f'[speech]\npiper_voice = "{NAME}"\n')
    out = tmp_path / "line.wav"
    proc = cli("render", "grounding-feet-and-breath", "-o", str(out), env=homes, check=0)
    assert read_wav(out).seconds > 20


def test_voice_download_refuses_a_damaged_file_and_keeps_nothing(cli, homes, server, tmp_path):
    model = server["root"] / f"{server['rel']}.onnx"
    data = bytearray(model.read_bytes())
    data[100] ^= 0xFF
    model.write_bytes(bytes(data))
    proc = cli("voice", "download", NAME, "--base-url", server["url"], env=homes, check=1)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "damaged" in lines[0] and "MD5" in lines[0]
    voices = tmp_path / "data" / "voiceguide" / "voices"
    assert not voices.exists() or list(voices.iterdir()) == []


def test_voice_download_of_an_unknown_voice_or_no_server_is_one_line(cli, homes, server):
    proc = cli("voice", "download", "xx_XX-nobody-low", "--base-url", server["url"],
               env=homes, check=1)
    assert proc.stderr.count("\n") == 1 and "no voice 'xx_XX-nobody-low'" in proc.stderr
    proc = cli("voice", "download", NAME, "--base-url", "http://127.0.0.1:9", env=homes,
               check=1)
    assert proc.stderr.count("\n") == 1 and "cannot reach" in proc.stderr


def test_voice_prepare_renders_every_fixed_line_once(cli, homes, tmp_path):
    first = cli("voice", "prepare", "--engine", "pyttsx3", env=homes, check=0)
    library = load_library()
    n = len(fixed_lines(library, static_values(SessionSettings())))
    assert f"prepared {n} lines: {n} rendered, 0 already cached, 0 failed" in first.stdout
    second = cli("voice", "prepare", "--engine", "pyttsx3", env=homes, check=0)
    assert f"0 rendered, {n} already cached" in second.stdout
    assert len(list((tmp_path / "cache").glob("voiceguide/voice/*/*.wav"))) == n


def test_the_voice_in_use_is_named_in_one_line_at_start_up(cli, homes):
    proc = cli("say", "stop", env={**homes, "PULSE_SERVER": "unix:/nonexistent"},
               check=0)
    named = [line for line in proc.stderr.splitlines() if line.startswith("voiceguide: voice:")]
    assert named == ["voiceguide: voice: piper voice en_US-joe-medium; "
                     "fallback: system voice espeak-ng default"], proc.stderr


class Recorder:
    """A speaker stand-in that notes what it is asked to say and to prepare."""

    def __init__(self):
        self.events: list[tuple[str, str]] = []

    def speak(self, text, rate=1.0, volume=1.0):
        self.events.append(("speak", text))

    def prepare(self, text, rate=1.0):
        self.events.append(("prepare", text))

    def stop(self):
        pass


def test_the_runner_has_each_next_line_prepared_before_it_is_said():
    library = load_library()
    script = library.get("pause-clear-return")
    spoken = []
    for speaker in (Recorder(), Recorder()):
        clock = VirtualClock(datetime(2026, 11, 21, 19, 0))
        session = Session(library)  # a pause started from a script also starts its timer
        runner = Runner(session, speaker, clock)
        if not spoken:
            speaker.prepare = None  # first pass: no look-ahead at all
        session.start_script(script, clock.now())
        runner.close()
        runner.run()
        spoken.append([t for kind, t in speaker.events if kind == "speak"])
    # Looking ahead does not move the session on: the same words, in the same order.
    assert spoken[0] == spoken[1] and len(spoken[1]) > len(script.steps)  # return script too
    events = speaker.events
    # Every line after the script's first (which comes from the cache of fixed lines)
    # was handed to prepare() before it was said.
    for text in spoken[1][1:len(script.steps)]:
        said_at = events.index(("speak", text))
        assert ("prepare", text) in events[:said_at], text
    assert any("7:2" in t for k, t in events if k == "prepare")  # the time, filled in


def test_doctor_hears_each_voice_of_the_chain_speak(cli, homes, tmp_path):
    proc = cli("doctor", env=homes)  # no microphone here: that alone makes it exit 1
    assert "[ok] voice: piper voice en_US-joe-medium speaks" in proc.stdout, proc.stdout
    assert "[ok] fallback voice: system voice espeak-ng" in proc.stdout, proc.stdout
    (tmp_path / "config.toml").write_text('[speech]\npiper_voice = "en_GB-nobody-low"\n')
    proc = cli("doctor", env=homes, check=1)
    broken = [line for line in proc.stdout.splitlines() if line.startswith("[!!] voice:")]
    assert len(broken) == 1 and "en_GB-nobody-low" in broken[0], proc.stdout
    assert "[ok] fallback voice: system voice espeak-ng" in proc.stdout, proc.stdout
