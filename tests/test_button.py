"""The button as a cue source: presses decided from edges, evdev events read by the real
reader (a uinput device where the kernel has one, else evdev's own reader on the kernel's
event format through a pipe), a gpiozero button on its mock pin factory, and the session
answering each press with the right script, also while a script is playing."""

from __future__ import annotations

import os
import queue
import struct
import threading

import pytest

from voiceguide.button.build import start_button
from voiceguide.button.cues import press_cues
from voiceguide.button.presses import ButtonPress, Edge, PressDecoder, PressKind
from voiceguide.button.source import ButtonUnavailable
from voiceguide.clock import VirtualClock
from voiceguide.config import ButtonSettings, SessionSettings
from voiceguide.errors import ConfigError
from voiceguide.intents import Intent
from voiceguide.runner import Runner
from voiceguide.session import Session

from session_harness import LIB, Harness

evdev = pytest.importorskip("evdev", reason="python-evdev not installed (the button extra)")
from voiceguide.button.evdev_source import EvdevButton, find_device, key_code, key_edges  # noqa: E402

WAIT = 10.0
"""Seconds to wait for an event that should come at once (only a broken test waits it)."""


# ---------------------------------------------------------------- presses from edges
def kinds(decoder: PressDecoder, steps) -> list[str]:
    """Feed ("down"|"up"|"tick", t) steps; the press kinds decided, in order."""
    out: list[ButtonPress] = []
    for what, t in steps:
        out += decoder.due(t) if what == "tick" else decoder.edge(Edge(what == "down", t))
    return [p.kind.value for p in out]


@pytest.mark.parametrize("steps, expected", [
    ([("down", 0), ("up", 0.1), ("tick", 0.3)], []),  # still inside the double window
    ([("down", 0), ("up", 0.1), ("tick", 0.6)], ["short"]),
    ([("down", 0), ("up", 0.1), ("down", 0.3), ("up", 0.4)], ["double"]),
    ([("down", 0), ("up", 0.1), ("down", 0.8), ("up", 0.9), ("tick", 2)], ["short", "short"]),
    ([("down", 0), ("tick", 1.9)], []),
    ([("down", 0), ("tick", 2.0), ("up", 5)], ["long"]),  # decided while still held
    ([("down", 0), ("up", 2.5)], ["long"]),  # a late reader: the let-go still tells
    ([("down", 0), ("up", 0.1), ("down", 0.3), ("tick", 2.3), ("up", 3)], ["long"]),
    ([("up", 0), ("tick", 1)], []),  # opened while it was held: the let-go alone is nothing
    ([("down", 0), ("tick", 2), ("up", 3), ("down", 3.2), ("up", 3.3), ("tick", 4)],
     ["long", "short"]),
])
def test_presses_are_decided_from_edges_and_time(steps, expected):
    assert kinds(PressDecoder(), steps) == expected


def test_the_decoder_says_when_it_needs_the_time_again():
    d = PressDecoder()
    assert d.deadline is None
    d.edge(Edge(True, 10.0))
    assert d.deadline == pytest.approx(12.0)
    d.edge(Edge(False, 10.2))
    assert d.deadline == pytest.approx(10.2 + d.double_within)


# ---------------------------------------------------------------- presses to cues
def test_each_press_is_the_cue_the_issue_names():
    cues = press_cues("grounding", LIB)
    short, double, long = (cues.cue(ButtonPress(k, 0)) for k in PressKind)
    assert short.intent == Intent.GROUNDING and not short.slots
    assert double.intent == Intent.PAUSE and double.slots == {"toggle": True}
    assert long.intent == Intent.SAFETY and long.slots == {"safety": "general",
                                                          "discreet": True}


def test_a_short_press_can_be_any_intent_or_one_script():
    assert press_cues("flooded", LIB).short.intent == Intent.FLOODED
    sid = next(s.id for s in LIB.scripts.values() if s.intent == "grounding" and not s.bedside
               and s.id != LIB.variants("grounding")[0].id)
    cues = press_cues(sid, LIB)
    assert cues.short.intent == Intent.GROUNDING and cues.short.slots == {"script": sid}
    with pytest.raises(ConfigError, match="button.short"):
        press_cues("no-such-thing", LIB)
    with pytest.raises(ConfigError, match="button.short"):
        press_cues("score", LIB)


