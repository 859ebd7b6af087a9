"""The close look: the loop on constructed results with a fake re-analyser; real close looks on photos with
small lettering; close looks that genuinely fail (a photo gone since the scan, the OCR package unavailable)."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys

import cv2
import jsonschema
import pytest
from typer.testing import CliRunner

from photocheck.atomic import write_atomic
from photocheck.cache import default_cache_dir
from photocheck.cli import app
from photocheck.close_look import CloseLookReader, close_look_config, is_on, look_closely
from photocheck.judges import commercial
from photocheck.judges.flags import evidence
from photocheck.judges.policy import judge, judging_context
from photocheck.outputs import json_output
from photocheck.records.analysis import Box, TextLine
from photocheck.records.judgement import Flag, PhotoResult
from photocheck.scan import scan
from photocheck.selection import select
from tests.conftest import SAMPLES
from tests.test_json_contract import SCHEMA
from tests.test_selection import photo, scan_of, unit

SCORES = {"a.jpg": 90.0, "b.jpg": 80.0, "c.jpg": 70.0, "d.jpg": 60.0, "e.jpg": 50.0}
BRAND = TextLine("HOLLISTER", Box(40, 10, 60, 14), 0.93)


def advertising() -> Flag:
    seen = evidence(BRAND.box, 0.9, "brand", category="sports_and_fashion", brand="Hollister", text=BRAND.text)
    return Flag("advertising", 0.9, True, [seen], seen.label)


class FakeCloseLook:
    """Re-analyses by rule: the photos in `branded` turn out to carry a brand; the others read "KSA" only."""

    def __init__(self, branded: set[str], workers: int = 1):
        self.branded, self.workers = branded, workers
        self.calls: list[list[str]] = []

    def __call__(self, photos: list[PhotoResult]) -> list[PhotoResult]:
        self.calls.append([p.analysis.path for p in photos])
        looked = []
        for first in photos:
            brand = first.analysis.path in self.branded
            analysis = dataclasses.replace(first.analysis, texts=[BRAND] if brand else [TextLine("KSA", BRAND.box, 0.9)])
            judgement = dataclasses.replace(first.judgement, flags=[advertising()] if brand else [], verdict="skip" if brand else "post")
            looked.append(PhotoResult(analysis, judgement))
        return looked


def settings(config, **values):
    return config.with_overrides({"selection": values}, "test")


def event():
    return scan_of(*(photo(name, unit(seed), score=score) for seed, (name, score) in enumerate(SCORES.items())))


@pytest.mark.parametrize("workers, extra, rounds", [
    (1, 4, 2),  # one photo at a time: no candidate is read ahead, the replacement waits for round 2
    (3, 0, 2),  # a worker idles, but no extra candidate is allowed
    (3, 1, 1),  # the idle worker reads the next candidate, the likeliest replacement
    (2, 4, 2),  # both workers busy with the two picks: nothing is read ahead
])
def test_a_pick_with_a_brand_found_up_close_is_replaced_and_every_pick_is_checked(config, workers, extra, rounds):
    fake = FakeCloseLook({"a.jpg"}, workers)
    result, selection = look_closely(
        event(), settings(config, close_look_extra=extra, close_look_rounds=4), fake, top=2
    )
    assert [pick.path for pick in selection.picks] == ["b.jpg", "c.jpg"]
    assert len(fake.calls) == rounds and fake.calls[0] == ["a.jpg", "b.jpg", "c.jpg"][:2 + (rounds == 1)]
    assert all(pick.close_look is not None and pick.close_look.texts == ["KSA"] for pick in selection.picks)
    assert all(pick.reasons[-1].code == "selection.pick.close_look" for pick in selection.picks)
    [dropped] = [r for r in selection.rejected if r.path == "a.jpg"]
    assert dropped.reasons[0].code == "selection.reject.close_look"
    assert dropped.reasons[0].values["kind"] == "advertising" and "HOLLISTER" in dropped.reasons[0].detail
    # the outputs show what the close look read, not the first look
    [a] = [p for p in result.photos if p.analysis.path == "a.jpg"]
    assert a.analysis.texts == [BRAND] and result.tool["close_look"]["rounds"] == rounds


def test_the_loop_is_bounded_and_an_unchecked_pick_says_so(config):
    fake = FakeCloseLook(set(SCORES) - {"e.jpg"})  # every look but the last finds a brand
    _, selection = look_closely(event(), settings(config, close_look_extra=0, close_look_rounds=2), fake, top=1)
    assert len(fake.calls) == 2  # a, then b: both dropped; c is picked but the rounds are used up
    assert [pick.path for pick in selection.picks] == ["c.jpg"] and selection.picks[0].close_look is None
    assert all(r.code != "selection.pick.close_look" for r in selection.picks[0].reasons)


def test_close_look_is_off_at_zero_or_at_the_size_every_photo_is_read_at(config):
    assert is_on(config)
    assert not is_on(settings(config, close_look_text_side=0))
    every_photo_size = config.selection.close_look_text_side
    assert not is_on(config.with_overrides({"text": {"detect_side": every_photo_size}}, "test"))


@pytest.fixture
def sign_folder(tmp_path, config, analyzer):
    """A folder holding the sample beer sign, and its real first look (the close look reads where it points)."""
    folder = tmp_path / "event"
    folder.mkdir()
    shutil.copy(SAMPLES / "signage_beer_box.jpg", folder / "signage_beer_box.jpg")
    first = analyzer.analyse(folder / "signage_beer_box.jpg", "signage_beer_box.jpg")
    return folder, PhotoResult(first, judge(first, config, judging_context(config)))


def test_a_real_close_look_reads_the_sample_sign_again_and_keeps_its_flag(config, sign_folder):
    folder, first = sign_folder
    [looked] = CloseLookReader(folder, config)([first])
    assert close_look_config(config).text.detect_side == config.selection.close_look_text_side
    assert looked.analysis.path == "signage_beer_box.jpg" and looked.analysis.texts
    assert {"advertising", "alcohol"} <= {flag.kind for flag in looked.judgement.flags if flag.strong}


def test_the_close_look_keeps_a_first_look_line_it_does_not_read_again(config, sign_folder):
    """Enlarging a small photo can lose a line the first look read; that line must not vanish from the evidence."""
    folder, first = sign_folder
    read_before = TextLine("KBC", Box(10, 10, 60, 30), 0.99)  # a corner of the sign photo that holds no text
    first = dataclasses.replace(first, analysis=dataclasses.replace(first.analysis, texts=[read_before]))
    [looked] = CloseLookReader(folder, config)([first])
    texts = looked.analysis.texts
    assert read_before in texts and len(texts) > 1  # kept, beside the lines read again
    [advertising] = [flag for flag in looked.judgement.flags if flag.kind == "advertising"]
    assert any("KBC" in seen.label and seen.box == read_before.box for seen in advertising.evidence)


BRAND_AT = (200, 2000)  # where the small brand is drawn, in the photo's pixels


@pytest.fixture(scope="module")
def small_brand(tmp_path_factory):
    """A real photo enlarged to 3200 px with "HEINEKEN" 23 px high: about 5 px where the scan's text detector sees it
    (`[text] detect_side`), about 14 px for the close look's (`[selection] close_look_text_side`) and 7 px for its
    find pass (`[text_regions] close_look_find_side`), which must point at it."""
    folder = tmp_path_factory.mktemp("small_brand")
    image = cv2.imread(str(SAMPLES / "group_three_smiling.jpg"))
    image = cv2.resize(image, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
    cv2.putText(image, "HEINEKEN", BRAND_AT, cv2.FONT_HERSHEY_DUPLEX, 0.85, (255, 255, 255), 1, cv2.LINE_AA)
    cv2.imwrite(str(folder / "camp.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return folder


def test_the_text_only_close_look_reads_a_small_brand_the_first_look_misses(config, analyzer, small_brand):
    first = analyzer.analyse(small_brand / "camp.jpg", "camp.jpg")
    first_judgement = judge(first, config, judging_context(config))
    assert not any("HEINEKEN" in line.text for line in first.texts)
    assert not any(flag.kind == "advertising" for flag in first_judgement.flags)

    [looked] = CloseLookReader(small_brand, config)([PhotoResult(first, first_judgement)])
    analysis, judgement = looked.analysis, looked.judgement
    [brand] = [line for line in analysis.texts if line.text == "HEINEKEN"]
    assert brand.box.x1 <= BRAND_AT[0] + 5 and brand.box.x2 > BRAND_AT[0] + 60  # where it was drawn, original pixels
    assert brand.box.y1 < BRAND_AT[1] < brand.box.y2 + 5
    flags = {flag.kind: flag for flag in judgement.flags}
    assert flags["alcohol"].strong
    # drawn low in a group photo the brand may lie on a person: then it is a shirt to check, otherwise a sign
    assert flags["advertising"].strong == (not commercial.on_person(brand.box, analysis))
    for flag in (flags["advertising"], flags["alcohol"]):
        boxes = [seen.box for seen in flag.evidence if seen.box is not None]
        assert boxes and all(0 <= b.x1 < b.x2 <= first.width and 0 <= b.y1 < b.y2 <= first.height for b in boxes)
    # only the text was read again: everything else is the first look's
    for field in dataclasses.fields(analysis):
        if field.name not in ("texts", "embedding"):
            assert getattr(analysis, field.name) == getattr(first, field.name), field.name
    assert (analysis.embedding == first.embedding).all()


def _scan_file(folder, config, analyzer, tmp_path):
    scan_file = tmp_path / "scan.json"
    write_atomic(scan_file, json_output.dumps(scan(folder, config, analyzer)))
    return scan_file


@pytest.fixture
def event_folder(tmp_path):
    folder = tmp_path / "event"
    folder.mkdir()
    for name in ("astronaut.jpg", "group_three_smiling.jpg"):
        shutil.copy(SAMPLES / name, folder / name)
    return folder


@pytest.mark.parametrize("language, said", [("en", "close look"), ("nl", "nakijken van dichtbij")])
def test_a_photo_gone_since_the_scan_keeps_its_first_look_and_says_so(
    config, analyzer, event_folder, tmp_path, language, said
):
    scan_file = _scan_file(event_folder, config, analyzer, tmp_path)
    first_picks = [pick.path for pick in select(scan(event_folder, config, analyzer), config, top=2).picks]
    (event_folder / "group_three_smiling.jpg").unlink()
    run = CliRunner().invoke(app, [
        "select", str(event_folder), "--from", str(scan_file), "--top", "2", "--json", str(tmp_path / "out.json"),
        "--no-cache", "--lang", language,
    ])
    assert run.exit_code == 0, run.output
    document = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMA)
    picks = {pick["path"]: pick for pick in document["selection"]["picks"]}
    assert list(picks) == first_picks and "group_three_smiling.jpg" in picks
    gone = picks["group_three_smiling.jpg"]["close_look"]
    assert gone["texts"] == [] and gone["error"]  # attempted, failed, with the reason
    assert picks["group_three_smiling.jpg"]["reasons"][-1]["code"] == "selection.pick.close_look_failed"
    assert all(pick["close_look"]["error"] is None for path, pick in picks.items() if path != "group_three_smiling.jpg")
    assert document["tool"]["close_look"]["failed"] == 1 and document["tool"]["close_look"]["error"] is None
    assert said in run.stdout and gone["error"] in run.stdout
    gone["texts"] = ["KSA"]  # the contract: a failed close look read nothing
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)


def test_without_its_ocr_package_the_close_look_fails_visibly_and_the_flow_completes(
    config, analyzer, event_folder, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    scan(event_folder, config, analyzer, cache=default_cache_dir())  # cached: the flow's scan below runs no model
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # the OCR package cannot be imported
    run = CliRunner().invoke(app, ["check", str(event_folder), "--out", str(out), "--lang", "nl"])
    assert run.exit_code == 0, run.output
    assert "nakijken van dichtbij" in run.stdout and "rapidocr" in run.stdout
    document = json.loads((out / "photocheck.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMA)
    assert document["tool"]["close_look"]["error"] and document["selection"]["picks"]
    assert all(pick["close_look"]["error"] == document["tool"]["close_look"]["error"]
               for pick in document["selection"]["picks"])


def test_a_cached_close_look_is_reused_without_loading_the_ocr(config, sign_folder, tmp_path, monkeypatch):
    folder, first = sign_folder
    [read] = CloseLookReader(folder, config, cache=tmp_path / "cache")([first])
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # any OCR load would now fail
    [again] = CloseLookReader(folder, config, cache=tmp_path / "cache")([first])
    assert read.analysis.texts and again.analysis.texts == read.analysis.texts
    assert again.analysis.faces == first.analysis.faces  # the texts only: the rest is the given first look
