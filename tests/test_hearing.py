"""Hearing on real audio: espeak-ng speech rendered through pyttsx3 (several voices, rates,
added noise) and flite's more natural voices, recognized by the real engines.

Speech input is probabilistic, so accuracy tests assert floors measured on this audio
(see the closing notes / README for the figures); wrong-intent answers, false triggers on
household talk and triggers on the device's own voice are held to tight limits.
"""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from speech import add_noise, synth
from voiceguide.audio import Audio, read_wav, write_wav
from voiceguide.config import Settings
from voiceguide.hearing.engines import SphinxEngine
from voiceguide.hearing.models import phrase_modes
from voiceguide.hearing.pipeline import Hearing
from voiceguide.library import load_library
from voiceguide.router import default_router
from voiceguide.runner import RenderClock, Runner
from voiceguide.session import Session
from voiceguide.speaker import RenderSpeaker
from voiceguide.tts import Pyttsx3Renderer

ROUTER = default_router()
CUES = ["I'm flooded", "help me ground", "take a break", "we're in our cycle", "help us repair",
        "name the part", "what do I say", "I'm not safe", "stop", "what can I say",
        "ten more minutes", "pause for half an hour", "I'm starting to chase",
        "help me bring something up", "I want to hurt myself", "I need space"]
HOUSEHOLD = ["the basement flooded last night", "we should repair the fence",
             "I'll chase that invoice", "pass the salt please", "did you feed the dog",
             "I'll be home at seven", "the kitchen flooded last week", "can you repair the bike",
             "take a break from the spreadsheet", "what part of the car is this"]
ESPEAK = [("en-us", 130, 20), ("en-us", 170, 20), ("en-us+f2", 130, None),
          ("en-us+f2", 170, 20), ("en-us+f3", 130, None), ("en-us+f3", 150, 20),
          ("en-us+m3", 150, 20)]
FLITE = [("flite:slt", 130, None), ("flite:rms", 150, None), ("flite:awb", 170, None)]


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("speech")


def hear_json(cli, files, *extra) -> list[dict]:
    proc = cli("hear", "--json", *extra, *map(str, files), timeout=600)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def score(rows: list[dict], truth: dict[str, str | None]) -> dict:
    by_file: dict[str, list] = {}
    for row in rows:
        by_file.setdefault(row["file"], []).append(row["intent"])
    stats = {"n": 0, "ok": 0, "wrong": 0, "neg": 0, "false": 0, "misses": []}
    for name, expected in truth.items():
        got = [i for i in by_file.get(name, [None]) if i]
        if expected:
            stats["n"] += 1
            stats["ok"] += bool(got and got[0] == expected)
            stats["wrong"] += bool(got and got[0] != expected)
            if not got or got[0] != expected:
                stats["misses"].append(Path(name).name)
        else:
            stats["neg"] += 1
            stats["false"] += bool(got)
    return stats


def needs_flite():
    if not shutil.which("flite"):
        pytest.skip("flite not installed (apt install flite)")


def test_cues_espeak_voices_through_hear(cli, audio_dir):
    truth = {}
    for voice, wpm, snr in ESPEAK[::2]:  # four voices, clean and at 20 dB
        for text in CUES:
            truth[str(synth(audio_dir, text, voice, wpm, snr))] = ROUTER.route(text).intent
    stats = score(hear_json(cli, truth, "--engine", "pocketsphinx"), truth)
    accuracy = stats["ok"] / stats["n"]
    print(f"espeak cues: {stats['ok']}/{stats['n']} = {accuracy:.0%}, wrong {stats['wrong']}",
          stats["misses"])
    assert accuracy >= 0.50  # measured 0.56-0.60 on this set; a regression guard, not the goal
    assert stats["wrong"] <= 0.03 * stats["n"]  # a miss is better than the wrong script


def test_cues_natural_voices_through_hear(cli, audio_dir):
    needs_flite()
    truth = {str(synth(audio_dir, t, v, wpm, snr)): ROUTER.route(t).intent
             for v, wpm, snr in FLITE[:2] for t in CUES}
    stats = score(hear_json(cli, truth, "--engine", "pocketsphinx"), truth)
    print(f"flite cues: {stats['ok']}/{stats['n']}", stats["misses"])
    assert stats["ok"] / stats["n"] >= 0.85 and stats["wrong"] == 0


def test_household_talk_and_near_misses_give_no_intent(cli, audio_dir):
    voices = ESPEAK[1:4] + (FLITE[:2] if shutil.which("flite") else [])
    truth = {str(synth(audio_dir, t, v, wpm, snr)): None
             for v, wpm, snr in voices for t in HOUSEHOLD}
    stats = score(hear_json(cli, truth, "--engine", "pocketsphinx"), truth)
    print(f"household false triggers: {stats['false']}/{stats['neg']}")
    assert stats["false"] <= 0.1 * stats["neg"]


