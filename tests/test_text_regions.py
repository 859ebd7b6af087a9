"""The second text pass on likely regions (photocheck/analysis/text_regions.py), with the real OCR models.

The scenes are constructed: a sample group photo, reduced, in front of a plain wall (2560 px wide, so the first pass
sees it at `[text] detect_side`), with small, soft, low-contrast lettering as distant signs and prints look in real
photos. The scan leaves the second pass to the selection's close look by default (`[text_regions] in_scan`); these
tests run it as the close look does.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from photocheck.analysis.loading import load_photo
from photocheck.analysis.pipeline import close_look_photo, read_texts, reread_texts
from photocheck.analysis.text_regions import (
    Region, build_mosaic, grown, joined_across_tiles, likely_regions, read_likely_text, read_tiles, tiles, with_text,
)
from photocheck.judges.flags import judge_flags
from photocheck.models.text_reader import has_latin_letter_or_digit
from photocheck.records.analysis import Box, TextLine
from tests.conftest import SAMPLES

FONT = cv2.FONT_HERSHEY_DUPLEX
GROUP_AT = (960, 1166)  # top-left corner of the 640 x 434 group photo on the wall


def _scene(path, sign: str | None = None, shirt: str | None = None) -> tuple[Box | None, Box | None]:
    """Writes the scene; returns the boxes of the sign's and the shirt's lettering (original pixels)."""
    wall = np.full((1700, 2560, 3), 150, np.uint8) + np.random.default_rng(0).integers(0, 30, (1700, 2560, 1), np.uint8)
    group = cv2.resize(cv2.imread(str(SAMPLES / "group_three_smiling.jpg")), (640, 434), interpolation=cv2.INTER_AREA)
    boxes = [None, None]
    if shirt:  # on the middle man's chest, 16 px letters
        boxes[1] = _write(group, shirt, (285, 255), 16, (25, 25, 25))
        boxes[1] = boxes[1].shifted(*GROUP_AT)
    x, y = GROUP_AT
    wall[y:y + 434, x:x + 640] = group
    if sign:  # above the heads, 20 px letters on a dark panel (~6 px where the first look's detector sees them)
        (width, height), baseline = cv2.getTextSize(sign, FONT, cv2.getFontScaleFromHeight(FONT, 20, 2), 2)
        cv2.rectangle(wall, (1090, 1100 - height - 10), (1110 + width, 1110 + baseline), (70, 70, 70), -1)
        boxes[0] = _write(wall, sign, (1100, 1100), 20, (150, 150, 150))
    cv2.imwrite(str(path), cv2.GaussianBlur(wall, (0, 0), 1.2), [cv2.IMWRITE_JPEG_QUALITY, 85])
    return boxes[0], boxes[1]


def _write(image: np.ndarray, text: str, origin: tuple[int, int], letter: int, colour) -> Box:
    scale = cv2.getFontScaleFromHeight(FONT, letter, 2)
    (width, height), baseline = cv2.getTextSize(text, FONT, scale, 2)
    cv2.putText(image, text, origin, FONT, scale, colour, 2, cv2.LINE_AA)
    return Box(origin[0], origin[1] - height, origin[0] + width, origin[1] + baseline)


def _first_pass(analyzer, photo) -> list[TextLine]:
    """The lines of the whole-frame pass alone, in original pixels."""
    return [replace(line, box=line.box.scaled(photo.scale)) for line in analyzer.text_reader.read(photo.rgb)]


def _load(path, config):
    return load_photo(path, config.loading.working_size, config.loading.max_megapixels)


def _with_second_pass(analyzer, path, config):
    """The scan's analysis of `path` with its text read as the close look reads it: whole frame, then likely places."""
    analysis, photo = analyzer.analyse(path, path.name), _load(path, config)
    faces = [face.box.scaled(1 / photo.scale) for face in analysis.faces]
    return analysis, replace(analysis, texts=read_texts(analyzer.text_reader, photo, faces, config, likely_places=True))


