"""Export of the picks: GPS removed without re-encoding, no overwriting, no path outside the export folder."""

from __future__ import annotations

import hashlib
import io
import os

import numpy as np
import pytest
from PIL import Image

from photocheck.i18n import message
from photocheck.outputs.export import _segments, export_picks, export_target, strip_location_jpeg
from photocheck.records.selection import Pick, Selection

GPS = {1: "N", 2: (50.0, 51.0, 12.5), 3: "E", 4: (4.0, 21.0, 0.0)}
XMP_WITH_GPS = (
    b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf="
    b"'http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description xmlns:exif='http://ns.adobe.com/exif/1.0/'"
    b" exif:GPSLatitude='50,51.2N'/></rdf:RDF></x:xmpmeta>"
)


def jpeg_with_gps(xmp: bytes | None = None) -> bytes:
    exif = Image.Exif()
    exif[0x013B] = "Jan Peeters"
    exif[0x8769] = {0x9003: "2024:07:12 10:00:00"}
    exif[0x8825] = GPS
    noise = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    data = buffer.getvalue()
    if xmp is not None:  # an XMP APP1 segment right after SOI
        data = data[:2] + b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp + data[2:]
    return data


def pick(path: str) -> Pick:
    return Pick(path=path, day="undated", taken_at=None, value=1.0, stands_for=[], slot="17:00", caption="#KSAinbeeld")


def selection_of(*paths: str) -> Selection:
    return Selection(picks=[pick(p) for p in paths], rejected=[], groups=[])


def after_sos(data: bytes) -> bytes:
    return _segments(data)[1]


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_gps_removed_image_data_byte_identical(tmp_path):
    source = tmp_path / "event"
    (source / "day1").mkdir(parents=True)
    original = jpeg_with_gps()
    (source / "day1" / "IMG_0001.jpg").write_bytes(original)
    [outcome] = export_picks(selection_of("day1/IMG_0001.jpg"), source, tmp_path / "out")
    assert outcome.status == "copied"
    exported = (tmp_path / "out" / "day1" / "IMG_0001.jpg").read_bytes()
    assert len(exported) == len(original)
    assert after_sos(exported) == after_sos(original)
    assert np.array_equal(pixels(exported), pixels(original))
    exif = Image.open(io.BytesIO(exported)).getexif()
    assert 0x8825 not in exif and exif.get_ifd(0x8825) == {}
    assert exif[0x013B] == "Jan Peeters" and exif.get_ifd(0x8769)[0x9003] == "2024:07:12 10:00:00"
    assert (source / "day1" / "IMG_0001.jpg").read_bytes() == original  # original untouched


def test_xmp_with_gps_dropped_and_exif_cleaned():
    cleaned, removed = strip_location_jpeg(jpeg_with_gps(XMP_WITH_GPS))
    assert removed and b"GPSLatitude" not in cleaned and b"ns.adobe.com/xap" not in cleaned
    assert 0x8825 not in Image.open(io.BytesIO(cleaned)).getexif()


def test_photo_without_gps_is_copied_unchanged(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 90, 200)).save(buffer, "JPEG")
    (tmp_path / "plain.jpg").write_bytes(buffer.getvalue())
    [outcome] = export_picks(selection_of("plain.jpg"), tmp_path, tmp_path / "out")
    assert outcome.status == "copied_clean"
    assert (tmp_path / "out" / "plain.jpg").read_bytes() == buffer.getvalue()


def test_never_overwrites(tmp_path):
    (tmp_path / "a.jpg").write_bytes(jpeg_with_gps())
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.jpg").write_bytes(b"leader's own file")
    [outcome] = export_picks(selection_of("a.jpg"), tmp_path, out)
    assert outcome.status == "exists" and outcome.target is None
    assert (out / "a.jpg").read_bytes() == b"leader's own file"
    assert sorted(os.listdir(out)) == ["a.jpg"]  # no temporary file left behind


