"""The HTML report: self-contained, escaped, evidence boxes placed; rendered in a real headless chromium."""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

from photocheck.atomic import write_atomic
from photocheck.i18n import message
from photocheck.judges.flags import evidence
from photocheck.outputs import html_report
from photocheck.records.analysis import Box, TextLine
from photocheck.records.judgement import Flag, PhotoResult, ScanResult
from photocheck.scan import scan
from photocheck.selection import select
from tests.conftest import SAMPLES

NASTY_NAME = 'a <b>&"quote" \'x\'.jpg'


@pytest.fixture(scope="module")
def report(config, analyzer, tmp_path_factory):
    """A real scan of three sample photos (one with a hostile file name), one given a strong flag with a box."""
    folder = tmp_path_factory.mktemp("event")
    shutil.copy(SAMPLES / "group_three_smiling.jpg", folder / NASTY_NAME)
    shutil.copy(SAMPLES / "group_bar_crowd.jpg", folder / "bar.jpg")
    shutil.copy(SAMPLES / "astronaut.jpg", folder / "astronaut.jpg")
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    result = scan(folder, config, analyzer)
    bar = next(p for p in result.photos if p.analysis.path == "bar.jpg")
    width, height = bar.analysis.width, bar.analysis.height
    seen = evidence(Box(width * 0.25, height * 0.5, width * 0.5, height * 0.75), 0.9, "wine_glass")
    bar.judgement.flags.append(Flag("alcohol", 0.9, True, [seen], "wine glass"))
    selection = select(result, config, top=5)
    page = html_report.render(result, selection, folder, config)
    path = folder.parent / "report.html"
    path.write_text(page, encoding="utf-8")
    return path, page, result, selection


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.texts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]

    def handle_data(self, data):
        self.texts.append(data)


def test_self_contained_and_escaped(report):
    _, page, result, selection = report
    collector = _Collector()
    collector.feed(page)
    assert collector.urls and all(url.startswith("data:image/jpeg;base64,") for url in collector.urls)
    assert "link" not in collector.tags and "url(" not in page and "http" not in page.split("</title>")[1]
    assert NASTY_NAME not in page  # only in escaped form ...
    assert any(NASTY_NAME in text for text in collector.texts)  # ... which the parser turns back into the name
    assert selection.picks and all(pick.path in "".join(collector.texts) for pick in selection.picks)


def test_strong_flag_photo_not_picked_and_its_box_is_drawn(report):
    _, page, _, selection = report
    assert "bar.jpg" not in {pick.path for pick in selection.picks}
    assert 'class="box" style="left:25.00%;top:50.00%;width:25.00%;height:25.00%"' in page
    assert "alcohol: wine glass 0.90" in page


def test_picks_come_first_in_story_order(report):
    _, page, _, selection = report
    listed = [html.unescape(value) for value in re.findall(r'data-pick="([^"]*)"', page)]
    assert listed == [pick.path for pick in selection.picks]
    assert page.index('id="picks"') < page.index('id="all"')


def _chromium(*arguments: str, profile) -> subprocess.CompletedProcess:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("chromium is not installed")
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
    ]
    return subprocess.run([binary, *flags, *arguments], capture_output=True, text=True, timeout=120)


def test_renders_in_headless_chromium(report, tmp_path):
    path, _, result, selection = report
    dom = _chromium("--dump-dom", path.as_uri(), profile=tmp_path / "profile").stdout
    body = re.search(r"<body([^>]*)>", dom)
    assert body, "chromium returned no DOM"
    total = int(re.search(r'data-thumbnails="(\d+)"', body.group(1)).group(1))
    rendered = int(re.search(r'data-thumbnails-rendered="(\d+)"', body.group(1)).group(1))
    readable = sum(1 for photo in result.photos if photo.analysis.ok)
    assert total == readable + len(selection.picks) and rendered == total
    listed = [html.unescape(value) for value in re.findall(r'data-pick="([^"]*)"', dom)]
    assert listed == [pick.path for pick in selection.picks]

    screenshot = tmp_path / "report.png"
    _chromium(f"--screenshot={screenshot}", "--window-size=1280,2000", path.as_uri(), profile=tmp_path / "profile2")
    image = np.asarray(Image.open(screenshot).convert("RGB"))
    assert image.shape == (2000, 1280, 3)
    assert image.std() > 20  # photos and text, not a blank page


