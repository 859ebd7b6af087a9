"""A second, bounded text pass where small lettering is likely: T-shirt prints and signs behind a group.

The text detector sees the photo at `[text] detect_side` (800 px by default) and misses lettering about 15 px high
in the working image: a shop sign behind a crowd, a brand printed on a T-shirt. Its probability map is empty there
(on youth_dev's "BIERHUIS" sign its maximum is 1e-5), so the first pass cannot point at them; reading the whole photo
enlarged finds them but costs about 0.8 s a photo (the selection's close look). Here only the places where such
lettering is likely are enlarged, by a prior from the faces:

- the **backdrop**: the band at and just above the heads, over the whole width (shop signs, banners behind people);
- the **chest** below each face large enough to carry legible print (largest faces first; off by default).

Each region is enlarged so that its faces become about `backdrop_face_target` or `chest_face_target` pixels high
(between 1x and `max_zoom`x), and the regions are packed in that order into one mosaic of at most `max_pixels`
pixels: a chest that no longer fits is left out, the backdrop band is cut to the room there is (keeping its part by
the heads). The detector and the recogniser run once on the mosaic, at its own size (at most the detector's
2000 px). Read lines are mapped back to the photo; lines the first pass already read are dropped (overlapping and
reading alike, photocheck/analysis/text_lines.py). Logos without letters stay out of reach: OCR reads letters only.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from photocheck.analysis.loading import LoadedPhoto
from photocheck.analysis.text_lines import repeats
from photocheck.analysis.torso import torso_box
from photocheck.analysis.union_find import UnionFind
from photocheck.config import Section
from photocheck.models.text_reader import TextReader
from photocheck.records.analysis import Box, TextLine

FILL = 127  # grey between tiles: no edges, so the detector never joins text across two tiles


@dataclass(frozen=True)
class Region:
    box: Box  # working pixels
    zoom: float
    trimmable: bool = False  # when it does not fit, its top is cut off until it does (a band keeps the part by the heads)


@dataclass(frozen=True)
class Tile:
    source: Box  # working pixels (whole pixels)
    x: int  # top-left corner in the mosaic
    y: int
    width: int
    height: int

    def holds(self, point: tuple[float, float]) -> bool:
        return self.x <= point[0] < self.x + self.width and self.y <= point[1] < self.y + self.height

    def to_source(self, box: Box) -> Box:
        """A box in mosaic pixels, mapped back into working pixels (clipped to this tile's source)."""
        sx, sy = self.source.width / self.width, self.source.height / self.height
        mapped = box.shifted(-self.x, -self.y).scaled(sx, sy).shifted(self.source.x1, self.source.y1)
        return Box(
            min(max(mapped.x1, self.source.x1), self.source.x2), min(max(mapped.y1, self.source.y1), self.source.y2),
            max(min(mapped.x2, self.source.x2), self.source.x1), max(min(mapped.y2, self.source.y2), self.source.y1),
        )


def _zoom(face_height: float, face_target: float, settings: Section) -> float:
    return float(np.clip(face_target / max(face_height, 1.0), 1.0, settings.max_zoom))


def likely_regions(width: int, height: int, faces: list[Box], settings: Section) -> list[Region]:
    """Where small lettering is likely, in reading priority: the backdrop band, then chests of the largest faces."""
    if not faces:
        return []
    regions = []
    if settings.backdrop_above > 0:
        face_height = float(np.median([face.height for face in faces]))
        top = min(face.y1 for face in faces)
        band = Box(0, top - settings.backdrop_above * face_height, width, top + settings.backdrop_below * face_height)
        regions.append(
            Region(band.clipped(width, height), _zoom(face_height, settings.backdrop_face_target, settings), True)
        )
    legible = sorted((face for face in faces if face.height >= settings.min_face), key=lambda face: -face.height)
    regions += [
        Region(torso_box(face, settings).clipped(width, height), _zoom(face.height, settings.chest_face_target, settings))
        for face in legible[: settings.max_chests]
    ]
    return [region for region in regions if region.box.width >= 2 and region.box.height >= 2]


def _pieces(region: Region, settings: Section) -> list[tuple[Box, float]]:
    """The region cut, when enlarged wider than the mosaic, into overlapping vertical strips that fit it."""
    box, zoom = region.box, region.zoom
    strip = settings.mosaic_width / zoom  # working pixels per strip
    if box.width <= strip:
        return [(box, zoom)]
    step = strip * (1 - settings.strip_overlap)
    starts = list(np.arange(box.x1, box.x2 - strip, step)) + [box.x2 - strip]
    return [(Box(float(x), box.y1, float(x) + strip, box.y2), zoom) for x in starts]


def _sized_pieces(region: Region, width: int, height: int, settings: Section) -> list[tuple[Box, tuple[int, int]]]:
    """The region's pieces in whole working pixels, each with its enlarged size (width, height) in the mosaic."""
    pieces = []
    for box, zoom in _pieces(region, settings):
        x1, y1 = int(box.x1), int(box.y1)
        x2, y2 = min(width, max(int(np.ceil(box.x2)), x1 + 1)), min(height, max(int(np.ceil(box.y2)), y1 + 1))
        if y2 > y1:
            pieces.append((Box(x1, y1, x2, y2), (min(settings.mosaic_width, round((x2 - x1) * zoom)), round((y2 - y1) * zoom))))
    return pieces


def build_mosaic(rgb: np.ndarray, regions: list[Region], settings: Section) -> tuple[np.ndarray | None, list[Tile]]:
    """The regions enlarged and packed in shelves (in order, while they fit in `max_pixels`; a trimmable one is cut
    to the room left)."""
    height, width = rgb.shape[:2]
    crops: list[tuple[Box, np.ndarray]] = []
    used = 0
    for region in regions:
        pieces = _sized_pieces(region, width, height, settings)
        cost = sum(w * h for _, (w, h) in pieces)
        if used + cost > settings.max_pixels and region.trimmable:
            box = region.box
            kept = box.height * (settings.max_pixels - used) / cost - 1  # -1: whole-pixel rounding
            if kept <= 0:  # not even a row of it fits
                continue
            region = Region(Box(box.x1, box.y2 - kept, box.x2, box.y2), region.zoom)
            pieces = _sized_pieces(region, width, height, settings)
            cost = sum(w * h for _, (w, h) in pieces)
        if used + cost > settings.max_pixels or not pieces:
            continue
        used += cost
        for source, size in pieces:
            crop = rgb[int(source.y1):int(source.y2), int(source.x1):int(source.x2)]
            crops.append((source, cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC)))
    if not crops:
        return None, []
    gap = settings.gap
    tiles, x, y, shelf = [], 0, 0, 0
    for source, image in sorted(crops, key=lambda crop: -crop[1].shape[0]):
        h, w = image.shape[:2]
        if x and x + w > settings.mosaic_width:
            x, y, shelf = 0, y + shelf + gap, 0
        tiles.append((Tile(source, x, y, w, h), image))
        x, shelf = x + w + gap, max(shelf, h)
    mosaic = np.full((y + shelf, max(t.x + t.width for t, _ in tiles), 3), FILL, dtype=np.uint8)
    for tile, image in tiles:
        mosaic[tile.y:tile.y + tile.height, tile.x:tile.x + tile.width] = image
    return mosaic, [tile for tile, _ in tiles]