def render_script(script_id: str, said: list[str] | None = None) -> Audio:
    """The script as the device speaks it; ``said`` collects the lines as spoken (times,
    numbers and helpline names filled in)."""
    lib = load_library()
    speaker = RenderSpeaker(Pyttsx3Renderer(None, 150), 0.9, rate=16000)
    clock = RenderClock(speaker)
    session = Session(lib, offers=False)
    runner = Runner(session, speaker, clock)
    if said is not None:
        runner.on_speak = lambda action: said.append(action.text)
    session.start_script(lib.get(script_id), clock.now())
    session.pause = None
    runner.close()
    runner.run()
    return speaker.audio()


class DeviceSpeaking:
    """Stand-in for the speaker side: the device is saying ``lines`` right now."""

    def __init__(self, lines=()):
        self.lines = list(lines)

    def speaking(self) -> bool:
        return True

    def recent_lines(self) -> list[str]:
        return self.lines


def test_barge_in_speaking_mode_hears_stop_but_not_the_device(audio_dir):
    engine = SphinxEngine(phrase_modes(ROUTER), safety_phrases=ROUTER.phrases(["safety"]))
    heard = []
    voices = ESPEAK + (FLITE if shutil.which("flite") else [])
    for voice, wpm, snr in voices:
        # A fresh pipeline per file, as `hear` does: the VAD adapts its noise model, and
        # the digital silence between files is nothing a microphone would give it.
        hearing = Hearing(engine, ROUTER, speaker=DeviceSpeaking())
        pcm = read_wav(synth(audio_dir, "stop", voice, wpm, snr)).resampled(16000).pcm16()
        found = [d for d in hearing.feed(pcm) + hearing.flush() if d.match]
        assert all(d.match.intent == "stop" for d in found)
        heard.append(bool(found))
    # Measured 5 of 10: barge-in is deliberately strict (the device's own words must never
    # stop it); a missed "stop" is repeated in the next gap, where every cue is heard.
    assert sum(heard) >= 0.4 * len(voices), heard
    for script_id in ("grounding-feet-and-breath", "flooded-body-first", "safety-get-safe"):
        device = render_script(script_id)
        lines = [step.text for step in load_library().get(script_id).steps]
        hearing = Hearing(engine, ROUTER, speaker=DeviceSpeaking(lines))
        assert [d for d in hearing.feed(device.pcm16()) + hearing.flush() if d.match] == []


def in_steady_noise(audio_dir, text: str, voice: str, snr_db: float, seconds: float = 4.0):
    """A cue said in a room with a fan running: pink noise from ``seconds`` before the cue
    to ``seconds`` after it, at ``snr_db`` below the speech. Returns (audio, speech end)."""
    speech = read_wav(synth(audio_dir, text, voice, 150)).resampled(16000).samples
    voiced = np.flatnonzero(np.abs(speech) > 0.01)
    speech = speech[voiced[0]:voiced[-1] + 1]
    pad = np.zeros(int(seconds * 16000), np.float32)
    room = Audio(np.concatenate([pad, speech, pad]), 16000)
    return add_noise(room, snr_db, seed=11), (len(pad) + len(speech)) / 16000


def test_an_utterance_ends_with_the_speech_in_a_steady_noise(audio_dir):
    # WebRTC's VAD alone calls pink noise speech: the utterance ran on until the 6 s cap
    # and was dropped. The noise-floor gate ends it when the voice ends.
    # This is about where the utterance is cut, which depends on the audio alone; what the
    # decoder makes of it does not matter here. (Picking the first utterance with a
    # transcript made this flaky: espeak-ng's "+f2" voice varies a little from render to
    # render, the decoder now and then returned nothing for the cue at 10 dB, and a later
    # burst of noise, cut at 8.5 s, was taken for it.)
    engine = SphinxEngine(phrase_modes(ROUTER))
    for snr in (20, 10):
        noisy_room, speech_end = in_steady_noise(audio_dir, "help me ground", "en-us+f2", snr)
        speech_start = speech_end - (noisy_room.seconds - 8.0)
        cuts = []
        for _ in range(2):  # the same audio is cut the same way every time
            hearing = Hearing(engine, ROUTER, noise_suppression="off")
            cuts.append([(d.start, d.end, d.reason == "too_long")
                         for d in hearing.feed(noisy_room.pcm16())])
        assert cuts[0] == cuts[1]
        spoken = [c for c in cuts[0] if c[0] < speech_end and c[1] > speech_start]
        assert len(spoken) == 1, f"{snr} dB: the cue was not cut as one utterance: {cuts[0]}"
        start, end, too_long = spoken[0]
        assert not too_long
        assert abs(end - speech_end) < 0.5, (snr, end, speech_end)


