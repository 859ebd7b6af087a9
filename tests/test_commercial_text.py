"""Advertising as commercial text: signals of a read line and where it is (sign or shirt). Made-up text only."""

from __future__ import annotations

from importlib import resources

import pytest

from photocheck.analysis.text_lines import compact
from photocheck.config import default_config
from photocheck.i18n import LANGUAGES, catalogue
from photocheck.judges import brands, commercial
from photocheck.judges.flags import judge_flags
from photocheck.records.analysis import Box, Detection, PhotoAnalysis, TextLine

SIGN = Box(100, 60, 500, 110)  # above the person below: a sign in the background
PERSON = Box(300, 150, 600, 590)
ON_SHIRT = Box(380, 300, 520, 330)  # inside the person box


def _advertising(text: str, box: Box = SIGN, score: float = 0.95, config=None):
    """The advertising flag of a 900x600 photo with one person and one read line, or None."""
    config = config or default_config()
    analysis = PhotoAnalysis(path="x.jpg", ok=True, width=900, height=600,
                             objects=[Detection("person", PERSON, 0.9)], texts=[TextLine(text, box, score)])
    flags, _ = judge_flags(analysis, config.flags, [])
    return next((flag for flag in flags if flag.kind == "advertising"), None)


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("www.bakkerij-peeters.be", "web", "www.bakkerij-peeters.be"),
        ("Bezoek ons op tuinwerken-demo.com", "web", "tuinwerken-demo.com"),
        ("info@example.be", "email", "info@example.be"),
        ("Tel. 09 123 45 67", "phone", "09 123 45 67"),
        ("GSM 0470/12.34.56", "phone", "0470/12.34.56"),
        ("+32 3 123 45 67", "phone", "+32 3 123 45 67"),
        ("Garage Janssens BV", "legal_form", "BV"),
        ("N.V. Verstraete", "legal_form", "N.V."),
        ("Schrijnwerk Demo GmbH", "legal_form", "GmbH"),
        ("Bakkerij Van den Bossche", "trade_word", "bakkerij"),
        ("Autogarage De Smet", "trade_word", "autogarage"),
        ("Onze sponsors", "trade_word", "sponsors"),
        ("INTERSPORT", "public_brand", "intersport"),
        ("JUPILER", "brand", "jupiler"),
    ],
)
def test_signals_of_commercial_text(text, code, words):
    [first, *_] = commercial.signals(text, default_config().flags.advertising)
    assert (first.code, first.words) == (code, words)


@pytest.mark.parametrize(
    "text",
    [
        "Oudenaarde",  # a place
        "Il aime sa maison",  # "sa" in lower case is a French word, not a company form
        "07/12/2026",  # a date is no phone number
        "2015-2025 zomerkamp",
        "INTERSPOT",  # the public list matches exactly only
        "vzw De Speelberg",  # non-profit
        "Chiro Sint-Jozef",  # movement names never advertise
        "www.ksa-demo.be",  # a movement's own website
    ],
)
def test_harmless_text_has_no_signal(text):
    assert commercial.signals(text, default_config().flags.advertising) == []


def test_a_sign_in_the_background_is_strong_with_its_signal_as_evidence():
    flag = _advertising("Tel. 09 123 45 67")
    assert flag.strong
    [seen] = flag.evidence
    assert seen.code == "evidence.commercial" and seen.box == SIGN
    assert seen.values == {"signal": "phone", "words": "09 123 45 67", "text": "Tel. 09 123 45 67"}
    assert seen.label == 'phone number "09 123 45 67" on a sign: "Tel. 09 123 45 67"'


def test_a_brand_on_a_shirt_is_weak_and_says_check_the_shirt():
    flag = _advertising("JUPILER", ON_SHIRT)
    assert not flag.strong
    assert flag.evidence[0].code == "evidence.brand_on_clothing"
    assert flag.detail == 'check: brand on a shirt: beer brand "Jupiler" read as "JUPILER"'
    dutch, _ = judge_flags(
        PhotoAnalysis(path="x.jpg", ok=True, width=900, height=600, objects=[Detection("person", PERSON, 0.9)],
                      texts=[TextLine("JUPILER", ON_SHIRT, 0.95)]),
        default_config().flags, [], language="nl")
    assert [flag.detail for flag in dutch if flag.kind == "advertising"] == [
        'nakijken: merk op een shirt: biermerk "Jupiler" gelezen als "JUPILER"'
    ]


def test_the_same_brand_in_the_background_is_strong():
    assert _advertising("JUPILER").strong
    assert _advertising("JUPILER").evidence[0].code == "evidence.brand"


def test_a_web_address_on_a_shirt_is_weak():
    flag = _advertising("www.bakkerij-peeters.be", ON_SHIRT)
    assert not flag.strong and flag.evidence[0].code == "evidence.commercial_on_clothing"


def test_a_poorly_read_sign_is_weak():
    assert not _advertising("Garage Janssens BV", score=0.7).strong


def test_movement_names_raise_nothing_and_a_place_name_at_most_weak_lettering():
    assert _advertising("KSA Oost-Vlaanderen") is None
    assert _advertising("Oudenaarde", ON_SHIRT) is None  # lettering on a person is clothing
    one_word = default_config().with_overrides({"flags": {"advertising": {"large_text_min_words": 1}}}, "test")
    place = _advertising("Oudenaarde", config=one_word)  # large lettering in the background: to check, never more
    assert not place.strong and [e.code for e in place.evidence] == ["evidence.lettering"]
    two_words = default_config().with_overrides({"flags": {"advertising": {"large_text_min_words": 2}}}, "test")
    assert _advertising("Oudenaarde", config=two_words) is None


def test_signals_left_out_of_the_settings_do_not_count():
    config = default_config().with_overrides(
        {"flags": {"advertising": {"signals": ["brand", "public_brand"], "large_text_height": 1.0}}}, "test")
    assert _advertising("Tel. 09 123 45 67", config=config) is None
    assert _advertising("JUPILER", config=config).strong
    weak_phones = default_config().with_overrides(
        {"flags": {"advertising": {"strong_signals": ["brand", "public_brand"]}}}, "test")
    assert not _advertising("Tel. 09 123 45 67", config=weak_phones).strong


def test_public_brand_list_names_its_source_and_holds_compact_keys():
    text = resources.files("photocheck.data").joinpath("public_brands.txt").read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any("name-suggestion-index@" in line and "BSD-3-Clause" in line for line in header)
    assert any("sha256" in line for line in header)
    public = brands.lexicon().public
    assert len(public) > 500
    assert all(key == compact(name) and len(key) >= 4 for key, name in public.items())
    assert not set(public) & brands.lexicon().allowed


def test_every_signal_is_named_in_every_language():
    for language in LANGUAGES:
        named = {key.split(".", 1)[1] for key in catalogue(language) if key.startswith("commercial_signal.")}
        assert set(commercial.SIGNALS) <= named, language
        assert f"brand_kind.{brands.PUBLIC_CATEGORY}" in catalogue(language), language