def test_a_small_beer_sign_behind_a_group_is_read_and_flagged(tmp_path, analyzer, config):
    sign, _ = _scene(tmp_path / "sign.jpg", sign="JUPILER")
    assert not any("JUPILER" in line.text.upper() for line in _first_pass(analyzer, _load(tmp_path / "sign.jpg", config)))
    scanned, analysis = _with_second_pass(analyzer, tmp_path / "sign.jpg", config)
    assert not config.text_regions.in_scan and scanned.texts == _first_pass(analyzer, _load(tmp_path / "sign.jpg", config))
    flags = {flag.kind: flag for flag in judge_flags(analysis, config.flags, [])[0]}
    evidence = flags["advertising"].evidence[0]
    assert "Jupiler" in evidence.label and "alcohol" in flags
    assert evidence.box.intersection(sign) >= 0.6 * sign.area  # the evidence box is on the sign
    assert 0 <= evidence.box.x1 < evidence.box.x2 <= analysis.width


def test_a_movement_banner_behind_a_group_is_read_but_not_flagged(tmp_path, analyzer, config):
    _scene(tmp_path / "banner.jpg", sign="KSA Jongens")
    _, analysis = _with_second_pass(analyzer, tmp_path / "banner.jpg", config)
    assert any("ksa" in line.text.lower() for line in analysis.texts)  # read by the second pass, and still allowed
    assert "advertising" not in {flag.kind for flag in judge_flags(analysis, config.flags, [])[0]}


def test_a_brand_on_a_t_shirt_is_read_when_chests_are_read(tmp_path, analyzer, config):
    _, print_box = _scene(tmp_path / "shirt.jpg", shirt="ADIDAS")
    photo = _load(tmp_path / "shirt.jpg", config)
    first = _first_pass(analyzer, photo)
    assert not any("ADIDAS" in line.text.upper() for line in first)
    faces = [face.box.scaled(1 / photo.scale) for face in analyzer.analyse(tmp_path / "shirt.jpg", "s").faces]
    chests = config.with_overrides({"text_regions": {"max_chests": 3}}, "test").text_regions
    found = [line for line in read_likely_text(analyzer.text_reader, photo, faces, first, chests)
             if "ADIDA" in line.text.upper()]
    assert found and found[0].box.intersection(print_box) >= 0.6 * print_box.area
    off = config.with_overrides({"text_regions": {"max_pixels": 0}}, "test").text_regions
    assert read_likely_text(analyzer.text_reader, photo, faces, first, off) == []


def test_regions_follow_the_faces_and_the_mosaic_keeps_its_budget(config):
    settings = config.with_overrides({"text_regions": {"max_chests": 2}}, "test").text_regions
    assert likely_regions(1280, 960, [], settings) == []
    faces = [Box(600, 500, 630, 530), Box(200, 520, 260, 580), Box(900, 510, 910, 520)]
    backdrop, *chests = likely_regions(1280, 960, faces, settings)
    assert backdrop.box.y2 > 500 > backdrop.box.y1 and backdrop.box.width == 1280 and backdrop.zoom > 1
    assert [round(chest.box.center[0]) for chest in chests] == [230, 615]  # largest faces first, tiny one left out
    rgb = np.zeros((960, 1280, 3), np.uint8)
    budget = config.with_overrides({"text_regions": {"max_pixels": 200_000}}, "test").text_regions
    mosaic, tiles = build_mosaic(rgb, [Region(Box(0, 100, 1280, 500), 2.0, True)], budget)
    assert sum(tile.width * tile.height for tile in tiles) <= 200_000 and mosaic.shape[1] <= budget.mosaic_width
    assert min(tile.source.y1 for tile in tiles) > 100 and max(tile.source.y2 for tile in tiles) == 500  # by the heads
    no_room = config.with_overrides({"text_regions": {"max_pixels": 1000}}, "test").text_regions
    assert build_mosaic(rgb, [Region(Box(0, 100, 1280, 500), 2.0, True)], no_room) == (None, [])  # not a row fits
    tile = tiles[0]
    inner = Box(tile.x + 10, tile.y + 4, tile.x + 50, tile.y + 20)
    back = tile.to_source(inner)
    assert abs(back.x1 - (tile.source.x1 + 5)) < 0.5 and abs(back.width - 20) < 0.5  # enlarged 2x, mapped back


