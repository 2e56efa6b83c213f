"""Config: one plain sentence per mistake, numbers without quotes, helplines per country."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from voiceguide.config import SessionSettings, load_settings
from voiceguide.errors import ConfigError
from voiceguide.helplines import COUNTRIES, notice, parse_line
from voiceguide.state import FileStore, MemoryStore, first_run


def load(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_settings(path)


def error(tmp_path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    assert "\n" not in message
    return message.split(": ", 1)[1]


@pytest.mark.parametrize("text,expected", [
    ("[session]\nemergency_number = \"abc\"\n",
     'session.emergency_number must be a phone number such as 911, not "abc"'),
    ("[session]\npause_minutes = 5000\n",
     "session.pause_minutes must be a whole number from 1 to 1440, not 5000"),
    ("[speech]\nvolume = 3\n", "speech.volume must be a number from 0.05 to 1.0, not 3"),
    ("[listen]\nengine = \"x\"\n",
     'listen.engine must be one of "auto", "whisper", "vosk" or "pocketsphinx", not "x"'),
    ("[session]\ncountry = \"FR\"\n",
     'session.country must be one of US, CA, GB, IE, AU, NZ, EU (or UK), not "FR"'),
    ("[session]\nbedside = \"often\"\n", 'session.bedside must be true or false, not "often"'),
    ("[session]\nnight_start = \"late\"\n",
     'session.night_start must be a time such as "23:00" or an hour such as 23, not "late"'),
    ("[session]\ncrisis_line = \"the Samaritans\"\n",
     "session.crisis_line must be a phone number, optionally followed by a comma and a name"),
    ("session = 3\n", "session must be a [session] table of settings"),
    ("[router]\nlanguage = \"xx\"\n",
     'router.language must be a language that comes with voiceguide, such as "en", or the '
     'path of a language folder'),
])
def test_config_errors_are_one_plain_sentence(tmp_path, text, expected):
    message = error(tmp_path, text)
    assert message.startswith(expected)
    assert "Input should" not in message and "permitted" not in message


def test_an_unknown_key_names_the_settings_there_are(tmp_path):
    message = error(tmp_path, "[session]\nfoo = 1\n")
    assert message.startswith("session.foo is not a setting; the session settings are ")
    assert "emergency_number" in message and "pause_minutes" in message
    assert error(tmp_path, "colour = 1\n").startswith(
        "colour is not a setting; the settings are speech, session, listen")


def test_numbers_without_quotes_are_fine(tmp_path):
    s = load(tmp_path, "[session]\nemergency_number = 112\ncrisis_line = 988\n").session
    lines = s.helplines()
    assert lines.emergency.number == "112" and lines.crisis.number == "988"


def test_night_hours_accept_times_and_hours(tmp_path):
    s = load(tmp_path, "[session]\nnight_start = 22\nnight_end = \"6:30\"\n").session
    assert (s.night_start, s.night_end) == (time(22), time(6, 30))
    s = load(tmp_path, "[session]\nnight_start = 21:45:00\n").session
    assert s.night_start == time(21, 45)
    s = SessionSettings(night_start="22:00", night_end="6:00")
    day = datetime(2026, 11, 21, 12, 0)
    assert not s.night(day) and s.night(day.replace(hour=23)) and s.night(day.replace(hour=5))


def test_country_defaults_and_overrides():
    assert SessionSettings().helplines().emergency.number == "911"
    uk = SessionSettings(country="uk").helplines()
    assert (uk.emergency.number, uk.crisis.number, uk.dv.number) == ("999", "116 123",
                                                                      "0808 2000 247")
    eu = SessionSettings(country="EU").helplines()
    assert eu.emergency.number == "112" and eu.crisis is None and eu.dv is None
    mine = SessionSettings(country="EU", crisis_line="0800 111 0 111, the Telefonseelsorge",
                           dv_line="").helplines()
    assert mine.crisis.said == "0800 111 0 111, the Telefonseelsorge" and mine.dv is None


def test_every_default_number_is_digits_and_says_well():
    for lines in COUNTRIES.values():
        for line in (lines.emergency, lines.crisis, lines.dv):
            if line:
                assert parse_line(line.said) == line


def test_the_first_run_notice_says_the_numbers_and_how_to_change_them(tmp_path):
    text = notice(SessionSettings(country="GB").helplines(), "GB", tmp_path / "config.toml")
    assert "999" in text and "116 123" in text and "0808 2000 247" in text
    assert "session.country" in text and str(tmp_path / "config.toml") in text
    assert "\n" not in text


def test_first_run_is_true_once_per_state_dir(tmp_path):
    assert first_run(FileStore(tmp_path)) is True
    assert first_run(FileStore(tmp_path)) is False
    store = MemoryStore()
    assert first_run(store) and not first_run(store)


def test_the_cli_prints_the_numbers_on_the_first_run_only(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[session]\ncountry = \"NZ\"\n")
    env = {"VOICEGUIDE_CONFIG": str(config)}
    first = cli("say", "--print", "help us repair", env=env, check=0).stdout
    assert "voiceguide (first run): Safety numbers in use (NZ): emergency 111" in first
    assert str(config) in first
    again = cli("say", "--print", "help us repair", env=env, check=0).stdout
    assert "Safety numbers" not in again


def test_a_bad_number_stops_with_one_line_naming_the_key(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[session]\nemergency_number = \"nine one one\"\n")
    proc = cli("say", "--print", "I'm not safe", env={"VOICEGUIDE_CONFIG": str(config)}, check=1)
    assert proc.stderr.strip().count("\n") == 0
    assert "session.emergency_number must be a phone number such as 911" in proc.stderr


def test_112_without_quotes_reaches_the_safety_script(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[session]\nemergency_number = 112\n")
    out = cli("say", "--print", "I'm not safe", env={"VOICEGUIDE_CONFIG": str(config)},
              check=0).stdout
    assert "call 112" in out
