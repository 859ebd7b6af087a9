"""NanoDet (COCO-80): people and objects."""

from __future__ import annotations

from importlib import resources

import cv2
import numpy as np

from photocheck.models.base import OnnxModel
from photocheck.models.preprocess import nms_per_label, softmax
from photocheck.records.analysis import Box, Detection

INPUT_SIZE = 416
MEAN_BGR = np.array([103.53, 116.28, 123.675], dtype=np.float32)
STD_BGR = np.array([57.375, 57.12, 58.395], dtype=np.float32)
CLASSES = 80
BINS = 11


def coco_labels() -> list[str]:
    text = resources.files("photocheck.data").joinpath("coco_labels.txt").read_text(encoding="utf-8")
    return text.split("\n")[:CLASSES]


class NanoDet(OnnxModel):
    name = "nanodet"

    def __init__(
        self, store, min_score: float, iou_threshold: float, ignored_labels: list[str],
        label_min_scores: dict[str, float] | None = None,
    ):
        """`label_min_scores` replaces `min_score` for the classes it names."""
        super().__init__(store)
        self.labels = coco_labels()
        self.min_scores = np.full(CLASSES, min_score, dtype=np.float32)
        for label, score in (label_min_scores or {}).items():
            self.min_scores[self.labels.index(label)] = score
        self.iou_threshold = iou_threshold
        self.ignored = {self.labels.index(label) for label in ignored_labels}
        # Outputs come as (scores [1,G*G,80], boxes [1,G*G,44]) per stride; pair them by grid size.
        by_cells: dict[int, dict[str, str]] = {}
        for output in self.session.get_outputs():
            cells, channels = output.shape[1], output.shape[2]
            by_cells.setdefault(cells, {})["scores" if channels == CLASSES else "boxes"] = output.name
        self.levels = sorted(
            ((int(round(np.sqrt(cells))), names["scores"], names["boxes"]) for cells, names in by_cells.items()),
            reverse=True,
        )

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """Detections in the pixels of `rgb` (the input is stretched to 416x416, as the model was trained)."""
        height, width = rgb.shape[:2]
        resized = cv2.resize(rgb, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_AREA)
        tensor = cv2.dnn.blobFromImage(resized, swapRB=True)  # float32 NCHW in BGR order, ~10x faster than numpy
        tensor -= MEAN_BGR[None, :, None, None]
        tensor /= STD_BGR[None, :, None, None]
        names = [name for _, scores, boxes in self.levels for name in (scores, boxes)]
        outputs = dict(zip(names, self.run(tensor, names)))

        all_boxes, all_scores, all_classes = [], [], []
        for grid, scores_name, boxes_name in self.levels:
            scores = outputs[scores_name][0]
            cell, cls = np.nonzero(scores >= self.min_scores)
            if cell.size == 0:
                continue
            distances = softmax(outputs[boxes_name][0][cell].reshape(-1, 4, BINS)) @ np.arange(BINS, dtype=np.float32)
            distances /= grid
            cx = (cell % grid + 0.5) / grid
            cy = (cell // grid + 0.5) / grid
            boxes = np.stack(
                [cx - distances[:, 0], cy - distances[:, 1], cx + distances[:, 2], cy + distances[:, 3]], axis=1
            )
            all_boxes.append(np.clip(boxes, 0.0, 1.0) * np.array([width, height, width, height], np.float32))
            all_scores.append(scores[cell, cls])
            all_classes.append(cls)
        if not all_boxes:
            return []
        boxes, scores, classes = np.concatenate(all_boxes), np.concatenate(all_scores), np.concatenate(all_classes)
        wanted = ~np.isin(classes, list(self.ignored))
        boxes, scores, classes = boxes[wanted], scores[wanted], classes[wanted]
        detections = [
            Detection(self.labels[classes[i]], Box(*boxes[i].tolist()), float(scores[i]))
            for i in nms_per_label(boxes, scores, classes, self.iou_threshold)
        ]
        return sorted(detections, key=lambda d: -d.score)
