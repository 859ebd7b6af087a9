"""The scan foundation on real models and real photos."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from photocheck.cli import app
from photocheck.records.contract import SCHEMA
from photocheck.scan import scan
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def sample_scan(config, analyzer):
    return {photo.analysis.path: photo for photo in scan(SAMPLES, config, analyzer).photos}


def test_astronaut_one_smiling_face_on_the_face(sample_scan):
    photo = sample_scan["astronaut.jpg"]
    assert photo.analysis.ok and (photo.analysis.width, photo.analysis.height) == (512, 512)
    [face] = photo.analysis.faces
    assert face.smile > 0.8
    centre_x, centre_y = face.box.center
    # Eileen Collins' face sits in the upper middle of the NASA portrait.
    assert 130 < centre_x < 260 and 50 < centre_y < 200
    assert 60 < face.box.width < 200
    assert photo.judgement.people.count == 1 and photo.judgement.people.category == "single"


@pytest.mark.parametrize(
    ("name", "min_faces", "max_faces", "min_people", "max_people"),
    [
        ("group_three_smiling.jpg", 3, 4, 3, 5),  # three men in front, a fourth partly hidden behind
        ("group_bar_crowd.jpg", 3, 7, 4, 8),  # a couple in front, about four dim faces behind
        ("coffee.jpg", 0, 0, 0, 0),
        ("signage_beer_box.jpg", 0, 0, 0, 0),
    ],
)
def test_faces_and_people_within_tolerance(sample_scan, name, min_faces, max_faces, min_people, max_people):
    photo = sample_scan[name]
    assert min_faces <= len(photo.analysis.faces) <= max_faces
    assert min_people <= photo.judgement.people.count <= max_people


def test_objects_and_scene_are_reported(sample_scan):
    coffee = sample_scan["coffee.jpg"]
    labels = {d.label for d in coffee.analysis.objects}
    assert "cup" in labels
    assert coffee.analysis.scene[0].label.startswith("espresso")
    drinks = sample_scan["drinks_wine_glasses.jpg"]
    assert "wine glass" in {d.label for d in drinks.analysis.objects}


def test_boxes_lie_inside_the_image(sample_scan):
    for photo in sample_scan.values():
        width, height = photo.analysis.width, photo.analysis.height
        for box in [f.box for f in photo.analysis.faces] + [d.box for d in photo.analysis.objects]:
            assert 0 <= box.x1 <= box.x2 <= width and 0 <= box.y1 <= box.y2 <= height


def test_bad_files_get_an_error_and_the_scan_goes_on(tmp_path, config, analyzer):
    shutil.copy(SAMPLES / "astronaut.jpg", tmp_path / "good.jpg")
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "notes.png").write_text("not a picture at all")
    data = (SAMPLES / "coffee.jpg").read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (tmp_path / "garbage.webp").write_bytes(b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(200))

    photos = {p.analysis.path: p.analysis for p in scan(tmp_path, config, analyzer).photos}

    assert photos["good.jpg"].ok and len(photos["good.jpg"].faces) == 1
    assert photos["empty.jpg"].error == "empty file (0 bytes)"
    assert photos["notes.png"].error.startswith("not an image")
    assert photos["truncated.jpg"].error.startswith("corrupt or truncated")
    assert not photos["garbage.webp"].ok and photos["garbage.webp"].error


def test_cli_writes_valid_json_to_a_file(tmp_path):
    out = tmp_path / "scan.json"
    result = CliRunner().invoke(app, ["scan", str(SAMPLES / "astronaut.jpg"), "--json", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["schema"] == SCHEMA
    assert [p["path"] for p in document["photos"]] == ["astronaut.jpg"]
    assert "astronaut.jpg" in result.output  # the summary table still goes to the terminal


def test_cli_json_to_stdout_prints_nothing_else(tmp_path):
    shutil.copy(SAMPLES / "coffee.jpg", tmp_path / "coffee.jpg")
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()
    result = runner.invoke(app, ["scan", str(tmp_path), "--json", "-"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["photos"][0]["path"] == "coffee.jpg"


def test_cli_exit_codes(tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["scan", str(tmp_path / "missing")]).exit_code == 2
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff junk")
    assert runner.invoke(app, ["scan", str(tmp_path)]).exit_code == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.invoke(app, ["scan", str(empty)]).exit_code == 1


def test_unreadable_photo_is_explained_in_the_readers_language(tmp_path, config, analyzer):
    from photocheck.outputs import terminal

    (tmp_path / "empty.jpg").write_bytes(b"")
    result = scan(tmp_path, config, analyzer)
    [photo] = result.photos
    assert photo.analysis.error == "empty file (0 bytes)"  # the JSON keeps the English sentence for tools
    assert photo.analysis.error_code == "load_error.empty"
    assert "leeg bestand (0 bytes)" in terminal.summary(result, "nl")
    assert "empty file (0 bytes)" in terminal.summary(result, "en")
