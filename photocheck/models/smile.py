"""Smile probability per face: two expression models fused with mouth geometry and teeth from the FaceMesh.

Neither expression model alone passes 90 % on GENKI-4K; the mouth seen by the mesh (a wider mouth, lifted corners,
bright teeth between the lips) carries what they miss. A logistic fusion of these features, with weights from
`[smile.weights]` in defaults.toml, gives the probability. `bench/run.py smile` measures it (cross-validated) and
with `--fit` prints refitted weights.
"""

from __future__ import annotations

import cv2
import numpy as np

from photocheck.config import Section
from photocheck.models.base import ModelStore
from photocheck.models.expression import EMOTIONS, FerExpression, HumanEmotion
from photocheck.models.facemesh import CROP_FACTOR, Mesh
from photocheck.models.preprocess import crop_resized, sigmoid
from photocheck.records.analysis import Box

# MediaPipe canonical mesh indices.
MOUTH_CORNERS = (61, 291)
INNER_LIP_CENTRE = (13, 14)  # upper, lower
UPPER_LIP_TOP, NOSE_BOTTOM = 0, 2
OUTER_EYE_CORNERS = (33, 263)
CHEEKS = (234, 454)
INNER_LIPS = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191)
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
             176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
MASK_SIDE = 192  # the face region is rasterised at this size for the teeth measurement

GEOMETRY_FEATURES = (
    "mouth_width_eyes",  # mouth corner distance / outer eye corner distance
    "mouth_width_face",  # mouth corner distance / cheek distance
    "corner_lift",  # how far the corners sit above the lip centre, in eye distances (eye line horizontal)
    "lip_to_nose",  # upper lip top below the nose, in eye distances (a smile pulls it up)
    "lip_gap",  # gap between the inner lips, in eye distances
    "teeth_brightness",  # 75th percentile of grey inside the lips vs the face: (p75 - mean) / (sd + 1)
    "mouth_area",  # area inside the lips / face oval area
)
FEATURES = GEOMETRY_FEATURES + tuple(f"fer_{e}" for e in EMOTIONS) + tuple(f"emotion_{e}" for e in EMOTIONS)


def mouth_features(grey: np.ndarray, mesh: Mesh, box: Box) -> np.ndarray:
    """The GEOMETRY_FEATURES of one face: landmarks in the eye-aligned frame, plus pixels inside the lips."""
    points = mesh.points[:, :2].astype(np.float64)
    left, right = points[OUTER_EYE_CORNERS[0]], points[OUTER_EYE_CORNERS[1]]
    eye_distance = max(float(np.linalg.norm(right - left)), 1e-6)
    angle = np.arctan2(*(right - left)[::-1])
    rotation = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    aligned = (points - (left + right) / 2) @ rotation.T / eye_distance  # eye line horizontal, eye distance 1
    y = aligned[:, 1]

    mouth_width = float(np.linalg.norm(aligned[MOUTH_CORNERS[0]] - aligned[MOUTH_CORNERS[1]]))
    face_width = max(float(np.linalg.norm(aligned[CHEEKS[0]] - aligned[CHEEKS[1]])), 1e-6)
    lip_centre = (y[INNER_LIP_CENTRE[0]] + y[INNER_LIP_CENTRE[1]]) / 2
    corner_lift = lip_centre - (y[MOUTH_CORNERS[0]] + y[MOUTH_CORNERS[1]]) / 2
    teeth, area = _inside_lips(grey, points, box)
    return np.array([
        mouth_width,
        mouth_width / face_width,
        corner_lift,
        y[UPPER_LIP_TOP] - y[NOSE_BOTTOM],
        y[INNER_LIP_CENTRE[1]] - y[INNER_LIP_CENTRE[0]],
        teeth,
        area,
    ], dtype=np.float64)


def _inside_lips(grey: np.ndarray, points: np.ndarray, box: Box) -> tuple[float, float]:
    """Teeth brightness and mouth area: lip and face polygons rasterised on the mesh's crop at MASK_SIDE."""
    crop = box.expanded_square(CROP_FACTOR)
    scale = MASK_SIDE / max(crop.width, 1e-6)
    pixels = crop_resized(grey, crop, MASK_SIDE).astype(np.float32)
    local = np.round((points - (crop.x1, crop.y1)) * scale).astype(np.int32)
    lips = np.zeros(pixels.shape, np.uint8)
    face = np.zeros(pixels.shape, np.uint8)
    cv2.fillPoly(lips, [local[list(INNER_LIPS)]], 1)
    cv2.fillPoly(face, [local[list(FACE_OVAL)]], 1)
    if not face.any():
        return 0.0, 0.0
    skin = pixels[face > 0]
    area = float(lips.sum() / face.sum())
    if not lips.any():
        return 0.0, area
    brightness = (np.percentile(pixels[lips > 0], 75) - skin.mean()) / (skin.std() + 1.0)
    return float(brightness), area


class SmileEstimator:
    """P(smile) per face from the face box and its FaceMesh."""

    def __init__(self, store: ModelStore, margin: float, weights: Section):
        self.fer = FerExpression(store, margin)
        self.emotion = HumanEmotion(store, margin)
        values = weights.to_dict()
        self.bias = float(values.pop("bias"))
        unknown = set(values) ^ set(FEATURES)
        if unknown:
            raise ValueError(f"[smile.weights] must name exactly these features (and bias): {', '.join(FEATURES)}")
        self.weights = np.array([values[name] for name in FEATURES], dtype=np.float64)

    def features(self, grey: np.ndarray, boxes: list[Box], meshes: list[Mesh]) -> np.ndarray:
        """[N, len(FEATURES)]: geometry, then log-probabilities of both expression models (mirror-averaged)."""
        if not boxes:
            return np.zeros((0, len(FEATURES)))
        geometry = np.stack([mouth_features(grey, mesh, box) for box, mesh in zip(boxes, meshes)])
        expressions = [
            np.log(np.clip(model.probabilities(grey, boxes), 1e-6, 1.0)) for model in (self.fer, self.emotion)
        ]
        return np.hstack([geometry, *expressions])

    def probability(self, features: np.ndarray) -> np.ndarray:
        return sigmoid(features @ self.weights + self.bias)

    def smiles(self, grey: np.ndarray, boxes: list[Box], meshes: list[Mesh]) -> np.ndarray:
        return self.probability(self.features(grey, boxes, meshes))
