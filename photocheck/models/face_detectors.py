"""The face detector named by `faces.detector`, and detections confirmed as faces by FaceMesh."""

from __future__ import annotations

import numpy as np

from photocheck.config import SETTING_CHOICES, ConfigError
from photocheck.models.base import ModelStore
from photocheck.models.blazeface import BlazeFace
from photocheck.models.facemesh import FaceMesh, Mesh
from photocheck.models.mtcnn import Mtcnn
from photocheck.models.preprocess import nms
from photocheck.records.analysis import Box

FaceDetector = BlazeFace | Mtcnn
DETECTORS = SETTING_CHOICES["faces.detector"]


def face_detector(store: ModelStore, settings, name: str | None = None) -> FaceDetector:
    """The detector `name` (default: `settings.detector`) built from the `[faces]` settings."""
    name = name or settings.detector
    if name == "blazeface":
        return BlazeFace(store, settings.min_score, settings.iou_threshold, settings.tile_size, settings.tile_overlap)
    if name == "mtcnn":
        return Mtcnn(store, settings.mtcnn_min_face, settings.mtcnn_thresholds, settings.mtcnn_scale_factor)
    raise ConfigError(f"unknown face detector '{name}' in faces.detector; choose one of: {', '.join(DETECTORS)}")


def confirmed_faces(
    candidates: list[tuple[Box, float]], face_mesh: FaceMesh, rgb: np.ndarray, settings
) -> list[tuple[Box, float, Mesh]]:
    """Detector candidates that FaceMesh confirms (face probability >= `settings.min_face_probability`), with their
    mesh, one per head (`one_per_head` with `settings.nested_face_overlap`). `settings`: the `[faces]` table."""
    meshes = face_mesh.measure(rgb, [box for box, _ in candidates])
    confirmed = [
        (box, score, mesh) for (box, score), mesh in zip(candidates, meshes)
        if mesh.face_probability >= settings.min_face_probability
    ]
    return one_per_head(confirmed, settings.nested_face_overlap)


def one_per_head(faces: list[tuple[Box, float, Mesh]], nested_overlap: float) -> list[tuple[Box, float, Mesh]]:
    """`faces` without those lying mostly inside another: a box whose intersection with another covers at least
    `nested_overlap` of the smaller box is the same head (a face box inside a head box, from another tile or
    scale), and only the better-confirmed one stays (higher face probability, then detector score). Two real faces
    cannot share most of the smaller one's area: the front head would hide the other's face. Order is kept."""
    if len(faces) < 2:
        return faces
    ranked = sorted(range(len(faces)), key=lambda i: (faces[i][2].face_probability, faces[i][1]))
    rank = np.empty(len(faces))
    rank[ranked] = np.arange(len(faces))
    boxes = np.array([[box.x1, box.y1, box.x2, box.y2] for box, _, _ in faces], dtype=np.float64)
    # nms keeps the rest while overlap <= threshold; "at least nested_overlap" is merged
    kept = nms(boxes, rank, np.nextafter(nested_overlap, -np.inf), over_smaller=True)
    return [faces[i] for i in sorted(kept)]
