"""Both face detectors (BlazeFace on tiles, MTCNN) on real sample photos, and the choice between them by config."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from photocheck.config import ConfigError
from photocheck.models.blazeface import BlazeFace
from photocheck.models.face_detectors import DETECTORS, confirmed_faces, face_detector, one_per_head
from photocheck.models.facemesh import Mesh
from photocheck.models.mtcnn import Mtcnn
from photocheck.models.preprocess import nms
from photocheck.records.analysis import Box
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
    confirmed = confirmed_faces(candidates, analyzer.face_mesh, rgb, config.faces)
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


def _face(box: Box, score: float, face_probability: float) -> tuple[Box, float, Mesh]:
    return box, score, Mesh(points=np.zeros((468, 3), np.float32), face_probability=face_probability)


def test_a_face_box_inside_a_head_box_is_one_face_the_better_confirmed():
    head = _face(Box(100, 100, 300, 320), 0.7, 0.90)
    face_in_head = _face(Box(140, 150, 260, 280), 0.9, 0.99)  # wholly inside: same head, better confirmed
    neighbour = _face(Box(320, 100, 500, 300), 0.8, 0.95)  # beside it, touching nothing
    kept = one_per_head([head, face_in_head, neighbour], 0.5)
    assert [box for box, _, _ in kept] == [face_in_head[0], neighbour[0]]  # detector order kept


def test_faces_sharing_less_than_the_share_of_the_smaller_box_stay_apart():
    # Two heads side by side, the small one's box a third inside the big one's (a child leaning on a leader).
    big = _face(Box(0, 0, 300, 300), 0.9, 0.99)
    small = _face(Box(250, 100, 400, 250), 0.9, 0.98)
    assert small[0].intersection(big[0]) / small[0].area == pytest.approx(1 / 3)
    assert len(one_per_head([big, small], 0.5)) == 2
    assert len(one_per_head([big, small], 0.3)) == 1


def test_equal_confirmation_keeps_the_higher_detector_score():
    low = _face(Box(0, 0, 100, 100), 0.6, 0.97)
    high = _face(Box(10, 10, 90, 90), 0.8, 0.97)
    assert one_per_head([low, high], 0.5) == [high]


def test_a_larger_head_box_around_a_real_face_is_merged_into_one(analyzer, config):
    """The astronaut's detected face plus a made-up box around her whole head: FaceMesh confirms both, one stays."""
    rgb = _rgb("astronaut.jpg")
    (face_box, score), = analyzer.face_detector.detect(rgb)
    head_box = face_box.expanded_square(1.3)
    meshes = analyzer.face_mesh.measure(rgb, [face_box, head_box])
    assert all(mesh.face_probability >= config.faces.min_face_probability for mesh in meshes)
    kept = confirmed_faces([(face_box, score), (head_box, score)], analyzer.face_mesh, rgb, config.faces)
    assert len(kept) == 1
