"""HSE-FaceRes (the human library's `faceres`): a 1024-d face descriptor, compared by cosine similarity.

The scan describes every face of at least `[faces] describe_min_side` working pixels (photocheck/analysis/pipeline.py); the
consent list (photocheck/consent.py) and the people the picks show (photocheck/people_shown.py) compare them. How
well it tells people apart is measured by `bench/run.py consent` on labelled people (README, "Consent list") and
`bench/run.py face_identity` on youth-movement photos.
"""

from __future__ import annotations

import numpy as np

from photocheck.models.base import OnnxModel
from photocheck.models.preprocess import crop_resized
from photocheck.records.analysis import Box

INPUT_SIZE = 224
CROP_FACTOR = 1.4  # the face box enlarged to a square by this factor, as the human library feeds the model
DESCRIPTOR_OUTPUT = "global_pooling/Mean"
DIMENSIONS = 1024


class FaceDescriptor(OnnxModel):
    name = "faceres"
    # A run of 16 faces held 182 MB more than the model, one of 4 faces 44 MB, at the same 0.024 CPU-s a face.
    max_batch = 4

    def describe(self, rgb: np.ndarray, boxes: list[Box]) -> np.ndarray:
        """[N, 1024] L2-normalised descriptors of the faces in `boxes` (pixels of `rgb`, an RGB uint8 image):
        the cosine similarity of two faces is the dot product of their rows."""
        if not boxes:
            return np.zeros((0, DIMENSIONS), np.float32)
        crops = np.stack([crop_resized(rgb, box.expanded_square(CROP_FACTOR), INPUT_SIZE) for box in boxes])
        [descriptors] = self.run(crops.astype(np.float32), [DESCRIPTOR_OUTPUT])  # RGB 0..255, as trained
        norms = np.linalg.norm(descriptors, axis=1, keepdims=True)
        return (descriptors / np.maximum(norms, 1e-12)).astype(np.float32)