def test_config_takes_a_device_or_a_pin_not_both():
    assert not ButtonSettings().configured
    assert ButtonSettings(device="USB Button").configured
    assert ButtonSettings(pin="17").pin == 17 and ButtonSettings(pin="GPIO17").pin == "GPIO17"
    assert ButtonSettings(key=57).key == "57"
    with pytest.raises(ValueError, match="not both"):
        ButtonSettings(device="x", pin=17)


# ---------------------------------------------------------------- the session's answers
def test_session_answers_each_press_with_its_script():
    cues = press_cues("grounding", LIB)
    h = Harness()
    h.cue(cues.cue(ButtonPress(PressKind.SHORT, 0)))
    h.step()
    assert h.script_of().intent == "grounding"

    h = Harness()
    h.cue(cues.cue(ButtonPress(PressKind.DOUBLE, 0)))
    said = h.play()
    assert h.session.pause is not None and h.script_of().intent == "pause"
    assert any("20 minutes" in line for line in said)
    # The second double press ends it: the timer is gone and the return script plays now.
    h.clock.advance(7 * 60)
    h.cue(cues.cue(ButtonPress(PressKind.DOUBLE, 0)))
    h.play()
    assert h.session.pause is None and h.script_of().intent == "return"

    h = Harness()
    h.cue(cues.cue(ButtonPress(PressKind.LONG, 0)))
    said = h.play()
    assert h.script_of().intent == "safety"
    assert all(s.volume < 0.5 for s in h.spoken)  # quiet
    assert h.shown and not any("911" in line or "988" in line for line in said)


def test_a_pinned_script_plays_that_script():
    sid = [s.id for s in LIB.variants("grounding")][-1]
    h = Harness()
    for _ in range(3):  # every time, not only when variety happens to pick it
        h.cue(press_cues(sid, LIB).cue(ButtonPress(PressKind.SHORT, 0)))
        h.step()
        assert h.script_of().id == sid


# ---------------------------------------------------------------- a runner that speaks
class TalkingSpeaker:
    """Speaks each line until it is stopped (as a long line plays until cut off), and
    says what it is saying: the tests wait on that, never on time."""

    def __init__(self):
        self.lines: queue.Queue = queue.Queue()
        self._stopped = threading.Event()
        self.quiet = False
        """Closing: lines end at once."""

    def speak(self, text: str, rate: float = 1.0, volume: float = 1.0) -> None:
        self._stopped.clear()
        self.lines.put((text, volume))
        if not self.quiet:
            self._stopped.wait(WAIT)

    def stop(self) -> None:
        self._stopped.set()

    end_line = stop
    """The line was said to its end (the test moves the device on)."""


class Device:
    """The room around a runner: a session on virtual time, a speaker that talks until
    stopped, the lines it was given (with their script) and the lines shown."""

    def __init__(self):
        self.session = Session(LIB, SessionSettings())
        self.speaker = TalkingSpeaker()
        self.runner = Runner(self.session, self.speaker, VirtualClock())
        self.spoken: queue.Queue = queue.Queue()
        self.shown: list[str] = []
        self.runner.on_speak = lambda action: self.spoken.put(action)
        self.runner.on_show = lambda shown: self.shown.append(shown.text)
        self.thread = threading.Thread(target=self.runner.run, daemon=True)
        self.thread.start()

    def next_line(self):
        return self.spoken.get(timeout=WAIT)

    def line_of(self, intent: str):
        """The first line of a script for ``intent``, letting the lines before it end."""
        line = self.next_line()
        while self.script(line) != intent:
            self.speaker.end_line()
            line = self.next_line()
        return line

    def script(self, action) -> str:
        return LIB.get(action.script_id).intent if action.script_id else "(session)"

    def close(self) -> None:
        self.speaker.quiet = True
        self.runner.submit(self.runner_stop(), at_once=True)  # stop what plays
        self.runner.submit(self.runner_stop())  # and the pause timer, if one runs
        self.runner.close()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()

    @staticmethod
    def runner_stop():
        from voiceguide.router import IntentMatch

        return IntentMatch(Intent.STOP, 1.0, {})


@pytest.fixture
def device():
    d = Device()
    yield d
    d.close()


# ---------------------------------------------------------------- evdev: the kernel's events
EVENT = struct.Struct("llHHi")
"""struct input_event on a 64-bit kernel: the time (seconds, microseconds), type, code,
value."""


class PipeDevice(evdev.eventio.EventIO):
    """An input device whose events come through a pipe in the kernel's own format, read
    by evdev's real reader (``EventIO.read``, its C ``device_read_many``)."""

    def __init__(self, fd: int, name: str = "test button"):
        self.fd = fd
        self.name = name

    def close(self) -> None:
        os.close(self.fd)


