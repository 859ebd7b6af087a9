"""The consent list with real faces: listed from one photo, found in another; refusals; the selection and the
export never hand out a listed child (unless pixelated on request)."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil

import jsonschema
import numpy as np
import pytest
from PIL import Image, ImageDraw
from typer.testing import CliRunner

from photocheck import consent
from photocheck.cli import app
from photocheck.judges.policy import judge, judging_context
from photocheck.models.face_descriptor import PREPROCESSING
from photocheck.outputs import json_output
from photocheck.outputs.export import export_picks, without_location
from photocheck.records.judgement import ListedChild, PhotoResult, ScanResult
from photocheck.records.selection import Pick, Selection
from photocheck.scan import scan
from photocheck.selection import select
from tests.conftest import SAMPLES
from tests.test_json_contract import SCHEMA

COUPLE = "group_bar_crowd.jpg"  # the couple in front (the two largest faces) among other guests ...
COUPLE_AGAIN = "drinks_wine_glasses.jpg"  # ... and the same couple in another shot (sample_images/README.md)
OTHERS = ("astronaut.jpg", "group_three_smiling.jpg")


@pytest.fixture()
def xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    return tmp_path / "xdg" / "photocheck"


@pytest.fixture(scope="module")
def analysed(analyzer, config):
    return {name: analyzer.analyse(SAMPLES / name, name) for name in (COUPLE, COUPLE_AGAIN, *OTHERS)}


def portrait(analysis, folder, rank=0):
    """A crop of COUPLE around its `rank`-th largest face with the other faces painted over: a reference photo of one
    person, as a parent would send (the couple hug, so any crop also holds the partner's face)."""
    face = sorted(analysis.faces, key=lambda f: -f.box.area)[rank]
    image = Image.open(SAMPLES / COUPLE).convert("RGB")
    for other in analysis.faces:
        if other is not face:
            box = other.box.expanded_square(1.2)
            ImageDraw.Draw(image).rectangle([box.x1, box.y1, box.x2, box.y2], fill=(128, 128, 128))
    box = face.box.expanded_square(1.6)
    path = folder / f"partner{rank}.jpg"
    image.crop(tuple(round(v) for v in (box.x1, box.y1, box.x2, box.y2))).save(path, quality=95)
    return path


def listed(config, name, descriptors):
    return dataclasses.replace(config, listed_children=(ListedChild(name, np.stack(descriptors)),))


def test_each_partner_listed_from_one_photo_is_found_in_another_photo(analysed, config, tmp_path):
    references = [portrait(analysed[COUPLE], tmp_path, rank) for rank in (0, 1)]
    descriptors, refusals = consent.describe_references(references, config, cache=None)
    assert refusals == [] and len(descriptors) == 2
    with_list = dataclasses.replace(config, listed_children=(
        ListedChild("Sam", descriptors[references[0]][None]), ListedChild("Noor", descriptors[references[1]][None]),
    ))
    context = judging_context(with_list)
    again = judge(analysed[COUPLE_AGAIN], with_list, context)
    strong = [m for m in again.consent if m.strong]
    assert sorted(m.name for m in strong) == ["Noor", "Sam"] and strong[0].box != strong[1].box
    assert all(m.similarity >= config.consent.match_similarity for m in strong)
    assert again.verdict == "skip"
    assert {r.values["name"] for r in again.reasons if r.code == "reason.consent.listed"} == {"Noor", "Sam"}
    assert judge(analysed["astronaut.jpg"], with_list, context).consent == []
    # Known false match (docs/consent.md): Sam also resembles the left man of group_three_smiling (cosine ~0.65 against
    # 0.71 for Sam himself); Noor matches nobody else.
    assert [m.name for m in judge(analysed["group_three_smiling.jpg"], with_list, context).consent] in (["Sam"], [])


def test_a_weak_match_makes_the_photo_maybe_with_a_check(analysed, config):
    face = max((f for f in analysed[COUPLE_AGAIN].faces if f.descriptor is not None), key=lambda f: f.box.area)
    # a reference exactly between the weak and the match threshold away from the face
    target = (config.consent.match_similarity + config.consent.weak_similarity) / 2
    other = np.random.default_rng(0).normal(size=face.descriptor.shape).astype(np.float32)
    other -= (other @ face.descriptor) * face.descriptor
    other /= np.linalg.norm(other)
    reference = target * face.descriptor + np.sqrt(1 - target**2) * other
    judgement = judge(analysed[COUPLE_AGAIN], listed(config, "Noor", [reference]), judging_context(config))
    [match] = judgement.consent
    assert not match.strong and match.similarity == pytest.approx(target, abs=1e-3)
    assert judgement.verdict in ("maybe", "skip")
    assert any(r.code == "reason.consent.could_be" for r in judgement.reasons)


def test_reference_photos_without_one_clear_face_are_refused_with_the_file_and_why(config, tmp_path):
    shutil.copy(SAMPLES / "coffee.jpg", tmp_path / "coffee.jpg")
    shutil.copy(SAMPLES / "group_three_smiling.jpg", tmp_path / "three.jpg")
    descriptors, refusals = consent.describe_references(
        [tmp_path / "coffee.jpg", tmp_path / "three.jpg"], config, cache=None
    )
    assert descriptors == {}
    assert [(r.path.name, r.error.code) for r in refusals] == [
        ("coffee.jpg", "consent.no_face"), ("three.jpg", "consent.several_faces")
    ]
    assert "coffee.jpg" in str(refusals[0].error) and "no face" in str(refusals[0].error)


def test_cli_add_list_remove_keeps_only_descriptors_in_the_user_config_folder(analysed, xdg, tmp_path):
    reference = portrait(analysed[COUPLE], tmp_path, 1)
    runner = CliRunner()
    added = runner.invoke(app, ["consent", "add", "Sam", str(reference)])
    assert added.exit_code == 0, added.output
    assert "Sam is on the consent list, from 1 photos" in added.output
    stored = xdg / "consent.json"
    document = json.loads(stored.read_text(encoding="utf-8"))
    assert list(document["children"]) == ["Sam"] and len(document["children"]["Sam"][0]) == 1024
    assert [p.name for p in xdg.iterdir()] == ["consent.json"]  # no copy of the photo
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    listing = runner.invoke(app, ["consent", "list"])
    assert listing.output.strip() == "Sam: 1 reference photos"
    missing = runner.invoke(app, ["consent", "remove", "Alex"])
    assert missing.exit_code == 2 and "Alex is not on the consent list (listed: Sam)" in missing.output
    assert runner.invoke(app, ["consent", "remove", "Sam"]).exit_code == 0
    assert runner.invoke(app, ["consent", "list", "--lang", "nl"]).output.strip() == (
        "Niemand staat op de lijst zonder toestemming."
    )


def test_cli_add_refuses_a_photo_without_a_face_and_stores_nothing(xdg, tmp_path):
    shutil.copy(SAMPLES / "coffee.jpg", tmp_path / "coffee.jpg")
    run = CliRunner().invoke(app, ["consent", "add", "Sam", str(tmp_path / "coffee.jpg"), "--lang", "nl"])
    assert run.exit_code == 2
    assert "coffee.jpg: geen gezicht gevonden" in run.output and "Sam is niet toegevoegd" in run.output
    assert not (xdg / "consent.json").exists()
    too_many = CliRunner().invoke(app, ["consent", "add", "Sam", *[str(tmp_path / "coffee.jpg")] * 6])
    assert too_many.exit_code == 2 and "Give 1 to 5 photos" in too_many.output


def test_a_dragged_consent_folder_lists_the_child_and_is_never_scanned_as_event_photos(
    analysed, config, xdg, tmp_path
):
    event = tmp_path / "kamp"
    (event / "geen-fotos" / "Sam").mkdir(parents=True)
    portrait(analysed[COUPLE], event / "geen-fotos" / "Sam", 1)
    shutil.copy(SAMPLES / COUPLE_AGAIN, event / COUPLE_AGAIN)
    shutil.copy(SAMPLES / "group_three_smiling.jpg", event / "group_three_smiling.jpg")
    with_list, refusals = consent.with_listed_children(config, event, cache=None, config_dir=xdg)
    assert refusals == [] and [child.name for child in with_list.listed_children] == ["Sam"]
    result = scan(event, with_list, workers=1)
    assert sorted(p.analysis.path for p in result.photos) == [COUPLE_AGAIN, "group_three_smiling.jpg"]
    judged = {p.analysis.path: p.judgement for p in result.photos}
    assert [m.name for m in judged[COUPLE_AGAIN].consent if m.strong] == ["Sam"]
    selection = select(result, with_list, top=2)
    assert [pick.path for pick in selection.picks] == ["group_three_smiling.jpg"]
    [rejection] = [r for r in selection.rejected if r.path == COUPLE_AGAIN]
    [because] = [reason for reason in rejection.reasons if reason.code == "selection.reject.consent"]
    assert "Sam" in because.detail  # (the wine glasses are a red flag too)
    document = json.loads(json_output.dumps(result, selection))
    jsonschema.validate(document, SCHEMA)
    [record] = [p for p in document["photos"] if p["path"] == COUPLE_AGAIN]
    [entry] = [m for m in record["consent"] if m["strong"]]
    assert entry["name"] == "Sam" and len(entry["box"]) == 4 and entry["similarity"] >= 0.0
    assert all("descriptor" not in face for face in record["faces"])
    cli = CliRunner().invoke(app, ["check", str(event), "--no-close-look", "--lang", "en"])
    assert cli.exit_code == 0, cli.output
    assert "Consent list (1): Sam. 1 photos show one of them" in cli.output
    report = (tmp_path / "kamp-photocheck" / "report.html").read_text(encoding="utf-8")
    assert "no photos: Sam" in report and 'id="consent"' in report
    # everyone once: the three men of the pick are shown; Sam, on the list, is nobody to show. (Sam's partner is
    # taken for the left man of the pick: the known false match of this pair, docs/consent.md.)
    shown = re.search(r"The picks show (\d+) of the (\d+) different people", cli.output)
    assert shown is not None and int(shown[1]) == 3 and int(shown[2]) >= 3
    assert 'id="coverage"' in report


def test_a_damaged_consent_list_stops_the_run_with_one_sentence(xdg, tmp_path):
    xdg.mkdir(parents=True)
    (xdg / "consent.json").write_text("{not json", encoding="utf-8")
    shutil.copy(SAMPLES / "astronaut.jpg", tmp_path / "astronaut.jpg")
    run = CliRunner().invoke(app, ["scan", str(tmp_path), "--no-cache"])
    assert run.exit_code == 3
    assert run.output.startswith("photocheck: The consent list ") and "cannot be read" in run.output


def test_a_child_is_compared_by_the_mean_of_their_reference_descriptors(config, xdg, tmp_path):
    rows = np.random.default_rng(1).normal(size=(3, 1024)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    consent.save_list(consent.consent_file(xdg.parent), {"Sam": rows})
    with_list, _ = consent.with_listed_children(config, tmp_path, cache=None, config_dir=xdg.parent)
    [child] = with_list.listed_children
    mean = rows.mean(axis=0) / np.linalg.norm(rows.mean(axis=0))
    assert child.name == "Sam" and child.descriptors.shape == (1, 1024)
    assert np.allclose(child.descriptors[0], mean, atol=1e-5)


def test_a_list_made_with_another_face_preprocessing_asks_to_add_the_children_again(analysed, xdg, tmp_path):
    reference = portrait(analysed[COUPLE], tmp_path, 1)
    runner = CliRunner()
    assert runner.invoke(app, ["consent", "add", "Sam", str(reference)]).exit_code == 0
    stored = xdg / "consent.json"
    document = json.loads(stored.read_text(encoding="utf-8"))
    assert document["preprocessing"] == PREPROCESSING
    del document["preprocessing"]  # a list from before the faces were levelled and fed as the model's authors do
    stored.write_text(json.dumps(document), encoding="utf-8")
    (tmp_path / "event").mkdir()
    shutil.copy(SAMPLES / "astronaut.jpg", tmp_path / "event" / "astronaut.jpg")
    run = runner.invoke(app, ["scan", str(tmp_path / "event"), "--no-cache"])
    assert run.exit_code == 3 and "was made with another face model" in run.output


def pick(path: str) -> Pick:
    return Pick(path=path, day="undated", taken_at=None, value=1.0, stands_for=[], slot="17:00", caption="#KSAinbeeld")


def test_export_refuses_a_listed_child_and_pixelates_only_on_request(analysed, analyzer, config, tmp_path):
    event = tmp_path / "event"
    event.mkdir()
    for name in (COUPLE_AGAIN, "astronaut.jpg"):
        shutil.copy(SAMPLES / name, event / name)
    reference = portrait(analysed[COUPLE], tmp_path, 1)
    [descriptor] = consent.describe_references([reference], config, cache=None)[0].values()
    with_list = listed(config, "Sam", [descriptor])
    context = judging_context(with_list)
    result = ScanResult(root=str(event), photos=[
        PhotoResult(analysed[name], judge(analysed[name], with_list, context)) for name in (COUPLE_AGAIN, "astronaut.jpg")
    ])
    chosen = Selection(picks=[pick(COUPLE_AGAIN), pick("astronaut.jpg")], rejected=[], groups=[])

    refused, copied = export_picks(chosen, event, tmp_path / "out", result=result)
    assert refused.status == "consent_refused" and "Sam" in refused.detail and refused.target is None
    assert not (tmp_path / "out" / COUPLE_AGAIN).exists()
    assert copied.status in ("copied", "copied_clean")
    assert (tmp_path / "out" / "astronaut.jpg").read_bytes() == without_location(event / "astronaut.jpg")[0]

    blurred, copied = export_picks(
        chosen, event, tmp_path / "blurred", result=result, blur_refused=True, settings=config.consent
    )
    assert blurred.status == "pixelated" and "re-encoded" in blurred.detail
    assert (tmp_path / "blurred" / "astronaut.jpg").read_bytes() == without_location(event / "astronaut.jpg")[0]
    original = np.asarray(Image.open(event / COUPLE_AGAIN).convert("RGB")).astype(int)
    exported = np.asarray(Image.open(io.BytesIO((tmp_path / "blurred" / COUPLE_AGAIN).read_bytes())).convert("RGB"))
    exported = exported.astype(int)
    for match in result.photos[0].judgement.consent:
        box = match.box
        face = (slice(int(box.y1) + 2, int(box.y2) - 2), slice(int(box.x1) + 2, int(box.x2) - 2))
        region = exported[face]
        # beyond recognition: the face is a few flat blocks (fewer distinct colours than 2 blocks per row)...
        assert len(np.unique(region.reshape(-1, 3) // 8, axis=0)) <= 4 * config.consent.blur_blocks ** 2
        assert np.abs(region - original[face]).mean() > 5
    # ... and photocheck itself no longer finds the listed child in the copy
    again = analyzer.analyse(tmp_path / "blurred" / COUPLE_AGAIN, COUPLE_AGAIN)
    assert not judge(again, with_list, context).consent
    outside = np.ones(original.shape[:2], bool)
    for match in result.photos[0].judgement.consent:
        side = max(match.box.width, match.box.height) * (1 + 2 * config.consent.blur_margin)
        cx, cy = match.box.center
        outside[max(0, int(cy - side / 2) - 2):int(cy + side / 2) + 2, max(0, int(cx - side / 2) - 2):int(cx + side / 2) + 2] = False
    assert np.abs(exported[outside] - original[outside]).mean() < 3  # only re-encoding noise elsewhere


def test_select_blur_refused_picks_a_listed_child_and_exports_the_face_pixelated(analyzer, xdg, tmp_path):
    event = tmp_path / "kamp"
    (event / "geen-fotos" / "Jules").mkdir(parents=True)
    shutil.copy(SAMPLES / "group_three_smiling.jpg", event / "three.jpg")
    three = analyzer.analyse(SAMPLES / "group_three_smiling.jpg", "three.jpg")
    left = min(three.faces, key=lambda f: f.box.x1)
    image = Image.open(SAMPLES / "group_three_smiling.jpg").convert("RGB")
    box = left.box.expanded_square(1.6)
    image.crop(tuple(round(v) for v in (box.x1, box.y1, box.x2, box.y2))).save(event / "geen-fotos" / "Jules" / "a.jpg")
    runner = CliRunner()
    plain = runner.invoke(app, ["select", str(event), "--no-close-look", "--export", str(tmp_path / "out")])
    assert plain.exit_code == 0, plain.output
    assert "shows a child on the consent list" in plain.output and not (tmp_path / "out" / "three.jpg").exists()
    blurred = runner.invoke(
        app, ["select", str(event), "--no-close-look", "--export", str(tmp_path / "blur"), "--blur-refused"]
    )
    assert blurred.exit_code == 0, blurred.output
    assert "Export three.jpg: copied with the face of Jules pixelated (re-encoded" in blurred.output
    assert (tmp_path / "blur" / "three.jpg").is_file()


def test_select_from_a_scan_file_describes_the_faces_again_and_still_finds_the_child(analysed, xdg, tmp_path):
    event = tmp_path / "kamp"
    (event / "geen-fotos" / "Sam").mkdir(parents=True)
    portrait(analysed[COUPLE], event / "geen-fotos" / "Sam", 1)
    shutil.copy(SAMPLES / COUPLE_AGAIN, event / COUPLE_AGAIN)
    runner = CliRunner()
    assert runner.invoke(app, ["scan", str(event), "--json", str(tmp_path / "scan.json")]).exit_code == 0
    assert '"descriptor"' not in (tmp_path / "scan.json").read_text(encoding="utf-8")
    chosen = runner.invoke(app, ["select", str(event), "--from", str(tmp_path / "scan.json"), "--no-close-look",
                                 "--json", str(tmp_path / "select.json")])
    assert chosen.exit_code == 0, chosen.output
    [record] = json.loads((tmp_path / "select.json").read_text(encoding="utf-8"))["photos"]
    assert [m["name"] for m in record["consent"] if m["strong"]] == ["Sam"]
