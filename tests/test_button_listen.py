"""`voiceguide listen` in the virtual room with a button that is not there: one line
about the button, and speech is still heard and answered."""

from __future__ import annotations

import pytest

from conftest import _env
from speech import synth
from test_room import Listening

pytest.importorskip("evdev", reason="python-evdev not installed (the button extra)")


@pytest.mark.timeout(600)
def test_a_missing_button_is_one_line_and_listen_still_hears(room, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[session]\nnight_start = 0\nnight_end = 0\n'
                      '[button]\ndevice = "No Such Big Button"\n')
    env = _env({**room, "VOICEGUIDE_CONFIG": str(config),
                "XDG_STATE_HOME": str(tmp_path / "state")})
    cue = synth(tmp_path, "help me ground", "en-us+f2", 130)
    listen = Listening(env, tmp_path, "--print")
    try:
        listen.ready()
        start = listen.err.wait_for("button 'No Such Big Button': press = grounding", 60)
        assert "hold 2 s = quiet safety" in start
        listen.err.wait_for("not found", 60)
        heard, _ = listen.say(cue)
        assert "-> grounding" in heard
    finally:
        code = listen.stop()
    assert code == 0, listen.err.lines
    # Tried again meanwhile (the -vv log shows each try), said to the user once.
    said = [x for x in listen.err.lines if x.startswith("voiceguide: ")]
    lost = [x for x in said if "No Such Big Button" in x and "not found" in x]
    assert len(lost) == 1, said
    assert "listening goes on without it" in lost[0]
    tries = [x for x in listen.err.lines if "voiceguide.button" in x and "not found" in x]
    assert len(tries) >= 2, listen.err.lines  # the first try, and at least one more


@pytest.mark.timeout(600)
def test_a_bad_short_setting_ends_listen_with_one_line(room, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[button]\ndevice = "No Such Big Button"\nshort = "dance"\n')
    env = _env({**room, "VOICEGUIDE_CONFIG": str(config),
                "XDG_STATE_HOME": str(tmp_path / "state")})
    listen = Listening(env, tmp_path, "--print")
    code = listen.proc.wait(timeout=300)
    listen.all_output()
    said = [x for x in listen.err.lines if x.startswith("voiceguide: ")]
    assert code == 1 and said[-1].startswith("voiceguide: button.short: 'dance' is not"), said
