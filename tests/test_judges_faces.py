"""Face judgements on constructed faces, and the smile code on real faces."""

from __future__ import annotations

import csv

import cv2
import pytest

from photocheck.analysis.pipeline import Analyzer
from photocheck.judges.faces import judge_faces, smile_summary, too_wide
from photocheck.judges.people import count_people
from photocheck.judges.policy import judge, judging_context
from photocheck.models.smile import SmileEstimator
from photocheck.records.analysis import Box, Face, PhotoAnalysis
from photocheck.records.judgement import FaceJudgement, PeopleCount

from .conftest import SAMPLES


def face(x: float, y: float, side: float, *, sharpness=400.0, probability=1.0, smile=0.9, eyes=0.3) -> Face:
    return Face(Box(x, y, x + side, y + side), score=0.9, face_probability=probability, smile=smile,
                eye_openness=eyes, sharpness=sharpness)


def photo(*faces: Face, width=1600, height=1200) -> PhotoAnalysis:
    return PhotoAnalysis(path="constructed.jpg", ok=True, width=width, height=height, faces=list(faces))


@pytest.mark.parametrize(
    ("case", "the_face", "size", "expected"),
    [
        ("10-px face", face(100, 100, 10), (1600, 1200), FaceJudgement(False, None, None)),
        ("big sharp smiling face", face(500, 300, 300), (1600, 1200), FaceJudgement(True, True, None)),
        ("big sharp neutral face", face(500, 300, 300, smile=0.1), (1600, 1200), FaceJudgement(True, False, False)),
        ("big face, eyes shut", face(500, 300, 300, smile=0.1, eyes=0.05), (1600, 1200),
         FaceJudgement(True, False, True)),
        ("big laughing face, lids narrow", face(500, 300, 300, smile=0.9, eyes=0.05), (1600, 1200),
         FaceJudgement(True, True, None)),
        ("big face, smile unknown", face(500, 300, 300, smile=None, eyes=0.05), (1600, 1200),
         FaceJudgement(True, None, None)),
        ("big but blurred face", face(500, 300, 300, sharpness=5.0, smile=0.2), (1600, 1200),
         FaceJudgement(False, None, False)),
        ("mesh doubts it is a face", face(500, 300, 300, probability=0.3, smile=0.2), (1600, 1200),
         FaceJudgement(False, None, False)),
        ("60 px in a 6000x4000 frame", face(3000, 2000, 60), (6000, 4000), FaceJudgement(False, None, None)),
        ("60 px in a 600x400 frame", face(300, 200, 60), (600, 400), FaceJudgement(True, True, None)),
    ],
)
def test_face_judgement(config, case, the_face, size, expected):
    assert judge_faces(photo(the_face, width=size[0], height=size[1]), config) == [expected], case


def test_badge_face_on_a_shirt_is_neither_a_person_nor_recognisable(config):
    wearer = face(600, 300, 330)
    badge = face(580, 930, 35)
    analysis = photo(wearer, badge)
    assert [j.recognisable for j in judge_faces(analysis, config)] == [True, False]
    assert count_people(analysis.faces, [], config.people).count == 1


def test_a_small_face_beside_a_big_one_is_still_a_person(config):
    analysis = photo(face(600, 300, 330), face(1100, 320, 60))
    assert count_people(analysis.faces, [], config.people).count == 2


@pytest.mark.parametrize(
    ("smiling", "expected"),
    [
        ([True, True, False, None], (2, 2 / 3)),
        ([None, None], (0, None)),
        ([False], (0, 0.0)),
    ],
)
def test_smile_summary_counts_only_judged_faces(smiling, expected):
    judgements = [FaceJudgement(recognisable=s is not None, smiling=s, eyes_closed=None) for s in smiling]
    summary = smile_summary(judgements)
    assert (summary.count, summary.fraction) == expected


@pytest.mark.parametrize(
    ("people", "recognisable", "expected"),
    [
        (0, 0, None),  # nobody: nothing to be too wide about
        (12, 0, True),  # a crowd of tiny faces
        (12, 1, True),
        (5, 1, False),  # a portrait with four bystanders
        (1, 1, False),
        (1, 0, True),  # someone seen from behind or far away
    ],
)
def test_too_wide(config, people, recognisable, expected):
    judgements = [FaceJudgement(i < recognisable, None, None) for i in range(people)]
    count = PeopleCount(count=people, faces=people, persons=0, category="group")
    assert too_wide(count, judgements, config.recognisable) is expected


def test_config_override_changes_recognisable(config):
    analysis = photo(face(500, 300, 100))
    assert judge_faces(analysis, config)[0].recognisable
    stricter = config.with_overrides({"recognisable": {"min_face_pixels": 150.0}}, "test")
    assert not judge_faces(analysis, stricter)[0].recognisable


def test_judge_fills_face_judgements_smiles_and_too_wide(config):
    crowd = photo(*[face(40 * i, 500, 22) for i in range(12)], width=4000, height=3000)
    judgement = judge(crowd, config, judging_context(config))
    assert len(judgement.face_judgements) == 12
    assert judgement.too_wide is True
    assert judgement.smiling.fraction is None
    portrait = judge(photo(face(500, 300, 400)), config, judging_context(config))
    assert portrait.too_wide is False
    assert (portrait.smiling.count, portrait.smiling.fraction) == (1, 1.0)


def test_astronaut_smiles(analyzer):
    analysis = analyzer.analyse(SAMPLES / "astronaut.jpg", "astronaut.jpg")
    assert len(analysis.faces) == 1
    assert analysis.faces[0].smile > 0.8


def test_faces_below_the_smile_size_get_no_smile(analyzer, config):
    """Faces smaller than faces.smile_min_face_fraction of the short side skip the expression models."""
    strict = config.with_overrides({"faces": {"smile_min_face_fraction": 0.9}}, "test")
    analysis = Analyzer(strict, analyzer.store).analyse(SAMPLES / "astronaut.jpg", "astronaut.jpg")
    assert len(analysis.faces) == 1
    assert analysis.faces[0].smile is None and analysis.faces[0].eye_openness is not None


def test_smile_code_separates_genki_crops(analyzer, config, shared_eval):
    """The project's smile path on 40 labelled GENKI-4K crops (box = whole crop): most are classified right."""
    folder = shared_eval / "genki4k_faces"
    with (folder / "labels.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    chosen = [r for r in rows if r["smile"] == "1"][:20] + [r for r in rows if r["smile"] == "0"][:20]
    estimator: SmileEstimator = analyzer.smile
    correct = 0
    for row in chosen:
        rgb = cv2.cvtColor(cv2.imread(str(folder / row["file"])), cv2.COLOR_BGR2RGB)
        box = Box(0, 0, rgb.shape[1], rgb.shape[0])
        meshes = analyzer.face_mesh.measure(rgb, [box])
        probability = estimator.smiles(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), [box], meshes)[0]
        correct += (probability >= config.smiles.threshold) == (row["smile"] == "1")
    assert correct >= 34  # 85 %; the bench measures 93 % on all 4000
