"""The spoken script library: TOML data files validated into pydantic models.

Built-in scripts live in ``voiceguide/scripts/`` (one script a file, plus ``_prompts.toml``
for the session's own lines). A user folder adds scripts or overrides built-ins by id.
A broken built-in file is a bug and fails the load; a broken user file is reported in one
line naming the file and field, and everything else still loads.

Self-trigger guard: the device will hear itself in the room, so no spoken line (and no
clause of one) may itself route to an intent. The one exception is the help line, which
names cues on purpose, in double quotes ('you can always say "I'm not safe"'); hearing
drops the device's own words by echo rejection.

What every script must satisfy is checked here (see :func:`check_script` and
:func:`load_library`); the README's content section lists the rules.
"""

from __future__ import annotations

import logging
import re
import string
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._compat import tomllib
from .errors import ScriptError
from .intents import GUIDANCE, Intent
from .router import Router, default_router

log = logging.getLogger(__name__)

ScriptIntent = Literal[GUIDANCE + ("return",)]  # type: ignore[valid-type]
Situation = Literal["danger", "self_harm", "general", "away"]
SITUATIONS: dict[str, set[str]] = {"safety": {"danger", "self_harm", "general"},
                                   "chasing": {"away"}}
"""The situations each intent's scripts may be written for."""

# Placeholders each script intent may use; anything else is a load error.
# {crisis_lines} is the older name of {crisis_line}, kept so older scripts still load.
PLACEHOLDERS: dict[str, set[str]] = {
    "pause": {"return_time", "minutes"},
    "bridge": {"return_time", "minutes"},
    "return": {"minutes"},
    "safety": {"emergency_number", "crisis_line", "crisis_lines", "dv_line"},
}
NUMBERS = frozenset({"emergency_number", "crisis_line", "crisis_lines", "dv_line"})
# The numbers each safety situation must name (any one of a set counts).
SAFETY_NUMBERS: dict[str, list[set[str]]] = {
    "danger": [{"emergency_number"}, {"dv_line"}],
    "self_harm": [{"emergency_number"}, {"crisis_line", "crisis_lines"}],
    "general": [{"emergency_number"}, {"crisis_line", "crisis_lines"}],
}
# Lines no script may contain (DOMAIN.md: never keep someone in a room, never "you should").
FORBIDDEN = ("you should", "stay in the room", "keep talking", "don't leave", "do not leave",
             "stop them from leaving", "stop him from leaving", "stop her from leaving",
             "talk it out", "talk things out")
# Wording rules: the device does not listen
# as a person would, and cannot know what the partner feels; a person at risk of
# self-harm is never sent to be alone behind a locked door.
CLAIMS = (
    (re.compile(r"\bi(?:'m| am) listening\b|\bi hear you\b|\bi understand how you feel\b"),
     "the device does not listen as a person would"),
    # "when your partner is back" is a condition, not a claim: only a bare statement counts.
    (re.compile(r"(?<!when )(?<!once )(?<!if )(?<!until )(?<!while )(?<!after )(?<!before )"
                r"\byour partner (?:is|isn't|is not|feels|wants|doesn't|does not|will|won't|"
                r"still|really|just|needs|knows)\b"),
     "the device cannot know what the partner feels or does"),
)
ALONE_BEHIND_A_DOOR = re.compile(r"\block(?:ed|s|able)?\b")
NO_LOCKED_DOOR_FOR = ("self_harm", "general")
"""Safety situations whose scripts may not suggest a lock: self-harm, and unclear cues
(which must suit a person at risk of self-harm too)."""

MIN_VARIANTS = 4
"""Variants each guidance intent needs (four, so the last two used are never repeated)."""
MIN_SAFETY_VARIANTS = 2
"""Safety scripts each situation (danger, self_harm, general) needs."""
MIN_IMMINENT_VARIANTS = 1
"""Imminent-danger safety scripts each situation needs (besides the ordinary ones)."""
IMMINENT_SECONDS = 5.0
"""An imminent script's first line, its emergency number in it, is said within this many
seconds of its start."""
ESTIMATE_WPM = 140
"""The speaking rate the library's time estimates assume (``speech.rate``'s default);
the rendered-audio tests measure the real voice."""

SAMPLE_VALUES = {"return_time": "7:30", "minutes": "twenty", "emergency_number": "911",
                 "crisis_lines": "988", "crisis_line": "988", "dv_line": "1 800 799 7233",
                 "score": "five", "left": "12 minutes"}


