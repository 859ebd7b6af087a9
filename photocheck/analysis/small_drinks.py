"""The selection's close look for small drinks: the object detector on tiles of the photo decoded larger.

NanoDet sees the whole working image stretched to 416 px, so a plastic cup of beer in a hand, wine bottles on far
tables or a beer crate in the background are a few pixels there and go unseen. On the candidate picks the photo is
decoded at `[regions] close_look_drink_side` and cut into `close_look_drink_tiles` overlapping tiles along its longer
side, each seen by NanoDet at its own 416 px; the drinks found there that the first look did not find are added to the
analysis with their crop labels (the scene model on the enlarged crops), so the alcohol judge weighs them like any
other drink. Their boxes are in original pixels.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from photocheck.analysis.loading import LoadedPhoto
from photocheck.analysis.regions import drink_crops, region_labels
from photocheck.config import Config
from photocheck.models.efficientnet import INPUT_SIZE, EfficientNetLite0
from photocheck.models.nanodet import NanoDet
from photocheck.models.preprocess import crop_resized, nms_per_label
from photocheck.records.analysis import Box, Detection, PhotoAnalysis


def is_on(config: Config) -> bool:
    """Off when `[regions] close_look_drink_side` is 0."""
    return config.regions.close_look_drink_side > 0


def drink_tiles(width: int, height: int, along_longer_side: int, overlap: float) -> list[Box]:
    """Overlapping tiles covering a `width` x `height` image: `along_longer_side` along its longer side and, along
    the shorter, as many as keep them about square (at least one); neighbours share `overlap` of a tile's side, so a
    drink cut by one tile's edge lies whole in the next."""
    longer, shorter = max(width, height), min(width, height)
    across = max(1, round(along_longer_side * shorter / longer))

    def spans(size: int, count: int) -> list[tuple[float, float]]:
        if count <= 1:
            return [(0.0, float(size))]
        side = size / (count - (count - 1) * overlap)
        step = (size - side) / (count - 1)
        return [(i * step, i * step + side) for i in range(count)]

    columns = spans(width, along_longer_side if width >= height else across)
    rows = spans(height, across if width >= height else along_longer_side)
    return [Box(x1, y1, x2, y2) for y1, y2 in rows for x1, x2 in columns]


def drinks_in_tiles(detector: NanoDet, rgb: np.ndarray, tiles: list[Box], labels: list[str],
                    iou_threshold: float) -> list[Detection]:
    """The detections of `labels` in each tile of `rgb`, in the pixels of `rgb`; a drink seen by two overlapping
    tiles is kept once (per-label non-maximum suppression, the detector's own `iou_threshold`)."""
    found = []
    for tile in tiles:
        x1, y1, x2, y2 = (int(round(v)) for v in (tile.x1, tile.y1, tile.x2, tile.y2))
        found += [
            Detection(d.label, d.box.shifted(x1, y1), d.score)
            for d in detector.detect(rgb[y1:y2, x1:x2]) if d.label in labels
        ]
    if not found:
        return []
    boxes = np.array([d.box.to_list() for d in found], dtype=np.float32)
    scores = np.array([d.score for d in found], dtype=np.float32)
    kept = nms_per_label(boxes, scores, np.array([d.label for d in found]), iou_threshold)
    return sorted((found[i] for i in kept), key=lambda d: -d.score)


def look_for_drinks(
    detector: NanoDet, scene_model: EfficientNetLite0, photo: LoadedPhoto, analysis: PhotoAnalysis, config: Config
) -> PhotoAnalysis:
    """`analysis` with the drinks found in tiles of `photo` (decoded at `close_look_drink_side`, never above its
    original size) that no first-look detection of the same label overlaps (`[objects] iou_threshold`), and their
    crop labels; every other field kept."""
    settings = config.regions
    height, width = photo.rgb.shape[:2]
    tiles = drink_tiles(width, height, settings.close_look_drink_tiles, settings.close_look_drink_tile_overlap)
    iou_threshold = config.objects.iou_threshold
    to_photo = 1 / photo.scale
    seen = [d for d in analysis.objects if d.label in settings.drink_labels]
    new = [
        found for found in drinks_in_tiles(detector, photo.rgb, tiles, settings.drink_labels, iou_threshold)
        if not any(d.label == found.label and d.box.scaled(to_photo).iou(found.box) >= iou_threshold for d in seen)
    ]
    labelled = drink_crops(new, settings)
    labels = []
    if labelled:
        probabilities, _ = scene_model.classify([crop_resized(photo.rgb, crop, INPUT_SIZE) for _, _, crop in labelled])
        labels = region_labels(labelled, probabilities, scene_model, settings, width, height)
    return replace(
        analysis,
        objects=analysis.objects + [replace(d, box=d.box.scaled(photo.scale)) for d in new],
        object_classes=analysis.object_classes + [replace(r, box=r.box.scaled(photo.scale)) for r in labels],
    )
