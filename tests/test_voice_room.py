"""Sound output that heals itself, in the virtual room (a PulseAudio null sink): the audio
server is restarted while the device speaks, and the next line is heard in the room."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from conftest import _env
from test_room import Lines
from voiceguide.audio import read_wav

CHILD = textwrap.dedent("""
    import sys
    from voiceguide.speaker import AudioSpeaker
    from voiceguide.voice import DiskCache, EspeakEngine, Voice

    speaker = AudioSpeaker(Voice([EspeakEngine()], cache=DiskCache(None)),
                           notify=lambda m: print("notice:", m, file=sys.stderr, flush=True))
    for line in sys.stdin:
        speaker.speak(line.strip())
        state = speaker.output
        print(f"done ok={state.ok} failures={state.failures} lost={state.lost}", flush=True)
""")


def _restart_server(env: dict) -> None:
    """Stop the room's PulseAudio and start it again exactly as the fixture made it."""
    subprocess.run(["pulseaudio", "--kill"], env=env, capture_output=True)
    for _ in range(100):
        if subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode != 0:
            break
        time.sleep(0.05)
    subprocess.run(["pulseaudio", "-D", "--exit-idle-time=-1", "-n",
                    "--load=module-native-protocol-unix", "--load=module-always-sink"],
                   env=env, check=True, capture_output=True)
    for _ in range(100):
        if subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=room"],
                   env=env, check=True, capture_output=True)
    subprocess.run(["pactl", "set-default-sink", "room"], env=env, check=True)
    subprocess.run(["pactl", "set-default-source", "room.monitor"], env=env, check=True)


def _nth_done(out: Lines, n: int, limit: float = 120) -> str:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        done = [x for x in out.lines if x.startswith("done")]
        if len(done) >= n:
            return done[n - 1]
        time.sleep(0.1)
    raise AssertionError(f"line {n} never finished: {out.lines}")


@pytest.mark.timeout(240)
def test_the_next_line_is_heard_after_the_audio_server_restarts(room, tmp_path):
    env = _env(room)
    pulse_env = dict(os.environ, **room)
    pulse_env.pop("PULSE_SERVER", None)
    child = subprocess.Popen([sys.executable, "-c", CHILD], env=env, cwd=tmp_path, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    out = Lines(child.stdout)
    recording = tmp_path / "after.wav"
    recorder = None
    try:
        child.stdin.write("Let us begin.\n")
        child.stdin.flush()
        out.wait_for("done ok=True", 120)  # the output stream is open and working
        child.stdin.write("Put both feet on the floor, and let your shoulders drop, "
                          "and breathe out slowly.\n")
        child.stdin.flush()
        out.wait_for("voiceguide: Put both feet", 60)
        _restart_server(pulse_env)  # while that line is being spoken
        _nth_done(out, 2)

        recorder = subprocess.Popen(["parecord", "--device=room.monitor", "--file-format=wav",
                                     "--channels=1", "--rate=16000", str(recording)],
                                    env=pulse_env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
                not recording.exists() or recording.stat().st_size < 16000):
            time.sleep(0.1)
        child.stdin.write("You are not alone with this, and you can take your time.\n")
        child.stdin.flush()
        last = _nth_done(out, 3)
    finally:
        if recorder:
            time.sleep(0.5)
            recorder.send_signal(signal.SIGINT)
            recorder.wait(timeout=10)
        child.stdin.close()
        child.wait(timeout=60)
    stderr = child.stderr.read()
    notices = [x for x in stderr.splitlines() if x.startswith("notice:")]
    # Said in one line, and said again when it came back.
    failed = [x for x in notices if "sound output failed" in x or "no sound output" in x]
    print(notices)
    assert len(failed) == 1, stderr
    assert any("sound output is back" in x for x in notices), stderr
    assert "ok=True failures=0 lost=False" in last, out.lines
    # The line after the restart reached the room.
    audio = read_wav(recording).samples
    frames = audio[: len(audio) // 160 * 160].reshape(-1, 160)
    voiced = (np.sqrt((frames ** 2).mean(axis=1)) > 0.01).sum() * 0.01
    assert voiced > 1.5, f"only {voiced:.1f} s of speech reached the room after the restart"
