"""The close look: the loop on constructed results with a fake re-analyser, and one real close look on a sample."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from photocheck.close_look import close_look_config, is_on, look_closely, rescanner
from photocheck.judges.flags import evidence
from photocheck.results import Box, Flag, TextLine
from photocheck.scan import PhotoResult
from tests.conftest import SAMPLES
from tests.test_selection import photo, scan_of, unit

SCORES = {"a.jpg": 90.0, "b.jpg": 80.0, "c.jpg": 70.0, "d.jpg": 60.0, "e.jpg": 50.0}
BRAND = TextLine("HOLLISTER", Box(40, 10, 60, 14), 0.93)


def advertising() -> Flag:
    seen = evidence(BRAND.box, 0.9, "brand", category="sports_and_fashion", brand="Hollister", text=BRAND.text)
    return Flag("advertising", 0.9, True, [seen], seen.label)


class FakeCloseLook:
    """Re-analyses by rule: the photos in `branded` turn out to carry a brand; the others read "KSA" only."""

    def __init__(self, branded: set[str]):
        self.branded = branded
        self.calls: list[list[str]] = []

    def __call__(self, photos: list[PhotoResult]) -> list[PhotoResult]:
        self.calls.append([p.analysis.path for p in photos])
        looked = []
        for first in photos:
            brand = first.analysis.path in self.branded
            analysis = dataclasses.replace(first.analysis, texts=[BRAND] if brand else [TextLine("KSA", BRAND.box, 0.9)])
            judgement = dataclasses.replace(first.judgement, flags=[advertising()] if brand else [], verdict="skip" if brand else "post")
            looked.append(PhotoResult(analysis, judgement))
        return looked


def settings(config, **values):
    return config.with_overrides({"selection": values}, "test")


def event():
    return scan_of(*(photo(name, unit(seed), score=score) for seed, (name, score) in enumerate(SCORES.items())))


@pytest.mark.parametrize("extra, rounds", [(0, 2), (1, 1)])
def test_a_pick_with_a_brand_found_up_close_is_replaced_and_every_pick_is_checked(config, extra, rounds):
    fake = FakeCloseLook({"a.jpg"})
    result, selection = look_closely(
        event(), settings(config, close_look_extra=extra, close_look_rounds=4), fake, top=2
    )
    assert [pick.path for pick in selection.picks] == ["b.jpg", "c.jpg"]
    assert len(fake.calls) == rounds and fake.calls[0][:2] == ["a.jpg", "b.jpg"]
    assert all(pick.close_look is not None and pick.close_look.texts == ["KSA"] for pick in selection.picks)
    assert all(pick.reasons[-1].code == "selection.pick.close_look" for pick in selection.picks)
    [dropped] = [r for r in selection.rejected if r.path == "a.jpg"]
    assert dropped.reasons[0].code == "selection.reject.close_look"
    assert dropped.reasons[0].values["kind"] == "advertising" and "HOLLISTER" in dropped.reasons[0].detail
    # the outputs show what the close look read, not the first look
    [a] = [p for p in result.photos if p.analysis.path == "a.jpg"]
    assert a.analysis.texts == [BRAND] and result.tool["close_look"]["rounds"] == rounds


def test_the_loop_is_bounded_and_an_unchecked_pick_says_so(config):
    fake = FakeCloseLook(set(SCORES) - {"e.jpg"})  # every look but the last finds a brand
    _, selection = look_closely(event(), settings(config, close_look_extra=0, close_look_rounds=2), fake, top=1)
    assert len(fake.calls) == 2  # a, then b: both dropped; c is picked but the rounds are used up
    assert [pick.path for pick in selection.picks] == ["c.jpg"] and selection.picks[0].close_look is None
    assert all(r.code != "selection.pick.close_look" for r in selection.picks[0].reasons)


def test_close_look_is_off_at_zero_or_at_the_size_every_photo_is_read_at(config):
    assert is_on(config)
    assert not is_on(settings(config, close_look_text_side=0))
    every_photo_size = config.selection.close_look_text_side
    assert not is_on(config.with_overrides({"text": {"detect_side": every_photo_size}}, "test"))


def test_a_real_close_look_reads_the_sample_sign_again_and_keeps_its_flag(config, tmp_path):
    folder = tmp_path / "event"
    folder.mkdir()
    shutil.copy(SAMPLES / "signage_beer_box.jpg", folder / "signage_beer_box.jpg")
    first = photo("signage_beer_box.jpg", unit(0))
    [looked] = rescanner(folder, config, workers=1)([first])
    assert close_look_config(config).text.detect_side == config.selection.close_look_text_side
    assert looked.analysis.path == "signage_beer_box.jpg" and looked.analysis.texts
    assert {"advertising", "alcohol"} <= {flag.kind for flag in looked.judgement.flags if flag.strong}
