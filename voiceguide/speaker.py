"""Speakers: where the session's words go.

* :class:`AudioSpeaker` renders with a :class:`~voiceguide.voice.Voice` and plays through
  one persistent sounddevice stream, stoppable at once, and knows when playback really
  ended (for the listener's half-duplex hold-off). A lost output (the sound server
  restarted, a USB speaker pulled) is said in one line, and the stream is reopened on the
  next line, with growing waits between attempts; :attr:`AudioSpeaker.output` tells a
  supervisor when it has been gone for good.
* :class:`PrintSpeaker` only prints (``--print``, and the fallback when there is no sound).
* :class:`RenderSpeaker` writes everything, silences included, into one buffer (``render``).

All share ``speak(text, rate, volume)`` and ``stop()``; ``rate`` and ``volume`` apply to
that line alone. A failing voice or sound device never stops the session: the line is
printed and the session goes on. The library prints nothing else: problems go to
``notify`` (the CLI prints them) or to the log.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol, TextIO

import numpy as np

from .audio import Audio
from .errors import TTSError
from .voice import Rendered, Voice

log = logging.getLogger(__name__)

BACKOFF = (0.0, 1.0, 2.0, 5.0, 10.0, 30.0)
"""Seconds to wait before the 1st, 2nd, ... attempt to reopen a lost output."""
FILE_TIMEOUT = 120.0
"""Seconds a file render waits for a line (nobody is waiting to hear it)."""
GIVE_UP_AFTER = 120.0
"""Output failing this long without a single good line counts as lost for good."""


class Speaker(Protocol):
    def speak(self, text: str, rate: float = 1.0, volume: float = 1.0) -> None:
        """Say ``text``; return when it has been heard (or stopped)."""

    def stop(self) -> None:
        """Silence now (may be called from another thread)."""


class LiveSpeaker(Speaker, Protocol):
    """A speaker that `listen` runs with (:class:`AudioSpeaker`, or printing)."""

    busy: bool
    """True while its voice is playing."""

    def warm(self, lines: list[str]) -> None:
        """Get ready to say ``lines`` promptly (open the output, render ahead)."""

    def close_output(self) -> None:
        """Let go of the sound device (PortAudio is about to start again)."""


class PlaybackMonitor(Protocol):
    """Whoever wants every sample the player sends to the sound device (the echo
    canceller's far end, :class:`voiceguide.hearing.aec.PlayedAudio`)."""

    def played(self, samples: np.ndarray, rate: int, at: float, gap: bool = False) -> None:
        """``samples`` (mono float32 at ``rate``, silence included) went to the device; the
        first reaches the speaker at ``at`` (``time.monotonic()`` seconds), near enough;
        ``gap``: the device ran dry before this block (an underflow). Called from the
        audio callback: it must only copy."""


class OutputError(Exception):
    """The sound output failed or stalled (internal: the speaker turns it into a notice)."""


@dataclass(frozen=True)
class OutputState:
    ok: bool
    """The last line played (or nothing has been tried yet)."""
    failures: int
    """Failed attempts since the last good line."""
    failing_since: float | None
    """time.monotonic() of the first failure in this run of failures."""
    last_error: str
    lost: bool
    """Failing for longer than :data:`GIVE_UP_AFTER`: a supervisor should restart."""


QUIET = 0.5
"""A line said below this share of the volume is printed as said quietly (discreet safety)."""


class PrintSpeaker:
    def __init__(self, out: TextIO | None = None):
        self.out = out or sys.stdout

    def speak(self, text: str, rate: float = 1.0, volume: float = 1.0) -> None:
        how = " (quietly)" if volume < QUIET else ""
        print(f"  voiceguide{how}: {text}", file=self.out, flush=True)

    def stop(self) -> None:
        pass

    busy = False
    """Printing makes no sound: the listener never hears it."""

    def warm(self, lines: list[str]) -> None:
        pass

    def close_output(self) -> None:
        pass


class Player:
    """One output stream for the whole session; play() hands it a buffer and waits.

    A persistent stream whose callback writes silence when idle starts each line at once
    (opening a stream per line cost start-up time and, through ALSA's PulseAudio plugin,
    now and then mangled the first buffers). stop() cuts playback off at once. A stream
    that stops asking for audio (its server went away) is noticed: play() raises
    :class:`OutputError` instead of waiting forever.
    """

    def __init__(self, device: int | str | None = None,
                 monitor: PlaybackMonitor | None = None):
        import sounddevice  # imported here so printing never needs PortAudio

        self._sd = sounddevice
        self.device = device
        self._monitor = monitor
        self.rate = int(sounddevice.query_devices(device, "output")["default_samplerate"])
        self._lock = threading.Lock()
        self._data: np.ndarray | None = None
        self._pos = 0
        self._done = threading.Event()
        self._stream = None
        self._last_callback = 0.0
        self.playing = False
        self.ended_at = 0.0
        """time.monotonic() when the last playback really finished."""
        self.started_at = 0.0
        """time.monotonic() when the last line's first sample went to the device."""

    def _callback(self, outdata, frames, _time, status) -> None:
        now = self._last_callback = time.monotonic()
        with self._lock:
            data = self._data
            if data is None:
                outdata.fill(0)
            else:
                if self._pos == 0:
                    self.started_at = now
                chunk = data[self._pos:self._pos + frames]
                outdata[:len(chunk), 0] = chunk
                outdata[len(chunk):, 0] = 0
                self._pos += frames
                if self._pos >= len(data):
                    self._data = None
                    self._done.set()
        if self._monitor is not None:
            self._monitor.played(outdata[:, 0], self.rate, now + _ahead(self._stream),
                                 bool(status.output_underflow))

    def _ensure_stream(self) -> None:
        if self._stream is None:
            try:
                self._stream = self._sd.OutputStream(samplerate=self.rate, channels=1,
                                                     dtype="float32", device=self.device,
                                                     callback=self._callback, latency="high")
                self._stream.start()
            except Exception as exc:  # sounddevice.PortAudioError and friends
                self.close()
                raise OutputError(_one_line(exc)) from None
            self._last_callback = time.monotonic()

    def play(self, audio: Audio, volume: float = 1.0) -> None:
        data = (audio.resampled(self.rate).samples * volume).astype(np.float32)
        self._ensure_stream()
        with self._lock:
            self._data, self._pos = data, 0
            self._done.clear()
        self.playing = True
        try:
            # Wait for the last buffer, checking that the stream is still being served.
            stall = max(2.0, 4 * (self._stream.latency or 0.1))
            while not self._done.wait(0.1):
                quiet = time.monotonic() - self._last_callback
                if not self._stream.active or quiet > stall:
                    with self._lock:
                        self._data = None
                    raise OutputError("the sound output stopped"
                                      + ("" if self._stream.active else " (stream ended)"))
            time.sleep(self._stream.latency)  # the device's own buffer drains
        finally:
            self.playing = False
            self.ended_at = time.monotonic()

    def stop(self) -> None:
        with self._lock:
            self._data = None
        self._done.set()

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except Exception as exc:  # a stream whose server is gone may fail to close
                log.debug("closing the output stream: %s", exc)


def _ahead(stream) -> float:
    """Seconds until the block being written reaches the speaker, near enough (the echo
    canceller finds the exact offset itself): the stream's own latency."""
    return float(stream.latency or 0.0) if stream is not None else 0.0


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class AudioSpeaker:
    def __init__(self, voice: Voice, volume: float = 0.9,
                 device: int | str | None = None, out: TextIO | None = None,
                 notify: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 monitor: PlaybackMonitor | None = None):
        self.voice = voice
        self.monitor = monitor
        """Told every sample played (the echo canceller's far end), or None."""
        self.volume = volume
        self.device = device
        self.printer = PrintSpeaker(out)
        self.notify = notify
        self._clock = clock
        self._player: Player | None = None
        self._said: set[str] = set()
        self._failures = 0
        self._failing_since: float | None = None
        self._next_try = 0.0
        self._last_error = ""
        self.last: Rendered | None = None
        """What the last line was rendered with (engine, cached, spoken words)."""

    # -- compatibility with the listener: speaker.renderer.warm(...), speaker.player --
    @property
    def renderer(self) -> Voice:
        return self.voice

    @property
    def player(self) -> Player | None:
        """The output, opened if it can be (None while it cannot)."""
        if self._player is None and self._clock() >= self._next_try:
            try:
                self._player = Player(self.device, self.monitor)
            except Exception as exc:  # OSError (no PortAudio), PortAudioError, ValueError
                self._failed(f"no sound output ({_one_line(exc)})")
        return self._player

    def warm(self, lines: list[str]) -> None:
        """Open the sound output once and pre-render ``lines`` (each script's first), so
        the first answer starts promptly and whole (a cold output stream can mangle its
        first buffers)."""
        player = self.player
        if player is not None:
            try:
                player.play(Audio.silence(0.1, 16000))
            except Exception as exc:  # PortAudio errors are plain Exceptions
                log.warning("sound output warm-up failed: %s", exc)
        self.voice.warm(lines)

    def close_output(self) -> None:
        """Close the output stream (before PortAudio starts again); the next line opens a
        new one."""
        if self._player is not None:
            self._player.close()

    def _tell(self, message: str, once: bool = True) -> None:
        if once and message in self._said:
            return
        self._said.add(message)
        if self.notify:
            self.notify(message)
        else:
            log.warning("%s", message)

    def _failed(self, why: str) -> None:
        now = self._clock()
        if self._player is not None:
            self._player.close()
            self._player = None
        if self._failing_since is None:
            self._failing_since = now
        wait = BACKOFF[min(self._failures, len(BACKOFF) - 1)]
        self._failures += 1
        self._next_try = now + wait
        self._last_error = why
        if self._failures == 1:
            self._tell(f"{why}; printing lines until it is back (trying again on the next line)",
                       once=False)

    def _recovered(self) -> None:
        if self._failures:
            self._tell(f"sound output is back after {self._failures} failed attempt(s)",
                       once=False)
        self._failures, self._failing_since, self._last_error = 0, None, ""

    @property
    def output(self) -> OutputState:
        since = self._failing_since
        lost = since is not None and self._clock() - since > GIVE_UP_AFTER
        return OutputState(self._failures == 0, self._failures, since, self._last_error, lost)

    def prepare(self, text: str, rate: float = 1.0) -> None:
        """Render ``text`` ahead (the runner's next line) on a background thread of lower
        priority, so it does not delay the line being said."""
        self.voice.prepare(text, rate)

    def speak(self, text: str, rate: float = 1.0, volume: float = 1.0) -> None:
        self.printer.speak(text)
        try:
            rendered = self.voice.render(text, rate)
        except TTSError as exc:
            self._tell(f"{exc}; printing the words instead")
            return
        self.last = rendered
        log.debug("speaking %.2f s (%s%s): %s", rendered.audio.seconds, rendered.engine,
                  ", cached" if rendered.cached else "", rendered.spoken)
        level = min(1.0, self.volume * volume)
        for attempt in range(2):  # a line that fails to play is tried once more at once
            player = self.player
            if player is None:
                return
            try:
                player.play(rendered.audio, level)
            except OutputError as exc:
                self._failed(f"sound output failed ({exc})")
                if self._clock() < self._next_try:
                    return
                continue
            self._recovered()
            return

    def stop(self) -> None:
        if self._player:
            self._player.stop()

    @property
    def busy(self) -> bool:
        return bool(self._player and self._player.playing)

    @property
    def ended_at(self) -> float:
        return self._player.ended_at if self._player else 0.0


class RenderSpeaker:
    """Collects speech and silence into one buffer; pair with :class:`RenderClock`.
    Only the first engine speaks: a file in a mixture of voices would be a surprise."""

    def __init__(self, voice: Voice, volume: float = 0.9, rate: int = 22050):
        self.voice = voice
        self.volume = volume
        self.rate = rate
        self.parts: list[np.ndarray] = []
        self.samples = 0
        self.lines: list[tuple[float, float, str]] = []
        """(start, end, text) of every line spoken, in seconds from the file's start."""

    @property
    def renderer(self) -> Voice:
        return self.voice

    def speak(self, text: str, rate: float = 1.0, volume: float = 1.0) -> None:
        if isinstance(self.voice, Voice):
            audio = self.voice.render(text, rate, fallback=False,
                                      timeout=max(self.voice.timeout, FILE_TIMEOUT)).audio
        else:  # a bare renderer (the tests' espeak fixtures: voiceguide.tts)
            audio = self.voice.render(text, rate)
        audio = audio.resampled(self.rate)
        start = self.samples / self.rate
        self.add(audio.samples * min(1.0, self.volume * volume))
        self.lines.append((start, self.samples / self.rate, text))

    def add(self, samples: np.ndarray) -> None:
        self.parts.append(samples.astype(np.float32))
        self.samples += len(samples)

    def stop(self) -> None:
        pass

    def audio(self) -> Audio:
        data = np.concatenate(self.parts) if self.parts else np.zeros(0, np.float32)
        return Audio(data, self.rate)
