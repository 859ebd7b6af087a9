"""Matching of OCR text against the brand lexicons: the short Belgian list (photocheck/data/brands.toml), fuzzily,
and the long public list (photocheck/data/public_brands.txt, built by scripts/build_public_brands.py), exactly.

Text and names are compared in a normal form (accents dropped, case folded, only letters and digits). Each line is
cut into words and runs of up to three words written together, so "STELLA ARTOIS" and "StellaArtois" both match.
A brand of the short list longer than `exact_name_max_letters` matches at a normalised edit distance of at most
`1 - brand_similarity`, or when a cut-off piece of it (at least `cut_off_min_letters` characters and
`cut_off_min_share` of the name) starts or ends it; shorter brands and the `exact_only` names need the exact word
(settings of `[flags.advertising]`). A name of the public list matches only a run written
exactly like it (one set look-up per run: the list is long, and fuzzy matching it would find brands in any text).
Runs that are a movement name (KSA, Chiro, ...) never count as a brand. A run that mixes letters and digits is also
tried with the digits OCR confuses with letters read as those letters ("K5A", "8ACARDI").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from photocheck import toml
from photocheck.analysis.text_lines import compact, edit_distance, normalise
from photocheck.config import Section

# Words joined into one candidate. Chosen by hand, not fitted: the longest brands of brands.toml have three words
# ("The North Face"); longer names of the public list are never matched.
MAX_RUN = 3
PUBLIC_CATEGORY = "public"  # the category of names from the public list
# Digits PP-OCR reads for letters of a similar shape; "1" stands for an "i" as often as for an "l".
# Inside a word: capitals followed by a capitalised word ("KSA|Jongens"), or a small letter followed by a capital.
CASE_CHANGE = re.compile(r"(?<=[A-Z])(?=[A-Z][a-z])|(?<=[a-z])(?=[A-Z])")
LOOK_ALIKE_LETTERS = (str.maketrans("0158", "oisb"), str.maketrans("0158", "olsb"))


@dataclass(frozen=True)
class Brand:
    name: str
    category: str
    key: str  # compact normal form
    exact: bool  # an `exact_only` name of brands.toml, or a name of the public list


@dataclass(frozen=True)
class BrandMatch:
    brand: Brand
    text: str  # the words of the line that matched
    similarity: float


@dataclass(frozen=True)
class Lexicon:
    brands: tuple[Brand, ...]
    allowed: frozenset[str]  # compact movement names
    public: dict[str, str]  # compact key -> name of the public list (exact matches only)
    trade_words: frozenset[str]  # compact words of shop signs and sponsor boards
    legal_forms: frozenset[str]  # compact company forms ("bv", "gmbh")
    alcohol_words: tuple[str, ...]
    alcohol_categories: frozenset[str]
    tobacco_categories: frozenset[str]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    data = toml.loads(resources.files("photocheck.data").joinpath("brands.toml").read_text(encoding="utf-8"))
    exact = {compact(name) for name in data["exact_only"]["names"]}
    brands = tuple(
        Brand(name, category, compact(name), compact(name) in exact)
        for category, names in data["brands"].items()
        for name in names
    )
    return Lexicon(
        brands=brands,
        allowed=frozenset(compact(name) for name in data["allowed"]["names"]),
        public=_public_brands(),
        trade_words=frozenset(compact(word) for word in data["trade_words"]["words"]),
        legal_forms=frozenset(compact(word) for word in data["legal_forms"]["names"]),
        alcohol_words=tuple(compact(word) for word in data["alcohol_words"]["names"]),
        alcohol_categories=frozenset(data["alcohol_categories"]),
        tobacco_categories=frozenset(data["tobacco_categories"]),
    )


def _public_brands() -> dict[str, str]:
    text = resources.files("photocheck.data").joinpath("public_brands.txt").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {key: name for key, name in rows}


def similarity(candidate: str, brand: Brand, settings: Section) -> float:
    """How well a candidate run matches a brand, 0 when it does not match at all (`settings`: [flags.advertising])."""
    if candidate == brand.key:
        return 1.0
    if brand.exact or len(brand.key) <= settings.exact_name_max_letters:
        return 0.0
    longest = max(len(candidate), len(brand.key))
    limit = int((1.0 - settings.brand_similarity) * longest + 1e-9)  # (1 - 0.8) * 10 is 1.9999999999999996 in floats
    distance = edit_distance(candidate, brand.key, limit)
    if distance <= limit:
        return 1.0 - distance / longest
    cut_off = (len(candidate) >= settings.cut_off_min_letters
               and len(candidate) >= settings.cut_off_min_share * len(brand.key))
    if cut_off and (brand.key.startswith(candidate) or brand.key.endswith(candidate)):
        return len(candidate) / len(brand.key)
    return 0.0


def runs(words: list[str]) -> list[str]:
    """Every word and every run of up to MAX_RUN consecutive words written together, and its look-alike reading."""
    joined = ["".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, min(len(words), i + MAX_RUN) + 1)]
    mixed = [run for run in joined if any(ch.isdigit() for ch in run) and any(ch.isalpha() for ch in run)]
    return joined + list(dict.fromkeys(run.translate(table) for run in mixed for table in LOOK_ALIKE_LETTERS))


def find_brands(text: str, settings: Section) -> list[BrandMatch]:
    """The best match per brand of the short list in one line of text; runs that are movement names are left out."""
    known = lexicon()
    candidates = [run for run in runs(normalise(text).split()) if run not in known.allowed]
    best: dict[str, BrandMatch] = {}
    for brand in known.brands:
        for candidate in candidates:
            score = similarity(candidate, brand, settings)
            if score > 0 and (brand.name not in best or score > best[brand.name].similarity):
                best[brand.name] = BrandMatch(brand, candidate, score)
    return sorted(best.values(), key=lambda match: -match.similarity)


def find_public_brands(text: str) -> list[BrandMatch]:
    """Names of the public list written exactly in one line (longest first); movement names are left out."""
    known = lexicon()
    found = {run: known.public[run] for run in runs(normalise(text).split())
             if run in known.public and run not in known.allowed}
    return [BrandMatch(Brand(name, PUBLIC_CATEGORY, key, True), key, 1.0)
            for key, name in sorted(found.items(), key=lambda item: -len(item[0]))]


def is_allowed(text: str) -> bool:
    """True when the line names a youth movement (any word or run of words). OCR drops the space between tightly set
    words, so a change of case inside a word ("KSAJongens", "ChiroHeide") is read as a space as well; a word in one
    case throughout is never split ("FOSTERS" does not hide the "FOS" movement)."""
    known = lexicon()
    return any(
        run in known.allowed for line in (text, CASE_CHANGE.sub(" ", text)) for run in runs(normalise(line).split())
    )


def alcohol_words(text: str, settings: Section) -> list[str]:
    """Words of the line that are, or start with, a generic alcohol word ("bier", "bierhuis"; `settings`:
    [flags.advertising])."""
    found = []
    for word in normalise(text).split():
        for stem in lexicon().alcohol_words:
            if word == stem or (word.startswith(stem) and len(word) - len(stem) >= settings.alcohol_word_min_rest):
                found.append(word)
                break
    return found