@pytest.mark.parametrize("path", ["../evil.jpg", "/etc/evil.jpg", "a/../../evil.jpg"])
def test_paths_never_escape(tmp_path, path):
    assert export_target(path, tmp_path / "out") is None
    [outcome] = export_picks(selection_of(path), tmp_path, tmp_path / "out")
    assert outcome.status == "escapes"
    assert not (tmp_path / "evil.jpg").exists()


def test_symlinked_subfolder_inside_export_folder_is_refused(tmp_path):
    (tmp_path / "src" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "sub" / "a.jpg").write_bytes(jpeg_with_gps())
    outside, out = tmp_path / "outside", tmp_path / "out"
    outside.mkdir()
    out.mkdir()
    (out / "sub").symlink_to(outside, target_is_directory=True)
    [outcome] = export_picks(selection_of("sub/a.jpg"), tmp_path / "src", out)
    assert outcome.status == "escapes" and os.listdir(outside) == []


def test_non_jpeg_with_gps_refused(tmp_path):
    exif = Image.Exif()
    exif[0x8825] = GPS
    Image.new("RGB", (16, 16)).save(tmp_path / "a.png", exif=exif.tobytes())
    [outcome] = export_picks(selection_of("a.png"), tmp_path, tmp_path / "out")
    assert outcome.status == "refused" and not (tmp_path / "out" / "a.png").exists()


def test_real_camera_photo_with_gps(shared_eval, tmp_path):
    """A real camera JPEG (maker notes, thumbnail) keeps every byte except its location."""
    source = shared_eval / "fullres_dev" / "images"
    with_gps = [p for p in sorted(source.glob("*.jpg")) if 0x8825 in Image.open(p).getexif()]
    if not with_gps:
        pytest.skip("no photo with GPS in fullres_dev")
    photo = with_gps[0]
    before = hashlib.sha256(photo.read_bytes()).hexdigest()
    [outcome] = export_picks(selection_of(photo.name), source, tmp_path)
    assert outcome.status == "copied"
    original, exported = photo.read_bytes(), (tmp_path / photo.name).read_bytes()
    assert after_sos(exported) == after_sos(original)
    exif = Image.open(tmp_path / photo.name).getexif()
    assert 0x8825 not in exif
    assert exif.get_ifd(0x8769) == Image.open(photo).getexif().get_ifd(0x8769)  # capture data intact
    assert hashlib.sha256(photo.read_bytes()).hexdigest() == before


def test_name_not_valid_utf8_is_exported_under_its_real_bytes(tmp_path):
    source, out = tmp_path / "event", tmp_path / "out"
    source.mkdir()
    name = os.fsdecode(b"caf\xe9.jpg")  # what os.listdir gives for a Latin-1 name on a UTF-8 system
    (source / name).write_bytes(jpeg_with_gps())
    [outcome] = export_picks(selection_of(name), source, out, "nl")
    assert outcome.status == "copied" and outcome.detail == "gekopieerd, locatie verwijderd"
    assert os.listdir(os.fsencode(out)) == [b"caf\xe9.jpg"]
    line = message("export.outcome", "nl", path=outcome.path, detail=outcome.detail)
    assert line.encode("utf-8") == "Export caf\ufffd.jpg: gekopieerd, locatie verwijderd".encode("utf-8")


@pytest.mark.parametrize("hostile", ["../secret.jpg", "day1/../../secret.jpg", "{tmp}/secret.jpg"])
def test_scan_paths_leading_outside_are_neither_read_nor_written(tmp_path, hostile):
    """A scan file (--from) may hold any path: export reads only inside the photo folder, writes only inside DIR."""
    hostile = hostile.format(tmp=tmp_path)
    source, out = tmp_path / "event", tmp_path / "out"
    (source / "day1").mkdir(parents=True)
    (tmp_path / "secret.jpg").write_bytes(jpeg_with_gps())  # a real photo right where the path leads
    [outcome] = export_picks(selection_of(hostile), source, out)
    assert outcome.status == "escapes" and outcome.target is None
    assert os.listdir(out) == [] and sorted(os.listdir(tmp_path)) == ["event", "out", "secret.jpg"]