def read_likely_text(
    reader: TextReader, photo: LoadedPhoto, faces: list[Box], read: list[TextLine], settings: Section
) -> list[TextLine]:
    """Lines in the likely regions of the photo that the first pass did not read, in original pixels.

    `faces` are in working pixels (the pipeline's), `read` (the first pass's lines) in original pixels.
    """
    if settings.max_pixels <= 0:
        return []
    height, width = photo.rgb.shape[:2]
    mosaic, tiles = build_mosaic(photo.rgb, likely_regions(width, height, faces, settings), settings)
    if mosaic is None:
        return []
    found: list[TextLine] = []
    seen = list(read)
    for line in sorted(reader.read(mosaic, max(mosaic.shape[:2])), key=lambda line: -line.score):
        tile = next((tile for tile in tiles if tile.holds(line.box.center)), None)
        if tile is None:
            continue
        placed = TextLine(line.text, tile.to_source(line.box).scaled(photo.scale), line.score)
        if placed.box.area > 0 and not repeats(placed, seen, settings):
            found.append(placed)
            seen.append(placed)
    return found


def grown(box: Box, margin: float, width: int, height: int) -> Box:
    """`box` grown by `margin` times its height on every side, inside the photo."""
    pad = margin * box.height
    return Box(box.x1 - pad, box.y1 - pad, box.x2 + pad, box.y2 + pad).clipped(width, height)


