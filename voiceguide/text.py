"""Text normalisation shared by the router and the recognizers.

Everything the router compares goes through :func:`normalize`: lower case, plain
apostrophes, no punctuation, contractions expanded, number words turned into digits,
and durations ("half an hour", "2 hours", "twenty mins") turned into ``<N> minutes``.
"""

from __future__ import annotations

import re

CONTRACTIONS: dict[str, str] = {
    "i'm": "i am", "im": "i am", "i've": "i have", "ive": "i have", "i'll": "i will",
    "i'd": "i would", "we're": "we are", "we've": "we have", "we'll": "we will",
    "we'd": "we would", "you're": "you are", "youre": "you are", "you've": "you have",
    "they're": "they are", "he's": "he is", "hes": "he is", "she's": "she is",
    "shes": "she is", "it's": "it is", "its": "it is", "that's": "that is",
    "thats": "that is", "what's": "what is", "whats": "what is", "there's": "there is",
    "let's": "let us", "lets": "let us", "can't": "can not", "cant": "can not",
    "cannot": "can not", "don't": "do not", "dont": "do not", "doesn't": "does not",
    "doesnt": "does not", "didn't": "did not", "didnt": "did not", "won't": "will not",
    "wont": "will not", "isn't": "is not", "isnt": "is not", "aren't": "are not",
    "wasn't": "was not", "wouldn't": "would not", "couldn't": "could not",
    "shouldn't": "should not", "gonna": "going to", "wanna": "want to",
    "gotta": "got to", "ok": "okay", "okey": "okay", "k": "okay",
    "he'll": "he will", "she'll": "she will", "they'll": "they will", "you'll": "you will",
    "it'll": "it will", "he'd": "he would", "she'd": "she would", "they'd": "they would",
    "you'd": "you would", "they've": "they have", "hasn't": "has not", "haven't": "have not",
    "hadn't": "had not", "weren't": "were not", "there's": "there is", "here's": "here is",
    "who's": "who is", "how's": "how is", "ain't": "is not", "y'all": "you all",
    "kinda": "kind of", "sorta": "sort of", "lemme": "let me", "gimme": "give me",
    "tryna": "trying to", "outta": "out of", "cuz": "because", "cos": "because",
    "i'ma": "i am going to", "imma": "i am going to", "idk": "i do not know",
    "alright": "all right", "everythings": "everything is", "nothings": "nothing is",
    "somethings": "something is", "he'll've": "he will have",
}

# Words a recognizer writes for a cue word that sounds the same.
HOMOPHONES: dict[str, str] = {
    "brake": "break", "brakes": "breaks", "paws": "pause", "floated": "flooded",
    "grownd": "ground",
}

UNITS = {
    "zero": 0, "oh": None, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
# Spoken forms used when a recognizer grammar needs words for a number.
NUMBER_WORDS = {v: k for k, v in UNITS.items() if v is not None} | {
    v: k for k, v in TENS.items() if k != "fourty"
}

_PUNCT = re.compile(r"[^\w\s']+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_DIGITS_WITH_UNIT = re.compile(r"^(\d+)(min|mins|m|h|hr|hrs|am|pm)$")


def tokens(text: str) -> list[str]:
    """Lower-case words with punctuation removed (apostrophes inside words kept)."""
    text = text.translate(_APOSTROPHES).lower()
    text = _PUNCT.sub(" ", text)
    return [t.strip("'") for t in text.split() if t.strip("'")]


# "the cycle's got us", "the part's activated": 's is "is" before these words.
_IS_BEFORE = {"got", "gotten", "been", "going", "getting", "not", "too", "so", "really",
              "happening", "back", "on", "here", "starting", "taking", "activated", "in", "up",
              "loud", "running", "driving", "talking", "a", "the", "just", "all", "over",
              "triggered", "still", "coming", "leaving", "gone", "out", "off", "like"}


def _expand(words: list[str]) -> list[str]:
    out: list[str] = []
    for i, w in enumerate(words):
        if w.endswith("'s") and w not in CONTRACTIONS and len(w) > 2:
            nxt = words[i + 1] if i + 1 < len(words) else ""
            out += [w[:-2], "is"] if nxt in _IS_BEFORE else [w[:-2]]
            continue
        m = _DIGITS_WITH_UNIT.match(w)
        if m:
            unit = {"am": "am", "pm": "pm"}.get(m.group(2))
            unit = unit or ("minutes" if m.group(2).startswith("m") else "hours")
            out += [m.group(1), unit]
        else:
            w = HOMOPHONES.get(w, w)
            out += CONTRACTIONS.get(w, w).split()
    return out


def _numbers(words: list[str]) -> list[str]:
    """Turn runs of number words into digit tokens: 'twenty five' -> '25'."""
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in TENS:
            value = TENS[w]
            if i + 1 < len(words) and UNITS.get(words[i + 1]) and UNITS[words[i + 1]] < 10:
                value += UNITS[words[i + 1]]
                i += 1
            out.append(str(value))
        elif UNITS.get(w) is not None:
            out.append(str(UNITS[w]))
        else:
            out.append(w)
        i += 1
    return out


_UNIT_WORDS = {"minute": "minutes", "minutes": "minutes", "min": "minutes", "mins": "minutes",
               "hour": "hours", "hours": "hours", "hr": "hours", "hrs": "hours"}


def _durations(words: list[str]) -> list[str]:
    """Rewrite durations as '<N> minutes'."""
    text = " ".join(words)
    text = re.sub(r"\b(?:an|1) hour and a half\b|\b(?:one|1) and a half hours?\b", "90 minutes", text)
    text = re.sub(r"\bhalf an hour\b|\ba half hour\b|\bhalf hour\b", "30 minutes", text)
    text = re.sub(r"\b(?:a|an) quarter of an hour\b|\ba quarter hour\b", "15 minutes", text)
    text = re.sub(r"\ban hour\b|\ba hour\b", "60 minutes", text)
    words = text.split()
    out: list[str] = []
    for w in words:
        unit = _UNIT_WORDS.get(w)
        if unit and out and out[-1].isdigit():
            if unit == "hours":
                out[-1] = str(int(out[-1]) * 60)
            out.append("minutes")
        elif unit and out and out[-1] == "one" and unit == "minutes":
            out[-1] = "1"
            out.append("minutes")
        else:
            out.append(unit if unit == "minutes" and w in ("min", "mins") else w)
    return out


def normalize(text: str) -> list[str]:
    """The canonical token list for ``text`` (see module docstring)."""
    return _durations(_numbers(_expand(tokens(text))))


def normalize_str(text: str) -> str:
    return " ".join(normalize(text))


def number_to_words(n: int) -> str:
    """0..99 as spoken words, for recognizer grammars."""
    if n in NUMBER_WORDS:
        return NUMBER_WORDS[n]
    tens, unit = divmod(n, 10)
    return f"{NUMBER_WORDS[tens * 10]} {NUMBER_WORDS[unit]}"
