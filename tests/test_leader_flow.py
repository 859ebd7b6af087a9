"""`photocheck FOLDER`: the drop-a-folder flow end to end, with the paths and mistakes a leader produces."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from photocheck import paths
from photocheck.cli import app, command_line
from photocheck.scan import scan
from tests.conftest import SAMPLES


def _tree(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _run(arguments: list[str]):
    return CliRunner().invoke(app, command_line(arguments))


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No user config file of the machine running the tests, and an English locale unless a test says otherwise."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    return tmp_path


def test_dropped_folder_gets_report_and_json_beside_it_in_either_language(isolated, config, analyzer, private_cache_dir):
    folder = isolated / "Kamp zomer Brûlé 2025"
    shutil.copytree(SAMPLES, folder)
    scan(folder, config, analyzer, cache=private_cache_dir)  # the models ran once; the flow reuses the cache
    before = _tree(folder)

    dutch = _run([f"{folder}/", "--lang", "nl"])  # a trailing slash, spaces and non-ASCII, as a drop gives it
    assert dutch.exit_code == 0, dutch.output
    output = isolated / "Kamp zomer Brûlé 2025-photocheck"
    assert sorted(p.name for p in output.iterdir()) == ["photocheck.json", "report.html"]
    assert _tree(folder) == before  # byte-identical, nothing added

    document = json.loads((output / "photocheck.json").read_text(encoding="utf-8"))
    photos = document["photos"]
    assert len(photos) == len(before) - 1  # every photo but sample_images/README.md
    assert document["tool"]["cache"] == {"reused": len(photos), "analysed": 0}
    timings = document["tool"]["timings"]  # every stage of the run, as bench/run.py flow reports them
    assert set(timings) == {"scan", "judge", "grouping", "people", "close_look", "report", "json"}
    assert all(seconds >= 0 for seconds in timings.values()) and timings["json"] < 60
    picks = document["selection"]["picks"]
    flagged = sum(1 for photo in photos if photo["flags"])
    summary = dutch.stdout.splitlines()
    assert summary[0] == f"{len(photos)} foto's: {len(picks)} aanbevolen, {flagged} met een rode vlag, 0 onleesbaar."
    assert f"Rapport: {output / 'report.html'}" in summary
    reasons = [reason for photo in photos for reason in photo["reasons"]]
    single = next(r for r in reasons if r["code"] == "reason.group.single")
    assert single["policy"] == "group" and "bij voorkeur geen individuele foto's" in single["detail"]
    assert all(pick["caption"].startswith("#KSAinbeeld") for pick in picks)
    page = (output / "report.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in page and "Aanbevolen, in verhaalvolgorde" in page

    english = _run([str(folder), "--lang", "en"])
    assert english.exit_code == 0, english.output
    assert english.stdout.splitlines()[0] == (
        f"{len(photos)} photos: {len(picks)} recommended, {flagged} with a red flag, 0 could not be read."
    )
    document = json.loads((output / "photocheck.json").read_text(encoding="utf-8"))
    single = next(r for photo in document["photos"] for r in photo["reasons"] if r["code"] == "reason.group.single")
    assert single["detail"].startswith("One person only")
    assert _tree(folder) == before

    photo = folder / "astronaut.jpg"
    one = _run([f"'{photo}'"])  # quoted, as some terminals paste a dropped file
    assert one.exit_code == 0, one.output
    assert (isolated / "astronaut-photocheck" / "report.html").is_file()
    assert one.stdout.startswith("1 photos: ")


def test_an_empty_folder_is_one_sentence_without_traceback(isolated):
    empty = isolated / "leeg"
    empty.mkdir()
    (empty / "notes.txt").write_text("no photos here")
    for language, start in (("nl", "photocheck: Er staan geen foto's in"), ("en", "photocheck: There are no photos in")):
        run = _run([str(empty), "--lang", language])
        assert run.exit_code == 1
        assert run.stderr.startswith(start) and run.stderr.count("\n") == 1 and run.stderr.endswith(".\n")
        assert "Traceback" not in run.output
    assert not (isolated / "leeg-photocheck").exists()


def test_an_output_place_that_cannot_be_written_is_refused_before_any_analysis(isolated):
    folder = isolated / "kamp"
    folder.mkdir()
    shutil.copy(SAMPLES / "coffee.jpg", folder)
    blocker = isolated / "a-file"
    blocker.write_text("")
    run = _run([str(folder), "--out", str(blocker / "report"), "--lang", "en"])
    assert run.exit_code == 2
    assert run.stderr.startswith("photocheck: Cannot write the report in") and "--out FOLDER" in run.stderr
    assert run.stderr.count("\n") == 1


def test_a_missing_model_file_says_what_to_do_and_debug_shows_the_traceback(isolated, monkeypatch):
    folder = isolated / "kamp"
    folder.mkdir()
    shutil.copy(SAMPLES / "coffee.jpg", folder)
    monkeypatch.setenv("PHOTOCHECK_MODELS", str(isolated / "no-models"))
    run = _run([str(folder), "--no-cache", "--lang", "nl"])
    assert run.exit_code == 3
    assert run.stderr.startswith("photocheck: Een modelbestand van photocheck ontbreekt of is beschadigd")
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.output
    debug = _run([str(folder), "--no-cache", "--debug"])
    assert debug.exit_code == 3 and "Traceback" in debug.stderr


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["Kamp 2025"], ["check", "Kamp 2025"]),
        (["--lang", "nl", "Kamp 2025"], ["check", "--lang", "nl", "Kamp 2025"]),
        (["scan", "Kamp 2025"], ["scan", "Kamp 2025"]),
        (["calibrate-uniform", "mine", "a.jpg"], ["calibrate-uniform", "mine", "a.jpg"]),
        (["--help"], ["--help"]),
        ([], []),
    ],
)
def test_a_first_word_that_is_not_a_command_runs_the_flow(arguments, expected):
    assert command_line(arguments) == expected


def test_dropped_path_forms_resolve_to_the_existing_path(tmp_path):
    folder = tmp_path / "Kamp zomer Brûlé"
    folder.mkdir()
    for dropped in (str(folder), f"'{folder}'", f'"{folder}"', f"{folder}/", f"{folder} ", folder.as_uri()):
        assert paths.dropped_path(dropped).resolve() == folder.resolve(), dropped
    quoted_name = tmp_path / "'quoted'"
    quoted_name.mkdir()
    assert paths.dropped_path(str(quoted_name)) == quoted_name  # a real name with quotes is left alone
    assert paths.dropped_path(str(tmp_path / "missing")) == tmp_path / "missing"


def test_default_output_folder_is_outside_the_photo_folder(tmp_path):
    folder = tmp_path / "events" / "Kamp"
    folder.mkdir(parents=True)
    photo = folder / "IMG 1.jpg"
    photo.write_bytes(b"")
    assert paths.default_output_dir(folder) == tmp_path / "events" / "Kamp-photocheck"
    assert paths.default_output_dir(Path(f"{folder}/")) == tmp_path / "events" / "Kamp-photocheck"
    assert paths.default_output_dir(photo) == tmp_path / "events" / "IMG 1-photocheck"
