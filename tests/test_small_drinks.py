"""The close look's search for small drinks: tiles, and a real close look on a made-up photo where wine glasses are
too small for the first look (a sample photo shrunk into a corner of a large grey frame)."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from photocheck.analysis.small_drinks import drink_tiles
from photocheck.close_look import CloseLookReader
from photocheck.judges.policy import judge, judging_context
from photocheck.records.analysis import Box, TextLine
from photocheck.records.judgement import PhotoResult
from tests.conftest import SAMPLES

# Where the sample photo lies in the made-up frame: 900 px wide (of 3000), its glasses ~60 px wide, ~20 px at the
# 416 px NanoDet sees the whole frame at.
FRAME = (2000, 3000)
PASTED = Box(1800, 1200, 2700, 1875)


@pytest.mark.parametrize("width, height", [(3000, 2000), (2000, 3000), (1000, 1000), (640, 480)])
@pytest.mark.parametrize("along_longer_side", [1, 2, 3])
def test_tiles_cover_the_photo_and_overlap_about_square(width, height, along_longer_side):
    overlap = 0.2
    tiles = drink_tiles(width, height, along_longer_side, overlap)
    assert min(t.x1 for t in tiles) == 0 and min(t.y1 for t in tiles) == 0
    assert max(t.x2 for t in tiles) == pytest.approx(width) and max(t.y2 for t in tiles) == pytest.approx(height)
    longer = [t.width if width >= height else t.height for t in tiles]
    assert len({round(side) for side in longer}) == 1
    assert len({round(t.x1) for t in tiles} if width >= height else {round(t.y1) for t in tiles}) == along_longer_side
    for tile in tiles:  # each tile's sides stay within a factor 2 of each other: NanoDet stretches it to a square
        assert 0.5 <= tile.width / tile.height <= 2.0
    if along_longer_side > 1:  # neighbours along the longer side share `overlap` of a tile's side
        starts = sorted({t.x1 for t in tiles} if width >= height else {t.y1 for t in tiles})
        assert starts[1] == pytest.approx(longer[0] * (1 - overlap))


@pytest.fixture(scope="module")
def far_glasses(tmp_path_factory):
    folder = tmp_path_factory.mktemp("far_glasses")
    sample = cv2.imread(str(SAMPLES / "drinks_wine_glasses.jpg"))
    frame = np.full(FRAME + (3,), 128, dtype=np.uint8)
    size = (int(PASTED.width), int(PASTED.height))
    frame[int(PASTED.y1):int(PASTED.y2), int(PASTED.x1):int(PASTED.x2)] = cv2.resize(
        sample, size, interpolation=cv2.INTER_AREA)
    cv2.imwrite(str(folder / "far_glasses.jpg"), frame)
    return folder


def _alcohol(photo: PhotoResult):
    return next((flag for flag in photo.judgement.flags if flag.kind == "alcohol"), None)


def test_the_close_look_finds_wine_glasses_too_small_for_the_first_look(config, analyzer, far_glasses):
    first = analyzer.analyse(far_glasses / "far_glasses.jpg", "far_glasses.jpg")
    first_look = PhotoResult(first, judge(first, config, judging_context(config)))
    assert not any(d.label == "wine glass" for d in first.objects)
    assert _alcohol(first_look) is None

    [looked] = CloseLookReader(far_glasses, config)([first_look])
    new = [d for d in looked.analysis.objects if d not in first.objects]
    assert new and {d.label for d in new} <= set(config.regions.drink_labels)
    assert all(d in looked.analysis.objects for d in first.objects)  # the first look's detections stay
    glasses = [d for d in new if d.label == "wine glass"]
    assert glasses and all(PASTED.contains(d.box.center) for d in glasses)  # in original pixels
    crops = {tuple(region.box.to_list()) for region in looked.analysis.object_classes
             if region.region == "object:wine glass"}
    assert any(tuple(glass.box.clipped(*reversed(FRAME)).to_list()) in crops for glass in glasses)
    flag = _alcohol(looked)
    assert flag is not None and any(PASTED.contains(e.box.center) for e in flag.evidence if e.box is not None)


def test_without_the_drink_search_the_close_look_adds_no_object(config, analyzer, far_glasses):
    first = analyzer.analyse(far_glasses / "far_glasses.jpg", "far_glasses.jpg")
    off = config.with_overrides({"regions": {"close_look_drink_side": 0}}, "test")
    [looked] = CloseLookReader(far_glasses, off)([PhotoResult(first, judge(first, off, judging_context(off)))])
    assert looked.analysis.objects == first.objects and looked.analysis.object_classes == first.object_classes


def test_a_cached_close_look_keeps_the_drinks_it_found(config, analyzer, far_glasses, tmp_path):
    first = analyzer.analyse(far_glasses / "far_glasses.jpg", "far_glasses.jpg")
    photo = PhotoResult(first, judge(first, config, judging_context(config)))
    [read] = CloseLookReader(far_glasses, config, cache=tmp_path / "cache")([photo])
    [again] = CloseLookReader(far_glasses, config, cache=tmp_path / "cache")([photo])
    assert len(read.analysis.objects) > len(first.objects)
    assert again.analysis.objects == read.analysis.objects
    assert again.analysis.object_classes == read.analysis.object_classes


def test_a_close_look_after_a_first_look_at_another_text_size_is_not_taken_from_the_cache(
        config, analyzer, far_glasses, tmp_path):
    """The close look keeps the first look's lines, so the reading after a first look at another `[text]
    detect_side` (whose close-look settings are the same) is its own."""
    first = analyzer.analyse(far_glasses / "far_glasses.jpg", "far_glasses.jpg")
    CloseLookReader(far_glasses, config, cache=tmp_path / "cache")([PhotoResult(first, None)])
    larger = config.with_overrides({"text": {"detect_side": config.text.detect_side + 160}}, "test")
    only_there = TextLine("ONLY IN THE OTHER FIRST LOOK", Box(10, 10, 400, 40), 0.9)  # in the empty grey
    other = dataclasses.replace(first, texts=first.texts + [only_there])
    [again] = CloseLookReader(far_glasses, larger, cache=tmp_path / "cache")([PhotoResult(other, None)])
    assert only_there.text in [line.text for line in again.analysis.texts]
