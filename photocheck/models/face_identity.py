"""MobileFaceNet (the human library's `mobilefacenet`): a 192-d descriptor of a face aligned by five landmarks.

Who is who: the consent list (photocheck/consent.py) and the faces shown by the picks (photocheck/people_shown.py)
compare these descriptors by cosine similarity. The face is warped so that its eyes, nose tip and mouth corners
(from FaceMesh) land on ArcFace's 112 x 112 five-point template, the alignment of the MS-Celeb-1M crops MobileFaceNet
was trained on. `bench/run.py consent` measures it against faceres on labelled people (README, "Consent list").
"""

from __future__ import annotations

import cv2
import numpy as np

from photocheck.models.base import OnnxModel

INPUT_SIZE = 112
DIMENSIONS = 192
OUTPUT = "embeddings:0"
# ArcFace's template: image-left eye, image-right eye, nose tip, image-left and image-right mouth corner (pixels).
TEMPLATE = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]], np.float32
)
# FaceMesh landmark indices averaged for each template point (MediaPipe canonical mesh).
MESH_POINTS = ((33, 133), (362, 263), (1,), (61,), (291,))


def five_points(mesh_points: np.ndarray) -> np.ndarray:
    """[5, 2] template points (eyes, nose tip, mouth corners) of a FaceMesh's [468, 2+] landmarks."""
    return np.array([mesh_points[list(indices), :2].mean(axis=0) for indices in MESH_POINTS], np.float32)


def aligned_face(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The 112 x 112 crop of `rgb` whose five `points` best fit the template (rotation, scale, shift)."""
    matrix, _ = cv2.estimateAffinePartial2D(points.astype(np.float32), TEMPLATE, method=cv2.LMEDS)
    if matrix is None:  # degenerate points (all in one place): fall back to a plain shift onto the template centre
        matrix = np.array([[1, 0, 0], [0, 1, 0]], np.float64)
        matrix[:, 2] = TEMPLATE.mean(axis=0) - points.mean(axis=0)
    return cv2.warpAffine(rgb, matrix, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_AREA, borderValue=0)


class FaceIdentity(OnnxModel):
    name = "mobilefacenet"

    def describe(self, rgb: np.ndarray, points: list[np.ndarray]) -> np.ndarray:
        """[N, 192] L2-normalised descriptors of the faces whose five template points (pixels of `rgb`, an RGB
        uint8 image) are `points`: the cosine similarity of two faces is the dot product of their rows."""
        if not points:
            return np.zeros((0, DIMENSIONS), np.float32)
        crops = np.stack([aligned_face(rgb, face) for face in points]).astype(np.float32)
        # RGB 0..255: scaled to -1..1 (MobileFaceNet_TF's training input) or 0..1 (the human library's), this graph
        # gives one near-constant descriptor for every face (checked on sample_images); on 0..255 it tells them apart.
        [descriptors] = self.run(crops, [OUTPUT])
        norms = np.linalg.norm(descriptors, axis=1, keepdims=True)
        return (descriptors / np.maximum(norms, 1e-12)).astype(np.float32)