def test_only_lines_with_latin_letters_or_digits_count_as_text():
    assert has_latin_letter_or_digit("Jupiler") and has_latin_letter_or_digit("90Jaar")
    assert has_latin_letter_or_digit("Brûlé") and has_latin_letter_or_digit("S10")
    assert not has_latin_letter_or_digit("丰") and not has_latin_letter_or_digit("・。") and not has_latin_letter_or_digit(" ")


def _covered(point, boxes):
    return any(box.contains(point) for box in boxes)


@pytest.mark.parametrize("places, most, expected_tiles", [
    ([Box(0, 0, 2000, 1500)], 600_000, 9),  # a whole enlarged photo: a 3 x 3 grid
    ([Box(0, 400, 2000, 700)], 600_000, 1),  # a band within the budget stays whole
    ([Box(100, 100, 300, 200), Box(150, 120, 320, 210)], 600_000, 1),  # overlapping places read once, joined
    ([Box(0, 0, 100, 100), Box(1800, 1400, 1900, 1500)], 600_000, 2),  # far apart: never joined into the frame
    ([Box(300, 0, 900, 1500)], 400_000, 3),  # a tall person cut along its height
])
def test_close_look_tiles_cover_the_places_and_never_exceed_the_budget(config, places, most, expected_tiles):
    settings = config.with_overrides({"text_regions": {"close_look_tile_pixels": most}}, "test").text_regions
    cut = tiles(places, settings)
    assert len(cut) == expected_tiles
    assert all(tile.area <= most + 1 for tile in cut)
    for place in places:
        for fx in (0.0, 0.3, 0.5, 0.99):
            for fy in (0.0, 0.5, 0.99):
                assert _covered((place.x1 + fx * place.width, place.y1 + fy * place.height), cut)
    assert sum(tile.area for tile in cut) < 1.5 * sum(place.area for place in places)  # little read twice


def test_a_read_line_grows_by_its_height_inside_the_photo():
    assert grown(Box(100, 50, 300, 70), 2.0, 1000, 800) == Box(60, 10, 340, 110)
    assert grown(Box(0, 0, 50, 20), 2.0, 1000, 800) == Box(0, 0, 90, 60)


def test_a_small_photo_enlarged_for_the_close_look_keeps_the_tile_budget_once_enlarged(config):
    settings = config.text_regions
    cut = tiles([Box(0, 0, 1000, 750)], settings, zoom=2.0)  # read as if 2000 x 1500
    assert len(cut) == len(tiles([Box(0, 0, 2000, 1500)], settings))
    assert all(tile.area * 2.0**2 <= settings.close_look_tile_pixels + 1 for tile in cut)


def _quad(x1, y1, x2, y2):
    return np.float32([[x1, y1], [x2, y1], [x2, y2], [x1, y2]])


def _boxes(quads) -> list[tuple[float, ...]]:
    return sorted(tuple(float(v) for v in (*quad.min(axis=0), *quad.max(axis=0))) for quad in quads)


def test_a_line_cut_by_a_tile_edge_is_joined_with_its_other_part_and_nothing_else():
    left, right = Box(0, 0, 731, 1500), Box(635, 0, 1365, 1500)  # two tiles overlapping by 96 px
    found = [
        (0, _quad(480, 672, 726, 705)),  # a line cut by the left tile's right edge (boxes stop short of it)...
        (1, _quad(639, 670, 857, 707)),  # ... and its part in the next tile, cut by that tile's left edge
        (0, _quad(480, 720, 726, 750)),  # the line below it, cut, with no other part: stays apart
        (1, _quad(900, 100, 1000, 130)),  # a line inside one tile
        (0, _quad(660, 300, 700, 330)),  # a line in the overlap, read whole by both tiles: not cut, kept as read
        (1, _quad(660, 300, 700, 330)),
    ]
    boxes = _boxes(joined_across_tiles(found, [left, right], 1365, 1500))
    assert boxes == [(480.0, 670.0, 857.0, 707.0), (480.0, 720.0, 726.0, 750.0),
                     (660.0, 300.0, 700.0, 330.0), (660.0, 300.0, 700.0, 330.0), (900.0, 100.0, 1000.0, 130.0)]


