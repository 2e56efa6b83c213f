"""The guided session: cues in, things to say and silences to keep out.

Pure logic with the time passed in: ``handle(match, now)`` takes a cue,
``next_action(now)`` gives the next :class:`Speak`, :class:`Silence` or :class:`Show`
(None when idle), ``next_wakeup(now)`` says when a timer or offer needs attention, and
``revision`` changes whenever the plan does (so a runner can cut a silence short). The
only I/O is the pause and variety state, through an injected :class:`StateStore`.

This module holds the state and the primitives (start a script, say a line, ask, begin a
pause); :mod:`.handlers` decides what each intent does and what follows each script.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

from ..config import SessionSettings
from ..intents import Intent
from ..library import Library, Script
from ..router import IntentMatch
from ..state import StateStore
from . import delivery
from .actions import Action, Show, Speak
from .handlers import HANDLERS, after_script
from .offers import Offer, OfferKind, Offers
from .pause import Pause, PauseTimer
from .playback import Playback, Style, fill, says_a_number
from .times import clock_time, minutes_until, return_time
from .variety import Variety

log = logging.getLogger(__name__)

Slots = Mapping[str, object]


@dataclass
class _Context:
    """Why the current script is playing, for what comes after it."""

    intent: str
    slots: Slots
    night: bool
    """Bedside content was asked for (or the script is a bedside one): no closing question."""
    style: Style
    return_at: datetime | None = None
    """The return time this script says aloud (a bridge's offer keeps it)."""
    then: list[str] = field(default_factory=list)
    """Prompts to say when the script ends (e.g. that safety cancelled the pause)."""


class Session:
    def __init__(self, library: Library, settings: SessionSettings | None = None,
                 bedside: bool = False, offers: bool = True, store: StateStore | None = None,
                 resume: bool = True, screen: bool = True):
        self.library = library
        self.settings = settings or SessionSettings()
        self._bedside_asked = bedside
        self.bedside = bedside or self.settings.bedside
        """Night mode for everything (``--bedside``, ``session.bedside``)."""
        self.screen = screen
        """Whether someone watches a screen: discreet safety shows its numbers there;
        without one it says them once, low and slow (a number nobody sees reaches nobody)."""
        self.offers_enabled = offers
        """False: play scripts on their own: no questions after them, no timers (render)."""
        self.helplines = self.settings.helplines()
        self.rate = 1.0
        self.volume = 1.0
        """The listener's "slower", "louder"... on top of every script."""
        self.playing: Playback | None = None
        self.context: _Context | None = None
        self.queue: deque[Action] = deque()
        """The session's own lines, said before the script goes on."""
        self.offers = Offers(self.settings.offer_timeout)
        self.timer = PauseTimer(store)
        self.variety = Variety(store)
        self.last_spoken: Speak | None = None
        self.distress_before: int | None = None
        self.last_suggested: datetime | None = None
        """When the last suggestion was asked (they are spaced out: see handlers)."""
        self.revision = 0
        """Bumped whenever the plan changes, so a runner can cut a silence short."""
        self._restored = not (resume and offers)
        """Whether a pause saved by an earlier run was already looked for (or is not to be)."""

    def reconfigure(self, settings: SessionSettings) -> None:
        """New session settings (the config file changed): numbers, night hours, pause
        length and the rest apply from the next line on; a running pause keeps its time."""
        self.settings = settings
        self.helplines = settings.helplines()
        self.bedside = self._bedside_asked or settings.bedside
        self.offers.timeout = settings.offer_timeout
        self.revision += 1

    # ---- what the runner and the listener read ----
    @property
    def offer(self) -> Offer | None:
        """The question waiting for an answer, if any."""
        return self.offers.pending

    @property
    def pause(self) -> Pause | None:
        """The running pause timer, if any."""
        return self.timer.current

    @pause.setter
    def pause(self, value: None) -> None:
        """``session.pause = None`` drops the timer silently (rendering a pause script)."""
        if value is not None:
            raise ValueError("start a pause with a cue; only None can be assigned")
        self.timer.cancel()

    @property
    def busy(self) -> bool:
        return bool(self.playing or self.queue)

    def drop_offer(self) -> None:
        """Nobody is left to answer (input has closed)."""
        self.offers.clear()

    def next_wakeup(self, now: datetime) -> float | None:
        """Seconds until a timer or offer deadline needs ``next_action``; None = none."""
        self._wake(now)
        times = [t for t in (self.pause and self.pause.return_at,
                             self.offer and self.offer.deadline) if t]
        if not times:
            return None
        return max(0.0, (min(times) - now).total_seconds())

    # ---- input ----
    def handle(self, match: IntentMatch, now: datetime) -> None:
        self._wake(now)
        intent = Intent(match.intent)
        log.debug("handle %s %s", intent, dict(match.slots))
        self.revision += 1
        HANDLERS[intent](self, dict(match.slots), now)

    # ---- primitives the handlers use ----
    def clear(self) -> None:
        """Drop the pending question and any queued lines (a new cue takes over)."""
        self.offers.clear()
        self.queue.clear()

    def stop_playing(self) -> None:
        self.playing = self.context = None

    def bedside_content(self, slots: Slots) -> bool:
        """The bedside scripts (lie down, no question at the end): only when asked for
        ("I can't sleep", ``--bedside``, ``session.bedside``), never by the clock alone: at
        1 am a fight still needs the daytime help, and its timer."""
        return self.bedside or bool(slots.get("bedside"))

    def night(self, now: datetime, slots: Slots) -> bool:
        """The night voice (slower, quieter, longer silences): bedside content, or the
        night hours of the clock."""
        return self.bedside_content(slots) or self.settings.night(now)

    def clock(self, when: datetime) -> str:
        return clock_time(when, self.settings.clock_24h)

    def restyle(self, rate: float = 1.0, volume: float = 0.0) -> None:
        self.rate = min(max(self.rate * rate, 0.5), 1.6)
        self.volume = min(max(self.volume + volume, 0.2), 1.0)
        if self.playing:
            self.playing.restyle(rate, volume)

    def start(self, intent: str, now: datetime, slots: Slots, *, script: Script | None = None,
              return_at: datetime | None = None, minutes: int | None = None,
              situation: str | None = None, style: Style | None = None,
              imminent: bool = False) -> None:
        """Play a script for ``intent`` (a variant not used lately), or ``script``;
        ``imminent``: one for danger that is now (the emergency number first)."""
        night = self.night(now, slots)
        if script is None:
            script = self._pinned(intent, slots)
        if script is None:
            pool = self.library.variants(intent, bedside=self.bedside_content(slots),
                                         situation=situation, imminent=imminent)
            script = self.variety.pick(intent, pool)
        minutes = minutes or self.settings.pause_minutes
        if script.intent in ("bridge", "pause") and return_at is None:
            # A bridge says the running timer's time; with none, the time it would offer.
            if self.pause:
                return_at, minutes = self.pause.return_at, minutes_until(now, self.pause.return_at)
            else:
                return_at = return_time(now, minutes)
        values = delivery.values(self.helplines, minutes, return_at, self.settings.clock_24h)
        style = delivery.script_style(script, night, style or Style(), self.rate, self.volume)
        self.playing = Playback(script, values, style, self.library.prompts)
        self.context = _Context(script.intent, slots, self.bedside_content(slots) or
                                script.bedside, style, return_at)
        self.revision += 1

    def _pinned(self, intent: str, slots: Slots) -> Script | None:
        """The script a cue names itself (a button set to one script id), if it is one of
        ``intent``'s."""
        wanted = slots.get("script")
        script = self.library.get(str(wanted)) if wanted else None
        return script if script is not None and script.intent == intent else None

    def say(self, prompt: str, now: datetime, style: Style | None = None, night: bool = False,
            **values: str) -> None:
        """Queue one of the session's own lines (left out if it needs a line that is not
        configured; shown, not said, when numbers are not to be said)."""
        text = self.library.prompts.text(prompt)
        base = delivery.values(self.helplines, self.settings.pause_minutes, None,
                               self.settings.clock_24h)
        filled = fill(text, base | values)
        if filled is None:
            return
        if style is None:
            style = delivery.line_style(night or self.night(now, {}), self.rate, self.volume)
        if says_a_number(text) and (not style.numbers or self.settings.discreet_safety):
            if self.screen:
                self.queue.append(Show(filled))
            else:
                quiet = delivery.DISCREET_VOICE
                self.queue.append(Speak(filled, style.rate * quiet.number_rate,
                                        min(style.volume, quiet.volume)))
        else:
            self.queue.append(Speak(filled, style.rate, style.volume))

    def ask(self, prompt: str, now: datetime, kind: OfferKind, wait: float | None = None,
            **details) -> None:
        self.say(prompt, now)
        self.offers.make(kind, now, wait, **details)

    def begin_pause(self, now: datetime, minutes: int, return_at: datetime | None = None,
                    slots: Slots | None = None, say_first: str | None = None) -> None:
        """Start the timer (for ``return_at`` if that was already said, else rounded up
        from now) and the pause script that says the time."""
        minutes = min(max(int(minutes), 1), 24 * 60)
        if return_at is None or return_at <= now:
            return_at = return_time(now, minutes)
        self.clear()
        if self.offers_enabled:
            self.timer.start(return_at, minutes)
        night = {"bedside": True} if slots and slots.get("bedside") else {}
        if say_first:
            self.say(say_first, now, night=bool(night), minutes=str(minutes),
                     return_time=self.clock(return_at))
        self.start(Intent.PAUSE, now, night, return_at=return_at, minutes=minutes)

    def offer_pause(self, now: datetime, return_at: datetime | None) -> None:
        """Ask to start the timer, naming the time it would keep."""
        minutes = self.settings.pause_minutes
        if return_at is None or return_at <= now:
            return_at = return_time(now, minutes)
        self.say("offer_pause", now, minutes=str(minutes), return_time=self.clock(return_at))
        self.offers.make(OfferKind.PAUSE, now, minutes=minutes, return_at=return_at)

    def _wake(self, now: datetime) -> None:
        """On first use: pick up a pause saved before a restart (once)."""
        if self._restored:
            return
        self._restored = True
        running, missed = self.timer.restore(now)
        if running:
            self.say("pause_resumed", now, return_time=self.clock(running.return_at))
        elif missed:
            self.say("pause_missed", now, return_time=self.clock(missed.return_at))

    # ---- output ----
    def next_action(self, now: datetime) -> Action | None:
        self._wake(now)
        expired = self.offers.expire(now)
        if expired and expired.kind == OfferKind.DISTRESS_BEFORE:
            self.start(Intent(expired.intent), now, expired.slots)  # unanswered: go ahead
        if self.queue:
            return self._remember(self.queue.popleft())
        if self.playing:
            action = self.playing.next()
            if action:
                return self._remember(action)
            ctx = self.context
            self.stop_playing()
            if ctx:
                after_script(self, ctx, now)
            if self.queue:
                return self._remember(self.queue.popleft())
        due = None if self.playing else self.timer.take_due(now)
        if due:
            self.start("return", now, {}, minutes=due.minutes)
            return self.next_action(now)
        return None

    def _remember(self, action: Action) -> Action:
        if isinstance(action, Speak) and not action.span:  # not a breathing count
            self.last_spoken = action
        return action

    # ---- conveniences ----
    def start_script(self, script: Script, now: datetime) -> None:
        """Run a given script (``voiceguide run ID``, ``render``)."""
        self._wake(now)
        self.clear()
        slots = {"bedside": True} if script.bedside else {}
        return_at = None
        if script.intent == "pause":
            minutes = self.settings.pause_minutes
            return_at = return_time(now, minutes)
            if self.offers_enabled:
                self.timer.start(return_at, minutes)
        self.start(script.intent, now, slots, script=script, return_at=return_at)
