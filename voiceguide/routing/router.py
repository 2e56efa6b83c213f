"""The intent router: typed or recognized text -> IntentMatch | None.

Pure code, no I/O per utterance (the language folder's cue table is read once). It
decides in stages, tried in order until one answers (:data:`.stages.STAGES`):

* **Safety first, found anywhere.** A first-person statement of danger, violence or
  self-harm anywhere in the utterance routes to safety and wins over everything; "help",
  "please help" or "emergency" count when said alone.
* **Guidance must cover a clause.** Each clause (after fillers and repeats are dropped) is
  matched whole against the intent's templates, so a cue word in another sense ("the
  basement flooded", "I'm flooded with emails") covers no clause and routes to nothing.
  When clauses name different intents, the earlier one in ``INTENTS`` wins.
* **Controls and answers must be the whole utterance** ("stop", "yes", "seven"), with
  a few exceptions: a control in every clause, a control with a reason, two controls
  run on in recognizer text.

Negation and third person need no special case: "i am not flooded" and "he is flooded"
are simply not templates; the explanation names them when they were the reason.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Iterable, Mapping

from ..errors import CueError
from ..intents import GUIDANCE, INTENTS, Intent
from ..text import Normalizer
from .clean import Cleaner, Utterance
from .decide import Decision, Thresholds, decide
from .grammar import Speaker
from .match import SLOT_RANGES, Found, Matcher, Nothing
from .model import IntentModel, ModelScores
from .results import Explanation, Hit, IntentMatch
from .stages import STAGES, Stage
from .table import (DEFAULT_LANGUAGE, WORD_LISTS, CueFile, Fillers, IntentCues, SafetyCues,
                    check_phrases, compile_table, packaged_common, packaged_cue_file,
                    packaged_languages)

__all__ = ["Explanation", "Hit", "IntentMatch", "Router", "SLOT_RANGES", "default_router"]


class Router:
    """Routes text to intents (see the module docstring).

    ``cues``: a language's cue table (:func:`~.table.load_language`), or plain phrase
    lists by intent (with ``leading``/``trailing`` fillers), as in tests. ``stages``: the
    decision stages, tried in order (:data:`~.stages.STAGES`)."""

    def __init__(self, cues: Mapping[str, Iterable[str]] | CueFile,
                 leading: Iterable[str] = (), trailing: Iterable[str] = (),
                 stages: Iterable[Stage] = STAGES, model: IntentModel | None = None,
                 thresholds: Thresholds | None = None):
        self._model = model
        self._quiet: frozenset[str] = frozenset()
        self.thresholds = thresholds or (model.thresholds if model else Thresholds())
        if not isinstance(cues, CueFile):
            cues = _simple_table(cues, leading, trailing)
        self._cues = cues
        normalizer = Normalizer(cues.normalize)
        speaker = Speaker(cues.spoken, normalizer.number_to_words)
        self._spoken = {i: sorted({f for p in ps for f in speaker.forms(p)})
                        for i, ps in check_phrases(cues).items()}
        self._c = compile_table(cues, normalizer)
        self._cleaner = Cleaner(cues, normalizer)
        self.matcher = Matcher(cues, self._c, self._cleaner)
        """the compiled table and the matching the stages (and explanations) use"""
        self.stages: tuple[Stage, ...] = tuple(stages)
        self.fillers = sorted(set(cues.fillers.leading) | set(cues.fillers.trailing))
        self.packaged = False
        """a packaged language's own table (its device lines are checked by the suite)"""

    # ---- public API ----
    @property
    def model(self) -> IntentModel | None:
        return self._model

    def route(self, text: str) -> IntentMatch | None:
        return self.route_many([text])[0]

    def route_many(self, texts: Iterable[str]) -> list[IntentMatch | None]:
        """Route several texts at once (the model scores them in one batch)."""
        texts = list(texts)
        utts = [self._cleaner.analyse(t) for t in texts]
        rules = [self._decide(u, None) for u in utts]
        if self._model is None:
            return rules
        scores = self._model.score_texts(texts)
        return [self._combine(u, r, s)[0] for u, r, s in zip(utts, rules, scores)]

    def hush(self, lines: Iterable[str]) -> None:
        """Lines the device itself says (scripts, prompts, the cues it teaches): the model
        never turns them into a script or a control. (The rules are kept silent on them
        by the library's validation; safety is left alone, since a person may well say
        "call 911" too: the echo removal keeps the device from hearing itself there.)"""
        self._quiet = frozenset(" ".join(self._cleaner.analyse(t).words) for t in lines)

    def rules_only(self) -> "Router":
        """The same router without its model (the same tables, no second build)."""
        other = copy.copy(self)
        other._model = None
        return other

    def pleas_over_device(self, texts: Iterable[str]) -> list[IntentMatch | None]:
        """Heard while the device speaks: the model's pleas alone, each at the stricter
        ``speaking_safety`` bar and in ``plea_words`` words or more (the rules' pleas are
        the caller's, who routes by the rules alone over the device)."""
        texts = list(texts)
        t = self.thresholds
        if self._model is None or t.speaking_safety > 1 or not texts:
            return [None] * len(texts)
        found: list[IntentMatch | None] = []
        for text, s in zip(texts, self._model.score_texts(texts)):
            words = self._cleaner.analyse(text).words
            if len(words) >= t.plea_words and s.safety >= t.speaking_safety:
                found.append(IntentMatch(Intent.SAFETY, round(s.safety, 3),
                                         {"safety": s.safety_kind}))
            else:
                found.append(None)
        return found

    def explain(self, text: str) -> Explanation:
        utt = self._cleaner.analyse(text)
        hits: list[Hit] = []
        notes: list[str] = list(utt.notes)
        rule = self._decide(utt, hits)
        match, decision, model_scores, nearest = rule, None, None, ()
        if self._model is not None:
            model_scores = self._model.score_texts([text])[0]
            match, decision = self._combine(utt, rule, model_scores)
            nearest = tuple(self._model.nearest(model_scores))
        from .explain import cue_word_scores, why_not
        if rule is None:
            notes += why_not(self, utt)
        scores = cue_word_scores(self, utt, hits)
        return Explanation(text, utt.words, utt.clauses, tuple(hits), tuple(notes), scores,
                           match, rule, model_scores, decision, nearest)

    def _combine(self, utt: Utterance, rule: IntentMatch | None, scores: ModelScores
                 ) -> tuple[IntentMatch | None, Decision]:
        """The rules' answer and the model's scores as one match (see decide.py)."""
        if not utt.words:
            return None, Decision(None)
        d = decide(rule, scores, len(utt.words), self.thresholds)
        if (d.by == "model" and d.intent not in (None, Intent.SAFETY, Intent.SAFETY_CHECK)
                and " ".join(utt.words) in self._quiet):
            return None, Decision(None, by="model (a line the device says)")
        if d.intent is None:
            return None, d
        if d.intent == Intent.SAFETY:
            slots: dict[str, int | bool | str] = dict(rule.slots) if rule and \
                rule.intent == Intent.SAFETY else {"safety": d.kind or "general"}
            if d.discreet:
                slots["discreet"] = True
            if d.imminent:
                slots["imminent"] = True
            return IntentMatch(Intent.SAFETY, 1.0 if rule else round(scores.safety, 3),
                               slots), d
        if d.intent == Intent.SAFETY_CHECK:
            return IntentMatch(Intent.SAFETY_CHECK, round(scores.safety, 3), {}), d
        if d.intent == Intent.SUGGEST:
            slots = {"suggested": str(d.suggested)}
            if d.bedside:
                slots["bedside"] = True
            return IntentMatch(Intent.SUGGEST, round(scores.probs[str(d.suggested)], 3),
                               slots), d
        if d.by == "rules" and rule is not None:
            match = rule
        else:
            if d.intent in (Intent.PAUSE, Intent.MORE_TIME) and _out_of_range(utt):
                # "pause for 3000 minutes": not something the device can do, as the rules
                # (which refuse it) would say
                return None, Decision(None, by="model (duration out of range)")
            match = self.matcher.finish(
                Found(d.intent, round(scores.probs[d.intent.value], 3)), utt)
        if d.bedside and d.intent in GUIDANCE and not match.slots.get("bedside"):
            match = IntentMatch(match.intent, match.confidence, {**match.slots, "bedside": True})
        return match, d

    def phrases(self, intents: Iterable[str] | None = None) -> list[str]:
        """Every canonical phrase (in spoken words) for the given intents; all when None."""
        wanted = INTENTS if intents is None else tuple(intents)
        return sorted({p for i in wanted for p in self._spoken.get(Intent(i), [])})

    def intents(self) -> list[str]:
        present = set(self._spoken) | set(self._c.whole)
        if any(self._c.safety_rules.values()) or self._cues.safety.alone:
            present.add(Intent.SAFETY)
        return [i for i in INTENTS if i in present]

    # ---- deciding ----
    def _decide(self, utt: Utterance, hits: list[Hit] | None) -> IntentMatch | None:
        """The first stage that answers decides; an utterance without words asks for
        nothing."""
        if not utt.words:
            return None
        for stage in self.stages:
            found = stage(self.matcher, utt, hits)
            if found is None:
                continue
            if isinstance(found, Nothing):
                return None
            return self.matcher.finish(found, utt)
        return None


