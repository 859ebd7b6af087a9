"""Selection on constructed scan results: grouping, best of group, red flags, story order, reasons, --from."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from photocheck.atomic import write_atomic
from photocheck.judges.flags import evidence
from photocheck.outputs import json_output
from photocheck.records.analysis import Box, Face, PhotoAnalysis, Quality, TextLine
from photocheck.records.judgement import Flag, Judgement, PeopleCount, PhotoResult, ScanResult
from photocheck.scan_file import load_scan
from photocheck.i18n import message
from photocheck.selection import caption, checks, checks_with_near_duplicates, select

DIMENSIONS = 64


def unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=DIMENSIONS).astype(np.float32)
    return vector / np.linalg.norm(vector)


def blend(a: np.ndarray, b: np.ndarray, similarity: float) -> np.ndarray:
    """A unit vector with the given cosine similarity to `a`, built towards `b`."""
    b = b - a * float(a @ b)
    b /= np.linalg.norm(b)
    return (similarity * a + np.sqrt(1 - similarity**2) * b).astype(np.float32)


def photo(
    name, embedding, score=70.0, verdict="post", people=5, faces=5, taken_at=None, flags=(), artist=None, smile=0.9
) -> PhotoResult:
    face_list = [Face(Box(10.0 * i, 0, 10.0 * i + 8, 8), 0.9, 0.95, smile, 0.3, 100.0) for i in range(faces)]
    category = "group" if people >= 4 else "small_group" if people >= 2 else "single" if people == 1 else "none"
    analysis = PhotoAnalysis(
        path=name, ok=True, width=100, height=100, taken_at=taken_at, artist=artist, faces=face_list,
        embedding=embedding, quality=Quality(120.0, 0.5, 0.0, 0.0, True),
    )
    judgement = Judgement(
        people=PeopleCount(people, faces, people, category), score=score, verdict=verdict, flags=list(flags)
    )
    return PhotoResult(analysis, judgement)


def strong_flag(kind="alcohol") -> Flag:
    seen = evidence(Box(1, 1, 20, 20), 0.95, "drink_looks_like", object="bottle", names="beer bottle")
    return Flag(kind, 0.95, True, [seen], seen.label)


def scan_of(*photos: PhotoResult) -> ScanResult:
    return ScanResult(root="event", photos=list(photos))


def codes(reasons) -> list[str]:
    return [reason.code for reason in reasons]


def test_near_duplicates_grouped_and_best_kept(config):
    base = unit(1)
    result = scan_of(
        photo("a.jpg", base, score=60),
        photo("b.jpg", blend(base, unit(2), 0.95), score=80),
        photo("c.jpg", unit(3), score=50),
    )
    selection = select(result, config, top=10)
    [group] = selection.groups
    assert group.best == "b.jpg" and group.members == ["b.jpg", "a.jpg"] and group.kind == "near_duplicate"
    assert {pick.path for pick in selection.picks} == {"b.jpg", "c.jpg"}
    [b_pick] = [pick for pick in selection.picks if pick.path == "b.jpg"]
    assert b_pick.stands_for == ["a.jpg"]
    assert codes(b_pick.reasons)[0] == "selection.pick.best_of_group"
    [rejection] = selection.rejected
    assert rejection.path == "a.jpg" and codes(rejection.reasons) == ["selection.reject.near_duplicate"]
    assert rejection.reasons[0].values["best"] == "b.jpg"


def test_best_of_group_prefers_smiles_then_open_eyes_when_scores_tie(config):
    base = unit(1)
    result = scan_of(
        photo("frowning.jpg", base, score=None, verdict=None, smile=0.1),
        photo("smiling.jpg", blend(base, unit(2), 0.97), score=None, verdict=None, smile=0.95),
    )
    [group] = select(result, config, top=5).groups
    assert group.best == "smiling.jpg"


@pytest.mark.parametrize(("seconds", "grouped"), [(4, True), (600, False)])
def test_burst_needs_capture_time_close(config, seconds, grouped):
    base = unit(1)
    later = f"2024-07-12T10:{seconds // 60:02d}:{seconds % 60:02d}"
    result = scan_of(
        photo("x.jpg", base, taken_at="2024-07-12T10:00:00"),
        photo("y.jpg", blend(base, unit(2), 0.8), taken_at=later, score=60),
    )
    groups = select(result, config, top=5).groups
    assert (len(groups) == 1 and groups[0].kind == "burst" and groups[0].best == "x.jpg") == grouped
    assert len(groups) == int(grouped)


def test_strong_flag_never_picked_even_when_best(config):
    base = unit(1)
    result = scan_of(
        photo("beer.jpg", unit(5), score=95, flags=[strong_flag()]),
        photo("twin_beer.jpg", base, score=90, flags=[strong_flag()]),
        photo("twin_clean.jpg", blend(base, unit(2), 0.96), score=70),
        photo("plain.jpg", unit(6), score=40, verdict="maybe"),
    )
    selection = select(result, config, top=10)
    picked = {pick.path for pick in selection.picks}
    assert picked == {"twin_clean.jpg", "plain.jpg"}
    why_not = {rejection.path: codes(rejection.reasons) for rejection in selection.rejected}
    assert why_not["beer.jpg"] == ["selection.reject.strong_flag"]
    # The clean twin stands for its flagged near-duplicate, not the other way round.
    assert why_not["twin_beer.jpg"][0] == "selection.reject.strong_flag"
    assert "selection.reject.near_duplicate" in why_not["twin_beer.jpg"]


def weak_flag(kind="advertising") -> Flag:
    seen = evidence(Box(30, 30, 60, 40), 0.55, "lettering", text="BAKKERIJ PEETERS")
    return Flag(kind, 0.55, False, [seen], seen.label)


def with_text(result: PhotoResult, *lines: str) -> PhotoResult:
    texts = [TextLine(line, Box(5, 60 + 8 * i, 90, 66 + 8 * i), 0.9) for i, line in enumerate(lines)]
    return PhotoResult(dataclasses.replace(result.analysis, texts=texts), result.judgement)


def test_skip_left_out_and_weak_flag_ranked_below_every_clean_photo(config):
    result = scan_of(
        photo("weak.jpg", unit(1), score=95, flags=[weak_flag()]),
        photo("skip.jpg", unit(2), score=20, verdict="skip"),
        photo("fine.jpg", unit(3), score=40, verdict="maybe"),
    )
    selection = select(result, config, top=1)
    assert [pick.path for pick in selection.picks] == ["fine.jpg"]
    why_not = {rejection.path: codes(rejection.reasons) for rejection in selection.rejected}
    assert why_not == {
        "weak.jpg": ["selection.reject.to_check", "selection.reject.outranked"],
        "skip.jpg": ["selection.reject.verdict_skip"],
    }
    [weak] = [rejection for rejection in selection.rejected if rejection.path == "weak.jpg"]
    assert "BAKKERIJ PEETERS" in weak.reasons[0].detail


def test_doubtful_photo_picked_only_without_a_clean_alternative_and_says_what_to_check(config):
    result = scan_of(photo("weak.jpg", unit(1), flags=[weak_flag()]), photo("fine.jpg", unit(3), score=30))
    selection = select(result, config, top=2)
    assert {pick.path for pick in selection.picks} == {"weak.jpg", "fine.jpg"}
    [doubtful] = [pick for pick in selection.picks if pick.path == "weak.jpg"]
    [clean] = [pick for pick in selection.picks if pick.path == "fine.jpg"]
    assert [check.kind for check in doubtful.checks] == ["advertising"]
    assert doubtful.checks[0].evidence.box == Box(30, 30, 60, 40)
    assert codes(doubtful.reasons)[0] == "selection.pick.to_check" and "BAKKERIJ PEETERS" in doubtful.reasons[0].detail
    assert clean.checks == [] and "selection.pick.to_check" not in codes(clean.reasons)


@pytest.mark.parametrize(
    ("lines", "to_check"),
    [
        (["Garage Janssens"], ["Garage Janssens"]),  # unexplained words: read them
        (["KSA Noordzee", "Chiro"], []),  # movement names
        (["12", "2024-07-15", "A4"], []),  # numbers, dates, initials
        (["www.example.be", "7"], ["www.example.be"]),
    ],
)
def test_lettering_that_no_flag_explains_is_something_to_check(config, lines, to_check):
    result = scan_of(with_text(photo("text.jpg", unit(1), score=90), *lines), photo("plain.jpg", unit(2), score=20))
    selection = select(result, config, top=1)
    expected_pick = "plain.jpg" if to_check else "text.jpg"
    assert [pick.path for pick in selection.picks] == [expected_pick]
    [text_photo] = [p for p in result.photos if p.analysis.path == "text.jpg"]
    assert [check.evidence.values["text"] for check in checks(text_photo)] == to_check
    assert all(check.kind == "lettering" and check.evidence.box is not None for check in checks(text_photo))


def test_lettering_already_shown_by_a_flag_is_not_listed_twice(config):
    flagged = with_text(photo("sign.jpg", unit(1), flags=[weak_flag()]), "BAKKERIJ PEETERS")
    flagged.analysis.texts[0].box = Box(30, 30, 60, 40)  # the flag's evidence box
    assert [check.kind for check in checks(flagged)] == ["advertising"]


@pytest.mark.parametrize("found", [weak_flag(), strong_flag()])
def test_what_one_near_duplicate_shows_is_a_check_for_the_others(config, found):
    base = unit(1)
    result = scan_of(
        photo("read.jpg", base, score=95, flags=[found]),  # its reading found something
        photo("copy.jpg", blend(base, unit(2), 0.97), score=90),  # the same scene, where nothing was read
        photo("other.jpg", unit(3), score=40),  # another scene, clean
    )
    selection = select(result, config, top=1)
    assert [pick.path for pick in selection.picks] == ["other.jpg"]  # the doubtful scene ranks below the clean one
    leader = [r for r in selection.rejected if "selection.reject.near_duplicate" not in codes(r.reasons)]
    assert len(leader) == 1 and "selection.reject.to_check" in codes(leader[0].reasons)
    embeddings = np.stack([p.analysis.embedding for p in result.photos])
    found_on = checks_with_near_duplicates(result.photos, embeddings @ embeddings.T, config.selection.near_duplicate_similarity)
    [inherited] = found_on[1]
    assert inherited.kind == found.kind and inherited.evidence.box is None  # its box is in the other photo
    assert inherited.evidence.values["photo"] == "read.jpg"
    assert inherited.evidence.values["detail"]["code"] == found.evidence[0].code
    assert "read.jpg" in message(inherited.evidence.code, "nl", **inherited.evidence.values)
    assert found_on[2] == [] and [c.evidence.code for c in found_on[0]] == ([found.evidence[0].code] * (not found.strong))


def test_evidence_a_photo_lists_itself_or_got_from_another_copy_is_not_listed_again(config):
    base = unit(1)
    copies = [photo(f"copy{i}.jpg", blend(base, unit(10 + i), 0.98), score=90 - i, flags=[weak_flag()]) for i in range(3)]
    unread = photo("unread.jpg", blend(base, unit(20), 0.98), score=95)
    result = scan_of(*copies, unread)
    embeddings = np.stack([p.analysis.embedding for p in result.photos])
    found_on = checks_with_near_duplicates(result.photos, embeddings @ embeddings.T, config.selection.near_duplicate_similarity)
    assert all(len(found) == 1 for found in found_on[:3])  # each copy lists the sign once: its own reading
    [inherited] = found_on[3]  # the photo where nothing was read lists it once, from the first copy
    assert inherited.evidence.values["photo"] == "copy0.jpg"


def test_a_photo_merely_alike_inherits_nothing(config):
    base = unit(1)
    result = scan_of(
        photo("read.jpg", base, score=95, flags=[weak_flag()]),
        photo("alike.jpg", blend(base, unit(2), 0.8), score=90),  # below near_duplicate_similarity, no capture time
    )
    assert config.selection.near_duplicate_similarity > 0.8
    [pick] = select(result, config, top=1).picks
    assert pick.path == "alike.jpg" and pick.checks == []


@pytest.mark.parametrize(("seconds", "said"), [(45, False), (90, True)])
def test_a_pick_names_its_time_spread_only_from_a_set_gap(config, seconds, said):
    photos = [
        photo("first.jpg", unit(1), taken_at="2024-07-12T10:00:00", score=90),
        photo("second.jpg", unit(2), taken_at=f"2024-07-12T10:{seconds // 60:02d}:{seconds % 60:02d}", score=60),
    ]
    assert config.selection.time_spread_reason_min_seconds == 60
    [second] = [pick for pick in select(scan_of(*photos), config, top=2).picks if pick.path == "second.jpg"]
    assert ("selection.pick.time_spread" in codes(second.reasons)) == said
    sooner = config.with_overrides({"selection": {"time_spread_reason_min_seconds": 30}}, "test")
    [second] = [pick for pick in select(scan_of(*photos), sooner, top=2).picks if pick.path == "second.jpg"]
    assert "selection.pick.time_spread" in codes(second.reasons)


def test_story_order_per_day_limit_and_slots(config):
    photos = [
        photo("d1_evening.jpg", unit(1), taken_at="2024-07-12T19:00:00", score=90),
        photo("d1_morning.jpg", unit(2), taken_at="2024-07-12T08:00:00", score=70),
        photo("d1_noon.jpg", unit(3), taken_at="2024-07-12T12:30:00", score=50),
        photo("d2_morning.jpg", unit(4), taken_at="2024-07-13T09:00:00", score=80),
        photo("undated.jpg", unit(5), score=85),
    ]
    selection = select(scan_of(*photos), config, per_day=2)
    order = [pick.path for pick in selection.picks]
    assert order == ["d1_morning.jpg", "d1_evening.jpg", "d2_morning.jpg", "undated.jpg"]
    times = [pick.taken_at for pick in selection.picks if pick.taken_at]
    assert times == sorted(times)
    [left_out] = selection.rejected
    assert left_out.path == "d1_noon.jpg" and codes(left_out.reasons) == ["selection.reject.day_full"]
    slots = {pick.path: pick.slot for pick in selection.picks}
    assert slots["d1_evening.jpg"] == "17:00" and slots["d1_morning.jpg"] == "12:00"  # strongest of the day: prime time


def test_top_prefers_new_scene_with_new_faces_over_similar_scene_with_the_same_faces(config):
    base = unit(1)
    result = scan_of(
        photo("scene1.jpg", base, score=80),
        photo("scene1_again.jpg", blend(base, unit(2), 0.85), score=79),  # same scene, not a near-duplicate
        photo("scene2.jpg", unit(3), score=75),
    )
    people = np.stack([unit(10 + i) for i in range(5)])  # descriptors: the same five people in scene 1, others in 2
    faces = {"scene1.jpg": people, "scene1_again.jpg": people, "scene2.jpg": np.stack([unit(20 + i) for i in range(5)])}
    selection = select(
        result, config, top=2, describe=lambda photos: {p.analysis.path: faces[p.analysis.path] for p in photos}
    )
    assert {pick.path for pick in selection.picks} == {"scene1.jpg", "scene2.jpg"}
    [rejection] = selection.rejected
    assert rejection.path == "scene1_again.jpg" and codes(rejection.reasons) == ["selection.reject.outranked"]


def test_faces_are_described_for_a_bounded_pool_and_a_pick_without_them_says_so(config):
    result = scan_of(*(photo(f"p{i}.jpg", unit(i), score=90.0 - i) for i in range(10)))
    asked: list[list[str]] = []

    def describe(photos):  # p1's file cannot be read again: it is left out of the answer
        asked.append([p.analysis.path for p in photos])
        return {p.analysis.path: np.stack([unit(100 + i) for i in range(5)]) for p in photos if p.analysis.path != "p1.jpg"}

    factor = config.selection.face_pool_factor
    selection = select(result, config, top=2, describe=describe)
    assert asked == [[f"p{i}.jpg" for i in range(2 * factor)]]  # the best candidates only, once
    reasons = {pick.path: codes(pick.reasons) for pick in selection.picks}
    assert "selection.pick.faces_not_compared" in reasons["p1.jpg"]
    assert "selection.pick.new_faces" in reasons["p0.jpg"] and "selection.pick.new_faces" not in reasons["p1.jpg"]


def test_every_photo_is_picked_or_explained_and_captions_credit_the_artist(config):
    photos = [photo(f"p{i}.jpg", unit(i), score=50.0 + i, artist="Jan Peeters" if i == 3 else None) for i in range(8)]
    photos.append(PhotoResult(PhotoAnalysis(path="broken.jpg", ok=False, error="empty file (0 bytes)"), None))
    selection = select(scan_of(*photos), config, top=3)
    assert len(selection.picks) == 3
    picked = {pick.path for pick in selection.picks}
    rejected = {rejection.path for rejection in selection.rejected}
    assert picked | rejected == {p.analysis.path for p in photos} and not picked & rejected
    assert all(rejection.reasons and rejection.reasons[0].detail for rejection in selection.rejected)
    assert all(pick.reasons for pick in selection.picks)
    for pick in selection.picks:
        assert pick.caption.startswith("#KSAinbeeld")
        assert ("📷 Jan Peeters" in pick.caption) == (pick.path == "p3.jpg")


def test_unjudged_photos_rank_as_maybe(config):
    result = scan_of(photo("a.jpg", unit(1), score=None, verdict=None), photo("b.jpg", unit(2), verdict="maybe", score=50))
    selection = select(result, config, top=5)
    assert {pick.path for pick in selection.picks} == {"a.jpg", "b.jpg"}
    assert "selection.pick.verdict_unknown" in codes(next(p for p in selection.picks if p.path == "a.jpg").reasons)


def test_select_from_scan_json_groups_the_same_way(config, tmp_path):
    base = unit(1)
    original = scan_of(photo("a.jpg", base, score=60), photo("b.jpg", blend(base, unit(2), 0.95), score=80))
    path = tmp_path / "scan.json"
    write_atomic(path, json_output.dumps(original))
    reloaded = load_scan(path, config)
    assert [p.analysis.path for p in reloaded.photos] == ["a.jpg", "b.jpg"]
    first = reloaded.photos[0].analysis
    assert first.faces[0].box == original.photos[0].analysis.faces[0].box and first.quality.sharpness == 120.0
    assert float(first.embedding @ base) > 0.999  # float16 in the JSON is precise enough for grouping
    [group] = select(reloaded, config, top=5).groups
    assert set(group.members) == {"a.jpg", "b.jpg"}


@pytest.mark.parametrize(
    ("people", "language", "expected"),
    [
        (6, "nl", "#KSAinbeeld Samen met de groep: met 6. 📷 An"),
        (3, "en", "#KSAinbeeld 3 of us, together. 📷 An"),
        (1, "nl", "#KSAinbeeld Een van onze leden in actie. 📷 An"),
        (0, "en", "#KSAinbeeld A moment from our activity. 📷 An"),
    ],
)
def test_caption_says_who_is_in_the_photo_in_the_readers_language(config, people, language, expected):
    judged = photo("a.jpg", unit(1), people=people, faces=min(people, 3), artist="An")
    assert caption(judged, config.selection, language) == expected
