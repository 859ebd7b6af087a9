"""MediaPipe FaceMesh: confirms a detected face (face probability) and gives 468 landmarks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photocheck.models.base import OnnxModel
from photocheck.models.preprocess import crop_resized
from photocheck.records.analysis import Box

INPUT_SIZE = 192
CROP_FACTOR = 1.4  # the mesh model was trained on face boxes enlarged by this factor

# Landmark indices (MediaPipe canonical mesh): eye corners and lid pairs per eye.
EYES = (
    {"corners": (33, 133), "lids": ((159, 145), (160, 144), (158, 153))},
    {"corners": (362, 263), "lids": ((386, 374), (385, 380), (387, 373))},
)


@dataclass
class Mesh:
    points: np.ndarray  # [468, 3] x, y in image pixels, z in the same scale (relative depth)
    face_probability: float

    def eye_openness(self) -> float:
        """Mean eye aspect ratio of both eyes: lid distance over eye width (open ~0.25-0.35, closed < 0.15)."""
        ratios = []
        for eye in EYES:
            left, right = self.points[eye["corners"][0], :2], self.points[eye["corners"][1], :2]
            width = np.linalg.norm(right - left)
            gaps = [np.linalg.norm(self.points[a, :2] - self.points[b, :2]) for a, b in eye["lids"]]
            ratios.append(float(np.mean(gaps) / width) if width > 0 else 0.0)
        return float(np.mean(ratios))


class FaceMesh(OnnxModel):
    name = "facemesh"

    outputs = ["output_mesh", "output_faceflag"]

    def measure(self, rgb: np.ndarray, boxes: list[Box]) -> list[Mesh]:
        if not boxes:
            return []
        crops = [box.expanded_square(CROP_FACTOR) for box in boxes]
        batch = np.stack([crop_resized(rgb, crop, INPUT_SIZE) for crop in crops]).astype(np.float32) / 255.0
        meshes, flags = self.run(batch, self.outputs)
        meshes = meshes.reshape(len(boxes), -1, 3)
        flags = np.asarray(flags, dtype=np.float32).reshape(len(boxes), -1)[:, 0]
        results = []
        for crop, mesh, flag in zip(crops, meshes, flags):
            scale = crop.width / INPUT_SIZE
            points = mesh[:468].astype(np.float32) * scale
            points[:, 0] += crop.x1
            points[:, 1] += crop.y1
            results.append(Mesh(points=points, face_probability=float(flag)))
        return results
