"""Audio files: every format libsndfile reads, streamed a block at a time, one-line errors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import soundfile as sf

from speech import synth
from voiceguide.audio import audio_info, iter_audio, read_wav
from voiceguide.errors import AudioFormatError

FORMATS = [  # (file name, container, encoding, rate, channels, lossless)
    ("help_me_ground_float32_48k_stereo.wav", "WAV", "FLOAT", 48000, 2, True),
    ("help_me_ground_mulaw_8k.wav", "WAV", "ULAW", 8000, 1, False),
    ("help_me_ground_24bit_extensible_44k.wav", "WAVEX", "PCM_24", 44100, 1, True),
    ("help_me_ground_44k_stereo.flac", "FLAC", "PCM_16", 44100, 2, True),
    ("help_me_ground_48k.ogg", "OGG", "VORBIS", 48000, 1, False),
]


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    voice = "flite:slt" if shutil.which("flite") else "en-us+f2"
    return folder, read_wav(synth(folder, "help me ground", voice, 130))


def write(folder, speech, name, container, encoding, rate, channels):
    x = speech.resampled(rate).samples * 0.8
    path = folder / name
    sf.write(str(path), np.repeat(x[:, None], channels, axis=1), rate, subtype=encoding,
             format=container)
    return path


def test_every_format_reads_back_as_the_same_speech_and_is_heard(cli, speech):
    folder, base = speech
    reference = base.resampled(16000).samples * 0.8
    files = []
    for name, container, encoding, rate, channels, lossless in FORMATS:
        path = write(folder, base, name, container, encoding, rate, channels)
        got = np.concatenate(list(iter_audio(path, 16000)))
        assert abs(len(got) - len(reference)) <= 16, name
        n = min(len(got), len(reference))
        corr = np.corrcoef(got[:n], reference[:n])[0, 1]
        assert corr > (0.99 if lossless else 0.8), (name, corr)
        info = audio_info(path)
        assert (info.rate, info.channels) == (rate, channels)
        files.append(path)
    proc = cli("hear", "--json", "--engine", "pocketsphinx", *map(str, files), timeout=600)
    assert proc.returncode == 0, proc.stderr
    heard = {row["file"]: row["intent"] for row in map(json.loads, proc.stdout.splitlines())}
    lossless = [str(f) for f, spec in zip(files, FORMATS) if spec[5]]
    assert all(heard[f] == "grounding" for f in lossless), heard


def test_blocks_are_bounded_and_add_up_to_the_whole_file(speech):
    folder, base = speech
    path = write(folder, base, "long_48k_stereo.wav", "WAV", "PCM_16", 48000, 2)
    blocks = list(iter_audio(path, 16000, block_seconds=0.25))
    assert len(blocks) > 4
    # A block (the last one also carries the resampler's delay), never the whole file.
    assert max(len(b) for b in blocks) <= 0.25 * 16000 + 1024
    whole = read_wav(path).resampled(16000).samples
    streamed = np.concatenate(blocks)
    n = min(len(whole), len(streamed))
    assert abs(len(whole) - len(streamed)) <= 16
    assert np.max(np.abs(whole[:n] - streamed[:n])) < 0.02


def test_bad_files_get_one_line_each_and_the_good_one_is_still_heard(cli, speech, tmp_path):
    folder, base = speech
    good = write(folder, base, "help_me_ground_good.wav", "WAV", "PCM_16", 16000, 1)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all\n")
    silent = tmp_path / "no_frames.wav"
    sf.write(str(silent), np.zeros((0, 1), np.float32), 16000)
    corrupt = tmp_path / "corrupt.flac"
    flac = bytearray(write(folder, base, "c.flac", "FLAC", "PCM_16", 44100, 1).read_bytes())
    flac[len(flac) // 3: len(flac) // 3 + 3000] = bytes(3000)
    corrupt.write_bytes(bytes(flac))
    missing = tmp_path / "missing.wav"
    bad = [empty, text, silent, corrupt, missing]
    proc = cli("hear", "--engine", "pocketsphinx", *map(str, bad), str(good), timeout=600)
    assert proc.returncode == 1
    errors = [x for x in proc.stderr.splitlines() if x.startswith("voiceguide: ") and
              "recognizing with" not in x]
    assert len(errors) == len(bad), proc.stderr
    for path, line in zip(bad, errors):
        assert str(path) in line
    assert "empty" in errors[0] and "not a readable audio file" in errors[1]
    assert "contains no audio" in errors[2] and "no such file" in errors[4]
    assert f"{good}:" in proc.stdout and "-> grounding" in proc.stdout


def test_read_wav_raises_the_same_one_line_errors(tmp_path):
    with pytest.raises(AudioFormatError, match="no such file"):
        read_wav(tmp_path / "nothing.wav")
    with pytest.raises(AudioFormatError, match="is a folder"):
        read_wav(tmp_path)
