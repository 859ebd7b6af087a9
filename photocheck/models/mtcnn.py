"""MTCNN face detector (ipazc/mtcnn weights): P-Net over an image pyramid, then R-Net and O-Net refine the boxes.

The three networks take NHWC input with width and height swapped (they were exported from a column-major
implementation), so every tensor is fed as `transpose(0, 2, 1, 3)`; P-Net's output maps come back swapped too.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from photocheck.models.base import OnnxModel
from photocheck.models.preprocess import crop_resized, nms
from photocheck.records.analysis import Box

PNET_STRIDE = 2
PNET_WINDOW = 12  # P-Net sees 12-px windows, so a face of min_face px is scaled to 12 px by the largest scale
# Overlap thresholds of the reference implementation: within one pyramid scale, across scales, after R-Net and
# after O-Net (the last one over the smaller box).
NMS_PER_SCALE, NMS_ACROSS_SCALES, NMS_REFINED, NMS_FINAL = 0.5, 0.7, 0.7, 0.7


def _normalised(rgb: np.ndarray) -> np.ndarray:
    """RGB uint8 [N, H, W, 3] -> the nets' input: (x - 127.5) / 128, width and height swapped."""
    return ((rgb.astype(np.float32) - 127.5) * 0.0078125).transpose(0, 2, 1, 3)


class ProposalNet(OnnxModel):
    name = "mtcnn_pnet"
    outputs = ["conv2d_4", "softmax"]


class RefineNet(OnnxModel):
    name = "mtcnn_rnet"
    outputs = ["dense_2", "softmax_1"]
    input_size = 24


class OutputNet(OnnxModel):
    name = "mtcnn_onet"
    outputs = ["dense_5", "softmax_2"]  # the landmark output (dense_6) is not needed: FaceMesh gives landmarks
    input_size = 48


class Mtcnn:
    """Faces as (box, score) in the pixels of the image; same interface as BlazeFace."""

    def __init__(self, store, min_face: float, thresholds: list[float], scale_factor: float):
        self.proposal_net = ProposalNet(store)
        self.refine_net = RefineNet(store)
        self.output_net = OutputNet(store)
        self.min_face = min_face
        self.proposal_threshold, self.refine_threshold, self.output_threshold = thresholds
        self.scale_factor = scale_factor

    def detect(self, rgb: np.ndarray) -> list[tuple[Box, float]]:
        height, width = rgb.shape[:2]
        boxes = self._propose(rgb)
        boxes, scores = self._refine(rgb, boxes, self.refine_net, self.refine_threshold)
        keep = nms(boxes, scores, NMS_REFINED)
        boxes, scores = _squared(boxes[keep]), scores[keep]
        boxes, scores = self._refine(rgb, boxes, self.output_net, self.output_threshold)
        keep = nms(boxes, scores, NMS_FINAL, over_smaller=True)
        return [(Box(*boxes[i]).clipped(width, height), float(scores[i])) for i in keep]

    def _scales(self, height: int, width: int) -> list[float]:
        """Pyramid scales from the one that maps a min_face face to 12 px down to a 12-px short side."""
        scale = PNET_WINDOW / self.min_face
        scales = []
        while min(height, width) * scale >= PNET_WINDOW:
            scales.append(scale)
            scale *= self.scale_factor
        return scales

    def _propose(self, rgb: np.ndarray) -> np.ndarray:
        """P-Net candidates over the pyramid: squared boxes [N, 4] after its box regression."""
        height, width = rgb.shape[:2]
        boxes, scores, offsets = [], [], []
        for scale in self._scales(height, width):
            size = (math.ceil(width * scale), math.ceil(height * scale))
            scaled = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            regression, probability = self.proposal_net.run(_normalised(scaled[None]), self.proposal_net.outputs)
            # Swapped maps: the first spatial index is the column, the second the row.
            cols, rows = np.nonzero(probability[0, :, :, 1] >= self.proposal_threshold)
            if not len(cols):
                continue
            cells = np.stack([cols, rows, cols, rows], axis=1).astype(np.float32) * PNET_STRIDE
            found = np.fix((cells + np.array([1, 1, PNET_WINDOW, PNET_WINDOW], np.float32)) / scale)
            found_scores = probability[0, cols, rows, 1]
            keep = nms(found, found_scores, NMS_PER_SCALE)
            boxes.append(found[keep])
            scores.append(found_scores[keep])
            offsets.append(regression[0, cols, rows][keep])
        if not boxes:
            return np.zeros((0, 4), np.float32)
        all_boxes, all_scores, all_offsets = np.concatenate(boxes), np.concatenate(scores), np.concatenate(offsets)
        keep = nms(all_boxes, all_scores, NMS_ACROSS_SCALES)
        return np.fix(_squared(_regressed(all_boxes[keep], all_offsets[keep])))

    def _refine(self, rgb: np.ndarray, boxes: np.ndarray, net: RefineNet | OutputNet, threshold: float):
        """Boxes the net scores above threshold, moved by its regression, with their scores."""
        boxes = boxes[(boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])]
        if not len(boxes):
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
        crops = np.stack([crop_resized(rgb, Box(*box), net.input_size) for box in boxes])
        regression, probability = net.run(_normalised(crops), net.outputs)
        passed = probability[:, 1] > threshold
        return _regressed(boxes[passed], regression[passed]), probability[passed, 1].astype(np.float32)


def _regressed(boxes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Box regression: each corner moved by its offset times the box's width or height."""
    sizes = np.stack([boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]] * 2, axis=1)
    return (boxes + offsets * sizes).astype(np.float32)


def _squared(boxes: np.ndarray) -> np.ndarray:
    """Each box widened to a square around its centre (side = its longer side)."""
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    half = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])[:, None] / 2
    return np.concatenate([centres - half, centres + half], axis=1).astype(np.float32)