def _joined(boxes: list[Box]) -> list[Box]:
    """Overlapping boxes joined into their bounding box wherever that reads no more pixels than the two apart."""
    joined: list[Box] = []
    for box in sorted(boxes, key=lambda box: -box.area):
        for i, other in enumerate(joined):
            both = Box(min(box.x1, other.x1), min(box.y1, other.y1), max(box.x2, other.x2), max(box.y2, other.y2))
            if box.intersection(other) > 0 and both.area <= box.area + other.area:
                joined[i] = both
                break
        else:
            joined.append(box)
    return joined if len(joined) == len(boxes) else _joined(joined)


def _spans(start: float, length: float, most: float, overlap: float) -> list[tuple[float, float]]:
    """(start, length) of the fewest pieces at most `most` long, overlapping by `overlap`, that cover a span."""
    if length <= most:
        return [(start, length)]
    count = int(np.ceil((length - overlap) / (most - overlap)))
    piece = (length + (count - 1) * overlap) / count
    return [(start + i * (piece - overlap), piece) for i in range(count)]


def tiles(places: list[Box], settings: Section, zoom: float = 1.0) -> list[Box]:
    """The places to read (photo pixels, joined where they overlap), each cut when larger than
    `close_look_tile_pixels` into overlapping tiles (`close_look_tile_overlap` pixels) of at most that many pixels
    once enlarged `zoom` times, so the detector's memory stays bounded whatever the photo."""
    most, overlap = settings.close_look_tile_pixels / zoom**2, settings.close_look_tile_overlap / zoom
    side = float(np.sqrt(most))
    cut = []
    for place in _joined([place for place in places if place.width >= 1 and place.height >= 1]):
        if place.area <= most:
            cut.append(place)
            continue
        tall = min(place.height, side) if place.width >= place.height else min(place.height, most / min(place.width, side))
        wide = most / tall
        cut += [
            Box(x, y, x + w, y + h)
            for y, h in _spans(place.y1, place.height, tall, overlap)
            for x, w in _spans(place.x1, place.width, wide, overlap)
        ]
    return cut


def read_tiles(
    reader: TextReader, rgb: np.ndarray, boxes: list[Box], seen: list[TextLine], settings: Section,
    zoom: float = 1.0, start: list[int] | None = None,
) -> list[TextLine]:
    """Lines read in the tiles `boxes` of `rgb`, the detector seeing each tile enlarged `zoom` times, in the pixels of
    `rgb`: the tiles `start` (all of them by default), then each other tile a line read so far runs into (a line
    reaching an inner edge of its tile, :func:`_cut_by`), until no line does. The detector runs per tile, the
    recogniser once on the lines of all tiles: a line cut by a tile's edge is joined with its other part read in the
    next tile (:func:`joined_across_tiles`), so it is read whole. A line that repeats one of `seen` or another line
    (`settings`: [text_regions]) is left out."""
    height, width = rgb.shape[:2]
    cut = [_whole_pixels(box, width, height) for box in boxes]
    todo = list(range(len(cut))) if start is None else sorted(set(start))
    done: set[int] = set()
    found: list[tuple[int, np.ndarray]] = []  # (tile, quadrilateral in the pixels of rgb)
    while todo:
        index = todo.pop(0)
        done.add(index)
        tile = cut[index]
        x1, y1, x2, y2 = int(tile.x1), int(tile.y1), int(tile.x2), int(tile.y2)
        if min(x2 - x1, y2 - y1) < 8:
            continue
        crop = rgb[y1:y2, x1:x2]
        quads = [quad + np.float32([x1, y1]) for quad in reader.detect(crop, round(max(crop.shape[:2]) * zoom))]
        found += [(index, quad) for quad in quads]
        for quad in quads:
            box = _box(quad)
            if any(_cut_by(box, tile, width, height)):
                reach = max(EDGE, box.height)
                beyond = Box(box.x1 - reach, box.y1 - reach, box.x2 + reach, box.y2 + reach)
                todo += [other for other, place in enumerate(cut)
                         if other not in done and other not in todo and place.intersection(beyond) > 0]
    quads = joined_across_tiles(found, cut, width, height)
    kept: list[TextLine] = []
    for line in sorted(reader.recognise(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), quads), key=lambda line: -line.score):
        if not repeats(line, seen + kept, settings):
            kept.append(line)
    return kept


