"""The microphone watchdog's decisions, with a fake clock (the real restarts are in
test_room.py: the audio server is killed and started again under a listening process)."""

from __future__ import annotations

import itertools

import pytest

from voiceguide.hearing.source import Watchdog, backoff


@pytest.mark.parametrize("now, active, opened_at, last_sound, problem", [
    (10.0, True, 0.0, 9.9, None),                  # sound is flowing
    (10.0, False, 0.0, 9.9, "stopped"),            # PortAudio ended the stream
    (10.0, True, 0.0, 4.0, "stalled"),             # open, but nothing for 6 s
    (10.0, True, 0.0, 5.5, None),                  # 4.5 s: within the 5 s allowed
    (3.0, True, 0.0, None, None),                  # just opened: sound may take a while
    (9.0, True, 0.0, None, "no sound for 9 s after opening"),
    (20.0, True, 15.0, 9.0, None),                 # reopened at 15 s: old sound is no stall
])
def test_the_watchdog_names_what_is_wrong(now, active, opened_at, last_sound, problem):
    found = Watchdog(stall_seconds=5, first_sound_seconds=8).problem(now, active, opened_at,
                                                                   last_sound)
    if problem is None:
        assert found is None
    else:
        assert problem in found


def test_reopening_backs_off_to_a_steady_pace():
    assert list(itertools.islice(backoff(), 7)) == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0, 2.0]
