"""Audio devices in the config: a name or an index; "" (the README's example) = default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voiceguide._compat import tomllib
from voiceguide.config import Settings, load_settings
from voiceguide.errors import ConfigError

README = Path(__file__).resolve().parents[1] / "docs" / "config.md"  # the example config


@pytest.mark.parametrize("value, device", [
    ('""', None), ('"  "', None), ("3", 3), ('"3"', 3), ('"USB Audio Device"',
                                                          "USB Audio Device")])
def test_a_device_is_a_name_or_an_index(tmp_path, value, device):
    config = tmp_path / "config.toml"
    config.write_text(f"[listen]\ndevice = {value}\n[speech]\ndevice = {value}\n")
    settings = load_settings(config)
    assert settings.listen.device == device and settings.speech.device == device


@pytest.mark.parametrize("value, message", [("-1", "0 or more"), ("true", "not true/false"),
                                            ("2.5", "integer")])
def test_a_bad_device_is_one_line_naming_the_field(tmp_path, value, message):
    config = tmp_path / "config.toml"
    config.write_text(f"[listen]\ndevice = {value}\n")
    with pytest.raises(ConfigError, match=rf"listen\.device.*{message}") as err:
        load_settings(config)
    assert "\n" not in str(err.value)


def test_the_readme_example_config_is_valid():
    block = re.search(r"```toml\n(user_scripts.*?)```", README.read_text(), re.S).group(1)
    settings = Settings.model_validate(tomllib.loads(block))
    assert settings.listen.device is None and settings.listen.log_transcripts is False


def test_the_user_folders_are_apart(monkeypatch, tmp_path):
    from voiceguide import config

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert config.data_dir() == tmp_path / "data" / "voiceguide"
    assert config.cache_dir() == tmp_path / "cache" / "voiceguide"
    assert config.state_dir() == tmp_path / "state" / "voiceguide"
