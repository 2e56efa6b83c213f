"""The guided session: a state machine from intents to things to say and silences to keep.

Pure logic with the time passed in: ``handle(match, now)`` takes a cue,
``next_action(now)`` gives the next :class:`Speak` or :class:`Silence` (or None when idle),
and ``next_wakeup(now)`` says when a timer or offer needs attention. The runner
(:mod:`voiceguide.runner`) does the real speaking and waiting.

idle -> guiding a script -> (offer: yes / no / another tool) -> idle, with a pause timer
that survives other scripts and speaks a return script when it is due.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from .config import SessionSettings
from .library import Library, Script, Step, fill
from .intents import GUIDANCE
from .router import IntentMatch

log = logging.getLogger(__name__)

RATE_STEP = 1.18
RATE_RANGE = (0.5, 1.6)
VOLUME_STEP = 0.2
VOLUME_RANGE = (0.2, 1.0)
DEFAULT_EXTRA_MINUTES = 10
# Where "another tool" leads from each intent.
ANOTHER_TOOL = {"grounding": "name_part", "flooded": "grounding", "chasing": "grounding",
                "name_part": "grounding", "cycle": "bridge", "repair": "grounding"}
# What is offered when a script ends.
OFFERS = {"bridge": "pause", "flooded": "pause", "grounding": "again"}


@dataclass(frozen=True)
class Speak:
    text: str
    rate: float = 1.0
    """Multiplier on the configured speaking rate."""
    volume: float = 1.0
    """Multiplier on the configured volume (already clamped to 0..1 of it)."""
    span: float = 0.0
    """Seconds this action should take from its start, speech included (breathing phases)."""
    script_id: str | None = None


@dataclass(frozen=True)
class Silence:
    seconds: float


Action = Speak | Silence


@dataclass
class _Playing:
    script: Script
    values: dict[str, str]
    rate: float
    volume: float
    slots: dict
    minutes: int
    return_at: datetime
    """The return time this script says aloud (kept if a pause follows)."""
    step: int = 0
    part: int = 0
    """Index into the current step's parts (text, breathing phases, pause)."""


@dataclass
class _Offer:
    kind: Literal["pause", "again", "distress_before", "distress_after"]
    deadline: datetime
    intent: str = ""
    slots: dict = field(default_factory=dict)
    minutes: int = 0
    return_at: datetime | None = None


@dataclass
class _Pause:
    return_at: datetime
    minutes: int


def clock_time(when: datetime, h24: bool = False) -> str:
    """A time as people say it: 7:30 (or 19:30)."""
    if h24:
        return f"{when.hour}:{when.minute:02d}"
    return f"{(when.hour % 12) or 12}:{when.minute:02d}"


def _round_up_minute(when: datetime) -> datetime:
    if when.second or when.microsecond:
        when = when.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return when


def spoken_number(number: str) -> str:
    """'911' -> '9 1 1' so it is read digit by digit."""
    return " ".join(number) if number.isdigit() else number