def _sample_fillings() -> list[dict[str, str]]:
    """The values a step's placeholders may take when it is spoken: the samples above and
    every country's built-in helplines, names included (a line such as "the National
    Domestic Violence Hotline" must not sound like a plea when the device says it)."""
    from .helplines import COUNTRIES

    fillings = [SAMPLE_VALUES]
    for lines in COUNTRIES.values():
        values = dict(SAMPLE_VALUES, emergency_number=lines.emergency.said)
        for key, line in (("crisis_line", lines.crisis), ("crisis_lines", lines.crisis),
                          ("dv_line", lines.dv)):
            if line is not None:
                values[key] = line.said
        fillings.append(values)
    return fillings


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Breathing(_Model):
    """Paced breathing, spoken with real timing: a cue word, then silence to fill the phase."""

    inhale: float = Field(ge=1, le=10)
    hold: float = Field(default=0, ge=0, le=10)
    exhale: float = Field(ge=1, le=12)
    rounds: int = Field(ge=1, le=12)


class Step(_Model):
    text: str = Field(min_length=1, max_length=400)
    pause: float = Field(default=2.0, ge=0, le=120)
    """Seconds of silence after the text (after the breathing block, if any)."""
    breathing: Breathing | None = None


class Script(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    intent: ScriptIntent
    title: str = Field(min_length=1, max_length=80)
    bedside: bool = False
    """A night-time variant: chosen for bedside cues, never for daytime ones."""
    situation: Situation | None = None
    """Which situation within the intent this script is for. Safety scripts name theirs:
    danger from someone, self-harm, or unclear ("general"); a chasing script for the time
    the partner is away during a pause says "away"."""
    imminent: bool = False
    """A safety script for when the danger is now (the cue carries ``imminent``: means in
    hand, something taken, violence under way, a weapon out). Its first line says the
    emergency number, and is short enough to be said within :data:`IMMINENT_SECONDS`."""
    rate: float = Field(default=1.0, ge=0.5, le=1.5)
    """Multiplier on the configured speaking rate."""
    volume: float = Field(default=1.0, ge=0.1, le=1.0)
    """Multiplier on the configured volume."""
    steps: list[Step] = Field(min_length=1)

    def placeholders(self) -> set[str]:
        return {name for step in self.steps for name in _placeholders(step.text)}


class Prompts(_Model):
    """The session's own spoken lines (offers, confirmations, help)."""

    offer_pause: str
    """After a bridge or flooded script: start the timer for {return_time}?"""
    offer_again: str
    offer_bridge: str
    """After a withdrawing script: words to say before stepping away?"""
    offer_declined: str
    pause_default: str
    """A pause asked for without a length ("I need a minute"): the default is used."""
    pause_short: str
    """A pause under twenty minutes: the body usually needs about twenty."""
    pause_extended: str
    pause_resumed: str
    """After a restart, a pause still running."""
    pause_missed: str
    """After a restart, a return time that passed while the device was off."""
    no_pause_running: str
    timer_cancelled: str
    confirm_cancel: str
    """A bare "stop" with nothing playing while a pause runs: end it? (asked once)"""
    pause_kept: str
    """The answer was no: the pause goes on, and its time."""
    time_left: str
    """ "how long is left", "what time do we come back": {left} and {return_time}."""
    safety_cancelled: str
    """After a safety script, when it stopped a running pause."""
    help: str
    safety_check: str
    """When the router is unsure whether an utterance was a plea: how to ask for safety."""
    distress_question: str
    distress_again: str
    distress_better: str
    crisis_offer: str
    crisis_line_offer: str
    nothing_to_repeat: str
    breathe_in: str
    """The first count of an in-breath ("In"); "two, three, four" follow."""
    breathe_hold: str
    breathe_out: str
    """The first count of an out-breath ("And out")."""
    suggest: dict[str, str]
    """guidance intent -> the question when the router is unsure that intent was asked
    for ("Did you want grounding? Say yes."); the cue named in double quotes."""

    @field_validator("suggest")
    @classmethod
    def _every_guidance(cls, value: dict[str, str]) -> dict[str, str]:
        wanted = {i.value for i in GUIDANCE if i != Intent.SAFETY}
        unknown = sorted(set(value) - wanted)
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a guidance intent "
                             f"(one of {', '.join(sorted(wanted))})")
        missing = sorted(wanted - set(value))
        if missing:
            raise ValueError(f"no question for {missing[0]!r}")
        return value

    def text(self, name: str) -> str:
        """A prompt's text by name; ``suggest.<intent>`` for a suggestion."""
        if name.startswith("suggest."):
            return self.suggest[name.split(".", 1)[1]]
        return getattr(self, name)

    def lines(self) -> list[tuple[str, str]]:
        """Every prompt as (name, text), suggestions as ``suggest.<intent>``."""
        out: list[tuple[str, str]] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, dict):
                out += [(f"{name}.{k}", v) for k, v in sorted(value.items())]
            else:
                out.append((name, value))
        return out

    def placeholders(self, name: str) -> set[str]:
        return _placeholders(self.text(name))


