"""HSE-FaceRes (the human library's `faceres`): a 1024-d face descriptor, compared by cosine similarity.

The scan describes every face of at least `[faces] describe_min_side` working pixels (photocheck/analysis/pipeline.py); the
consent list (photocheck/consent.py) and the people the picks show (photocheck/people_shown.py) compare them. How
well it tells people apart is measured by `bench/run.py consent` on labelled people (README, "Consent list") and
`bench/run.py face_identity` on youth-movement photos.

Preprocessing (measured by `bench/run.py consent`, docs/consent.md):
- the crop: the face box enlarged to a square x CROP_FACTOR around its centre, turned so that the eyes (FaceMesh
  landmarks) are level, resized to 224;
- the pixels as the model's authors feed it (HSE_FaceRec_tf, `age_gender_identity/facial_analysis.py`, whose graph
  has the same input and descriptor names): BGR, each channel minus its ImageNet mean (Keras "caffe" mode). The
  human library feeds RGB 0..255, which photocheck did before: on the identity set, pairs of photos of one person
  matched at a false-match rate of 1 % went from 0.83 to 0.94 with this input (docs/consent.md).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from photocheck.models.base import ModelStore, OnnxModel
from photocheck.models.facemesh import FaceMesh, Mesh
from photocheck.models.preprocess import crop_resized
from photocheck.records.analysis import Box

INPUT_SIZE = 224
CROP_FACTOR = 1.4  # the face box enlarged to a square by this factor (the human library: its mesh box x 1.5)
BGR_MEAN = np.array([103.939, 116.779, 123.68], np.float32)  # subtracted from the B, G, R channels
DESCRIPTOR_OUTPUT = "global_pooling/Mean"
DIMENSIONS = 1024
# Stored with a consent list: descriptors made with another preprocessing (or model) cannot be compared with these.
PREPROCESSING = "box-x1.4-eyes-level-bgr-caffe-mean"
# FaceMesh landmarks: the corners of the subject's right eye (left in the photo) and of the left eye.
RIGHT_EYE_CORNERS = (33, 133)
LEFT_EYE_CORNERS = (362, 263)
_ROTATION_ROOM = 1.5  # the crop is cut this much larger first, so that turning it leaves no empty corners


def eye_roll_degrees(points: np.ndarray) -> float:
    """The angle of the line from the subject's right eye to the left eye against the horizontal (degrees, image
    y downwards): positive when the left eye (right in the photo) is lower."""
    right = points[list(RIGHT_EYE_CORNERS), :2].mean(axis=0)
    left = points[list(LEFT_EYE_CORNERS), :2].mean(axis=0)
    return math.degrees(math.atan2(float(left[1] - right[1]), float(left[0] - right[0])))


def aligned_crop(rgb: np.ndarray, box: Box, roll: float, size: int = INPUT_SIZE) -> np.ndarray:
    """The square of `box` x CROP_FACTOR around its centre, turned by `roll` degrees about that centre so that a
    face whose eye line has that angle comes out level, at size x size pixels (outside the photo: black)."""
    outer = box.expanded_square(CROP_FACTOR * _ROTATION_ROOM)
    room = round(size * _ROTATION_ROOM)
    # area-averaged to about the model's scale first (crop_resized), then turned at that scale
    patch = crop_resized(rgb, outer, room)
    matrix = cv2.getRotationMatrix2D((room / 2, room / 2), roll, 1.0)
    matrix[:, 2] -= (room - size) / 2
    return cv2.warpAffine(patch, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def model_input(crops: np.ndarray) -> np.ndarray:
    """[N, 224, 224, 3] RGB uint8 crops as the model takes them: BGR float32 minus the ImageNet channel means."""
    return np.subtract(crops[..., ::-1], BGR_MEAN, dtype=np.float32)


class FaceDescriptor(OnnxModel):
    name = "faceres"
    # A run of 16 faces held 182 MB more than the model, one of 4 faces 44 MB, at the same 0.024 CPU-s a face.
    max_batch = 4

    def __init__(self, store: ModelStore):
        super().__init__(store)
        self.store = store
        self._face_mesh: FaceMesh | None = None

    def describe(self, rgb: np.ndarray, boxes: list[Box], meshes: list[Mesh] | None = None) -> np.ndarray:
        """[N, 1024] L2-normalised descriptors of the faces in `boxes` (pixels of `rgb`, an RGB uint8 image):
        the cosine similarity of two faces is the dot product of their rows. `meshes`: the FaceMesh of each box, as
        the scan has them; without them FaceMesh is run on the boxes here (a scan read back from JSON)."""
        if not boxes:
            return np.zeros((0, DIMENSIONS), np.float32)
        if meshes is None:
            if self._face_mesh is None:
                self._face_mesh = FaceMesh(self.store)
            meshes = self._face_mesh.measure(rgb, boxes)
        crops = np.stack([aligned_crop(rgb, box, eye_roll_degrees(mesh.points)) for box, mesh in zip(boxes, meshes)])
        [descriptors] = self.run(model_input(crops), [DESCRIPTOR_OUTPUT])
        norms = np.linalg.norm(descriptors, axis=1, keepdims=True)
        return (descriptors / np.maximum(norms, 1e-12)).astype(np.float32)
