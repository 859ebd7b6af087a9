"""Stage 1 for red flags: the scene model on regions of the photo, in one batch.

- crops around drink detections (bottle, wine glass, cup) -> ImageNet labels (beer bottle vs water bottle, ...);
- square tiles along the bottom of the photo (the ground) -> ImageNet labels (plastic bag, packet, ...), when
  `ground_tiles` > 0;
- regions around faces (wide enough to hold a hand at the mouth) and person boxes -> embeddings for taught kinds.
"""

from __future__ import annotations

import numpy as np

from photocheck.config import Section
from photocheck.models.efficientnet import INPUT_SIZE, EfficientNetLite0
from photocheck.models.preprocess import crop_resized
from photocheck.records.analysis import (
    Box, Detection, Face, RegionEmbedding, RegionLabels, SceneLabel, person_detections,
)


def ground_tiles(width: int, height: int, band_fraction: float, max_tiles: int) -> list[Box]:
    """Square tiles side by side across the bottom `band_fraction` of the image (evenly spread if they overlap);
    none when `max_tiles` is 0."""
    if max_tiles <= 0:
        return []
    side = min(height * band_fraction, width)
    count = max(1, min(max_tiles, round(width / side)))
    step = (width - side) / (count - 1) if count > 1 else 0.0
    left0 = 0.0 if count > 1 else (width - side) / 2
    return [Box(left0 + i * step, height - side, left0 + i * step + side, float(height)) for i in range(count)]


def people_regions(faces: list[Face], persons: list[Detection], settings: Section) -> list[tuple[str, Box]]:
    """The largest faces (widened) and person boxes, at most `max_faces` and `max_persons` of each."""
    largest_faces = sorted(faces, key=lambda face: -face.box.area)[: settings.max_faces]
    largest_persons = sorted(persons, key=lambda person: -person.box.area)[: settings.max_persons]
    return [("face", face.box.expanded_square(settings.face_region_factor)) for face in largest_faces] + [
        ("person", person.box.expanded_square(1.0)) for person in largest_persons
    ]


def drink_crops(objects: list[Detection], settings: Section) -> list[tuple[str, Box, Box]]:
    """(name, box reported, box cropped) of the first `max_drinks` drink detections: a drink is cropped square with
    some context but reported by its own box."""
    drinks = [d for d in objects if d.label in settings.drink_labels][: settings.max_drinks]
    return [(f"object:{d.label}", d.box, d.box.expanded_square(settings.drink_crop_factor)) for d in drinks]


def region_labels(
    labelled: list[tuple[str, Box, Box]], probabilities: np.ndarray, model: EfficientNetLite0, settings: Section,
    width: int, height: int,
) -> list[RegionLabels]:
    """The `top_labels` ImageNet labels of each (name, box reported, box cropped) region, its box clipped to the
    image."""
    labels = []
    for (name, box, _), row in zip(labelled, probabilities):
        top = np.argsort(-row)[: settings.top_labels]
        labels.append(RegionLabels(
            name, box.clipped(width, height), [SceneLabel(model.labels[i], int(i), float(row[i])) for i in top]
        ))
    return labels


def analyse_regions(
    rgb: np.ndarray, faces: list[Face], objects: list[Detection], model: EfficientNetLite0, settings: Section
) -> tuple[list[RegionLabels], list[RegionEmbedding]]:
    """Labels of drink crops and ground tiles, embeddings of people regions; boxes in the pixels of `rgb`."""
    height, width = rgb.shape[:2]
    labelled = drink_crops(objects, settings)
    labelled += [
        ("ground", tile, tile) for tile in ground_tiles(width, height, settings.ground_band, settings.ground_tiles)
    ]
    embedded = people_regions(faces, person_detections(objects), settings)
    crops = [crop for _, _, crop in labelled] + [box for _, box in embedded]
    if not crops:
        return [], []
    probabilities, embeddings = model.classify([crop_resized(rgb, box, INPUT_SIZE) for box in crops])

    labels = region_labels(labelled, probabilities, model, settings, width, height)
    vectors = [
        RegionEmbedding(name, box.clipped(width, height), vector.astype(np.float32))
        for (name, box), vector in zip(embedded, embeddings[len(labelled):])
    ]
    return labels, vectors
