"""Faces not yet shown: descriptors of the recognisable faces of the selection's candidates, and the count of new ones.

The stage-1 scan computes no face descriptor (it is speed-critical and most photos are never candidates); the
selection asks for the descriptors of a bounded pool of candidates (photocheck/selection.py) and each of those
photos is decoded once. A face counts as shown when its descriptor is at least `[selection] same_face_similarity`
alike (cosine) to a face of an earlier pick; `bench/run.py face_identity` measures that threshold.
"""

from __future__ import annotations

import time
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


def new_face_count(faces: np.ndarray, shown: np.ndarray, same_face_similarity: float) -> int:
    """How many rows of `faces` are below `same_face_similarity` (cosine) to every row of `shown`."""
    if len(faces) == 0 or len(shown) == 0:
        return len(faces)
    return int(np.sum((faces @ shown.T).max(axis=1) < same_face_similarity))


class FaceDescriber:
    """A :data:`Describe` reading the photos' files under `root` (the scanned folder) at the scan's working size.

    The model is loaded on the first photo that has a recognisable face; every photo is decoded at most once and
    its descriptors are remembered for later calls (the close look selects several times). `seconds` adds up the
    time spent describing.
    """

    def __init__(self, root: Path, config: Config):
        self.root, self.config = root, config
        self._known: dict[str, np.ndarray] = {}
        self._model: FaceDescriptor | None = None
        self.seconds = 0.0

    def __call__(self, photos: list[PhotoResult]) -> dict[str, np.ndarray]:
        started = time.perf_counter()
        for photo in photos:
            path = photo.analysis.path
            if path not in self._known:
                descriptors = self._describe(photo)
                if descriptors is not None:
                    self._known[path] = descriptors
        self.seconds += time.perf_counter() - started
        return {photo.analysis.path: self._known[photo.analysis.path] for photo in photos
                if photo.analysis.path in self._known}

    def _describe(self, photo: PhotoResult) -> np.ndarray | None:
        """Descriptors of the photo's recognisable faces, or None when its file cannot be read again."""
        faces = recognisable_faces(photo)
        if not faces:
            return np.zeros((0, DIMENSIONS), np.float32)
        file = source_path(photo.analysis.path, self.root)
        if file is None:
            return None
        loading = self.config.loading
        try:
            loaded = load_photo(file, loading.working_size, loading.max_megapixels)
        except PhotoLoadError:
            return None
        if self._model is None:
            self._model = FaceDescriptor(ModelStore())
        return self._model.describe(loaded.rgb, [face.box.scaled(1.0 / loaded.scale) for face in faces])
