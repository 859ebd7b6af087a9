"""Commercial text: what in a read line makes it advertising, and whether it is on a person or in the background.

A line is commercial when it carries one of these signals (their codes, in order of precedence):
- `brand`: a brand of the short Belgian list (photocheck/data/brands.toml), matched fuzzily;
- `public_brand`: a name of the public brand list (public_brands.txt), written exactly;
- `web`: a web address ("www.", a name ending in .be, .com, .nl, ...); `email`: an e-mail address;
- `phone`: a Belgian or Dutch phone number ("09 123 45 67", "+32 ...", "Tel. 0471...");
- `legal_form`: a company form as the first or last word beside a name ("Garage Janssens BV");
- `trade_word`: a word of shop signs and sponsor boards ("bakkerij", "sponsor", "verzekeringen").
Lines naming a youth movement carry none of the signals but a brand's (a movement's own website is no advertising).
Which signals count, and which are strong in the background, is set in `[flags.advertising]` (`signals`,
`strong_signals`). Text on a person (its centre in a person or torso box: a shirt, a cap) is clothing, at most weak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from photocheck.analysis.text_lines import compact, normalise
from photocheck.config import Section
from photocheck.judges import brands
from photocheck.records.analysis import Box, PhotoAnalysis

SIGNALS = ("brand", "public_brand", "web", "email", "phone", "legal_form", "trade_word")
TOP_LEVEL_DOMAINS = "be|com|nl|eu|fr|lu|de|org|net|info|shop|biz|co|uk|io|store"
WEB = re.compile(
    rf"(?:\bwww[.\s]+)?\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{TOP_LEVEL_DOMAINS})\b(?!\.[a-z0-9])|\bwww\b"
)
EMAIL = re.compile(r"[a-z0-9._+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
# A number of 9-10 digits starting with 0 (or +32 / +31 / 0032 / 0031), digits in groups split by space . / -.
PHONE = re.compile(r"(?<![\d+])(?:(?:\+|00)\s?3[12]\s?(?:\(0\)\s?)?|0)\d(?:[\s./-]?\d){7,8}(?![\d])")
PHONE_WORD = re.compile(r"\b(?:tel|tél|gsm|phone|fax)\b\.?\s*:?\s*\+?\d(?:[\s./-]?\d){5,}")
# Rules of the word lists (brands.toml), chosen by hand, not fitted: legal forms this short count only in capitals
# ("BV", not the French "sa"); a line with a legal form needs a second word and a word of at least WORD_MIN_LETTERS
# letters (not initials and numbers only); trade words this long also count at the start or end of a longer word
# ("autogarage").
SHORT_FORM = 2
WORD_MIN_LETTERS = 3
TRADE_COMPOUND = 5


@dataclass(frozen=True)
class Signal:
    code: str  # one of SIGNALS
    words: str  # what was read that carries it
    match: brands.BrandMatch | None = None  # for brand and public_brand


def _web_and_mail(text: str) -> list[Signal]:
    folded = text.casefold()
    found = [Signal("email", match.group(0)) for match in EMAIL.finditer(folded)]
    without_mail = EMAIL.sub(" ", folded)
    found += [Signal("web", match.group(0)) for match in WEB.finditer(without_mail)]
    return found


def _phone(text: str) -> list[Signal]:
    folded = text.casefold()
    return [Signal("phone", match.group(0).strip()) for match in (*PHONE.finditer(folded), *PHONE_WORD.finditer(folded))]


def _legal_form(text: str, forms: frozenset[str]) -> list[Signal]:
    tokens = [token for token in re.split(r"[\s,;:()]+", text) if compact(token)]
    if len(tokens) < 2 or not any(sum(ch.isalpha() for ch in token) >= WORD_MIN_LETTERS for token in tokens):
        return []
    found = []
    for token in {tokens[0], tokens[-1]}:
        key = compact(token)
        if key in forms and (len(key) > SHORT_FORM or token.replace(".", "").isupper()):
            found.append(Signal("legal_form", token))
    return found


def _trade_words(text: str, words: frozenset[str]) -> list[Signal]:
    found = []
    for word in normalise(text).split():
        if word in words or any(
            len(term) >= TRADE_COMPOUND and len(word) > len(term) and (word.startswith(term) or word.endswith(term))
            for term in words
        ):
            found.append(Signal("trade_word", word))
    return found


def signals(text: str, settings: Section) -> list[Signal]:
    """Every commercial signal of one read line, in the order of SIGNALS (`settings`: [flags.advertising])."""
    known = brands.lexicon()
    found = [Signal("brand", match.text, match) for match in brands.find_brands(text, settings)[:1]]
    found += [Signal("public_brand", match.text, match) for match in brands.find_public_brands(text)[:1]]
    if brands.is_allowed(text):
        return found
    found += _web_and_mail(text) + _phone(text)
    found += _legal_form(text, known.legal_forms) + _trade_words(text, known.trade_words)
    return sorted(found, key=lambda signal: SIGNALS.index(signal.code))


def on_person(box: Box, analysis: PhotoAnalysis) -> bool:
    """Whether a line's centre lies on a person (a person box or a torso sample): clothing, not a sign."""
    centre = box.center
    return any(
        other.x1 <= centre[0] <= other.x2 and other.y1 <= centre[1] <= other.y2
        for other in [d.box for d in analysis.persons] + [torso.box for torso in analysis.torsos]
    )