class Session:
    def __init__(self, library: Library, settings: SessionSettings | None = None,
                 bedside: bool = False, offers: bool = True):
        self.library = library
        self.offers = offers
        """False: never follow a script with an offer (rendering a script on its own)."""
        self.settings = settings or SessionSettings()
        self.bedside = bedside or self.settings.bedside
        self.rate = 1.0
        self.volume = 1.0
        self.playing: _Playing | None = None
        self.offer: _Offer | None = None
        self.pause: _Pause | None = None
        self.interjections: deque[Speak] = deque()
        self.last_variant: dict[str, str] = {}
        self.last_spoken: Speak | None = None
        self.distress_before: int | None = None
        self.revision = 0
        """Bumped whenever the plan changes, so a runner can cut a silence short."""

    # ---- state queries ----
    @property
    def busy(self) -> bool:
        return bool(self.playing or self.interjections)

    def next_wakeup(self, now: datetime) -> float | None:
        """Seconds until a timer or offer deadline needs ``next_action``; None = none."""
        times = [t for t in (self.pause and self.pause.return_at,
                             self.offer and self.offer.deadline) if t]
        if not times:
            return None
        return max(0.0, (min(times) - now).total_seconds())

    # ---- input ----
    def handle(self, match: IntentMatch, now: datetime) -> None:
        intent, slots = match.intent, dict(match.slots)
        log.debug("handle %s %s", intent, slots)
        self.revision += 1
        if intent == "safety":
            self.interjections.clear()
            self.offer = None
            self._start(intent, now, slots)
            return
        handler = getattr(self, f"_on_{intent}", None)
        if handler:
            handler(now, slots)
        elif intent in GUIDANCE:
            self._guidance(intent, now, slots)

    def _guidance(self, intent: str, now: datetime, slots: dict) -> None:
        self.offer = None
        self.interjections.clear()
        if intent == "grounding" and self.settings.distress_check and not self._night(slots):
            self.playing = None
            self._ask("distress_question", now, "distress_before", intent=intent, slots=slots)
            return
        self._start(intent, now, slots)

    def _on_pause(self, now: datetime, slots: dict) -> None:
        self._start_pause(now, slots.get("minutes", self.settings.pause_minutes))

    def _on_stop(self, now: datetime, slots: dict) -> None:
        if self.playing or self.interjections or self.offer:
            self.playing = None
            self.offer = None
            self.interjections.clear()
        elif self.pause:
            self.pause = None
            self._say("timer_cancelled")

    def _on_repeat(self, now: datetime, slots: dict) -> None:
        if self.offer and self.offer.kind == "again":
            self._on_yes(now, slots)
        elif self.playing:
            p = self.playing
            if p.part == 0 and p.step > 0:
                p.step -= 1
            p.part = 0
        elif self.last_spoken:
            self.interjections.append(self.last_spoken)
        else:
            self._say("nothing_to_repeat")

    def _on_next(self, now: datetime, slots: dict) -> None:
        if self.offer and self.offer.kind == "again":
            other = ANOTHER_TOOL.get(self.offer.intent, "grounding")
            self.offer = None
            self._start(other, now, {})
        elif self.playing:
            self.playing.step += 1
            self.playing.part = 0

    def _on_slower(self, now: datetime, slots: dict) -> None:
        self._set_rate(1 / RATE_STEP)

    def _on_faster(self, now: datetime, slots: dict) -> None:
        self._set_rate(RATE_STEP)

    def _set_rate(self, factor: float) -> None:
        target = self.playing if self.playing else self
        target.rate = min(max(target.rate * factor, RATE_RANGE[0]), RATE_RANGE[1])

    def _on_louder(self, now: datetime, slots: dict) -> None:
        self._set_volume(VOLUME_STEP)

    def _on_quieter(self, now: datetime, slots: dict) -> None:
        self._set_volume(-VOLUME_STEP)

    def _set_volume(self, delta: float) -> None:
        self.volume = min(max(self.volume + delta, VOLUME_RANGE[0]), VOLUME_RANGE[1])
        if self.playing:
            self.playing.volume = min(max(self.playing.volume + delta, VOLUME_RANGE[0]),
                                      VOLUME_RANGE[1])

    def _on_help(self, now: datetime, slots: dict) -> None:
        self._say("help")

    def _on_more_time(self, now: datetime, slots: dict) -> None:
        if not self.pause:
            self._say("no_pause_running")
            return
        extra = slots.get("minutes", DEFAULT_EXTRA_MINUTES)
        limit = now + timedelta(hours=24)
        self.pause.return_at = min(self.pause.return_at + timedelta(minutes=extra), limit)
        self.pause.minutes += extra
        self._say("pause_extended", minutes=str(extra),
                  return_time=self._time(self.pause.return_at))

    def _on_yes(self, now: datetime, slots: dict) -> None:
        offer, self.offer = self.offer, None
        if offer is None:
            return
        if offer.kind == "pause":
            self._start_pause(now, offer.minutes, offer.return_at)
        elif offer.kind == "again":
            self._start(offer.intent, now, offer.slots)
        elif offer.kind == "distress_before":
            self._start(offer.intent, now, offer.slots)

    def _on_no(self, now: datetime, slots: dict) -> None:
        offer, self.offer = self.offer, None
        if offer is None:
            return
        if offer.kind == "distress_before":
            self._start(offer.intent, now, offer.slots)
        else:
            self._say("offer_declined")

    def _on_score(self, now: datetime, slots: dict) -> None:
        offer = self.offer
        if not offer or offer.kind not in ("distress_before", "distress_after"):
            return
        score = int(slots["score"])
        self.offer = None
        if offer.kind == "distress_before":
            self.distress_before = score
            if score >= 9:
                self._say("crisis_offer")
            self._start(offer.intent, now, offer.slots)
            return
        before, self.distress_before = self.distress_before, None
        if score >= 9:
            self._say("crisis_offer")
        if before is not None and score >= before:
            self._say("distress_again")
            self.offer = _Offer("again", self._deadline(now), intent=offer.intent,
                                slots=offer.slots)
        else:
            self._say("distress_better")

    # ---- starting things ----
    def _pick(self, intent: str, night: bool) -> Script:
        variants = self.library.variants(intent, bedside=night)
        last = self.last_variant.get(intent)
        ids = [s.id for s in variants]
        index = (ids.index(last) + 1) % len(ids) if last in ids else 0
        self.last_variant[intent] = ids[index]
        return variants[index]

    def _night(self, slots: dict) -> bool:
        return self.bedside or bool(slots.get("bedside"))

    def _values(self, minutes: int, return_at: datetime | None = None) -> dict[str, str]:
        values = {
            "minutes": str(minutes),
            "emergency_number": spoken_number(self.settings.emergency_number),
            "crisis_lines": " or ".join(self.settings.crisis_lines),
            "crisis_line": self.settings.crisis_lines[0] if self.settings.crisis_lines else "",
            "dv_line": self.settings.dv_line,
        }
        if return_at is not None:
            values["return_time"] = self._time(return_at)
        return values

    def _time(self, when: datetime) -> str:
        return clock_time(when, self.settings.clock_24h)

    def _start(self, intent: str, now: datetime, slots: dict, script: Script | None = None,
               return_at: datetime | None = None) -> None:
        script = script or self._pick(intent, self._night(slots))
        minutes = int(slots.get("minutes") or self.settings.pause_minutes)
        return_at = return_at or _round_up_minute(now + timedelta(minutes=minutes))
        self.playing = _Playing(script, self._values(minutes, return_at),
                                rate=self.rate * script.rate,
                                volume=min(self.volume * script.volume, 1.0),
                                slots=slots, minutes=minutes, return_at=return_at)
        self.revision += 1

    def _start_pause(self, now: datetime, minutes: int, return_at: datetime | None = None) -> None:
        minutes = min(max(int(minutes), 1), 24 * 60)
        if return_at is None or return_at <= now:
            return_at = _round_up_minute(now + timedelta(minutes=minutes))
        self.pause = _Pause(return_at, minutes)
        self.offer = None
        self.interjections.clear()
        self._start("pause", now, {"minutes": minutes}, return_at=return_at)

    def _say(self, prompt: str, **values: str) -> None:
        text = getattr(self.library.prompts, prompt)
        merged = self._values(self.settings.pause_minutes) | values
        self.interjections.append(Speak(fill(text, merged), self.rate, self.volume))

    def _ask(self, prompt: str, now: datetime, kind, **kw) -> None:
        self._say(prompt)
        self.offer = _Offer(kind, self._deadline(now), **kw)

    def _deadline(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.settings.offer_timeout)

    # ---- output ----
    def next_action(self, now: datetime) -> Action | None:
        if self.offer and now >= self.offer.deadline:
            expired, self.offer = self.offer, None
            if expired.kind == "distress_before":
                self._start(expired.intent, now, expired.slots)
        if self.interjections:
            return self._remember(self.interjections.popleft())
        if self.playing:
            action = self._next_in_script()
            if action:
                return action
            self._finish(now)
            if self.interjections:
                return self._remember(self.interjections.popleft())
        if self.pause and now >= self.pause.return_at and not self.playing:
            pause, self.pause = self.pause, None
            self._start("return", now, {"minutes": pause.minutes})
            return self.next_action(now)
        return None

    def _remember(self, action: Speak) -> Speak:
        self.last_spoken = action
        return action

    def _parts(self, step: Step) -> list[tuple[str, str, float]]:
        """A step as (kind, text, seconds): its text, breathing phases, then its pause."""
        parts = [("say", step.text, 0.0)]
        b = step.breathing
        if b:
            prompts = self.library.prompts
            for _ in range(b.rounds):
                parts.append(("breath", prompts.breathe_in, b.inhale))
                if b.hold:
                    parts.append(("breath", prompts.breathe_hold, b.hold))
                parts.append(("breath", prompts.breathe_out, b.exhale))
        if step.pause:
            parts.append(("silence", "", step.pause))
        return parts

    def _next_in_script(self) -> Action | None:
        p = self.playing
        assert p is not None
        while p.step < len(p.script.steps):
            parts = self._parts(p.script.steps[p.step])
            if p.part < len(parts):
                kind, text, seconds = parts[p.part]
                p.part += 1
                if kind == "silence":
                    slow = 1 / p.rate if p.rate < 1 else 1.0
                    return Silence(seconds * slow)
                action = Speak(fill(text, p.values), p.rate, p.volume,
                               span=seconds, script_id=p.script.id)
                return self._remember(action) if kind == "say" else action
            p.step += 1
            p.part = 0
        return None

    def _finish(self, now: datetime) -> None:
        p, self.playing = self.playing, None
        intent = p.script.intent
        if not self.offers or p.script.bedside or intent in ("safety", "return", "pause"):
            return
        if intent == "grounding" and self.settings.distress_check and \
                self.distress_before is not None:
            self._ask("distress_question", now, "distress_after", intent=intent,
                      slots=p.slots)
            return
        offer = OFFERS.get(intent)
        if offer == "pause" and not self.pause:
            # A bridge proposed a return time to the partner: keep that exact time.
            return_at = p.return_at if intent == "bridge" else None
            self._say("offer_pause", minutes=str(p.minutes))
            self.offer = _Offer("pause", self._deadline(now), minutes=p.minutes,
                                return_at=return_at)
        elif offer == "again":
            self._say("offer_again")
            self.offer = _Offer("again", self._deadline(now), intent=intent, slots=p.slots)

    # ---- conveniences ----
    def start_script(self, script: Script, now: datetime) -> None:
        """Run a given script (``voiceguide run ID``, ``render``)."""
        self.offer = None
        self.interjections.clear()
        slots = {"bedside": True} if script.bedside else {}
        if script.intent == "pause":
            self.pause = _Pause(_round_up_minute(
                now + timedelta(minutes=self.settings.pause_minutes)),
                self.settings.pause_minutes)
        self._start(script.intent, now, slots, script=script)
