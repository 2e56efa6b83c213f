"""Times, phone numbers and counts as they are said aloud (the one place for every voice)."""

from __future__ import annotations

from datetime import time

import pytest

from voiceguide.spoken import clock, digits, duration, for_the_ear, number_words


@pytest.mark.parametrize("hour, minute, said", [
    (7, 30, "seven thirty"), (10, 0, "ten o'clock"), (20, 5, "five past eight"),
    (19, 45, "seven forty five"), (8, 1, "eight oh one"), (0, 0, "midnight"),
    (12, 0, "noon"), (12, 15, "twelve fifteen"), (0, 20, "twelve twenty"),
])
def test_twelve_hour_clock(hour, minute, said):
    assert clock(time(hour, minute)) == said


@pytest.mark.parametrize("hour, minute, said", [
    (19, 30, "nineteen thirty"), (20, 0, "twenty hundred"), (8, 5, "eight oh five"),
])
def test_twenty_four_hour_clock(hour, minute, said):
    assert clock(time(hour, minute), h24=True) == said


@pytest.mark.parametrize("minutes, said", [
    (1, "one minute"), (20, "twenty minutes"), (45, "forty five minutes"), (60, "an hour"),
    (90, "an hour and a half"), (120, "two hours"), (130, "two hours and ten minutes"),
])
def test_durations(minutes, said):
    assert duration(minutes) == said


def test_numbers_and_digits():
    assert number_words(0) == "zero"
    assert number_words(1440) == "one thousand four hundred forty"
    assert digits("988") == "nine eight eight"
    assert digits("116 123") == "one one six, one two three"
    assert digits("0800-123") == "zero eight zero zero, one two three"


@pytest.mark.parametrize("text, said", [
    ("Come back at 7:30.", "Come back at seven thirty."),
    ("Come back at 10:00?", "Come back at ten o'clock?"),
    ("The new time is 19:30.", "The new time is nineteen thirty."),
    ("Call 911 now.", "Call nine one one now."),
    ("Call or text 988.", "Call or text nine eight eight."),
    ("Call 112, or 116 123.", "Call one one two, or one one six, one two three."),
    ("Take 20 minutes.", "Take twenty minutes."),
    ("a 1 minutes pause", "a one minute pause"),
    ("After 1 hour.", "After one hour."),
    ("Count 5 things you see.", "Count five things you see."),
    ("in, 2, 3, 4", "in, two, three, four"),
    ("No numbers here.", "No numbers here."),
])
def test_for_the_ear(text, said):
    assert for_the_ear(text) == said
