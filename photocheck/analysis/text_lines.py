"""Read text lines compared with one another: a normal form for text, edit distance, and repeated readings.

A photo can be read more than once (the backdrop pass of photocheck/analysis/text_regions.py, the selection's close look at
a larger size). A line of one reading repeats a line of another when their boxes overlap (at least
`[text_regions] same_line_min_overlap` of the smaller box) and they read about the same text. Overlap alone is not
enough: the stacked lines of one sign overlap ("RODEHEUVEL" above "Polikliniek"), and dropping the second would cut
the sign short.
"""

from __future__ import annotations

import math
import re
import unicodedata

from photocheck.config import Section
from photocheck.records.analysis import TextLine


def normalise(text: str) -> str:
    """Lower case ASCII letters and digits, words separated by one space ("Jägermeister" -> "jagermeister")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def compact(text: str) -> str:
    return normalise(text).replace(" ", "")


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or `limit + 1` as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def reads_alike(a: str, b: str, settings: Section) -> bool:
    """Whether two readings are of the same text: one holds the other ("OLLISTE" in "HOLLISTER"), or they differ in
    at most `same_line_max_difference` of the letters of the longer ("RODEHEUVEL" and "DDEHEUVEL")."""
    a, b = compact(a), compact(b)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    limit = math.floor(settings.same_line_max_difference * max(len(a), len(b)) + 1e-9)  # 0.29 * 100 is 28.999...
    return edit_distance(a, b, limit) <= limit


def repeats(line: TextLine, kept: list[TextLine], settings: Section) -> bool:
    """Whether `line` is another reading of one of the `kept` lines (overlapping boxes, text alike)."""
    return any(
        line.box.intersection(other.box) >= settings.same_line_min_overlap * min(line.box.area, other.box.area) > 0
        and reads_alike(line.text, other.text, settings)
        for other in kept
    )


def merged(preferred: list[TextLine], others: list[TextLine], settings: Section) -> list[TextLine]:
    """The `preferred` lines, then the lines of `others` that repeat none of them (best-read first)."""
    kept = list(preferred)
    for line in sorted(others, key=lambda line: -line.score):
        if not repeats(line, kept, settings):
            kept.append(line)
    return kept
