"""Echo cancellation: what the device plays is taken out of what the microphone hears.

Real audio, the real canceller (WebRTC AEC3 through pywebrtc-audio), a simulated room
(tests/speech.py: the device's voice delayed and reverberated). The figures over many
voices and phrasings are in bench/room_echo.py; these check the contract.
"""

from __future__ import annotations

import numpy as np
import pytest

from speech import DeviceSpeaking, render, room_response, through_room
from test_hearing import render_script
from voiceguide.audio import RATE, AudioChunk
from voiceguide.hearing.aec import EchoCanceller, EchoCancellerUnavailable, PlayedAudio, SpeexEcho
from voiceguide.hearing.pipeline import Hearing
from voiceguide.router import default_router

try:
    SpeexEcho()
except EchoCancellerUnavailable as exc:
    pytest.skip(str(exc), allow_module_level=True)

CHUNK = 480  # 30 ms, as the microphone delivers


def cancel(mic: np.ndarray, played: np.ndarray, played_rate: int = RATE,
           start: float = 100.0, stamps_off: float = 0.0, keep: list | None = None
           ) -> np.ndarray:
    """``mic`` (16 kHz) through the canceller while the player writes ``played`` 0.1 s
    ahead of it, in blocks of 1024 at ``played_rate``, time-stamped from ``start`` (plus
    ``stamps_off``: the player's stamps that much wrong)."""
    reference = PlayedAudio()
    canceller = EchoCanceller(reference)
    pcm = (np.clip(mic, -1, 1) * 32767).astype("<i2")
    block, written, out = 1024, 0, []
    for i in range(0, len(pcm), CHUNK):
        due = (i + CHUNK) / RATE + 0.1
        while written < len(played) and written / played_rate < due:
            reference.played(played[written:written + block], played_rate,
                             start + stamps_off + written / played_rate)
            written += block
        out.append(np.frombuffer(canceller(AudioChunk(pcm[i:i + CHUNK].tobytes(),
                                                      start + i / RATE)).pcm, np.int16))
    if keep is not None:
        keep.append(canceller)
    return np.concatenate(out).astype(np.float32) / 32768


def db(x: np.ndarray) -> float:
    return 10 * np.log10(float(np.mean(x ** 2)) + 1e-12)


def test_the_reference_gives_what_played_at_a_moment_whatever_the_output_rate():
    played = PlayedAudio()
    rate = 48000
    x = np.zeros(rate * 2, np.float32)
    x[int(1.25 * rate)] = 1.0  # a click 1.25 s after the first block's time
    for i in range(0, len(x), 1024):
        played.played(x[i:i + 1024], rate, 50.0 + i / rate)
    got = played.read(51.0, RATE // 2)  # 51.0 .. 51.5 s
    assert abs(int(np.argmax(np.abs(got))) - RATE // 4) <= 2  # the click, 0.25 s in
    assert not played.read(40.0, 100).any()  # before anything played: nothing
    assert played.sounding_after(51.2) and not played.sounding_after(51.3)


@pytest.mark.parametrize("stamps_off", [0.4, -0.15])
def test_the_echo_is_found_where_the_stamps_do_not_put_it(stamps_off):
    """Through ALSA's PulseAudio plugin the output's stamps are off by up to seconds: the
    canceller finds the echo in what played and cancels it all the same."""
    device = render_script("flooded-body-first").resampled(RATE).samples[:24 * RATE]
    device = device * 0.1 / np.sqrt(np.mean(device[np.abs(device) > 0.02] ** 2))
    echo = through_room(device, room_response(0.4, seed=3), delay=0.02)
    kept: list[EchoCanceller] = []
    # Stamped late: the echo comes before the far end as stamped (it is found ahead, in
    # what the player has already written). Stamped early: it comes well after it.
    got = cancel(echo, device, stamps_off=stamps_off, keep=kept)
    assert kept[0].moves >= 1
    assert db(echo[14 * RATE:]) - db(got[14 * RATE:len(echo)]) > 15


def test_nothing_played_leaves_the_microphone_untouched():
    mic = render("help me ground", "en-us+f3").resampled(RATE).samples
    pcm = (np.clip(mic, -1, 1) * 32767).astype("<i2")
    got = cancel(mic, np.zeros(0, np.float32))
    n = len(got)
    assert np.array_equal((got[:n] * 32768).astype("<i2"), pcm[:n])


def test_the_devices_voice_in_a_room_is_taken_out_and_a_person_kept(whisper_engine):
    lines: list[str] = []
    device = render_script("grounding-feet-and-breath", lines).resampled(RATE).samples[:24 * RATE]
    device = device * 0.1 / np.sqrt(np.mean(device[np.abs(device) > 0.02] ** 2))
    echo = through_room(device, room_response(0.4, seed=1), delay=0.03)
    person = through_room(render("I want to hurt myself", "flite:slt").resampled(RATE).samples,
                          room_response(0.4, seed=2))
    at = 18 * RATE
    person = person[: 4 * RATE] * np.sqrt(np.mean(echo[at:at + len(person)] ** 2)
                                          / np.mean(person ** 2))
    said = np.zeros_like(echo)
    said[at:at + len(person)] = person

    kept: list[EchoCanceller] = []
    alone = cancel(echo, device, played_rate=RATE, keep=kept)
    # Converged after some seconds of the device's voice: its echo 20 dB down or more.
    assert db(echo[12 * RATE:at]) - db(alone[12 * RATE:at]) > 20
    assert kept[0].converged  # and it says so (listen then stops removing echo by text)

    both = cancel(echo + said, device, keep=kept)
    assert kept[1].converged  # the person over the device does not undo that
    span = slice(at, at + len(person))
    # The person is still there, about as loud as they were (double talk is not muted).
    assert abs(db(both[span]) - db(person)) < 6

    # Through the pipeline as `listen` hears it while the device speaks: safety is taken.
    hearing = Hearing(whisper_engine, default_router(), speaker=DeviceSpeaking(lines))
    pcm = (np.clip(both[12 * RATE:], -1, 1) * 32767).astype("<i2").tobytes()
    found = [d.match.intent.value for d in hearing.feed(pcm) + hearing.flush() if d.match]
    assert found == ["safety"], found
