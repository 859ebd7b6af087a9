"""Faces not yet shown: descriptors of the recognisable faces of the selection's candidates, and the count of new ones.

The stage-1 scan computes no face descriptor (it is speed-critical and most photos are never candidates); the
selection asks for the descriptors of a bounded pool of candidates (photocheck/selection.py) and each of those
photos is decoded once. A face counts as shown when its descriptor is at least `[selection] same_face_similarity`
alike (cosine) to a face of an earlier pick; `bench/run.py face_identity` measures that threshold.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from photocheck.config import Config
from photocheck.loading import PhotoLoadError, load_photo
from photocheck.models.base import ModelStore
from photocheck.models.face_descriptor import DIMENSIONS, FaceDescriptor
from photocheck.results import Face
from photocheck.scan import PhotoResult, source_path

# Photos -> {photo path: [k, 1024] L2-normalised descriptors of its k recognisable faces}; a photo that cannot be
# read again is left out (its faces are then not compared).
Describe = Callable[[list[PhotoResult]], dict[str, np.ndarray]]


def recognisable_faces(photo: PhotoResult) -> list[Face]:
    """The faces the judges call recognisable (all confirmed faces when the face judge has not run)."""
    judgement = photo.judgement
    if judgement is not None and judgement.face_judgements:
        return [face for face, seen in zip(photo.analysis.faces, judgement.face_judgements) if seen.recognisable]
    return list(photo.analysis.faces)


def describe_faces(model: FaceDescriptor, rgb: np.ndarray, scale: float, faces: list[Face]) -> np.ndarray:
    """Descriptors of `faces` (boxes in original pixels) on `rgb`, decoded at `scale` original pixels per pixel."""
    return model.describe(rgb, [face.box.scaled(1.0 / scale) for face in faces])


def new_face_count(faces: np.ndarray, shown: np.ndarray, same_face_similarity: float) -> int:
    """How many rows of `faces` are below `same_face_similarity` (cosine) to every row of `shown`."""
    if len(faces) == 0 or len(shown) == 0:
        return len(faces)
    return int(np.sum((faces @ shown.T).max(axis=1) < same_face_similarity))


def describer(root: Path, config: Config, store: ModelStore | None = None) -> Describe:
    """Descriptors from the photos' files under `root` (the scanned folder), decoded at the scan's working size.

    The model is loaded on the first photo that has a recognisable face; every photo is decoded at most once and
    its descriptors are remembered for later calls (the close look selects several times).
    """
    known: dict[str, np.ndarray] = {}
    model: list[FaceDescriptor] = []

    def describe(photos: list[PhotoResult]) -> dict[str, np.ndarray]:
        for photo in photos:
            path = photo.analysis.path
            if path in known:
                continue
            faces = recognisable_faces(photo)
            if not faces:
                known[path] = np.zeros((0, DIMENSIONS), np.float32)
                continue
            file = source_path(path, root)
            if file is None:
                continue
            try:
                loaded = load_photo(file, config.loading.working_size, config.loading.max_megapixels)
            except PhotoLoadError:
                continue
            if not model:
                model.append(FaceDescriptor(store or ModelStore()))
            known[path] = describe_faces(model[0], loaded.rgb, loaded.scale, faces)
        return {photo.analysis.path: known[photo.analysis.path] for photo in photos if photo.analysis.path in known}

    return describe
