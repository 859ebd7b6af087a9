"""Face descriptor (faceres) on real sample photos, and the selection's preference for faces not yet shown."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
from PIL import Image

from photocheck.judges.policy import judge
from photocheck.loading import load_photo
from photocheck.models.base import ModelStore
from photocheck.models.face_descriptor import FaceDescriptor
from photocheck.people_shown import FaceDescriber, recognisable_faces
from photocheck.results import Box
from photocheck.scan import PhotoResult, ScanResult
from photocheck.selection import select
from tests.conftest import SAMPLES

GROUP = "group_three_smiling.jpg"  # three different people
COUPLE = "group_bar_crowd.jpg"  # a couple in the foreground (the two largest faces) ...
COUPLE_AGAIN = "drinks_wine_glasses.jpg"  # ... and the same couple in another shot (sample_images/README.md)
SOMEONE_ELSE = "astronaut.jpg"


@pytest.fixture(scope="module")
def judged(analyzer, config) -> dict[str, PhotoResult]:
    photos = {}
    for name in (GROUP, COUPLE, COUPLE_AGAIN, SOMEONE_ELSE):
        analysis = analyzer.analyse(SAMPLES / name, name)
        photos[name] = PhotoResult(analysis, judge(analysis, config))
    return photos


def test_a_face_matches_itself_flipped_and_recropped_and_not_its_neighbours(judged, config):
    threshold = config.selection.same_face_similarity
    loaded = load_photo(SAMPLES / GROUP, config.loading.working_size, config.loading.max_megapixels)
    boxes = [face.box.scaled(1 / loaded.scale) for face in recognisable_faces(judged[GROUP])]
    assert len(boxes) == 3
    model = FaceDescriptor(ModelStore())
    faces = model.describe(loaded.rgb, boxes)
    assert np.allclose(np.linalg.norm(faces, axis=1), 1.0, atol=1e-5)
    width = loaded.rgb.shape[1]
    flipped = model.describe(np.ascontiguousarray(loaded.rgb[:, ::-1]), [b.mirrored(width) for b in boxes])
    # a slightly different crop: moved by 6 % of the face and 8 % wider
    recropped = model.describe(loaded.rgb, [Box(b.x1 + 0.02 * b.width, b.y1 - 0.06 * b.height, b.x2 + 0.1 * b.width,
                                                b.y2 - 0.06 * b.height) for b in boxes])
    assert np.all(np.sum(faces * flipped, axis=1) >= threshold)
    assert np.all(np.sum(faces * recropped, axis=1) >= threshold)
    between = faces @ faces.T
    assert np.all(between[~np.eye(3, dtype=bool)] < threshold)


def describe_photo(photo: PhotoResult, config) -> np.ndarray:
    return FaceDescriber(SAMPLES, config)([photo])[photo.analysis.path]


def test_the_same_couple_in_another_shot_matches_and_not_crosswise(judged, config):
    threshold = config.selection.same_face_similarity
    largest = sorted(recognisable_faces(judged[COUPLE]), key=lambda face: -face.box.area)[:2]
    couple = PhotoResult(  # only the two faces kept (no face judgements: every face kept counts)
        dataclasses.replace(judged[COUPLE].analysis, faces=largest),
        dataclasses.replace(judged[COUPLE].judgement, face_judgements=[]),
    )
    similarity = describe_photo(couple, config) @ describe_photo(judged[COUPLE_AGAIN], config).T
    assert similarity.shape == (2, 2)
    best = similarity.argmax(axis=1)
    assert sorted(best) == [0, 1]  # each partner finds a different face of the other shot
    assert np.all(similarity[[0, 1], best] >= threshold)
    assert np.all(similarity[[0, 1], 1 - best] < threshold)


def test_selection_prefers_a_photo_with_new_faces_over_one_repeating_shown_faces(judged, config, tmp_path):
    """The same three people again (the photo mirrored) against someone else; everything else equal."""
    group, crowd = judged[GROUP], judged[SOMEONE_ELSE]
    shutil.copy(SAMPLES / GROUP, tmp_path / "first.jpg")
    Image.open(SAMPLES / GROUP).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(tmp_path / "again.jpg", quality=90)
    shutil.copy(SAMPLES / SOMEONE_ELSE, tmp_path / "other.jpg")
    width = group.analysis.width
    again_faces = [dataclasses.replace(f, box=f.box.mirrored(width)) for f in group.analysis.faces]
    embeddings = np.eye(3, 16, dtype=np.float32)  # unrelated scenes: no group, equal scene novelty

    def candidate(name, photo, faces, embedding, score):
        analysis = dataclasses.replace(photo.analysis, path=name, faces=faces, embedding=embedding, taken_at=None)
        # the same verdict, people count and smiles for both contenders: only their faces differ
        judgement = dataclasses.replace(
            photo.judgement, score=score, verdict="post", flags=[], people=group.judgement.people,
            smiling=group.judgement.smiling,
        )
        return PhotoResult(analysis, judgement)

    result = ScanResult(root=str(tmp_path), photos=[
        candidate("first.jpg", group, group.analysis.faces, embeddings[0], 90.0),
        candidate("again.jpg", group, again_faces, embeddings[1], 80.0),  # listed first: wins a tie
        candidate("other.jpg", crowd, crowd.analysis.faces, embeddings[2], 80.0),
    ])
    selection = select(result, config, top=2, describe=FaceDescriber(tmp_path, config))
    assert {pick.path for pick in selection.picks} == {"first.jpg", "other.jpg"}
    new_faces = {
        pick.path: reason.values for pick in selection.picks for reason in pick.reasons
        if reason.code == "selection.pick.new_faces"
    }
    crowd_faces = len(recognisable_faces(crowd))
    assert new_faces == {"first.jpg": {"faces": 3, "of": 3}, "other.jpg": {"faces": crowd_faces, "of": crowd_faces}}
    every_one = select(result, config, top=3, describe=FaceDescriber(tmp_path, config))
    [again] = [pick for pick in every_one.picks if pick.path == "again.jpg"]
    assert [r.values for r in again.reasons if r.code == "selection.pick.new_faces"] == [{"faces": 0, "of": 3}]
    without_faces = select(result, config, top=2)  # the same photos, faces not compared: the tie goes to "again"
    assert {pick.path for pick in without_faces.picks} == {"first.jpg", "again.jpg"}
