"""EfficientNet-Lite0 (ImageNet-1k): scene labels and a 1280-d embedding for near-duplicate search."""

from __future__ import annotations

from importlib import resources

import numpy as np

from photocheck.models.base import OnnxModel
from photocheck.models.preprocess import shrink, softmax

INPUT_SIZE = 224
RESIZE_SHORT_SIDE = 256


def imagenet_labels() -> list[str]:
    text = resources.files("photocheck.data").joinpath("imagenet_labels.txt").read_text(encoding="utf-8")
    return text.split("\n")[:1000]


def centre_crop(rgb: np.ndarray) -> np.ndarray:
    """Short side to 256, centre 224x224 (the ImageNet evaluation transform)."""
    height, width = rgb.shape[:2]
    scale = RESIZE_SHORT_SIDE / min(height, width)
    resized = shrink(rgb, (max(1, round(width * scale)), max(1, round(height * scale))))
    top = (resized.shape[0] - INPUT_SIZE) // 2
    left = (resized.shape[1] - INPUT_SIZE) // 2
    return resized[top : top + INPUT_SIZE, left : left + INPUT_SIZE]


class EfficientNetLite0(OnnxModel):
    name = "efficientnet_lite0"

    def __init__(self, store):
        super().__init__(store)
        self.labels = imagenet_labels()

    def classify(self, images: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Class probabilities [N, 1000] and L2-normalised embeddings [N, 1280] for RGB images of any size."""
        batch = np.stack([centre_crop(image) for image in images]).astype(np.float32)
        tensor = ((batch - 127.0) / 128.0).transpose(0, 3, 1, 2)
        logits, embedding = self.run(np.ascontiguousarray(tensor), ["logits", "embedding"])
        norms = np.linalg.norm(embedding, axis=1, keepdims=True)
        return softmax(logits), embedding / np.maximum(norms, 1e-9)
