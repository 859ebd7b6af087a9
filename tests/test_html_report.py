"""The HTML report: self-contained, escaped, evidence boxes placed; rendered in a real headless chromium, also for a
camp of 500 photos that it filters and sorts."""

from __future__ import annotations

import dataclasses
import html
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

from photocheck.atomic import write_atomic
from photocheck.i18n import message
from photocheck.judges.flags import evidence
from photocheck.outputs import html_report
from photocheck.report_pictures import report_pictures, thumbnail
from photocheck.records.analysis import Box, TextLine
from photocheck.records.judgement import Flag, PhotoResult, ScanResult
from photocheck.records.selection import PhotoGroup, Pick, Selection
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
    page = html_report.render(result, selection, report_pictures(result, selection, folder, config), config)
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



def _score_order(photo: PhotoResult) -> tuple[bool, int]:
    """The page's order by score: the highest (rounded, as shown) first, photos without a score last."""
    score = photo.judgement.score if photo.judgement is not None else None
    return score is None, -round(score) if score is not None else 0


def test_the_controls_filter_and_sort_when_clicked(report, tmp_path):
    """A leader's clicks, made by a script added to a copy of the page: each sets the URL fragment the page applies."""
    _, page, result, _ = report
    clicks = (
        "<script>addEventListener('load', () => {"
        "document.querySelector('#controls button[value=unreadable]').click();"
        "const sorting = document.querySelector('#controls select');"
        "sorting.value = 'score'; sorting.dispatchEvent(new Event('change')); })</script>"
    )
    clicked = tmp_path / "clicked.html"
    clicked.write_text(page.replace("</head>", clicks + "</head>", 1), encoding="utf-8")
    dom = _chromium("--virtual-time-budget=1000", "--dump-dom", clicked.as_uri(), profile=tmp_path / "profile").stdout
    cards = [card for item in _Sheet(dom).items for card in item.cards]
    assert [card["data-name"] for card in cards if "hidden" not in card] == ["broken.jpg"]
    assert '<button type="button" value="unreadable" aria-pressed="true">' in dom
    by_score = sorted(result.photos, key=_score_order)
    assert [card["data-name"] for card in cards] == [photo.analysis.path for photo in by_score]
    assert [card["data-name"] for card in cards] != [photo.analysis.path for photo in result.photos]

def test_name_not_valid_utf8_is_shown_replaced_and_its_photo_read(config, analyzer, tmp_path):
    folder = tmp_path / "event"
    folder.mkdir()
    shutil.copy(SAMPLES / "group_three_smiling.jpg", os.fsdecode(os.fsencode(folder) + b"/caf\xe9.jpg"))
    result = scan(folder, config, analyzer)
    selection = select(result, config)
    page = html_report.render(result, selection, report_pictures(result, selection, folder, config), config)
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
    made, decoded = (thumbnail(p, folder, config) for p in (photo, from_file))
    assert made is photo.analysis.thumbnail and decoded is not None
    sizes = [Image.open(io.BytesIO(jpeg)).size for jpeg in (made, decoded)]
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
        selection = select(result, config)
        page = html_report.render(result, selection, report_pictures(result, selection, folder, config), config)
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
    page = html_report.render(result, selection, report_pictures(result, selection, tmp_path, config), config)
    # ... and its card says what to read and draws where
    assert message("report.to_check", config.output.language) in page
    assert 'class="box check" style="left:0.00%;top:0.00%;width:50.00%;height:10.00%"' in page
    assert "Garage Janssens" in html.unescape(page)


CAMP_SIZE = 500
MAX_BYTES_PER_PHOTO = 60 * 1024


def _camp(result: ScanResult, count: int) -> tuple[ScanResult, Selection]:
    """A camp of `count` photos copied from the judged photos of `result` (thumbnails and all), each with a name,
    capture time and score of its own (time and score orders differ from the name order): every 7th carries a red
    flag, every 3rd other one is "maybe", every 25th could not be read. Every 50th is a pick; of two groups of three
    similar photos only the second has a red flag, on its first photo."""
    readable = [photo for photo in result.photos if photo.analysis.ok]
    unreadable = next(photo for photo in result.photos if not photo.analysis.ok)
    flag = next(flag for photo in readable for flag in photo.judgement.flags)
    start = datetime(2025, 7, 1, 8)
    photos = []
    for number in range(count):
        path = f"kamp_{number:04d}.jpg"
        if number % 25 == 24:
            photos.append(PhotoResult(dataclasses.replace(unreadable.analysis, path=path), None))
            continue
        source = readable[number % len(readable)]
        flagged = number % 7 == 0
        judgement = dataclasses.replace(
            source.judgement, flags=[flag] if flagged else [], score=float(number * 37 % 101),
            verdict="skip" if flagged else "maybe" if number % 3 == 1 else "post",
        )
        taken_at = (start + timedelta(minutes=3 * (number * 7919 % count))).isoformat()
        photos.append(PhotoResult(dataclasses.replace(source.analysis, path=path, taken_at=taken_at), judgement))
    picks = [
        Pick(photo.analysis.path, photo.analysis.taken_at[:10], photo.analysis.taken_at, 1.0, [], "12:00", "#kamp")
        for photo in photos[1::50]
        if photo.judgement is not None and not photo.judgement.flags
    ]
    groups = [
        PhotoGroup(photos[first].analysis.path, [photos[first + k].analysis.path for k in range(3)], "near_duplicate")
        for first in (10, 14)
    ]
    return ScanResult(result.root, photos), Selection(picks, [], groups)


