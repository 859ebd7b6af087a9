"""The JSON output validates against the published schema (docs/photocheck-1.schema.json)."""

from __future__ import annotations

import json
import shutil

import jsonschema
import pytest

from photocheck.outputs import json_output
from photocheck.scan import scan
from tests.conftest import ROOT, SAMPLES

SCHEMA = json.loads((ROOT / "docs" / "photocheck-1.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def document(tmp_path_factory, config, analyzer):
    folder = tmp_path_factory.mktemp("contract")
    for name in ("astronaut.jpg", "signage_beer_box.jpg", "group_three_smiling.jpg"):
        shutil.copy(SAMPLES / name, folder / name)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return json.loads(json_output.dumps(scan(folder, config, analyzer)))


def test_scan_output_validates_against_the_schema(document):
    jsonschema.validate(document, SCHEMA)
    assert {photo["path"] for photo in document["photos"]} >= {"astronaut.jpg", "broken.jpg"}


def test_schema_rejects_a_broken_document(document):
    broken = json.loads(json.dumps(document))
    broken["photos"][0]["faces"] = [{"box": [1, 2, 3], "score": 0.9, "smile": 0.5}]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_unreadable_photo_keeps_every_key_with_an_error(document):
    [broken] = [photo for photo in document["photos"] if photo["path"] == "broken.jpg"]
    assert broken["ok"] is False and broken["error"]
    assert broken["faces"] == [] and broken["verdict"] is None