class PipeButton(EvdevButton):
    """The evdev source with its device lookup replaced by a pipe (no /dev/input here);
    everything after opening (reading, key filter, reopening) is the real one."""

    def __init__(self, key: str | None = "KEY_F13", fail_first: int = 0, **kw):
        super().__init__("test button", key, **kw)
        self.writes: list[int] = []
        self.opens: queue.Queue = queue.Queue()
        """The write end of each pipe opened, as it is opened."""
        self.fail_first = fail_first
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def open(self):
        if self.fail_first:
            self.fail_first -= 1
            raise ButtonUnavailable("button 'test button' not found (unplugged?)")
        r, w = os.pipe()
        self.writes.append(w)
        self.opens.put(w)
        self.name = "'test button' (a pipe, KEY_F13)"
        return PipeDevice(r)

    def key(self, code: int, down: bool, at: float, value: int | None = None) -> None:
        """Write one key event and its SYN_REPORT, as the kernel would."""
        sec, usec = int(at), int(round((at - int(at)) * 1e6))
        e = evdev.ecodes
        os.write(self.writes[-1], EVENT.pack(sec, usec, e.EV_KEY, code,
                                             int(down) if value is None else value)
                 + EVENT.pack(sec, usec, e.EV_SYN, e.SYN_REPORT, 0))


def test_key_edges_reads_evdev_events_of_the_one_key():
    e = evdev.ecodes
    events = [evdev.InputEvent(5, 0, e.EV_MSC, e.MSC_SCAN, 458792),
              evdev.InputEvent(5, 0, e.EV_KEY, e.KEY_ENTER, 1),
              evdev.InputEvent(5, 250000, e.EV_KEY, e.KEY_A, 1),  # another key
              evdev.InputEvent(5, 500000, e.EV_KEY, e.KEY_ENTER, 2),  # key repeat
              evdev.InputEvent(5, 750000, e.EV_KEY, e.KEY_ENTER, 0),
              evdev.InputEvent(5, 750000, e.EV_SYN, e.SYN_REPORT, 0)]
    assert list(key_edges(events, e.KEY_ENTER)) == [Edge(True, 5.0), Edge(False, 5.75)]
    assert len(list(key_edges(events, None))) == 3  # any key


def test_key_names_as_a_config_gives_them():
    e = evdev.ecodes
    assert key_code("KEY_SPACE") == key_code("space") == key_code("57") == e.KEY_SPACE
    assert key_code("BTN_0") == e.BTN_0 and key_code(None) is None
    with pytest.raises(ButtonUnavailable, match="button.key"):
        key_code("KEY_NO_SUCH")


def _listen(source, device: Device, short: str = "grounding"):
    lines: list[str] = []
    listener = start_button(ButtonSettings(device="test button", short=short), LIB,
                            device.runner.submit, lines.append, source=source)
    return listener, lines


def test_evdev_presses_reach_the_session_while_a_script_plays(device):
    source = PipeButton(report=lambda line: None)
    listener, lines = _listen(source, device)
    try:
        assert "press = grounding, double press = start or end the pause, hold 2 s = " \
               "quiet safety" in lines[0]
        f13 = evdev.ecodes.KEY_F13
        assert source.ready.wait(WAIT)
        device.runner.submit(device_cue("I'm flooded"))
        first = device.next_line()
        assert device.script(first) == "flooded"

        # A long press while the flooded script speaks: it stops, quiet safety starts.
        source.key(f13, True, 1000.0)
        source.key(f13, True, 1000.5, value=2)  # key repeat while held
        source.now = 1002.0
        listener.poke()
        line = device.next_line()
        assert device.script(line) == "safety" and line.volume < 0.5
        source.key(f13, False, 1003.0)

        # A short press during safety: grounding, once the double window has passed.
        source.key(f13, True, 1004.0)
        source.key(f13, False, 1004.1)
        source.now = 1005.0
        listener.poke()
        device.line_of("grounding")

        # A double press: the pause, said at once.
        source.key(f13, True, 1006.0)
        source.key(f13, False, 1006.1)
        source.key(f13, True, 1006.3)
        source.key(f13, False, 1006.4)
        device.line_of("pause")
        assert device.session.pause is not None
    finally:
        listener.close()


def test_a_missing_device_is_one_line_and_is_tried_again(device):
    lines: list[str] = []
    source = PipeButton(report=lines.append, fail_first=2)
    listener, start = _listen(source, device)
    try:
        assert source.ready.wait(WAIT)  # tried again until it was there
        assert len(start) == 1
        lost = [line for line in lines if "not found" in line]
        assert len(lost) == 1 and "listening goes on without it" in lost[0]
        assert lines[-1].endswith("is back")
    finally:
        listener.close()


