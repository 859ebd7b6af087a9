"""Alcohol without people: drinks that fill the frame (made-up analyses, no models)."""

from __future__ import annotations

from photocheck.config import default_config
from photocheck.judges.flags import judge_flags
from photocheck.records.analysis import Box, Detection, PhotoAnalysis, SceneLabel


def _analysis(objects=(), scene=()) -> PhotoAnalysis:
    return PhotoAnalysis(path="table.jpg", ok=True, width=1200, height=800, objects=list(objects),
                         scene=[SceneLabel(name, index, score) for name, index, score in scene])


def _bottles(count: int, score: float = 0.6, label: str = "bottle") -> list[Detection]:
    return [Detection(label, Box(100 + 90 * i, 300, 160 + 90 * i, 500), score) for i in range(count)]


def _alcohol(analysis):
    flags, _ = judge_flags(analysis, default_config().flags, [])
    return next((flag for flag in flags if flag.kind == "alcohol"), None)


def test_a_table_full_of_bottles_without_people_is_a_weak_alcohol_flag_with_a_box_per_bottle():
    settings = default_config().flags.alcohol
    flag = _alcohol(_analysis(_bottles(settings.many_drinks)))
    assert flag is not None and not flag.strong
    boxed = [e for e in flag.evidence if e.code == "evidence.many_drinks"]
    assert len(boxed) == settings.many_drinks and all(e.box is not None for e in boxed)
    assert boxed[0].values["count"] == settings.many_drinks


def test_fewer_faint_bottles_than_many_drinks_raise_nothing():
    settings = default_config().flags.alcohol
    flag = _alcohol(_analysis(_bottles(settings.many_drinks - 1, score=settings.bottle_min_score - 0.1)))
    assert flag is None


def test_faint_wine_glasses_below_their_minimum_score_do_not_count_as_drinks():
    settings = default_config().flags.alcohol
    faint = _bottles(settings.many_drinks + 2, score=settings.wine_glass_min_score - 0.01, label="wine glass")
    assert _alcohol(_analysis(faint)) is None


def test_a_photo_the_scene_model_sees_as_crates_and_bottles_is_weak_evidence_without_any_detection():
    settings = default_config().flags.alcohol
    crate, pop_bottle = 519, 737
    assert {crate, pop_bottle} <= set(settings.container_classes)
    share = settings.container_scene_min
    flag = _alcohol(_analysis(scene=[("crate", crate, share * 0.6), ("pop bottle", pop_bottle, share * 0.5),
                                     ("stage", 819, 0.2)]))
    assert flag is not None and not flag.strong
    assert flag.evidence[0].code == "evidence.photo_full_of_drinks" and flag.evidence[0].box is None
    assert "crate" in flag.evidence[0].values["names"] and "stage" not in flag.evidence[0].values["names"]


def test_a_scene_with_few_containers_among_its_labels_is_no_evidence():
    settings = default_config().flags.alcohol
    below = settings.container_scene_min * 0.5
    assert _alcohol(_analysis(scene=[("stage", 819, 0.6), ("crate", 519, below)])) is None
