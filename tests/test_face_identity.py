"""Identity descriptor (faceres, computed by the scan) on real sample photos, the grouping of faces into people, and
the selection's preference for people not yet shown."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from photocheck.analysis.loading import load_photo
from photocheck.judges.policy import judge, judging_context
from photocheck.models.base import ModelStore
from photocheck.models import face_descriptor
from photocheck.models.face_descriptor import FaceDescriptor, model_input
from photocheck.outputs import html_report
from photocheck.report_pictures import report_pictures
from photocheck.people_shown import coverage, group_people, recognisable_faces
from photocheck.records.analysis import Box
from photocheck.records.judgement import PhotoResult, ScanResult
from photocheck.records.selection import Selection
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
        photos[name] = PhotoResult(analysis, judge(analysis, config, judging_context(config)))
    return photos


def test_a_face_matches_itself_flipped_and_recropped_and_not_its_neighbours(judged, config):
    threshold = config.selection.same_face_similarity
    loaded = load_photo(SAMPLES / GROUP, config.loading.working_size, config.loading.max_megapixels)
    boxes = [face.box.scaled(1 / loaded.scale) for face in recognisable_faces(judged[GROUP])]
    assert len(boxes) == 3
    model = FaceDescriptor(ModelStore())
    faces = model.describe(loaded.rgb, boxes)
    assert np.allclose(np.linalg.norm(faces, axis=1), 1.0, atol=1e-5)
    scanned = np.stack([face.descriptor for face in recognisable_faces(judged[GROUP])])
    assert np.allclose(faces, scanned, atol=1e-4)  # the scan's descriptors are these
    width = loaded.rgb.shape[1]
    flipped = model.describe(np.ascontiguousarray(loaded.rgb[:, ::-1]), [b.mirrored(width) for b in boxes])
    # a slightly different crop: moved by 6 % of the face and 8 % wider
    recropped = model.describe(loaded.rgb, [Box(b.x1 + 0.02 * b.width, b.y1 - 0.06 * b.height, b.x2 + 0.1 * b.width,
                                                b.y2 - 0.06 * b.height) for b in boxes])
    assert np.all(np.sum(faces * flipped, axis=1) >= threshold)
    assert np.all(np.sum(faces * recropped, axis=1) >= threshold)
    between = faces @ faces.T
    assert np.all(between[~np.eye(3, dtype=bool)] < threshold)


def test_a_tilted_head_is_turned_level_before_it_is_described(analyzer, config, monkeypatch):
    """The couple's photo turned by 20 degrees either way: levelled by the eyes (FaceMesh), each face keeps nearly its
    upright descriptor, and closer to it than the same face described without levelling."""
    rgb = load_photo(SAMPLES / COUPLE_AGAIN, config.loading.working_size, config.loading.max_megapixels).rgb
    upright = np.stack([face.descriptor for face in analyzer.faces(rgb) if face.descriptor is not None])
    height, width = rgb.shape[:2]
    for angle in (-20, 20):
        turned = cv2.warpAffine(rgb, cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0), (width, height))
        levelled = np.stack([face.descriptor for face in analyzer.faces(turned) if face.descriptor is not None])
        with monkeypatch.context() as patch:
            patch.setattr(face_descriptor, "eye_roll_degrees", lambda points: 0.0)
            as_is = np.stack([face.descriptor for face in analyzer.faces(turned) if face.descriptor is not None])
        assert len(levelled) == len(upright) == 2
        assert np.all((upright @ levelled.T).max(axis=1) >= 0.92)
        assert np.mean((upright @ levelled.T).max(axis=1)) > np.mean((upright @ as_is.T).max(axis=1))


def test_the_model_gets_bgr_minus_the_imagenet_means_as_its_authors_feed_it():
    crops = np.empty((1, 2, 2, 3), np.uint8)
    crops[...] = (10, 20, 30)  # R, G, B
    assert np.allclose(model_input(crops)[0, 0, 0], [30 - 103.939, 20 - 116.779, 10 - 123.68])


def test_the_same_couple_in_another_shot_matches_and_not_crosswise(judged, config):
    threshold = config.selection.same_face_similarity
    largest = sorted(judged[COUPLE].analysis.faces, key=lambda face: -face.box.area)[:2]
    again = sorted(judged[COUPLE_AGAIN].analysis.faces, key=lambda face: -face.box.area)[:2]
    similarity = np.stack([f.descriptor for f in largest]) @ np.stack([f.descriptor for f in again]).T
    best = similarity.argmax(axis=1)
    assert sorted(best) == [0, 1]  # each partner finds a different face of the other shot
    assert np.all(similarity[[0, 1], best] >= threshold)
    assert np.all(similarity[[0, 1], 1 - best] < threshold)


def test_faces_are_grouped_into_people_across_photos_and_never_within_one(judged, config):
    result = ScanResult(root=str(SAMPLES), photos=list(judged.values()))
    people = group_people(result, config.selection.same_face_similarity)
    by_photo = {name: people.of_photo(name) for name in judged}
    for persons in by_photo.values():
        assert len(set(persons)) == len(persons)  # two faces of one photo are two people
    shared = set(by_photo[COUPLE]) & set(by_photo[COUPLE_AGAIN])
    assert len(shared) == 2  # the couple, seen in both shots
    assert not set(by_photo[GROUP]) & set(by_photo[SOMEONE_ELSE])
    assert people.count == len({p for persons in by_photo.values() for p in persons})
    seen = coverage(people, [COUPLE_AGAIN])
    assert seen.shown == len(by_photo[COUPLE_AGAIN]) and seen.people == people.count
    assert {face.person for face in seen.not_shown} == set(range(people.count)) - set(by_photo[COUPLE_AGAIN])


def test_selection_prefers_a_photo_with_new_faces_over_one_repeating_shown_faces(judged, config):
    """The same three people again (their faces mirrored) against someone else; everything else equal."""
    group, crowd = judged[GROUP], judged[SOMEONE_ELSE]
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

    result = ScanResult(root=str(SAMPLES), photos=[
        candidate("first.jpg", group, group.analysis.faces, embeddings[0], 90.0),
        candidate("again.jpg", group, again_faces, embeddings[1], 80.0),  # listed first: wins a tie
        candidate("other.jpg", crowd, crowd.analysis.faces, embeddings[2], 80.0),
    ])
    people = group_people(result, config.selection.same_face_similarity)
    selection = select(result, config, top=2, describe=people.describe)
    assert {pick.path for pick in selection.picks} == {"first.jpg", "other.jpg"}
    new_faces = {
        pick.path: reason.values for pick in selection.picks for reason in pick.reasons
        if reason.code == "selection.pick.new_faces"
    }
    crowd_faces = len(recognisable_faces(crowd))
    assert new_faces == {"first.jpg": {"faces": 3, "of": 3}, "other.jpg": {"faces": crowd_faces, "of": crowd_faces}}
    every_one = select(result, config, top=3, describe=people.describe)
    [again] = [pick for pick in every_one.picks if pick.path == "again.jpg"]
    assert [r.values for r in again.reasons if r.code == "selection.pick.new_faces"] == [{"faces": 0, "of": 3}]
    without_faces = select(result, config, top=2)  # the same photos, faces not compared: the tie goes to "again"
    assert {pick.path for pick in without_faces.picks} == {"first.jpg", "again.jpg"}


def test_the_report_shows_a_face_of_each_person_no_pick_shows(judged, config):
    result = ScanResult(root=str(SAMPLES), photos=list(judged.values()))
    people = group_people(result, config.selection.same_face_similarity)
    nobody_picked = Selection(picks=[], rejected=[], groups=[], coverage=coverage(people, []))
    page = html_report.render(result, nobody_picked, report_pictures(result, nobody_picked, SAMPLES, config), config)
    assert f"The picks show 0 of the {people.count} different people" in page
    assert page.count('<figure><img src="data:image/jpeg;base64,') == min(people.count, config.report.people_not_shown)
