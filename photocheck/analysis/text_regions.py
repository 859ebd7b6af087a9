"""A second, bounded text pass where small lettering is likely: T-shirt prints and signs behind a group.

The text detector sees the photo at `[text] detect_side` (640 px by default) and misses lettering about 15 px high
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
    reader: TextReader, rgb: np.ndarray, boxes: list[Box], seen: list[TextLine], settings: Section, zoom: float = 1.0
) -> list[TextLine]:
    """Lines read in each tile, the detector seeing it enlarged `zoom` times, in the pixels of `rgb`; a line that
    repeats one of `seen` or of another tile (tiles overlap; `settings`: [text_regions]) is left out."""
    found: list[TextLine] = []
    for box in boxes:
        x1, y1, x2, y2 = int(box.x1), int(box.y1), int(np.ceil(box.x2)), int(np.ceil(box.y2))
        crop = rgb[y1:y2, x1:x2]
        if min(crop.shape[:2]) < 8:
            continue
        for line in sorted(reader.read(crop, round(max(crop.shape[:2]) * zoom)), key=lambda line: -line.score):
            placed = TextLine(line.text, line.box.shifted(x1, y1), line.score)
            if not repeats(placed, seen + found, settings):
                found.append(placed)
    return found