@pytest.fixture(scope="module")
def camp(report, config):
    """The 500-photo report, written beside the small one (it reads no photo: every readable one has a thumbnail)."""
    path, _, result, _ = report
    camp_result, selection = _camp(result, CAMP_SIZE)
    page = html_report.render(camp_result, selection, report_pictures(camp_result, selection, path.parent, config), config)
    camp_path = path.with_name("camp.html")
    camp_path.write_text(page, encoding="utf-8")
    return camp_path, page, camp_result, selection


@dataclass
class _Item:
    """One entry of the contact sheet: a photo's card, or a group of similar photos (its first card first)."""

    hidden: bool
    cards: list[dict] = field(default_factory=list)  # each card's attributes


class _Sheet(HTMLParser):
    """The entries of the contact sheet (div#all) in page order; its structure is all divs, so only divs count."""

    def __init__(self, page: str):
        super().__init__()
        self.items: list[_Item] = []
        self._depth: int | None = None  # inside div#all: how many divs deep
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag != "div":
            return
        attrs = dict(attrs)
        if attrs.get("id") == "all":
            self._depth = 0
        elif self._depth is not None:
            self._depth += 1
            if self._depth == 1:
                self.items.append(_Item("hidden" in attrs))
            if "card" in attrs.get("class", "").split():
                self.items[-1].cards.append(attrs)

    def handle_endtag(self, tag):
        if tag == "div" and self._depth is not None:
            self._depth = None if self._depth == 0 else self._depth - 1


def test_a_camp_report_stays_small_and_shows_every_photo_without_script(camp, config):
    path, page, result, _ = camp
    assert path.stat().st_size < CAMP_SIZE * MAX_BYTES_PER_PHOTO
    sheet = _Sheet(page)
    cards = [card for item in sheet.items for card in item.cards]
    assert [card["data-name"] for card in cards] == [photo.analysis.path for photo in result.photos]
    assert not any(item.hidden for item in sheet.items) and not any("hidden" in card for card in cards)
    assert '<div id="controls" hidden>' in page  # the filters only appear when the script runs
    flagged = sum(1 for photo in result.photos if photo.judgement is not None and photo.judgement.flags)
    assert html.escape(message("report.filter_flagged", config.output.language, count=flagged)) in page


def test_a_camp_report_opens_filtered_and_sorted_in_headless_chromium(camp, config, tmp_path):
    """The view named in the URL fragment: only the photos with a red flag, the highest score first."""
    path, _, result, selection = camp
    dom = _chromium("--dump-dom", path.as_uri() + "#filter=flagged&sort=score", profile=tmp_path / "profile").stdout
    body = re.search(r"<body([^>]*)>", dom)
    assert body, "chromium returned no DOM"
    total = int(re.search(r'data-thumbnails="(\d+)"', body.group(1)).group(1))
    rendered = int(re.search(r'data-thumbnails-rendered="(\d+)"', body.group(1)).group(1))
    assert total == result.readable + len(selection.picks) and rendered == total
    assert '<div id="controls">' in dom and '<button type="button" value="flagged" aria-pressed="true">' in dom

    sheet = _Sheet(dom)
    assert sum(len(item.cards) for item in sheet.items) == CAMP_SIZE  # filtered, not removed
    shown = [card["data-name"] for item in sheet.items for card in item.cards if "hidden" not in card]
    flagged = {photo.analysis.path for photo in result.photos if photo.judgement is not None and photo.judgement.flags}
    assert set(shown) == flagged
    assert all(item.hidden == all("hidden" in card for card in item.cards) for item in sheet.items)  # groups too
    leading = [item.cards[0] for item in sheet.items if not item.hidden]
    assert len(leading) == len(flagged)  # the flagged group shows its first photo alone, and says so
    notes = re.findall(r'<span class="shown"[^>]*?( hidden="?"?)?>([^<]*)</span>', dom)
    assert len(notes) == len(selection.groups)
    filtered_note = message("report.group_filtered", config.output.language, shown=1)
    assert [text for hidden, text in notes if not hidden] == [filtered_note]
    everything = _chromium("--dump-dom", path.as_uri() + "#sort=score", profile=tmp_path / "profile").stdout
    notes = re.findall(r'<span class="shown"[^>]*?( hidden="?"?)?>([^<]*)</span>', everything)
    assert len(notes) == len(selection.groups) and all(hidden for hidden, _ in notes)  # nothing to say: all shown
    scores = [int(card["data-score"]) for card in leading]
    assert scores == sorted(scores, reverse=True)
    names = [card["data-name"] for card in leading]
    assert names != sorted(names)  # reordered: the page itself lists them by name