def test_name_not_valid_utf8_is_shown_replaced_and_its_photo_read(config, analyzer, tmp_path):
    folder = tmp_path / "event"
    folder.mkdir()
    shutil.copy(SAMPLES / "group_three_smiling.jpg", os.fsdecode(os.fsencode(folder) + b"/caf\xe9.jpg"))
    result = scan(folder, config, analyzer)
    page = html_report.render(result, select(result, config), folder, config)
    write_atomic(tmp_path / "report.html", page)  # a UTF-8 file: this raised UnicodeEncodeError before
    collector = _Collector()
    collector.feed((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert "caf\ufffd.jpg" in collector.texts
    assert len(collector.urls) == 2  # the photo was read through its real bytes: thumbnail in picks and sheet
    assert result.photos[0].analysis.thumbnail is not None  # made by the scan, from the photo it decoded


def test_a_scan_file_without_thumbnails_gets_them_from_the_photos(config, analyzer, tmp_path):
    folder = tmp_path / "event"
    folder.mkdir()
    shutil.copy(SAMPLES / "group_three_smiling.jpg", folder / "camp.jpg")
    [photo] = scan(folder, config, analyzer).photos
    from_file = PhotoResult(dataclasses.replace(photo.analysis, thumbnail=None), photo.judgement)  # as --from gives it
    made, decoded = (html_report.thumbnail_uri(p, folder, config) for p in (photo, from_file))
    assert made.startswith("data:image/jpeg;base64,") and decoded.startswith("data:image/jpeg;base64,")
    sizes = [Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).size for uri in (made, decoded)]
    assert max(sizes[0]) == max(sizes[1]) == config.report.thumbnail_size  # the same size either way


def test_report_reads_no_photo_outside_the_scanned_folder(config, analyzer, tmp_path):
    """A scan file (--from) may hold any path: the report must not embed a photo from outside the folder."""
    folder = tmp_path / "event"
    folder.mkdir()
    shutil.copy(SAMPLES / "group_three_smiling.jpg", folder / "inside.jpg")
    shutil.copy(SAMPLES / "astronaut.jpg", tmp_path / "secret.jpg")
    [photo] = scan(folder, config, analyzer).photos
    for hostile in ("../secret.jpg", "sub/../../secret.jpg", str(tmp_path / "secret.jpg")):
        # as a scan file gives it: no thumbnail, so the report would read the file the path names
        moved = PhotoResult(dataclasses.replace(photo.analysis, path=hostile, thumbnail=None), photo.judgement)
        result = ScanResult(str(folder), [moved])
        page = html_report.render(result, select(result, config), folder, config)
        collector = _Collector()
        collector.feed(page)
        assert collector.urls == [] and "data:image" not in page, hostile
        assert message("report.no_preview", config.output.language) in collector.texts


def test_a_doubtful_pick_lists_what_to_check_with_the_lettering_boxed(config, analyzer, tmp_path):
    shutil.copy(SAMPLES / "group_three_smiling.jpg", tmp_path / "only.jpg")
    result = scan(tmp_path, config, analyzer)
    [photo] = result.photos
    width, height = photo.analysis.width, photo.analysis.height
    sign = TextLine("Garage Janssens", Box(0, 0, width / 2, height / 10), 0.95)
    photo = PhotoResult(dataclasses.replace(photo.analysis, texts=[sign]), photo.judgement)
    result = dataclasses.replace(result, photos=[photo])
    selection = select(result, config, top=1)
    [pick] = selection.picks  # no clean photo left, so the doubtful one is picked ...
    assert [check.kind for check in pick.checks] == ["lettering"]
    page = html_report.render(result, selection, tmp_path, config)
    # ... and its card says what to read and draws where
    assert message("report.to_check", config.output.language) in page
    assert 'class="box check" style="left:0.00%;top:0.00%;width:50.00%;height:10.00%"' in page
    assert "Garage Janssens" in html.unescape(page)
