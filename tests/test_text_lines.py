"""Repeated readings of a text line (photocheck/analysis/text_lines.py): overlapping boxes and text alike."""

from __future__ import annotations

from photocheck.analysis.text_lines import merged, reads_alike, repeats
from photocheck.config import default_config
from photocheck.records.analysis import Box, TextLine

SETTINGS = default_config().text_regions

SIGN_TOP = TextLine("RODEHEUVEL", Box(100, 100, 300, 130), 0.99)
SIGN_BOTTOM = TextLine("Polikliniek", Box(110, 108, 290, 140), 0.97)  # the sign's second line, overlapping the first


def test_readings_alike_hold_one_another_or_differ_in_few_letters():
    assert reads_alike("RODEHEUVEL", "DDEHEUVEL", SETTINGS)
    assert reads_alike("OLLISTE", "Hollister", SETTINGS)
    assert reads_alike("Stella Artois", "STELLAARTOIS", SETTINGS)
    assert not reads_alike("RODEHEUVEL", "Polikliniek", SETTINGS)
    assert not reads_alike("", "KBC", SETTINGS)


def test_the_stacked_lines_of_one_sign_are_not_repeats():
    smaller = min(SIGN_BOTTOM.box.area, SIGN_TOP.box.area)
    assert SIGN_BOTTOM.box.intersection(SIGN_TOP.box) > SETTINGS.same_line_min_overlap * smaller
    assert not repeats(SIGN_BOTTOM, [SIGN_TOP], SETTINGS)
    assert merged([SIGN_TOP], [SIGN_BOTTOM], SETTINGS) == [SIGN_TOP, SIGN_BOTTOM]


def test_a_line_read_again_is_kept_once_in_its_preferred_reading():
    again = TextLine("DDEHEUVEL", Box(98, 102, 296, 131), 0.80)
    assert repeats(again, [SIGN_TOP], SETTINGS)
    assert merged([SIGN_TOP], [again], SETTINGS) == [SIGN_TOP]


def test_the_same_word_on_two_signs_is_kept_twice():
    elsewhere = TextLine("RODEHEUVEL", Box(600, 100, 800, 130), 0.95)
    assert merged([SIGN_TOP], [elsewhere], SETTINGS) == [SIGN_TOP, elsewhere]


def test_others_are_added_best_read_first():
    weak = TextLine("KBC", Box(0, 0, 30, 10), 0.6)
    strong = TextLine("KBC", Box(1, 0, 31, 10), 0.9)
    assert merged([], [weak, strong], SETTINGS) == [strong]
