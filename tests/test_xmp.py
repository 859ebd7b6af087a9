"""XMP sidecars: valid XML in the right namespaces, rating/label/keywords from the judgement, never clobbered."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from photocheck.outputs.xmp import NAMESPACES, sidecar_path, sidecar_xml, write_sidecars
from photocheck.records.analysis import PhotoAnalysis
from photocheck.records.judgement import Flag, Judgement, PeopleCount, PhotoResult, ScanResult
from photocheck.records.selection import Pick, Selection

X, RDF, XMP, DC = (NAMESPACES[p] for p in ("x", "rdf", "xmp", "dc"))


def result(name="photo.jpg", score=70.0, verdict="post", flags=()) -> PhotoResult:
    analysis = PhotoAnalysis(path=name, ok=True, width=10, height=10, embedding=np.ones(4, np.float32))
    judgement = Judgement(PeopleCount(5, 5, 5, "group"), score=score, verdict=verdict, flags=list(flags))
    return PhotoResult(analysis, judgement)


def in_language(config, language):
    return config.with_overrides({"output": {"language": language}}, "test")


def parsed(text: str) -> tuple[ET.Element, ET.Element]:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{{{X}}}xmpmeta"
    [rdf] = list(root)
    assert rdf.tag == f"{{{RDF}}}RDF"
    [description] = list(rdf)
    assert description.tag == f"{{{RDF}}}Description"
    return root, description


def subjects(description: ET.Element) -> list[str]:
    return [li.text for li in description.findall(f"{{{DC}}}subject/{{{RDF}}}Bag/{{{RDF}}}li")]


@pytest.mark.parametrize(
    ("score", "verdict", "flags", "rating", "label"),
    [
        (85.0, "post", (), "5", "Green"),
        (65.0, "post", (), "3", "Green"),
        (50.0, "maybe", (), "2", "Yellow"),
        (20.0, "skip", (), "-1", "Red"),
        (60.0, "maybe", (Flag("litter", 0.4, False, [], "bags"),), "-1", "Yellow"),
        (None, None, (), "0", "Yellow"),  # not judged yet: no rating
    ],
)
def test_rating_and_label(config, score, verdict, flags, rating, label):
    _, description = parsed(sidecar_xml(result(score=score, verdict=verdict, flags=flags), False, config))
    assert description.get(f"{{{XMP}}}Rating") == rating
    assert description.get(f"{{{XMP}}}Label") == label


def test_keywords_hashtag_on_picks_and_flag_kinds_escaped(config):
    flags = [Flag("alcohol", 0.9, True, [], "beer"), Flag("brand <&> text", 0.5, False, [], "x")]
    text = sidecar_xml(result(flags=flags), True, config)
    _, description = parsed(text)
    assert subjects(description) == ["KSAinbeeld", "alcohol", "brand <&> text"]
    assert "<&>" not in text  # escaped in the file, restored by the parser
    _, plain = parsed(sidecar_xml(result(), False, config))
    assert subjects(plain) == []


def test_sidecars_written_next_to_photos_and_never_clobbered(config, tmp_path):
    for name in ("a.jpg", "b.jpg"):
        (tmp_path / name).write_bytes(b"jpeg")
    existing = sidecar_path(tmp_path / "b.jpg")
    existing.write_text("<x:xmpmeta>my own edits</x:xmpmeta>")
    broken = PhotoResult(PhotoAnalysis(path="c.jpg", ok=False, error="unreadable"), None)
    scan = ScanResult(str(tmp_path), [result("a.jpg"), result("b.jpg"), broken])
    selection = Selection([Pick("a.jpg", "undated", None, 1.0, [], "17:00", "#KSAinbeeld")], [], [])
    outcomes = {o.path: o.status for o in write_sidecars(scan, selection, tmp_path, config)}
    assert outcomes == {"a.jpg": "written", "b.jpg": "exists"}
    assert existing.read_text() == "<x:xmpmeta>my own edits</x:xmpmeta>"
    assert sidecar_path(tmp_path / "a.jpg").name == "a.jpg.xmp"
    _, description = parsed(sidecar_path(tmp_path / "a.jpg").read_text(encoding="utf-8"))
    assert subjects(description) == ["KSAinbeeld"]
    assert not (tmp_path / "c.jpg.xmp").exists()


def test_name_not_valid_utf8_gets_its_sidecar_under_the_real_bytes(config, tmp_path):
    name = os.fsdecode(b"caf\xe9.jpg")  # what os.listdir gives for a Latin-1 name on a UTF-8 system
    (tmp_path / name).write_bytes(b"jpeg")
    selection = Selection([], [], [])
    [outcome] = write_sidecars(ScanResult(str(tmp_path), [result(name)]), selection, tmp_path, config)
    assert outcome.status == "written"
    assert sorted(os.listdir(os.fsencode(tmp_path))) == [b"caf\xe9.jpg", b"caf\xe9.jpg.xmp"]


@pytest.mark.parametrize("hostile", ["../outside.jpg", "sub/../../outside.jpg", "{tmp}/outside.jpg"])
def test_sidecar_never_written_outside_the_photo_folder(config, tmp_path, hostile):
    """A scan file (--from) may hold any path: a sidecar is only ever written beside a photo inside the folder."""
    hostile = hostile.format(tmp=tmp_path)
    folder = tmp_path / "event"
    (folder / "sub").mkdir(parents=True)
    (tmp_path / "outside.jpg").write_bytes(b"jpeg")
    scan = ScanResult(str(folder), [result(hostile)])
    [outcome] = write_sidecars(scan, Selection([], [], []), folder, in_language(config, "nl"))
    assert outcome.status == "escapes" and outcome.detail.startswith("XMP-bestand niet geschreven")
    assert sorted(os.listdir(tmp_path)) == ["event", "outside.jpg"] and os.listdir(folder) == ["sub"]