def test_an_unplugged_device_is_one_line_and_comes_back(device):
    said: queue.Queue = queue.Queue()
    source = PipeButton(report=said.put)
    listener, _ = _listen(source, device)
    try:
        os.close(source.opens.get(timeout=WAIT))  # unplugged: the reader sees its end
        assert "was lost" in said.get(timeout=WAIT)
        source.opens.get(timeout=WAIT)  # opened again
        assert said.get(timeout=WAIT).endswith("is back")
        f13 = evdev.ecodes.KEY_F13  # and it works again
        source.key(f13, True, 1000.0)
        source.key(f13, False, 1000.1)
        source.key(f13, True, 1000.2)
        source.key(f13, False, 1000.3)
        device.line_of("pause")
        assert said.empty()
    finally:
        listener.close()


def test_find_device_says_what_is_wrong(tmp_path):
    with pytest.raises(ButtonUnavailable, match="not found .*devices --buttons"):
        find_device("USB Big Button", str(tmp_path))
    with pytest.raises(ButtonUnavailable, match="is not there"):
        find_device(str(tmp_path / "event9"), str(tmp_path))


def _uinput_usable() -> str | None:
    try:
        ui = evdev.UInput({evdev.ecodes.EV_KEY: [evdev.ecodes.KEY_F13]},
                          name="voiceguide test button")
    except (OSError, evdev.UInputError) as exc:
        return f"no usable /dev/uinput here ({exc}); the pipe tests read the same format"
    ui.close()
    return None


@pytest.mark.skipif(bool(_uinput_usable()), reason=str(_uinput_usable()))
def test_a_virtual_uinput_button_is_found_by_name_and_pressed(device):
    e = evdev.ecodes
    with evdev.UInput({e.EV_KEY: [e.KEY_F13]}, name="voiceguide test button") as ui:
        source = EvdevButton("voiceguide test button", "KEY_F13",
                             report=lambda line: None)
        listener, lines = _listen(source, device, short="flooded")
        try:
            # The udev node can lag the device by a moment: open() retries until it is.
            assert source.ready.wait(WAIT)
            ui.write(e.EV_KEY, e.KEY_F13, 1)
            ui.syn()
            line = device.next_line()  # held 2 s (real time): quiet safety
            assert device.script(line) == "safety"
            ui.write(e.EV_KEY, e.KEY_F13, 0)
            ui.syn()
        finally:
            listener.close()


def device_cue(text: str):
    from session_harness import ROUTER

    match = ROUTER.route(text)
    assert match is not None
    return match


# ---------------------------------------------------------------- gpiozero, mock pins
def test_a_gpio_button_on_mock_pins_drives_the_session(device):
    gpiozero = pytest.importorskip("gpiozero", reason="gpiozero not installed")
    from gpiozero.pins.mock import MockFactory

    from voiceguide.button.gpio_source import GpioButton

    factory = MockFactory()
    source = GpioButton(17, report=lambda line: None, pin_factory=factory)
    now = [50.0]
    source.clock = lambda: now[0]
    listener, lines = _listen(source, device)
    pin = factory.pin(17)
    try:
        assert "on GPIO pin 17" in lines[0]
        device.runner.submit(device_cue("we're in our cycle"))
        assert device.script(device.next_line()) == "cycle"
        assert source.ready.wait(WAIT)
        pin.drive_low()  # pressed (the pull-up holds it high)
        now[0] = 50.1
        pin.drive_high()
        now[0] = 51.0
        listener.poke()
        line = device.next_line()
        assert device.script(line) == "grounding"

        pin.drive_low()
        now[0] = 53.0
        listener.poke()
        line = device.line_of("safety")
        assert line.volume < 0.5
        pin.drive_high()
    finally:
        listener.close()
    assert gpiozero


def test_a_press_is_decided_at_its_own_deadline_whatever_the_clock_reads():
    """With a large clock value, (t + 0.45) - t is 0.44999...: flushing at the deadline
    must still decide the press (found on a machine up for an hour)."""
    from voiceguide.button.presses import PressDecoder, PressKind

    for t in (0.0, 3723.123456789, 98765.4321):
        d = PressDecoder()
        assert d.tap(t) == []
        got = d.due(d.deadline)
        assert [p.kind for p in got] == [PressKind.SHORT], t
