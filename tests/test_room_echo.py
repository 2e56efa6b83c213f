"""Over the device's own voice, in the virtual room: a plea said while it speaks is acted on.

`voiceguide listen` (the default engine, echo cancellation on) runs as a real process in
the PulseAudio room; a cue starts a script; while the device says its second line (the
canceller has heard the room through the first), a safety plea is played into the room
at the level of the device's voice (again over the next line if it was not taken, up to
three times, as a person would). The microphone (the room's monitor) hears both, mixed;
the device must take the plea and act on it.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time

import numpy as np
import pytest

from conftest import _env
from speech import piper, render, synth
from test_room import Listening
from voiceguide.audio import Audio, read_wav, write_wav
from voiceguide.hearing.aec import EchoCancellerUnavailable, SpeexEcho
from voiceguide.library import load_library

try:
    SpeexEcho()
except EchoCancellerUnavailable as exc:
    pytest.skip(str(exc), allow_module_level=True)


def voiced_rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x[np.abs(x) > 0.1 * np.abs(x).max()] ** 2)))


@pytest.mark.timeout(900)
def test_safety_said_over_the_devices_voice_is_acted_on(room, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[session]\nnight_start = 0\nnight_end = 0\n"
                      "[listen]\nlog_transcripts = true\n")
    env = _env({**room, "VOICEGUIDE_CONFIG": str(config),
                "XDG_STATE_HOME": str(tmp_path / "state"),
                "XDG_CACHE_HOME": str(tmp_path / "cache")})
    start = synth(tmp_path, "help me ground", "en-us+f2", 130)
    # The plea at the level of the device's voice (Piper joe at its volume, 0.9).
    script = load_library().variants("grounding")[0]
    device_level = voiced_rms(piper(script.steps[1].text).samples) * 0.9
    plea = render("I want to hurt myself", "en-us+f2", 130).resampled(16000).samples
    plea_wav = tmp_path / "plea.wav"
    write_wav(plea_wav, Audio((plea * device_level / voiced_rms(plea)).astype(np.float32),
                              16000))
    recording = tmp_path / "room.wav"

    listen = Listening(env, tmp_path, "--engine", "whisper")
    recorder = None
    try:
        listen.ready()
        assert listen.err.wait_for("echo cancellation:", 60).endswith("speex")
        seen = len(listen.err.lines)
        heard, _ = listen.say(start)
        assert "-> grounding" in heard
        playing = re.compile(r"speaking ([\d.]+) s \(")

        def long_lines() -> int:
            """Lines of 3 s or more that started playing since the cue (the plea takes
            about 1.5 s: over such a line it is said over the device, not in a pause)."""
            return sum(float(m.group(1)) >= 3.0 for x in listen.err.lines[seen:]
                       if (m := playing.search(x)))

        recorder = subprocess.Popen(["parecord", "--device=room.monitor",
                                     "--file-format=wav", "--channels=1", "--rate=16000",
                                     str(recording)], env=env)
        seen_out, seen_err = len(listen.out.lines), len(listen.err.lines)
        # From the second long line on (the canceller has heard the room for one), the
        # plea is said over a line, and again over the next long one if it was not taken,
        # as a person would: up to three times.
        attempts = 0
        for n in (2, 3, 4):
            listen.err.wait_until(lambda _: long_lines() >= n or
                                  listen.out.count("-> safety") > 0, 240,
                                  what=f"long line {n} playing")
            if listen.out.count("-> safety"):
                break
            subprocess.run(["paplay", str(plea_wav)], env=env, check=True, timeout=60)
            attempts += 1
        try:
            acted = listen.out.wait_for("-> safety", 240, after=seen_out)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n" + "\n".join(
                x for x in listen.err.lines if "echo canceller" in x)) from None
        decided = [x for x in listen.err.lines[seen_err:] if "decided:" in x]
    finally:
        code = listen.stop()
        if recorder:
            recorder.send_signal(signal.SIGINT)
            recorder.wait(timeout=30)
    assert code == 0, listen.err.lines
    # It was said over the device (heard in speaking mode), and the canceller was at work.
    assert any("(speaking) decided: accepted" in x for x in decided), decided
    processed = next(x for x in listen.err.lines if "echo canceller (speex)" in x)
    assert float(re.search(r"([\d.]+) s of the microphone", processed).group(1)) > 3
    # How loud the plea was against the device in the room (reported, not asserted).
    room_audio = read_wav(recording).samples
    print(f"virtual room: acted on after {attempts} plea(s): {acted.strip()!r}; "
          f"decided {decided}; room recording "
          f"{len(room_audio) / 16000:.1f} s; "
          f"{[x for x in listen.err.lines if 'echo canceller' in x]}")


def test_doctor_names_the_echo_canceller(cli, tmp_path):
    """doctor loads the configured canceller (libspeexdsp, installed by setup) and says so;
    turned off, it says what that costs."""
    out = cli("doctor", check=None, timeout=300).stdout
    assert "[ok] echo cancellation: speex" in out
    config = tmp_path / "config.toml"
    config.write_text('[listen]\necho_cancellation = "off"\n')
    out = cli("--config", str(config), "doctor", check=None, timeout=300).stdout
    assert "[--] echo cancellation: off" in out