PROMPT_PLACEHOLDERS: dict[str, set[str]] = {
    "offer_pause": {"return_time", "minutes"}, "pause_default": {"minutes", "return_time"},
    "pause_short": {"minutes", "return_time"}, "pause_extended": {"minutes", "return_time"},
    "pause_kept": {"return_time"}, "time_left": {"left", "return_time"},
    "pause_resumed": {"return_time"}, "pause_missed": {"return_time"},
    "crisis_offer": {"emergency_number"}, "crisis_line_offer": {"crisis_line"},
}
"""Placeholders each prompt may use; any other prompt takes none."""
QUOTES_CUES = ("help", "safety_check", "suggest")
"""Prompts that may name a cue in double quotes (hearing drops it as the device's echo)."""


def _quotes_cues(name: str) -> bool:
    return name.split(".", 1)[0] in QUOTES_CUES


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError as exc:
        raise ValueError(f"bad placeholder braces ({exc})") from None


def fill(text: str, values: dict[str, str]) -> str:
    return text.format_map(values)


def _where(err: ValidationError) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(file)"
    return f"{loc}: {first['msg']}"


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScriptError(f"{path}: not valid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"{path}: cannot read ({exc})") from None


_QUOTED = re.compile(r'"[^"]*"|\u201c[^\u201d]*\u201d')


def self_triggers(text: str, router: Router, quoted_ok: bool = False) -> str | None:
    """The intent a spoken line (or a clause of it) would trigger, if any. With
    ``quoted_ok``, cues named in double quotes are allowed."""
    for piece in spoken_pieces(text, quoted_ok):
        match = router.route(piece)
        if match:
            return f"{piece!r} would trigger {match.intent}"
    return None


def spoken_pieces(text: str, quoted_ok: bool = False) -> list[str]:
    """A line as the device may say it (each filling of its placeholders), whole and
    clause by clause: what the device must never hear as a cue."""
    if quoted_ok:
        text = _QUOTED.sub("", text)
    texts = ([text.format_map(values) for values in _sample_fillings()]
             if _placeholders(text) else [text])
    pieces: list[str] = []
    for filled in dict.fromkeys(texts):
        pieces += [filled, *re.split(r"[.,;:!?\u2014-]+", filled)]
    return list(dict.fromkeys(p.strip() for p in pieces if p.strip()))


def device_lines(library: "Library") -> list[str]:
    """Every piece of every line the device can say: its scripts' steps and its prompts."""
    out: list[str] = []
    for script in sorted(library.scripts.values(), key=lambda s: s.id):
        for step in script.steps:
            out += spoken_pieces(step.text)
    for name, text in library.prompts.lines():
        out += spoken_pieces(text, quoted_ok=_quotes_cues(name))
    return list(dict.fromkeys(out))


def check_script(script: Script, path: Path, router: Router | None) -> None:
    """Raise :class:`ScriptError` naming the file and field for the first broken rule
    (``router`` None: every rule but the self-trigger guard)."""
    allowed = PLACEHOLDERS.get(script.intent, set())
    for i, step in enumerate(script.steps):
        where = f"{path}: steps.{i}.text"
        try:
            names = _placeholders(step.text)
        except ValueError as exc:
            raise ScriptError(f"{where}: {exc}") from None
        unknown = names - allowed
        if unknown:
            raise ScriptError(f"{where}: placeholder {{{sorted(unknown)[0]}}} is not allowed in a "
                              f"{script.intent} script (allowed: {sorted(allowed) or 'none'})")
        lowered = step.text.lower().replace("\u2019", "'")
        for bad in FORBIDDEN:
            if bad in lowered:
                raise ScriptError(f"{where}: contains {bad!r}, which no script may say")
        _check_wording(script, lowered, where)
        trigger = self_triggers(step.text, router) if router is not None else None
        if trigger:
            raise ScriptError(f"{where}: self-trigger: {trigger}; reword it")
    if script.situation and script.situation not in SITUATIONS.get(script.intent, set()):
        raise ScriptError(f"{path}: situation: {script.situation!r} is not a situation of a "
                          f"{script.intent} script (allowed: "
                          f"{sorted(SITUATIONS.get(script.intent, ())) or 'none'})")
    if script.intent == "pause" and "{return_time}" not in script.steps[0].text:
        raise ScriptError(f"{path}: steps.0.text: a pause script says {{return_time}} in its "
                          "first line (the time to come back is what a pause promises)")
    if script.intent == "safety" and not script.situation:
        raise ScriptError(f"{path}: situation: a safety script must say which situation it is "
                          "for (danger, self_harm or general)")
    if script.intent == "safety":
        _check_safety(script, path)
    if script.imminent:
        _check_imminent(script, path)


def first_line_seconds(script: Script, wpm: int = ESTIMATE_WPM) -> float | None:
    """Estimated seconds an imminent script's first line takes, the emergency number in it
    (None: the first line does not say the number). Every country's number is tried; the
    slowest counts. Digits are said one by one, a word each."""
    from .helplines import COUNTRIES
    from .spoken import for_the_ear

    first = script.steps[0].text
    if "{emergency_number}" not in first:
        return None
    worst = 0.0
    for lines in COUNTRIES.values():
        said = for_the_ear(first.replace("{emergency_number}", lines.emergency.number))
        words = len(re.findall(r"[\w']+", said))
        worst = max(worst, words * 60 / (wpm * script.rate))
    return worst


def _check_imminent(script: Script, path: Path) -> None:
    if script.intent != "safety":
        raise ScriptError(f"{path}: imminent: only a safety script can be for imminent danger")
    seconds = first_line_seconds(script)
    if seconds is None:
        raise ScriptError(f"{path}: steps.0.text: an imminent safety script says "
                          "{emergency_number} in its first line, before anything else")
    if seconds > IMMINENT_SECONDS:
        raise ScriptError(f"{path}: steps.0.text: the first line takes about {seconds:.1f} s; "
                          f"an imminent script says it, emergency number and all, within "
                          f"{IMMINENT_SECONDS:.0f} s (say less in it)")


def _check_wording(script: Script, lowered: str, where: str) -> None:
    for pattern, why in CLAIMS:
        found = pattern.search(lowered)
        if found:
            raise ScriptError(f"{where}: says {found.group(0)!r}: {why}; reword it")
    if script.intent == "safety" and script.situation in NO_LOCKED_DOOR_FOR:
        found = ALONE_BEHIND_A_DOOR.search(lowered)
        if found:
            raise ScriptError(f"{where}: says {found.group(0)!r}: a {script.situation} safety "
                              "script may not send a person to be alone behind a locked "
                              "door; suggest being near someone instead")


def _check_safety(script: Script, path: Path) -> None:
    names = script.placeholders()
    if "emergency_number" not in names:
        raise ScriptError(f"{path}: steps: a safety script must say {{emergency_number}}")
    for options in SAFETY_NUMBERS.get(script.situation or "", []):
        if not names & options:
            wanted = " or ".join(f"{{{o}}}" for o in sorted(options))
            raise ScriptError(f"{path}: steps: a {script.situation} safety script must say "
                              f"{wanted}")
    if all(_placeholders(step.text) & NUMBERS for step in script.steps):
        raise ScriptError(f"{path}: steps: a safety script needs at least one step without a "
                          "phone number (discreet mode says only those)")


def load_script(path: Path, router: Router | None) -> Script:
    data = _read_toml(path)
    try:
        script = Script.model_validate(data)
    except ValidationError as exc:
        raise ScriptError(f"{path}: {_where(exc)}") from None
    check_script(script, path, router)
    return script


def load_prompts(path: Path, router: Router | None) -> Prompts:
    try:
        prompts = Prompts.model_validate(_read_toml(path))
    except ValidationError as exc:
        raise ScriptError(f"{path}: {_where(exc)}") from None
    for name, text in prompts.lines():
        try:
            names = _placeholders(text)
        except ValueError as exc:
            raise ScriptError(f"{path}: {name}: {exc}") from None
        unknown = names - PROMPT_PLACEHOLDERS.get(name, set())
        if unknown:
            raise ScriptError(f"{path}: {name}: placeholder {{{sorted(unknown)[0]}}} is not "
                              f"allowed here (allowed: "
                              f"{sorted(PROMPT_PLACEHOLDERS.get(name, ())) or 'none'})")
        trigger = None if router is None else \
            self_triggers(text, router, quoted_ok=_quotes_cues(name))
        if trigger:
            raise ScriptError(f"{path}: {name}: self-trigger: {trigger}; reword it")
    return prompts


@dataclass
class Library:
    scripts: dict[str, Script]
    prompts: Prompts
    problems: list[str] = field(default_factory=list)
    """One line per user file that could not be loaded."""

    def variants(self, intent: str, bedside: bool = False,
                  situation: str | None = None, imminent: bool = False) -> list[Script]:
        """The scripts for ``intent``, sorted by id: those written for ``situation`` (a
        safety cue's kind falls back to "general"; None = the plain ones, or all if there
        are none), preferring night-time ones when ``bedside``. ``imminent`` chooses the
        scripts for danger that is now (emergency number first), else the others."""
        pool = [s for s in self.scripts.values() if s.intent == intent]
        pool = [s for s in pool if s.imminent == imminent] or pool
        wanted = situation or DEFAULT_SITUATION.get(intent)
        for choice in (wanted, DEFAULT_SITUATION.get(intent), None):
            fitting = [s for s in pool if s.situation == choice]
            if fitting:
                pool = fitting
                break
        preferred = [s for s in pool if s.bedside == bedside]
        return sorted(preferred or pool, key=lambda s: s.id)

    def get(self, script_id: str) -> Script | None:
        return self.scripts.get(script_id)


DEFAULT_SITUATION = {"safety": "general"}


def builtin_dir() -> Path:
    return Path(str(resources.files("voiceguide").joinpath("scripts")))


def load_library(user_dir: Path | None = None, router: Router | None = None) -> Library:
    """Load built-in scripts (errors raise) and then user scripts (errors are collected)."""
    router = router or default_router()
    # Lines are checked against the rules (the templates): the model is trained with the
    # device's lines as ordinary talk and hushed on them (Router.hush), and the hearing
    # side removes the device's own words while it speaks.
    router = router.rules_only()
    # The built-in lines against a packaged language's own rules are checked by the test
    # suite (tests/test_library.py), not at every start: that guard alone routes some 3,500
    # pieces of lines, seconds on a Raspberry Pi. Against another table, at every load.
    builtin = None if getattr(router, "packaged", False) else router
    base = builtin_dir()
    scripts = {}
    for path in sorted(base.glob("*.toml")):
        if path.name.startswith("_"):
            continue
        script = load_script(path, builtin)
        if script.id in scripts:
            raise ScriptError(f"{path}: id: {script.id!r} is used twice")
        scripts[script.id] = script
    prompts = load_prompts(base / "_prompts.toml", builtin)
    problems: list[str] = []
    if user_dir is not None:
        if not user_dir.is_dir():
            problems.append(f"{user_dir}: user scripts folder does not exist (skipped)")
        else:
            for path in sorted(user_dir.glob("*.toml")):
                try:
                    if path.name == "_prompts.toml":
                        prompts = load_prompts(path, router)
                        continue
                    script = load_script(path, router)
                except ScriptError as exc:
                    problems.append(str(exc))  # the caller reports them, once
                    continue
                if script.id in scripts:
                    log.info("%s overrides built-in script %s", path, script.id)
                scripts[script.id] = script
    check_coverage(scripts, base)
    return Library(scripts, prompts, problems)


def check_coverage(scripts: dict[str, Script], base: Path) -> None:
    """Enough variants for every guidance intent and every safety situation."""
    daytime = [s for s in scripts.values() if not s.bedside and not s.situation]
    for intent in GUIDANCE:
        if intent == "safety":
            continue
        count = len([s for s in daytime if s.intent == intent])
        if count < MIN_VARIANTS:
            raise ScriptError(f"{base}: intent {intent} needs at least {MIN_VARIANTS} script "
                              f"variants (found {count})")
    for situation in sorted(SITUATIONS["safety"]):
        for imminent, need in ((False, MIN_SAFETY_VARIANTS), (True, MIN_IMMINENT_VARIANTS)):
            count = len([s for s in scripts.values() if s.intent == "safety"
                         and s.situation == situation and s.imminent == imminent])
            if count < need:
                what = "imminent-danger " if imminent else ""
                raise ScriptError(f"{base}: safety situation {situation} needs at least "
                                  f"{need} {what}script variants (found {count})")
    if not any(s.intent == "return" for s in scripts.values()):
        raise ScriptError(f"{base}: no 'return' script (spoken when a pause ends)")
