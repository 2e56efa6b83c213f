"""Whisper base from its two PyPI packages: joined once, checked, heard with; damage is one line.

The real packages (``voiceguide[base]``, installed by the test set-up) and the real model:
a cue is spoken, joined base hears it through the CLI in a process of its own.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from speech import synth
from voiceguide.errors import ModelNotFound
from voiceguide.hearing import packaged
from voiceguide.hearing.packaged import BASE_PACKAGES, BASE_SHA256, base_model_dir
from voiceguide.hearing.whisper_engine import MANIFEST

pytestmark = pytest.mark.skipif(not packaged.base_installed(),
                                reason="voiceguide[base] is not installed")


def test_base_is_joined_once_and_hears_a_plea(cli, tmp_path):
    data = tmp_path / "data"
    wav = synth(tmp_path, "I'm scared he's going to hurt me", "en-us+f2", 150)
    proc = cli("hear", "--json", "--engine", "whisper", "--model", "base", str(wav),
               env={"XDG_DATA_HOME": str(data)}, check=0)
    assert "whisper base (from PyPI)" in proc.stderr, proc.stderr
    assert json.loads(proc.stdout.splitlines()[0])["intent"] == "safety", proc.stdout
    folder = data / "voiceguide" / "models" / "faster-whisper-base"
    assert json.loads((folder / MANIFEST).read_text())["sha256"] == BASE_SHA256
    assert [p.name for p in folder.parent.iterdir()] == ["faster-whisper-base"]  # no leftovers
    joined_at = (folder / "model.bin").stat().st_mtime_ns
    assert base_model_dir(folder.parent) == folder  # found again, not joined again
    assert (folder / "model.bin").stat().st_mtime_ns == joined_at


def _copied_packages(tmp_path: Path) -> dict[str, Path]:
    """The packages' data folders, copied (parts as real files) so they can be damaged."""
    out = {}
    for name in BASE_PACKAGES:
        src = packaged._package_data(name)
        dst = tmp_path / name / "data"
        shutil.copytree(src, dst)
        out[name] = dst
    return out


def test_a_damaged_part_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    copies = _copied_packages(tmp_path)
    part = copies[BASE_PACKAGES[1]] / "model.bin.part2"
    with open(part, "r+b") as f:
        f.seek(part.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 1]))  # one flipped bit
    monkeypatch.setattr(packaged, "_package_data", copies.get)
    models = tmp_path / "models"
    with pytest.raises(ModelNotFound, match="do not join") as err:
        base_model_dir(models)
    assert "\n" not in str(err.value) and "--force-reinstall" in str(err.value)
    assert list(models.iterdir()) == []  # no half-written model, no temporary folder


def test_missing_packages_say_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(packaged, "_package_data", lambda name: None)
    with pytest.raises(ModelNotFound, match=r"pip install 'voiceguide\[base\]'") as err:
        base_model_dir(tmp_path / "models")
    assert "\n" not in str(err.value)