def test_a_box_at_the_photos_own_edge_is_not_cut_and_tall_text_joins_across_a_horizontal_edge():
    top, bottom = Box(0, 0, 800, 560), Box(0, 464, 800, 1000)
    found = [
        (0, _quad(0, 100, 200, 130)),  # at the photo's left edge: no inner edge, never joined
        (1, _quad(300, 600, 400, 620)),
        (0, _quad(500, 420, 560, 559)),  # tall letters cut by the top tile's bottom edge...
        (1, _quad(498, 465, 562, 620)),  # ... and their lower part in the tile below
    ]
    boxes = _boxes(joined_across_tiles(found, [top, bottom], 800, 1000))
    assert boxes == [(0.0, 100.0, 200.0, 130.0), (300.0, 600.0, 400.0, 620.0), (498.0, 420.0, 562.0, 620.0)]


def test_the_close_look_reads_a_sign_that_a_tile_edge_cuts_in_two_as_one_line(analyzer, config):
    rgb = np.full((1500, 2000, 3), 200, np.uint8)
    cuts = tiles([Box(0, 0, 2000, 1500)], config.text_regions)
    edge = int(cuts[0].x2)  # the first tile's right edge, inside the sign
    scale = cv2.getFontScaleFromHeight(FONT, 30, 2)
    (width, _), _ = cv2.getTextSize("WONDERLAND MARKET", FONT, scale, 2)
    cv2.putText(rgb, "WONDERLAND MARKET", (edge - width // 2, 700), FONT, scale, (20, 20, 20), 2, cv2.LINE_AA)
    read = read_tiles(analyzer.text_reader, rgb, cuts, [], config.text_regions)
    assert [line.text for line in read] == ["WONDERLAND MARKET"]


def test_the_tiles_with_text_are_those_where_the_map_reaches_the_threshold():
    boxes = [Box(0, 0, 1000, 800), Box(900, 0, 2000, 800), Box(0, 700, 1000, 1500), Box(900, 700, 2000, 1500)]
    found = np.zeros((750, 1000), np.float32)  # the map of a 2000 x 1500 image seen at 1000 px
    found[100, 300] = 0.002  # a faint response in the first tile only
    found[600, 300] = 0.0005  # below the threshold: nothing
    assert with_text(boxes, found, 0.001, 2000, 1500) == [0]
    found[370, 480] = 0.9  # where the four tiles overlap
    assert with_text(boxes, found, 0.001, 2000, 1500) == [0, 1, 2, 3]
    assert with_text(boxes, np.zeros((750, 1000), np.float32), 0.001, 2000, 1500) == []


class CountingReader:
    """The real reader, counting the tiles its detector reads."""

    def __init__(self, reader):
        self.reader, self.detect_side, self.tiles = reader, reader.detect_side, []

    def detect(self, rgb, detect_side):
        self.tiles.append(rgb.shape[:2])
        return self.reader.detect(rgb, detect_side)

    def __getattr__(self, name):
        return getattr(self.reader, name)


def test_the_close_look_reads_only_the_tiles_the_find_pass_points_at_and_follows_a_cut_line(analyzer, config):
    rgb = np.full((1500, 2000, 3), 170, np.uint8) + np.random.default_rng(1).integers(0, 20, (1500, 2000, 1), np.uint8)
    cuts = tiles([Box(0, 0, 2000, 1500)], config.text_regions)
    edge = int(cuts[0].x2)
    scale = cv2.getFontScaleFromHeight(FONT, 30, 2)
    (width, _), _ = cv2.getTextSize("WONDERLAND MARKET", FONT, scale, 2)
    cv2.putText(rgb, "WONDERLAND MARKET", (edge - width // 3, 250), FONT, scale, (20, 20, 20), 2, cv2.LINE_AA)
    reader = CountingReader(analyzer.text_reader.at_side(2000))
    found = reader.text_map(rgb, config.text_regions.close_look_find_side)
    start = with_text(cuts, found, config.text_regions.close_look_find_threshold, 2000, 1500)
    assert 0 < len(start) < len(cuts)  # the blank wall's tiles are left out
    read = read_tiles(reader, rgb, cuts, [], config.text_regions, 1.0, start)
    assert [line.text for line in read] == ["WONDERLAND MARKET"]
    assert len(start) <= len(reader.tiles) <= 4  # the tiles of the sign (and a tile the line runs into), no other
    blank = np.full((1500, 2000, 3), 170, np.uint8)
    assert with_text(cuts, reader.text_map(blank, 1000), 0.001, 2000, 1500) == []


class InkReader:
    """A stand-in reader: its detector finds the bounding box of the black pixels of each tile it is given, its
    recogniser reads every box as "INK"."""

    def __init__(self):
        self.tiles, self.recognised = [], []

    def detect(self, rgb, detect_side):
        self.tiles.append(rgb.shape[:2])
        ys, xs = np.nonzero(rgb[:, :, 0] == 0)
        return [_quad(xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)] if len(xs) else []

    def recognise(self, bgr, quads):
        self.recognised.append(len(quads))
        return [TextLine("INK", Box(*(float(v) for v in (*q.min(axis=0), *q.max(axis=0)))), 0.9) for q in quads]


def test_a_line_cut_by_the_edge_of_a_tile_read_leads_to_the_tile_it_runs_into(config):
    rgb = np.full((1500, 2000, 3), 255, np.uint8)
    rgb[300:330, 600:1000] = 0  # a line across the first tile's right edge (x 731) into the second tile
    cuts = [Box(0, 0, 731, 564), Box(635, 0, 1366, 564), Box(1270, 0, 2000, 564), Box(0, 468, 731, 1032)]
    reader = InkReader()
    read = read_tiles(reader, rgb, cuts, [], config.text_regions, 1.0, start=[0])
    assert len(reader.tiles) == 2  # the first tile, then the one the line runs into; not the others
    assert [(line.text, line.box) for line in read] == [("INK", Box(600, 300, 1000, 330))]  # joined, read once
    assert reader.recognised == [1]
    reader = InkReader()
    assert read_tiles(reader, rgb, cuts, [], config.text_regions, 1.0, start=[2, 3]) == [] and len(reader.tiles) == 2  # no ink there


class MosaicCounter(CountingReader):
    """Counts the backdrop band's reads (one mosaic each) besides the tiles."""

    def __init__(self, reader):
        super().__init__(reader)
        self.mosaics = 0

    def read(self, rgb, detect_side=None):
        self.mosaics += 1
        return self.reader.read(rgb, detect_side)


def test_the_close_look_reads_the_band_only_where_it_enlarges_it_unless_told(tmp_path, analyzer, config):
    image = cv2.imread(str(SAMPLES / "group_three_smiling.jpg"))
    big = cv2.resize(image, None, fx=2000 / max(image.shape[:2]), fy=2000 / max(image.shape[:2]))
    small = np.full_like(big, 150)  # the same group a quarter the size, far away in the middle of a wall
    h, w = big.shape[0] // 4, big.shape[1] // 4
    small[h * 2:h * 3, w * 2:w * 3] = cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA)
    # faces enlarged to 100 px high: the near group's (about 200 px at 2000) are not, the far group's (about 50) are
    closer = config.with_overrides({"text": {"detect_side": 2000}, "text_regions": {"backdrop_face_target": 100}}, "test")
    always = closer.with_overrides({"text_regions": {"close_look_band_unenlarged": True}}, "test")
    reader = analyzer.text_reader.at_side(2000)
    for name, rgb, band_read in (("near.jpg", big, False), ("far.jpg", small, True)):
        cv2.imwrite(str(tmp_path / name), rgb)
        first = analyzer.analyse(tmp_path / name, name)
        assert first.faces
        for settings, expected in ((closer, band_read), (always, True)):
            counter = MosaicCounter(reader)
            reread_texts(counter, close_look_photo(tmp_path / name, 2000, settings), first, settings)
            assert counter.mosaics == int(expected), (name, expected)
