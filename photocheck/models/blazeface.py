"""BlazeFace (MediaPipe back-camera model) run on overlapping tiles, so small faces in group photos are found."""

from __future__ import annotations

import numpy as np

from photocheck.models.base import OnnxModel
from photocheck.models.preprocess import crop_resized, nms, sigmoid
from photocheck.records.analysis import Box

INPUT_SIZE = 256


def _anchors() -> np.ndarray:
    """896 anchor centres in model pixels: 16x16 cells x 2 at stride 16, then 8x8 cells x 6 at stride 32."""
    centres = []
    for grid, stride, per_cell in ((16, 16, 2), (8, 32, 6)):
        ys, xs = np.mgrid[0:grid, 0:grid]
        cells = np.stack([(xs.ravel() + 0.5) * stride, (ys.ravel() + 0.5) * stride], axis=1)
        centres.append(np.repeat(cells, per_cell, axis=0))
    return np.concatenate(centres).astype(np.float32)


class BlazeFace(OnnxModel):
    name = "blazeface"

    def __init__(self, store, min_score: float, iou_threshold: float, tile_size: int, tile_overlap: float):
        super().__init__(store)
        self.anchors = _anchors()
        self.min_score = min_score
        self.iou_threshold = iou_threshold
        self.tile_size = tile_size
        self.tile_overlap = tile_overlap
        # The graph splits its 896 anchors into a 512-anchor (stride 16) and a 384-anchor (stride 32) head, each
        # with a score output [1,A,1] and a regressor output [1,A,16]; order them to match the anchor table.
        outputs = sorted(self.session.get_outputs(), key=lambda o: (-o.shape[1], o.shape[2]))
        self.score_outputs = [o.name for o in outputs if o.shape[2] == 1]
        self.regressor_outputs = [o.name for o in outputs if o.shape[2] == 16]

    def detect(self, rgb: np.ndarray) -> list[tuple[Box, float]]:
        """Faces as (box, score) in the pixels of `rgb`: whole image plus overlapping tiles, merged by NMS."""
        height, width = rgb.shape[:2]
        windows = [Box(0, 0, max(width, height), max(width, height))] + self._tiles(width, height)
        boxes, scores = [], []
        for window in windows:
            crop = crop_resized(rgb, window, INPUT_SIZE)
            tensor = (crop.astype(np.float32) / 127.5 - 1.0)[None]
            found_boxes, found_scores = self._decode(*self._raw(tensor), window)
            boxes.append(found_boxes)
            scores.append(found_scores)
        all_boxes = np.concatenate(boxes)
        all_scores = np.concatenate(scores)
        keep = nms(all_boxes, all_scores, self.iou_threshold)
        return [
            (Box(*all_boxes[i]).clipped(width, height), float(all_scores[i]))
            for i in keep
        ]

    def _tiles(self, width: int, height: int) -> list[Box]:
        size = self.tile_size
        if max(width, height) <= size * 1.25:  # the whole-image pass already sees faces at this scale
            return []
        step = size * (1.0 - self.tile_overlap)
        tiles = []
        for y in _starts(height, size, step):
            for x in _starts(width, size, step):
                tiles.append(Box(x, y, x + size, y + size))
        return tiles

    def _raw(self, tensor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Score logits [896] and regressors [896, 16] (centre offset, size, 6 landmarks) in anchor order."""
        values = self.run(tensor, self.score_outputs + self.regressor_outputs)
        logits = np.concatenate([v.reshape(-1) for v in values[: len(self.score_outputs)]])
        regressors = np.concatenate([v.reshape(-1, 16) for v in values[len(self.score_outputs) :]])
        return logits, regressors

    def _decode(self, logits: np.ndarray, regressors: np.ndarray, window: Box) -> tuple[np.ndarray, np.ndarray]:
        scores = sigmoid(logits)
        mask = scores >= self.min_score
        if not mask.any():
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
        raw, scores, anchors = regressors[mask], scores[mask], self.anchors[mask]
        cx = raw[:, 0] + anchors[:, 0]
        cy = raw[:, 1] + anchors[:, 1]
        half_w, half_h = raw[:, 2] / 2, raw[:, 3] / 2
        scale = window.width / INPUT_SIZE
        boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1) * scale
        boxes += np.array([window.x1, window.y1, window.x1, window.y1], dtype=np.float32)
        return boxes.astype(np.float32), scores.astype(np.float32)


def _starts(length: int, size: int, step: float) -> list[float]:
    """Tile origins covering [0, length): evenly stepped, the last one flush with the far edge."""
    if length <= size:
        return [0.0]
    count = int(np.ceil((length - size) / step)) + 1
    return list(np.linspace(0.0, length - size, count))
