"""Lettering a leader should read before posting: lines of text that no flag explains and that are neither a
movement's name nor clearly harmless (stage 2, no models).

OCR reads far more lettering than the advertising flag can name: a sponsor's name on a tent, a shop sign, a print on
a shirt. A brand list can never be complete, so an unexplained word is not proof of advertising, but it is doubt: the
selection ranks such photos below clean ones (photocheck/selection.py) and tells the leader what to read. Clearly
harmless are lines without a word of MIN_WORD_LETTERS letters (numbers, dates, initials) and movement names.
"""

from __future__ import annotations

import re

from photocheck.judges.brands import is_allowed
from photocheck.judges.flags import evidence
from photocheck.records.analysis import TextLine
from photocheck.records.judgement import Evidence, Flag

# A word needs this many letters in a row to be read as a word (shorter: numbers on shirts, initials, "A4"). Chosen by
# hand, not fitted.
MIN_WORD_LETTERS = 3
WORD = re.compile(rf"[^\W\d_]{{{MIN_WORD_LETTERS},}}")


def is_harmless(text: str) -> bool:
    """True for a movement's name and for lines without a word (digits, dates, initials)."""
    return WORD.search(text) is None or is_allowed(text)


def unexplained_lettering(texts: list[TextLine], flags: list[Flag]) -> list[Evidence]:
    """The lines no flag's evidence already shows (same box) that are not harmless, as evidence with their box."""
    shown = {tuple(e.box.to_list()) for flag in flags for e in flag.evidence if e.box is not None}
    return [
        evidence(line.box, line.score, "unexplained_text", text=line.text)
        for line in texts
        if tuple(line.box.to_list()) not in shown and not is_harmless(line.text)
    ]
