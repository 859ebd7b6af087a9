"""Both face detectors (BlazeFace on tiles, MTCNN) on real sample photos, and the choice between them by config."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from photocheck.config import ConfigError
from photocheck.models.blazeface import BlazeFace
from photocheck.models.face_detectors import DETECTORS, confirmed_faces, face_detector
from photocheck.models.mtcnn import Mtcnn
from photocheck.models.preprocess import nms
from photocheck.results import Box

from tests.conftest import SAMPLES

# The three laughing men of group_three_smiling.jpg (800x542): each face's centre lies in one of these areas.
THREE_FACE_AREAS = [Box(150, 90, 280, 230), Box(350, 100, 480, 240), Box(570, 40, 710, 200)]


def _rgb(name: str) -> np.ndarray:
    return np.asarray(Image.open(SAMPLES / name).convert("RGB"))


@pytest.fixture(scope="module", params=DETECTORS)
def detector(request, analyzer, config):
    return face_detector(analyzer.store, config.faces, request.param)


def test_astronaut_one_face_on_the_face(detector):
    faces = detector.detect(_rgb("astronaut.jpg"))
    assert len(faces) == 1
    box, score = faces[0]
    centre_x, centre_y = box.center
    # 512x512 portrait; her face is in the upper middle, about 90-100 px wide.
    assert 190 < centre_x < 260 and 90 < centre_y < 150, box
    assert 70 < box.width < 130 and 70 < box.height < 130, box
    assert score > 0.75  # well above the detection thresholds (0.6, 0.7)


def test_both_detectors_agree_on_the_astronaut(analyzer, config):
    rgb = _rgb("astronaut.jpg")
    (blaze_box, _), = face_detector(analyzer.store, config.faces, "blazeface").detect(rgb)
    (mtcnn_box, _), = face_detector(analyzer.store, config.faces, "mtcnn").detect(rgb)
    assert blaze_box.iou(mtcnn_box) > 0.6


def test_group_of_three_every_face_found_and_confirmed(detector, analyzer, config):
    rgb = _rgb("group_three_smiling.jpg")
    candidates = detector.detect(rgb)
    confirmed = confirmed_faces(candidates, analyzer.face_mesh, rgb, config.faces.min_face_probability)
    assert len(confirmed) >= 3
    for area in THREE_FACE_AREAS:
        inside = [box for box, _, _ in confirmed
                  if area.x1 < box.center[0] < area.x2 and area.y1 < box.center[1] < area.y2]
        assert len(inside) == 1, (area, [box for box, _, _ in confirmed])
        assert 100 < inside[0].width < 180


def test_config_picks_the_detector(analyzer, config):
    mtcnn_settings = config.with_overrides({"faces": {"detector": "mtcnn"}}, "test").faces
    assert isinstance(face_detector(analyzer.store, mtcnn_settings), Mtcnn)
    assert isinstance(face_detector(analyzer.store, config.faces, "blazeface"), BlazeFace)
    with pytest.raises(ConfigError, match="retinaface"):
        face_detector(analyzer.store, config.faces, "retinaface")


def test_nms_over_smaller_box_drops_a_nested_box():
    boxes = np.array([[0, 0, 100, 100], [10, 10, 50, 50], [200, 200, 260, 260]], np.float32)
    scores = np.array([0.9, 0.8, 0.7], np.float32)
    assert nms(boxes, scores, 0.5) == [0, 1, 2]  # IoU of the nested box is only 0.16
    assert nms(boxes, scores, 0.5, over_smaller=True) == [0, 2]
