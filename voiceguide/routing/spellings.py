"""Recognizer spellings: contractions written without their apostrophe ("theres", "id
rather", "hell hurt me"), a lost "'s" ("protectors up" -> "protector is up") and "were"
for "we're". The words are the language's ``[spellings]`` (:class:`.words.Spellings`).
"""

from __future__ import annotations

from .words import Spellings


class RecognizerSpellings:
    def __init__(self, words: Spellings):
        self.no_apostrophe = {k: tuple(v.split()) for k, v in words.no_apostrophe.items()}
        self.bare = {k: tuple(b.read_as.split()) for k, b in words.bare.items()}
        self.only_first = frozenset(k for k, b in words.bare.items() if b.only_first)
        own = {k: set(b.before) for k, b in words.bare.items()}
        self.bare_before = {
            k: frozenset((own[k] | own.get(b.words_of, set())) - set(b.not_before))
            for k, b in words.bare.items()}
        lost = words.lost_is
        self.lost_suffix, self.lost_is = lost.suffix, tuple(lost.read_as.split())
        self.lost_stems, self.lost_before = frozenset(lost.stems), frozenset(lost.before)
        were = words.were
        self.were, self.were_as = were.word, tuple(were.read_as.split())
        self.were_after, self.were_before = frozenset(were.after), frozenset(were.before)
        self.were_not_at_start_before = frozenset(were.not_at_start_before)

    def read(self, words: list[str], notes: list[str] | None = None) -> list[str]:
        """``words`` with recognizer spellings read as meant; each one noted."""
        out: list[str] = []
        suffix = self.lost_suffix
        for i, w in enumerate(words):
            nxt = words[i + 1] if i + 1 < len(words) else ""
            if w in self.no_apostrophe:
                out.extend(self.no_apostrophe[w])
            elif w in self.bare and nxt in self.bare_before[w]:
                if w in self.only_first and out:
                    out.append(w)  # "as well", "oh well": only at the start
                else:
                    out.extend(self.bare[w])
            elif (self.were and w == self.were and nxt in self.were_before
                  and (not out or out[-1] in self.were_after)):
                out.extend(self.were_as)
            elif (suffix and w.endswith(suffix) and w[:-len(suffix)] in self.lost_stems
                  and nxt in self.lost_before):
                out.extend((w[:-len(suffix)], *self.lost_is))
            else:
                out.append(w)
                continue
            if notes is not None:
                notes.append(f"read {w!r} as {' '.join(out[-2:])!r} (recognizer spelling)")
        return out

    def clause_start(self, words: list[str]) -> list[str]:
        """At the start of a clause: "were in our cycle" is "we are in our cycle"."""
        if (self.were and words[:1] == [self.were] and len(words) > 1
                and words[1] not in self.were_not_at_start_before):
            return list(self.were_as) + words[1:]
        return words