def test_wav_formats_rates_and_channels(cli, audio_dir, tmp_path):
    # A voice recognized with a clear margin: this test is about reading formats, and a
    # borderline utterance can flip on the small changes resampling makes.
    voice = "flite:slt" if shutil.which("flite") else "en-us+f2"
    base = read_wav(synth(audio_dir, "help me ground", voice, 130, None))
    files = []
    for rate, width, channels in [(16000, 2, 1), (22050, 2, 2), (44100, 3, 1), (48000, 4, 2)]:
        audio = base.resampled(rate)
        x = np.repeat(audio.samples[:, None], channels, axis=1)
        scale = {1: 127, 2: 32767, 3: 2 ** 23 - 1, 4: 2 ** 31 - 1}[width]
        ints = np.round(x * scale * 0.9).astype(np.int64)
        if width == 1:
            raw = (ints + 128).astype(np.uint8).tobytes()
        else:
            raw = b"".join(int(v).to_bytes(width, "little", signed=True) for v in ints.ravel())
        path = tmp_path / f"help_me_ground_{rate}hz_{8 * width}bit_{channels}ch.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(width)
            w.setframerate(rate)
            w.writeframes(raw)
        files.append(path)
    rows = hear_json(cli, files, "--engine", "pocketsphinx")
    assert {r["file"]: r["intent"] for r in rows} == {str(f): "grounding" for f in files}
    for f in files:  # every format reads back as the same speech, resampled
        assert read_wav(f).seconds == pytest.approx(base.seconds, abs=0.01)


def test_telephone_band_and_8_bit_audio_are_read(cli, audio_dir, tmp_path):
    """8 kHz audio has nothing above 4 kHz and 8-bit audio is noisy; the wideband models
    are not expected to cope, but the files must be read and answered, not crash."""
    base = read_wav(synth(audio_dir, "help me ground", "en-us+f2", 130))
    narrow = tmp_path / "help_me_ground_8000hz.wav"
    write_wav(narrow, base.resampled(8000))
    eight_bit = tmp_path / "help_me_ground_8bit.wav"
    with wave.open(str(eight_bit), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(base.rate)
        w.writeframes((np.round(base.samples * 120) + 128).astype(np.uint8).tobytes())
    assert read_wav(eight_bit).seconds == pytest.approx(base.seconds, abs=0.01)
    rows = hear_json(cli, [narrow, eight_bit], "--engine", "pocketsphinx")
    assert len(rows) == 2 and all(r["intent"] in (None, "grounding") for r in rows)


def test_bad_files_get_one_line_each_and_the_rest_still_run(cli, audio_dir, tmp_path):
    good = synth(audio_dir, "help me ground", "en-us+f2", 130, None)
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(good.read_bytes()[:30])
    empty = tmp_path / "empty.wav"
    write_wav(empty, Audio(np.zeros(0, np.float32), 16000))
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all")
    proc = cli("hear", "--json", "--engine", "pocketsphinx", str(corrupt), str(empty), str(text),
               str(tmp_path / "missing.wav"), str(good), timeout=300)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("voiceguide: /")]
    assert len(errors) == 4
    assert all(str(tmp_path) in e for e in errors)
    assert [json.loads(x)["intent"] for x in proc.stdout.splitlines()] == ["grounding"]


def test_hear_reports_no_cue_as_a_null_line(cli, audio_dir):
    path = synth(audio_dir, "did you feed the dog", "en-us+f2", 130, None)
    rows = hear_json(cli, [path], "--engine", "pocketsphinx")
    assert rows == [{"file": str(path), "start": None, "end": None, "transcript": "",
                     "intent": None, "confidence": 0.0}]


def test_engine_choice_is_said_in_one_line(cli, audio_dir):
    path = synth(audio_dir, "help me ground", "en-us+f2", 130, None)
    proc = cli("hear", "--engine", "pocketsphinx", str(path), check=0)
    assert "recognizing with pocketsphinx" in proc.stderr
    missing = cli("hear", "--engine", "vosk", "--model", "/nonexistent/model", str(path))
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    assert "is not a Vosk model folder" in missing.stderr


def test_auto_picks_whisper_and_falls_back_when_its_model_is_missing(tmp_path, monkeypatch):
    from voiceguide.hearing.registry import choose_engine

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("voiceguide.hearing.models.checkout_models_dir", lambda: tmp_path / "m")
    monkeypatch.setattr("voiceguide.hearing.models.models_dir", lambda: tmp_path / "d")
    choice = choose_engine(None, None, Settings(), ROUTER)
    assert choice.engine.name == "whisper" and choice.reason == "the default English engine"
    # The built-in model's files gone (a broken install): PocketSphinx, and the line says why.
    broken = Settings.model_validate({"listen": {"whisper_model": str(tmp_path / "gone")}})
    choice = choose_engine(None, None, broken, ROUTER)
    assert choice.engine.name == "pocketsphinx"
    assert choice.reason.startswith("auto, falling back: whisper:") and "gone" in choice.line
