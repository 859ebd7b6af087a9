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
from photocheck.models.face_descriptor import DIMENSIONS
from photocheck.results import Face
from photocheck.scan import PhotoResult, source_path
from photocheck.workers import DescribeFaces, WorkerPool

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
    """A :data:`Describe` reading the photos' files under `root` (the scanned folder) at the scan's working size, in
    `pool` (the flow's worker processes; without one, in this process).

    The model is loaded on the first photo that has a recognisable face; every photo is decoded at most once and
    its descriptors are remembered for later calls (the close look selects several times). `seconds` adds up the
    time spent describing.
    """

    def __init__(self, root: Path, config: Config, pool: WorkerPool | None = None):
        self.root, self.config = root, config
        self.pool = pool or WorkerPool(config, 1)
        self._known: dict[str, np.ndarray] = {}
        self.seconds = 0.0

    def __call__(self, photos: list[PhotoResult]) -> dict[str, np.ndarray]:
        started = time.perf_counter()
        jobs, paths = [], []
        for photo in photos:
            path = photo.analysis.path
            if path in self._known:
                continue
            faces = recognisable_faces(photo)
            file = source_path(path, self.root)
            if not faces:
                self._known[path] = np.zeros((0, DIMENSIONS), np.float32)
            elif file is not None:  # a path leading out of the folder is not read: its faces are not compared
                jobs.append(DescribeFaces(len(jobs), file, [face.box for face in faces]))
                paths.append(path)
        for index, descriptors in self.pool.describe(jobs):
            if descriptors is not None:  # None: the file can no longer be read
                self._known[paths[index]] = descriptors
        self.seconds += time.perf_counter() - started
        return {photo.analysis.path: self._known[photo.analysis.path] for photo in photos
                if photo.analysis.path in self._known}