def _whole_pixels(box: Box, width: int, height: int) -> Box:
    return Box(int(box.x1), int(box.y1), min(width, int(np.ceil(box.x2))), min(height, int(np.ceil(box.y2))))


def with_text(boxes: list[Box], probabilities: np.ndarray, threshold: float, width: int, height: int) -> list[int]:
    """The indices of the `boxes` (in the pixels of an image `width` x `height`) where the text detector's map
    `probabilities` of that image reaches `threshold` anywhere."""
    sx, sy = probabilities.shape[1] / width, probabilities.shape[0] / height
    found = []
    for index, box in enumerate(boxes):
        x1, y1 = int(box.x1 * sx), int(box.y1 * sy)
        x2, y2 = max(x1 + 1, int(np.ceil(box.x2 * sx))), max(y1 + 1, int(np.ceil(box.y2 * sy)))
        if float(probabilities[y1:y2, x1:x2].max(initial=0.0)) >= threshold:
            found.append(index)
    return found


# A box detected within this share of its own height (or EDGE pixels) of an inner edge of its tile is cut by it: the
# detector's boxes stop a few pixels short of an image's edge.
EDGE, EDGE_SHARE = 2.0, 0.5
SAME_ROW = 0.5  # two parts of one cut line overlap across the cut by at least this share of the smaller one


def _box(quad: np.ndarray) -> Box:
    (x1, y1), (x2, y2) = quad.min(axis=0), quad.max(axis=0)
    return Box(float(x1), float(y1), float(x2), float(y2))


def _cut_by(box: Box, tile: Box, width: int, height: int) -> tuple[bool, bool]:
    """Whether `box`, detected in `tile`, reaches one of its inner edges: a left or right one (cut across its
    width), a top or bottom one (cut across its height). The photo's own edges cut nothing."""
    near = max(EDGE, EDGE_SHARE * box.height)
    across_width = (box.x1 <= tile.x1 + near and tile.x1 > 0) or (box.x2 >= tile.x2 - near and tile.x2 < width)
    across_height = (box.y1 <= tile.y1 + near and tile.y1 > 0) or (box.y2 >= tile.y2 - near and tile.y2 < height)
    return across_width, across_height


def _overlap(a1: float, a2: float, b1: float, b2: float) -> float:
    return max(0.0, min(a2, b2) - max(a1, b1))


def joined_across_tiles(
    found: list[tuple[int, np.ndarray]], tiles: list[Box], width: int, height: int
) -> list[np.ndarray]:
    """The quadrilaterals `found` (each with the index of the tile it was detected in), with the parts of a line that
    tiles cut joined into one box: a box touching an inner edge of its tile is joined with each overlapping box of
    another tile on the same row (cut across its width: they overlap vertically by SAME_ROW of the smaller one) or
    column (cut across its height), and so on until nothing joins. A line read whole in one tile and in part in the
    next is joined too (one box, one reading)."""
    boxes = [_box(quad) for _, quad in found]
    parts = UnionFind(len(found))

    for i, (tile_i, _) in enumerate(found):
        across_width, across_height = _cut_by(boxes[i], tiles[tile_i], width, height)
        if not (across_width or across_height):
            continue
        a = boxes[i]
        for j, (tile_j, _) in enumerate(found):
            b = boxes[j]
            if tile_j == tile_i or a.intersection(b) <= 0:
                continue
            same_row = _overlap(a.y1, a.y2, b.y1, b.y2) >= SAME_ROW * min(a.height, b.height)
            same_column = _overlap(a.x1, a.x2, b.x1, b.x2) >= SAME_ROW * min(a.width, b.width)
            if (across_width and same_row) or (across_height and same_column):
                parts.union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(len(found)):
        groups.setdefault(parts.find(i), []).append(i)
    quads = []
    for members in groups.values():
        if len(members) == 1:
            quads.append(found[members[0]][1])
            continue
        x1, y1 = min(boxes[i].x1 for i in members), min(boxes[i].y1 for i in members)
        x2, y2 = max(boxes[i].x2 for i in members), max(boxes[i].y2 for i in members)
        quads.append(np.float32([[x1, y1], [x2, y1], [x2, y2], [x1, y2]]))
    return quads
