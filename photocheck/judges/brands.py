"""Fuzzy matching of OCR text against the brand lexicon (photocheck/data/brands.toml).

Text and names are compared in a normal form (accents dropped, case folded, only letters and digits). Each line is
cut into words and runs of up to three words written together, so "STELLA ARTOIS" and "StellaArtois" both match.
A brand of 4 characters or more matches at a normalised edit distance of at most `1 - similarity`, or when a
cut-off piece of it (at least 5 characters and 60 % of the name; 75 % when cut at both ends, as on a folded
T-shirt) lies in it; shorter brands and the
`exact_only` names need the exact word. Runs that are a movement name (KSA, Chiro, ...) never count as a brand.
A run that mixes letters and digits is also tried with the digits OCR confuses with letters read as those letters
("G1VOVA", "K5A", "8ACARDI"). A short movement name misread by one letter ("XSA") still names the movement when
another word of the line is one that movement banners carry ("Jongens", "Sint-...", a province).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from photocheck.text_lines import compact, edit_distance, normalise

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SHORT_NAME = 3  # names this short must be read exactly
MAX_RUN = 3  # words joined into one candidate
CUT_OFF_MIN = 5  # shortest cut-off piece of a longer name that counts
CUT_OFF_SHARE = 0.6
INNER_PIECE_SHARE = 0.75  # a piece cut at both ends ("OLLISTE") must cover more of the name
ALCOHOL_WORD_REST = 4  # letters that must follow an alcohol word used as a prefix ("bierhuis")
# Digits PP-OCR reads for letters of a similar shape; "1" stands for an "i" as often as for an "l".
LOOK_ALIKE_LETTERS = (str.maketrans("0158", "oisb"), str.maketrans("0158", "olsb"))


@dataclass(frozen=True)
class Brand:
    name: str
    category: str
    key: str  # compact normal form
    exact: bool


@dataclass(frozen=True)
class BrandMatch:
    brand: Brand
    text: str  # the words of the line that matched
    similarity: float


@dataclass(frozen=True)
class Lexicon:
    brands: tuple[Brand, ...]
    allowed: frozenset[str]  # compact movement names
    movement_context: frozenset[str]  # words on movement banners besides the name
    alcohol_words: tuple[str, ...]
    alcohol_categories: frozenset[str]
    tobacco_categories: frozenset[str]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    data = tomllib.loads(resources.files("photocheck.data").joinpath("brands.toml").read_text(encoding="utf-8"))
    exact = {compact(name) for name in data["exact_only"]["names"]}
    brands = tuple(
        Brand(name, category, compact(name), compact(name) in exact or len(compact(name)) <= SHORT_NAME)
        for category, names in data["brands"].items()
        for name in names
    )
    return Lexicon(
        brands=brands,
        allowed=frozenset(compact(name) for name in data["allowed"]["names"]),
        movement_context=frozenset(compact(word) for word in data["movement_context"]["words"]),
        alcohol_words=tuple(compact(word) for word in data["alcohol_words"]["names"]),
        alcohol_categories=frozenset(data["alcohol_categories"]),
        tobacco_categories=frozenset(data["tobacco_categories"]),
    )


def similarity(candidate: str, brand: Brand, min_similarity: float) -> float:
    """How well a candidate run matches a brand, 0 when it does not match at all."""
    if candidate == brand.key:
        return 1.0
    if brand.exact:
        return 0.0
    longest = max(len(candidate), len(brand.key))
    limit = int((1.0 - min_similarity) * longest + 1e-9)  # (1 - 0.8) * 10 is 1.9999999999999996 in floats
    distance = edit_distance(candidate, brand.key, limit)
    if distance <= limit:
        return 1.0 - distance / longest
    share = len(candidate) / len(brand.key)
    if len(candidate) < CUT_OFF_MIN or candidate not in brand.key:
        return 0.0
    at_an_end = brand.key.startswith(candidate) or brand.key.endswith(candidate)
    return share if share >= (CUT_OFF_SHARE if at_an_end else INNER_PIECE_SHARE) else 0.0


def runs(words: list[str]) -> list[str]:
    """Every word and every run of up to MAX_RUN consecutive words written together, and its look-alike reading."""
    joined = ["".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, min(len(words), i + MAX_RUN) + 1)]
    mixed = [run for run in joined if any(ch.isdigit() for ch in run) and any(ch.isalpha() for ch in run)]
    return joined + list(dict.fromkeys(run.translate(table) for run in mixed for table in LOOK_ALIKE_LETTERS))


def find_brands(text: str, min_similarity: float) -> list[BrandMatch]:
    """The best match per brand in one line of text; runs that are movement names are left out."""
    known = lexicon()
    candidates = [run for run in runs(normalise(text).split()) if run not in known.allowed]
    best: dict[str, BrandMatch] = {}
    for brand in known.brands:
        for candidate in candidates:
            score = similarity(candidate, brand, min_similarity)
            if score > 0 and (brand.name not in best or score > best[brand.name].similarity):
                best[brand.name] = BrandMatch(brand, candidate, score)
    return sorted(best.values(), key=lambda match: -match.similarity)


def _misread_short_name(word: str, known: Lexicon) -> bool:
    return any(len(name) == SHORT_NAME and edit_distance(word, name, 1) <= 1 for name in known.allowed)


def is_allowed(text: str) -> bool:
    """True when the line names a youth movement (any word or run of words), or names a short one misread by one
    letter beside a word of movement banners."""
    known = lexicon()
    words = normalise(text).split()
    if any(run in known.allowed for run in runs(words)):
        return True
    for i, word in enumerate(words):
        others = words[:i] + words[i + 1:]
        if _misread_short_name(word, known) and any(other in known.movement_context for other in others):
            return True
    return False


def alcohol_words(text: str) -> list[str]:
    """Words of the line that are, or start with, a generic alcohol word ("bier", "bierhuis")."""
    found = []
    for word in normalise(text).split():
        for stem in lexicon().alcohol_words:
            if word == stem or (word.startswith(stem) and len(word) - len(stem) >= ALCOHOL_WORD_REST):
                found.append(word)
                break
    return found