def _simple_table(cues: Mapping[str, Iterable[str]], leading: Iterable[str],
                  trailing: Iterable[str]) -> CueFile:
    """A cue table from plain phrase lists (intent -> templates), as in tests."""
    intents = {}
    safety: list[str] = []
    for name, templates in cues.items():
        if name not in INTENTS:
            raise CueError(f"unknown intent {name!r} in the cue table")
        if name == "safety":
            safety = list(templates)
        else:
            intents[name] = IntentCues(phrases=list(templates))
    english = packaged_common()
    return CueFile(**{k: getattr(english, k) for k in WORD_LISTS},
                   fillers=Fillers(leading=list(leading), trailing=list(trailing)),
                   safety=SafetyCues(general=safety), intents=intents)


def _out_of_range(utt: Utterance) -> bool:
    """One duration said, outside what a pause can be (1 minute to 24 hours)."""
    from .match import _DURATION, _slots_in_range
    said = _DURATION.findall(" ".join(utt.words) + " ")
    return len(said) == 1 and not _slots_in_range({"minutes": said[0]})


@lru_cache(maxsize=None)
def default_router(language: str = DEFAULT_LANGUAGE) -> Router:
    """The router for a language (config ``router.language``): a packaged language's name
    or a language folder's path, with the language's intent model (cached: built once per
    process and language). Without a usable model (damaged, or no CTranslate2 on this
    machine) the rules route alone, and :func:`.model.model_problem` says why."""
    from .model import load_model
    router = Router(packaged_cue_file(language), model=load_model(language))
    router.packaged = language in packaged_languages()
    if router.model is not None:
        from ..library import device_lines, load_library
        router.hush(device_lines(load_library(router=router.rules_only())))
    return router
