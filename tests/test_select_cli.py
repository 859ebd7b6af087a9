"""`photocheck select` end to end on real sample photos, reusing a scan file (no second model run)."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from photocheck.atomic import write_atomic
from photocheck.cli import app
from photocheck.outputs import json_output
from photocheck.scan import scan
from tests.conftest import SAMPLES


def test_select_from_scan_json_writes_every_output(config, analyzer, tmp_path):
    folder = tmp_path / "event"
    shutil.copytree(SAMPLES, folder)
    scan_file = tmp_path / "scan.json"
    scanned = scan(folder, config, analyzer)
    write_atomic(scan_file, json_output.dumps(scanned))
    arguments = [
        "select", str(folder), "--from", str(scan_file), "--top", "2", "--json", "-",
        "--export", str(tmp_path / "out"), "--xmp", "--report", str(tmp_path / "report.html"),
    ]
    run = CliRunner().invoke(app, arguments)
    assert run.exit_code == 0, run.output
    document = json.loads(run.stdout)
    assert document["schema"] == "photocheck/1" and len(document["photos"]) == len(scanned.photos)
    summary = CliRunner().invoke(app, ["select", str(folder), "--from", str(scan_file), "--top", "2", "--no-close-look", "--lang", "en"])
    assert "Not recommended" in summary.output and "selection.reject" not in summary.output  # reasons in words
    picks = [pick["path"] for pick in document["selection"]["picks"]]
    assert 1 <= len(picks) <= 2 and isinstance(document["groups"], list)
    close_side = config.selection.close_look_text_side
    assert all(pick["close_look"]["text_side"] == close_side for pick in document["selection"]["picks"])  # read up close
    assert {r["path"] for r in document["selection"]["rejected"]} | set(picks) == {p["path"] for p in document["photos"]}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(picks)
    assert all((folder / f"{p['path']}.xmp").is_file() for p in document["photos"] if p["ok"])
    assert (tmp_path / "report.html").stat().st_size > 10_000

    again = CliRunner().invoke(app, arguments)  # a second run overwrites nothing and says so
    assert again.exit_code == 0 and "already exists" in again.stderr


def test_select_rejects_a_file_that_is_not_a_scan(tmp_path):
    bogus = tmp_path / "scan.json"
    bogus.write_text('{"schema": "other"}')
    run = CliRunner().invoke(app, ["select", str(tmp_path), "--from", str(bogus)])
    assert run.exit_code == 3 and "not a photocheck scan" in run.stderr
