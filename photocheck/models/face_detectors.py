"""The face detector named by `faces.detector`, and detections confirmed as faces by FaceMesh."""

from __future__ import annotations

import numpy as np

from photocheck.config import ConfigError
from photocheck.models.base import ModelStore
from photocheck.models.blazeface import BlazeFace
from photocheck.models.facemesh import FaceMesh, Mesh
from photocheck.models.mtcnn import Mtcnn
from photocheck.results import Box

FaceDetector = BlazeFace | Mtcnn
DETECTORS = ("blazeface", "mtcnn")


def face_detector(store: ModelStore, settings, name: str | None = None) -> FaceDetector:
    """The detector `name` (default: `settings.detector`) built from the `[faces]` settings."""
    name = name or settings.detector
    if name == "blazeface":
        return BlazeFace(store, settings.min_score, settings.iou_threshold, settings.tile_size, settings.tile_overlap)
    if name == "mtcnn":
        return Mtcnn(store, settings.mtcnn_min_face, settings.mtcnn_thresholds, settings.mtcnn_scale_factor)
    raise ConfigError(f"unknown face detector '{name}' in faces.detector; choose one of: {', '.join(DETECTORS)}")


def confirmed_faces(
    candidates: list[tuple[Box, float]], face_mesh: FaceMesh, rgb: np.ndarray, min_face_probability: float
) -> list[tuple[Box, float, Mesh]]:
    """Detector candidates that FaceMesh confirms (face probability >= min_face_probability), with their mesh."""
    meshes = face_mesh.measure(rgb, [box for box, _ in candidates])
    return [
        (box, score, mesh) for (box, score), mesh in zip(candidates, meshes)
        if mesh.face_probability >= min_face_probability
    ]
