"""listen.whisper_model = "auto": base where this CPU decodes a cue within the budget, else
tiny.en; the measurement is made once per model and CPU, and the reason is said.

The engines and the measurement are real; only the measured time is given where a test
must know which side of the budget it falls (a clock stand-in)."""

from __future__ import annotations

import pytest

from voiceguide.config import Settings
from voiceguide.hearing import autopick, packaged
from voiceguide.hearing.autopick import SpeedCache, decode_budget, measure_decode, \
    pick_whisper_model
from voiceguide.hearing.catalog import embedded_whisper_dir, find_whisper_model
from voiceguide.hearing.catalog import EMBEDDED_SHA256
from voiceguide.hearing.whisper_engine import WhisperEngine

needs_base = pytest.mark.skipif(not packaged.base_installed(),
                                reason="voiceguide[base] is not installed")


def test_a_real_decode_is_measured_in_wall_seconds():
    engine = WhisperEngine(embedded_whisper_dir(), EMBEDDED_SHA256, "tiny.en")
    seconds = measure_decode(engine, repeats=2)
    assert 0.001 < seconds < 5


@needs_base
@pytest.mark.parametrize("seconds,expected", [(0.08, "base"), (0.4, "tiny.en")])
def test_base_only_within_the_budget(tmp_path, monkeypatch, seconds, expected):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    calls = []

    def measured(engine):
        calls.append(engine.description)
        return seconds

    cache = SpeedCache(tmp_path / "speed.json")
    pick = pick_whisper_model(0.3, cache, measure=measured)
    assert pick.model == expected
    assert f"{round(seconds * 1000)} ms" in pick.reason and "150 ms" in pick.reason
    assert len(calls) == 1 and "base" in calls[0]  # the real base model was loaded
    again = pick_whisper_model(0.3, cache, measure=measured)
    assert again == pick and len(calls) == 1  # measured once per model and CPU


@needs_base
def test_a_longer_end_silence_leaves_less_for_decoding(tmp_path):
    cache = SpeedCache(tmp_path / "speed.json")
    cache.put(packaged.BASE_SHA256, autopick.cpu_signature(), 0.12)
    assert decode_budget(0.3) == pytest.approx(0.15)
    assert pick_whisper_model(0.3, cache).model == "base"
    assert pick_whisper_model(0.4, cache).model == "tiny.en"


def test_without_base_auto_is_tiny_and_says_how_to_get_more(monkeypatch):
    monkeypatch.setattr(packaged, "_package_data", lambda name: None)
    pick = pick_whisper_model(0.3)
    assert pick.model == "tiny.en" and "pip install 'voiceguide[base]'" in pick.reason
    found = find_whisper_model("auto", Settings())
    assert found.sha256 == EMBEDDED_SHA256 and "auto:" in found.label


def test_a_cache_that_cannot_be_written_only_costs_a_measurement(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    cache = SpeedCache(blocked / "speed.json")
    cache.put("0" * 64, "cpu", 0.1)  # warns, does not raise
    assert cache.get("0" * 64, "cpu") is None
