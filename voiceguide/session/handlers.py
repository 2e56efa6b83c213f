"""What each cue does, and what follows each script: one handler per
:class:`~voiceguide.intents.Intent` in :data:`HANDLERS`, and :func:`after_script`.

Handlers only decide; the :class:`~voiceguide.session.core.Session` they are given does
the starting, saying and asking.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable, Mapping

from ..intents import Intent
from .delivery import DISCREET, DISCREET_VOICE
from .offers import OfferKind
from .playback import Style
from .times import duration, minutes_until

if TYPE_CHECKING:
    from .core import Session, _Context

Slots = Mapping[str, object]
Handler = Callable[["Session", Slots, datetime], None]

RATE_STEP = 1.18
VOLUME_STEP = 0.2
DEFAULT_EXTRA_MINUTES = 10
SETTLE_MINUTES = 20
"""Roughly how long a flooded body takes to settle; shorter pauses get one gentle line."""
ANOTHER_TOOL = {"grounding": "name_part", "flooded": "grounding", "chasing": "grounding",
                "name_part": "grounding", "cycle": "bridge", "repair": "grounding",
                "withdrawing": "grounding", "soft_startup": "repair"}
"""Where "another tool" leads from each intent."""
SUGGEST_GAP = timedelta(minutes=10)
"""At most one suggestion in this time: a doubt is asked about once, not every sentence
of a long talk."""
SUGGEST_WAIT = 20.0
"""Seconds a suggestion waits for its yes (shorter than other offers: a "yes" said later
in the room's talk should not start a script)."""


# ---- guidance ----
def on_safety(s: Session, slots: Slots, now: datetime) -> None:
    """Safety wins: whatever plays is replaced, the pause timer and any question are
    cancelled, and nothing calls the couple back together afterwards. The person asks to
    go on by giving another guidance cue."""
    discreet = bool(slots.get("discreet")) or s.settings.discreet_safety
    stopped_pause = s.timer.cancel() is not None
    s.clear()
    s.distress_before = None
    kind = str(slots.get("safety") or "general")
    style = (DISCREET if s.screen else DISCREET_VOICE) if discreet else Style()
    s.start(Intent.SAFETY, now, slots, situation=kind, style=style,
            imminent=bool(slots.get("imminent")))
    if stopped_pause and s.context:
        s.context.then.append("safety_cancelled")


def guide(intent: Intent) -> Handler:
    """A guidance cue that simply starts one of its scripts."""
    def handler(s: Session, slots: Slots, now: datetime) -> None:
        s.clear()
        s.start(intent, now, slots)
    handler.__name__ = f"on_{intent.value}"
    return handler


def on_grounding(s: Session, slots: Slots, now: datetime) -> None:
    s.clear()
    if s.settings.distress_check and not s.bedside_content(slots):
        s.stop_playing()
        s.ask("distress_question", now, OfferKind.DISTRESS_BEFORE, intent="grounding",
              slots=slots)
        return
    s.start(Intent.GROUNDING, now, slots)


def on_chasing(s: Session, slots: Slots, now: datetime) -> None:
    """While the partner is away during a pause (or the cue says so): the partner-away
    scripts."""
    s.clear()
    away = bool(slots.get("away")) or s.pause is not None
    s.start(Intent.CHASING, now, slots, situation="away" if away else None)


def on_pause(s: Session, slots: Slots, now: datetime) -> None:
    """ "pause for 30 minutes"; without a length ("I need a minute", "take a break") the
    configured default, said aloud."""
    if slots.get("toggle") and s.pause:
        end_pause(s, now)
        return
    asked = slots.get("minutes")
    minutes = int(asked) if asked else s.settings.pause_minutes  # type: ignore[call-overload]
    before = None
    if asked is None:
        before = "pause_default"
    elif minutes < SETTLE_MINUTES:
        before = "pause_short"
    s.begin_pause(now, minutes, slots=slots, say_first=before)


def end_pause(s: Session, now: datetime) -> None:
    """The pause ends early (a button's double press): the timer is cancelled and the
    return script plays now, as it would have at the return time."""
    pause = s.timer.cancel()
    assert pause is not None
    elapsed = pause.minutes - minutes_until(now, pause.return_at)
    s.clear()
    s.start("return", now, {}, minutes=max(1, elapsed))


# ---- controls ----
def on_stop(s: Session, slots: Slots, now: datetime) -> None:
    """Silence now. With nothing playing and a pause running, a bare "stop" asks once
    whether to end the pause (a pause is a promise, hard to lose by a word heard amiss);
    said outright ("cancel the pause", the ``timer`` slot), it ends at once."""
    if slots.get("timer") and s.pause:
        s.stop_playing()
        s.clear()
        s.timer.cancel()
        s.say("timer_cancelled", now)
    elif s.busy or (s.offer and s.offer.kind != OfferKind.CANCEL_PAUSE):
        s.stop_playing()
        s.clear()
    elif s.pause and not s.offer:
        s.ask("confirm_cancel", now, OfferKind.CANCEL_PAUSE)


def on_repeat(s: Session, slots: Slots, now: datetime) -> None:
    if s.offer and s.offer.kind == OfferKind.AGAIN:
        on_yes(s, slots, now)
    elif s.playing:
        s.playing.repeat()
    elif s.last_spoken:
        s.queue.append(s.last_spoken)
    else:
        s.say("nothing_to_repeat", now)


def on_next(s: Session, slots: Slots, now: datetime) -> None:
    if s.offer and s.offer.kind == OfferKind.AGAIN:
        other = ANOTHER_TOOL.get(s.offer.intent, "grounding")
        s.offers.clear()
        s.start(Intent(other), now, {})
    elif s.playing:
        s.playing.skip()


def restyle(rate: float = 1.0, volume: float = 0.0) -> Handler:
    def handler(s: Session, slots: Slots, now: datetime) -> None:
        s.restyle(rate, volume)
    return handler


def on_help(s: Session, slots: Slots, now: datetime) -> None:
    s.say("help", now)


def on_safety_check(s: Session, slots: Slots, now: datetime) -> None:
    """The router could not tell whether that was a plea: one short line says how to get
    the safety script, and nothing else changes (what plays goes on)."""
    s.say("safety_check", now)


def on_suggest(s: Session, slots: Slots, now: datetime) -> None:
    """The router was unsure a guidance script was asked for: ask once, "Did you want
    grounding? Say yes.", unless something plays, another question waits, or a suggestion
    was asked in the last :data:`SUGGEST_GAP` (never over the device's own voice)."""
    intent = str(slots.get("suggested", ""))
    if (not s.offers_enabled or s.busy or s.offer
            or intent not in s.library.prompts.suggest
            or (s.last_suggested and now - s.last_suggested < SUGGEST_GAP)):
        return
    s.last_suggested = now
    rest = {k: v for k, v in slots.items() if k != "suggested"}
    s.ask(f"suggest.{intent}", now, OfferKind.SUGGEST, SUGGEST_WAIT, intent=intent,
          slots=rest)


def on_more_time(s: Session, slots: Slots, now: datetime) -> None:
    """ "ten more minutes": a later return time, and a hint to tell the partner."""
    if not s.pause:
        s.say("no_pause_running", now)
        return
    extra = int(slots.get("minutes") or DEFAULT_EXTRA_MINUTES)  # type: ignore[call-overload]
    pause = s.timer.extend(now, extra)
    s.say("pause_extended", now, minutes=str(extra), return_time=s.clock(pause.return_at))


def on_time_left(s: Session, slots: Slots, now: datetime) -> None:
    """ "how long is left", "what time do we come back": the time, and what is left."""
    if not s.pause:
        s.say("no_pause_running", now)
        return
    left = minutes_until(now, s.pause.return_at)
    s.say("time_left", now, left=duration(left).capitalize(),
          return_time=s.clock(s.pause.return_at))


def on_yes(s: Session, slots: Slots, now: datetime) -> None:
    offer = s.offers.take()
    if offer is None:
        return  # nothing was asked (after a safety script, nothing resumes by itself)
    if offer.kind == OfferKind.CANCEL_PAUSE:
        if s.timer.cancel():
            s.say("timer_cancelled", now)
    elif offer.kind == OfferKind.PAUSE:
        s.begin_pause(now, offer.minutes, return_at=offer.return_at)
    elif offer.kind == OfferKind.BRIDGE:
        s.start(Intent.BRIDGE, now, offer.slots)
    elif offer.kind in (OfferKind.AGAIN, OfferKind.DISTRESS_BEFORE):
        s.start(Intent(offer.intent), now, offer.slots)
    elif offer.kind == OfferKind.SUGGEST:
        HANDLERS[Intent(offer.intent)](s, offer.slots, now)  # as if the cue had been clear


def on_no(s: Session, slots: Slots, now: datetime) -> None:
    offer = s.offers.take()
    if offer is None:
        return
    if offer.kind == OfferKind.DISTRESS_BEFORE:
        s.start(Intent(offer.intent), now, offer.slots)
    elif offer.kind == OfferKind.CANCEL_PAUSE:
        if s.pause:
            s.say("pause_kept", now, return_time=s.clock(s.pause.return_at))
    elif offer.kind == OfferKind.SUGGEST:
        return  # a guess declined: nothing more to say
    else:
        s.say("offer_declined", now)


def on_score(s: Session, slots: Slots, now: datetime) -> None:
    """A 0-10 answer to the distress question, before or after grounding."""
    offer = s.offer
    if not offer or offer.kind not in (OfferKind.DISTRESS_BEFORE, OfferKind.DISTRESS_AFTER):
        return
    score = int(slots["score"])  # type: ignore[call-overload]
    s.offers.clear()
    if score >= 9:
        s.say("crisis_offer", now)
        s.say("crisis_line_offer", now)
    if offer.kind == OfferKind.DISTRESS_BEFORE:
        s.distress_before = score
        s.start(Intent(offer.intent), now, offer.slots)
        return
    before, s.distress_before = s.distress_before, None
    if before is not None and score >= before:
        s.ask("distress_again", now, OfferKind.AGAIN, intent=offer.intent, slots=offer.slots)
    else:
        s.say("distress_better", now)


HANDLERS: dict[Intent, Handler] = {
    Intent.SAFETY: on_safety,
    Intent.FLOODED: guide(Intent.FLOODED),
    Intent.CHASING: on_chasing,
    Intent.WITHDRAWING: guide(Intent.WITHDRAWING),
    Intent.GROUNDING: on_grounding,
    Intent.NAME_PART: guide(Intent.NAME_PART),
    Intent.BRIDGE: guide(Intent.BRIDGE),
    Intent.PAUSE: on_pause,
    Intent.REPAIR: guide(Intent.REPAIR),
    Intent.CYCLE: guide(Intent.CYCLE),
    Intent.SOFT_STARTUP: guide(Intent.SOFT_STARTUP),
    Intent.STOP: on_stop,
    Intent.REPEAT: on_repeat,
    Intent.SLOWER: restyle(rate=1 / RATE_STEP),
    Intent.FASTER: restyle(rate=RATE_STEP),
    Intent.LOUDER: restyle(volume=VOLUME_STEP),
    Intent.QUIETER: restyle(volume=-VOLUME_STEP),
    Intent.NEXT: on_next,
    Intent.HELP: on_help,
    Intent.YES: on_yes,
    Intent.NO: on_no,
    Intent.MORE_TIME: on_more_time,
    Intent.TIME_LEFT: on_time_left,
    Intent.SCORE: on_score,
    Intent.SAFETY_CHECK: on_safety_check,
    Intent.SUGGEST: on_suggest,
}
"""Every intent's handler, in one table."""


# ---- after a script ----
def after_script(s: Session, ctx: _Context, now: datetime) -> None:
    """A script ended: say what it left to say, then perhaps ask what comes next. Night
    mode asks nothing, except the bridge's offer of the timer it promised."""
    for prompt in ctx.then:
        s.say(prompt, now, style=ctx.style)
    if not s.offers_enabled or ctx.intent in ("safety", "return", "pause"):
        return
    if ctx.intent == "bridge":
        if not s.pause:  # it said a return time: offer the timer for exactly that time
            s.offer_pause(now, ctx.return_at)
    elif ctx.night:
        return
    elif ctx.intent == "grounding" and s.settings.distress_check and \
            s.distress_before is not None:
        s.ask("distress_question", now, OfferKind.DISTRESS_AFTER, intent=ctx.intent,
              slots=ctx.slots)
    elif ctx.intent == "flooded" and not s.pause:
        s.offer_pause(now, None)
    elif ctx.intent == "withdrawing":
        s.ask("offer_bridge", now, OfferKind.BRIDGE, slots=ctx.slots)
    elif ctx.intent == "grounding":
        s.ask("offer_again", now, OfferKind.AGAIN, intent=ctx.intent, slots=ctx.slots)
