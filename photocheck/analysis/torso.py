"""Stage 1 colour sampling of what people wear: the torso under each face (or the upper body of a faceless person
box) and the neck just under the chin (where a neckerchief sits), each summarised as a few CIELAB colour clusters.

Colours are CIELAB (L 0..100, a and b about -128..127) after a grey-pixel white balance of the whole photo, so a
profile can name a shirt by hue, chroma and lightness and stay valid under warm or cool light. The stage-2 judge
(judges/uniform.py) matches these summaries against a uniform profile without touching pixels again.
"""

from __future__ import annotations

import cv2
import numpy as np

from photocheck.config import Section
from photocheck.records.analysis import Box, ColourCluster, Detection, Face, TorsoSample

TORSO_GRID = (10, 12)  # samples across x down: each is the mean of its cell (INTER_AREA), which also averages noise
NECK_GRID = (8, 6)
KMEANS_ITERATIONS = 8
CAST_SIDE = 80  # the colour cast is measured on about 80 x 60 pixels
LAB8_OFFSET = np.array([0, 128, 128], dtype=np.float32)
LAB8_SCALE = np.array([100 / 255, 1, 1], dtype=np.float32)
LIGHTNESS_WEIGHT = 0.5  # shading on one shirt differs mostly in L: weigh it less so a shirt stays one cluster


def lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (L 0..100, a, b) of uint8 RGB pixels (any shape ending in 3), float32.

    OpenCV's 8-bit conversion (a lookup table, ~50x faster than its float path; within 2 units of it) rescaled.
    """
    lab8 = cv2.cvtColor(np.ascontiguousarray(rgb.reshape(1, -1, 3)), cv2.COLOR_RGB2LAB).reshape(rgb.shape)
    return (lab8.astype(np.float32) - LAB8_OFFSET) * LAB8_SCALE


def colour_cast(rgb: np.ndarray, settings: Section) -> tuple[float, float]:
    """The photo's (a, b) cast: the median of its near-neutral pixels, capped (grey-pixel white balance).

    Near-neutral pixels (chroma below `neutral_chroma`) are greys and whites in a neutral light; their median
    drifts with the illuminant, while saturated grass or sky, which would fool a plain grey-world mean, is left out.
    """
    step = max(1, max(rgb.shape[:2]) // CAST_SIDE)
    values = lab(rgb[::step, ::step]).reshape(-1, 3)  # strided: a statistic of thousands of pixels needs no filter
    chroma = np.hypot(values[:, 1], values[:, 2])
    neutral = values[(chroma < settings.neutral_chroma) & (values[:, 0] > 15)]
    if len(neutral) < 32:
        return 0.0, 0.0
    cast = np.median(neutral[:, 1:], axis=0) * settings.white_balance_strength
    norm = float(np.hypot(*cast))
    if norm > settings.max_cast:
        cast *= settings.max_cast / norm
    return float(cast[0]), float(cast[1])


def torso_box(face: Box, settings: Section) -> Box:
    """The chest below a face, scaled by the face size (working or original pixels alike)."""
    return _under(face, settings.torso_width, settings.torso_gap, settings.torso_height)


def neck_box(face: Box, settings: Section) -> Box:
    """Just under the chin, where a neckerchief sits."""
    return _under(face, settings.neck_width, settings.neck_gap, settings.neck_height)


def _under(face: Box, width: float, gap: float, height: float) -> Box:
    """A box centred under `face`, `gap` face heights below its chin: `width` face widths by `height` face heights."""
    cx = (face.x1 + face.x2) / 2
    half = face.width * width / 2
    top = face.y2 + face.height * gap
    return Box(cx - half, top, cx + half, top + face.height * height)


def person_torso_box(person: Box, settings: Section) -> Box:
    """The upper-middle part of a person box (a back or a hidden face still shows the shirt)."""
    margin = person.width * (1 - settings.person_torso_width) / 2
    top = person.y1 + person.height * settings.person_torso_top
    return Box(person.x1 + margin, top, person.x2 - margin, top + person.height * settings.person_torso_height)


def sample_torsos(rgb: np.ndarray, faces: list[Face], persons: list[Detection], settings: Section) -> list[TorsoSample]:
    """One sample per face whose torso is in the frame, then one per person box that holds no face centre.

    Boxes are in the pixels of `rgb`; the caller scales them to original pixels.
    """
    height, width = rgb.shape[:2]
    cast = np.array([0.0, *colour_cast(rgb, settings)], dtype=np.float32)  # subtracted from every Lab sample
    regions: list[tuple[str, int, Box, Box | None]] = []
    for index, face in enumerate(faces):
        torso = _visible(torso_box(face.box, settings), width, height, settings.min_visible)
        if torso is not None:
            neck = _visible(neck_box(face.box, settings), width, height, settings.min_visible)
            regions.append(("face", index, torso, neck))
    for index, person in enumerate(persons):
        if any(person.box.contains(face.box.center) for face in faces):
            continue
        torso = _visible(person_torso_box(person.box, settings), width, height, settings.min_visible)
        if torso is not None:
            regions.append(("person", index, torso, None))
    if not regions:
        return []

    torso_pixels = np.stack([_grid(rgb, torso, TORSO_GRID) for _, _, torso, _ in regions])
    torso_colours = colour_clusters(lab(torso_pixels) - cast, settings.clusters)
    necks = [(i, neck) for i, (_, _, _, neck) in enumerate(regions) if neck is not None]
    neck_colours: dict[int, list[ColourCluster]] = {}
    if necks:
        neck_pixels = np.stack([_grid(rgb, neck, NECK_GRID) for _, neck in necks])
        clustered = colour_clusters(lab(neck_pixels) - cast, settings.clusters)
        neck_colours = {i: colours for (i, _), colours in zip(necks, clustered)}
    return [
        TorsoSample(box=torso, source=source, index=index, colours=torso_colours[i], neck=neck_colours.get(i, []))
        for i, (source, index, torso, _) in enumerate(regions)
    ]


def _visible(box: Box, width: int, height: int, min_visible: float) -> Box | None:
    """The part of `box` inside the frame, or None when less than `min_visible` of it (or under 2 px) is."""
    inside = box.clipped(width, height)
    if inside.width < 2 or inside.height < 2 or inside.area < min_visible * box.area:
        return None
    return inside


def _grid(rgb: np.ndarray, box: Box, grid: tuple[int, int]) -> np.ndarray:
    x1, y1 = int(box.x1), int(box.y1)
    x2, y2 = max(int(np.ceil(box.x2)), x1 + 1), max(int(np.ceil(box.y2)), y1 + 1)
    crop = rgb[y1:y2, x1:x2]
    interpolation = cv2.INTER_AREA if crop.shape[0] >= grid[1] and crop.shape[1] >= grid[0] else cv2.INTER_LINEAR
    return cv2.resize(crop, grid, interpolation=interpolation).reshape(-1, 3)


def colour_clusters(samples: np.ndarray, k: int) -> list[list[ColourCluster]]:
    """Per region ([R, N, 3] Lab samples) up to k k-means clusters, largest share first; all regions at once.

    Deterministic: the first centre is the sample nearest the region's median, each next the sample farthest from
    the centres so far.
    """
    weights = np.array([LIGHTNESS_WEIGHT, 1.0, 1.0], dtype=np.float32)
    points = samples * weights
    regions, count, _ = points.shape
    rows = np.arange(regions)
    first = np.argmin(_distances(points, np.median(points, axis=1, keepdims=True))[:, :, 0], axis=1)
    centres = points[rows, first][:, None]  # [R, 1, 3]
    for _ in range(1, k):
        farthest = np.argmax(_distances(points, centres).min(axis=2), axis=1)
        centres = np.concatenate([centres, points[rows, farthest][:, None]], axis=1)
    for _ in range(KMEANS_ITERATIONS):
        onehot = (np.argmin(_distances(points, centres), axis=2)[:, :, None] == np.arange(k)).astype(np.float32)
        sizes = onehot.sum(1)  # [R, k]
        sums = onehot.transpose(0, 2, 1) @ points
        centres = np.where(sizes[:, :, None] > 0, sums / np.maximum(sizes, 1)[:, :, None], centres)
    labels = np.argmin(_distances(points, centres), axis=2)
    sizes = (labels[:, :, None] == np.arange(k)).sum(1)
    result = []
    for region in range(regions):
        order = np.argsort(-sizes[region], kind="stable")
        result.append([
            ColourCluster(
                lab=tuple(round(float(v), 1) for v in centres[region, c] / weights),
                share=round(float(sizes[region, c]) / count, 3),
            )
            for c in order if sizes[region, c] > 0
        ])
    return result


def _distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Squared distances [R, N, K] between points [R, N, 3] and centres [R, K, 3]."""
    cross = points @ centres.transpose(0, 2, 1)
    return (points**2).sum(-1)[:, :, None] - 2 * cross + (centres**2).sum(-1)[:, None, :]
