"""The device hears its own voice: what the speaker side tells hearing, and echo by text.

The listener only needs two facts from whatever plays the device's speech, so hearing
defines them here as a small Protocol (the speaker side implements it; hearing imports
nothing from the CLI or the speaker):

* ``speaking()``: is the device's voice playing right now?
* ``recent_lines()``: the lines it is saying or said in the last few seconds, as far as
  they may be heard back (:class:`AfterCancelling`: none once an acoustic echo
  canceller takes its voice out of the microphone).

A transcript heard while the device speaks is compared with those lines word by word:
the words that line up with what the device said (in order, a longest common
subsequence) are its own echo and are taken out; only what is left can count. So the
device saying "If you are ever not safe, say so" never triggers, while a person saying
"I want to hurt myself" over it leaves those words behind, and they route to safety.
"""

from __future__ import annotations

from typing import Callable, Protocol, Sequence

from ..text import normalize


class SpeakerState(Protocol):
    def speaking(self) -> bool:
        """True while the device's own voice is playing."""

    def recent_lines(self) -> list[str]:
        """The lines being spoken now or spoken in the last few seconds, oldest first."""


class Silent:
    """A speaker that never speaks (typed input, files)."""

    def speaking(self) -> bool:
        return False

    def recent_lines(self) -> list[str]:
        return []


class AfterCancelling:
    """The speaker as heard through an acoustic echo canceller (:mod:`.aec`): once the
    canceller has converged, the device's words are no longer heard back, so none are
    taken out of transcripts (taking them out would only eat the person's words that
    happen to match the device's: "I'm not safe" over "if you are ever not safe").
    Until then, and whenever it is lost, echo by text works as before."""

    def __init__(self, speaker: SpeakerState, converged: Callable[[], bool]):
        self._speaker = speaker
        self._converged = converged

    def speaking(self) -> bool:
        return self._speaker.speaking()

    def recent_lines(self) -> list[str]:
        return [] if self._converged() else self._speaker.recent_lines()


def _aligned(heard: Sequence[str], said: Sequence[str]) -> list[bool]:
    """For each heard word, whether it lines up with a word said (longest common
    subsequence, ties broken toward the later said word)."""
    n, m = len(heard), len(said)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = (table[i + 1][j + 1] + 1 if heard[i] == said[j]
                           else max(table[i + 1][j], table[i][j + 1]))
    out, i, j = [False] * n, 0, 0
    while i < n and j < m:
        if heard[i] == said[j]:
            out[i] = True
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


def remove_echo(text: str, lines: Sequence[str], max_gap: int = 2) -> str:
    """``text`` without the words that line up with ``lines`` (the device's own words).

    Aligned words count as echo when the whole transcript lines up, or inside a run of at
    least two aligned words (up to ``max_gap`` other words may sit between them: the
    recognizer's slips on the device's speech). A lone aligned word stays: a person's
    short phrase is not eaten by a long script that happens to share a little word.
    Words that do not line up always stay.
    """
    heard = normalize(text)
    said = [w for line in lines for w in normalize(line)]
    if not heard or not said:
        return " ".join(heard)
    matched = _aligned(heard, said)
    if all(matched):
        return ""
    positions = [k for k, m in enumerate(matched) if m]
    runs: list[list[int]] = []
    for k in positions:
        if runs and k - runs[-1][-1] <= max_gap + 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    echo = {k for run in runs if len(run) >= 2 for k in run}
    return " ".join(w for k, w in enumerate(heard) if k not in echo)
