"""Anything a folder can hold: every file ends in a correct photo or a per-file error, and nothing is changed.

Most cases go straight through `loading.load_photo` (fast); a few whole folders go through `scan()` with the real
models. Every input is made by the tests themselves.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from typer.testing import CliRunner

from photocheck.analysis.loading import LoadedPhoto, PhotoLoadError, discover, load_photo
from photocheck.cli import app
from photocheck.config import default_config
from photocheck.outputs import json_output
from photocheck.scan import scan
from tests.conftest import SAMPLES

LOADING = default_config().loading
EXTENSIONS = [".jpg", ".jpeg", ".png", ".gif", ".webp", ".tif", ".bmp", ".JPG"]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def load(path: Path) -> LoadedPhoto:
    return load_photo(path, LOADING.working_size, LOADING.max_megapixels)


def outcome(path: Path) -> LoadedPhoto | str:
    """The contract for any file: a well-formed photo, or a PhotoLoadError with a message. Nothing else."""
    try:
        photo = load(path)
    except PhotoLoadError as exc:
        assert str(exc).strip()
        return str(exc)
    assert photo.rgb.dtype == np.uint8 and photo.rgb.ndim == 3 and photo.rgb.shape[2] == 3
    assert 0 < max(photo.rgb.shape[:2]) <= LOADING.working_size
    assert photo.width >= photo.rgb.shape[1] > 0 and photo.height >= photo.rgb.shape[0] > 0
    return photo


def picture(width: int = 96, height: int = 64, seed: int = 0) -> np.ndarray:
    """A gradient with noise: compresses like a photo, not like a flat colour."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width]
    base = np.stack([xs * 255 // max(width - 1, 1), ys * 255 // max(height - 1, 1), (xs + ys) % 256], axis=-1)
    return np.clip(base + rng.integers(-20, 20, base.shape), 0, 255).astype(np.uint8)


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg_bytes(width: int = 96, height: int = 64, **options) -> bytes:
    return encoded(Image.fromarray(picture(width, height)), "JPEG", quality=90, **options)


def png_bytes(width: int = 96, height: int = 64) -> bytes:
    return encoded(Image.fromarray(picture(width, height)), "PNG")


def flipped(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0xFF]) + data[index + 1 :]


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose (valid, checksummed) header claims `width` x `height`, with a tiny IDAT."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header is rewritten to claim another size."""
    data = bytearray(jpeg_bytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_claiming(width: int, height: int) -> bytes:
    data = bytearray(encoded(Image.fromarray(picture(16, 16)).convert("P"), "GIF"))
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def tree_snapshot(folder: Path) -> dict[str, str]:
    """Every entry under `folder` with what it is: file hash, link target, or kind. Never follows links."""
    entries = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            entries[key] = "link->" + os.readlink(path)
        elif path.is_dir():
            entries[key] = "dir"
        elif path.is_file():
            entries[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            entries[key] = "special"
    return entries


# --- property-based: random and damaged files -------------------------------------------------------------------

MAGIC = [b"", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x10\x00\x00WEBPVP8 ",
         b"II*\x00", b"MM\x00*", b"BM"]


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def real_files() -> dict[str, bytes]:
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "green")]
    return {
        ".jpg": jpeg_bytes(),
        ".png": png_bytes(),
        ".gif": encoded(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        ".webp": encoded(Image.fromarray(picture()), "WEBP", quality=80),
        ".tif": encoded(Image.fromarray(picture()), "TIFF"),
    }


@FUZZ
@given(data=st.binary(max_size=3000), magic=st.sampled_from(MAGIC), extension=st.sampled_from(EXTENSIONS))
def test_random_bytes_with_image_names(fuzz_dir, data, magic, extension):
    path = fuzz_dir / f"random{extension}"
    path.write_bytes(magic + data)
    outcome(path)


@FUZZ
@given(extension=st.sampled_from([".jpg", ".png", ".gif", ".webp", ".tif"]), fraction=st.floats(0.0, 1.0))
def test_truncated_real_files(fuzz_dir, real_files, extension, fraction):
    data = real_files[extension]
    path = fuzz_dir / f"truncated{extension}"
    path.write_bytes(data[: int(len(data) * fraction)])
    result = outcome(path)
    if fraction < 0.5 and extension in (".jpg", ".png"):
        assert isinstance(result, str)  # half a file is never passed off as a photo


@FUZZ
@given(
    extension=st.sampled_from([".jpg", ".png", ".gif", ".webp", ".tif"]),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0, exclude_max=True), st.integers(1, 255)), min_size=1, max_size=6),
)
def test_bit_flipped_real_files(fuzz_dir, real_files, extension, flips):
    data = bytearray(real_files[extension])
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    path = fuzz_dir / f"flipped{extension}"
    path.write_bytes(bytes(data))
    before = peak_rss_mb()
    outcome(path)
    assert peak_rss_mb() - before < 300  # a flipped size field must not make the decoder allocate gigabytes


@FUZZ
@given(payload=st.binary(max_size=400))
def test_malformed_exif_never_costs_the_photo(fuzz_dir, payload):
    """Any EXIF block, however broken, leaves a valid JPEG readable."""
    path = fuzz_dir / "exif.jpg"
    path.write_bytes(jpeg_bytes(exif=b"Exif\x00\x00" + payload))
    photo = outcome(path)
    assert isinstance(photo, LoadedPhoto), photo


# --- fixed cases ----------------------------------------------------------------------------------------------

BAD_FILES = [
    ("empty.jpg", lambda: b"", "empty file"),
    ("empty.png", lambda: b"", "empty file"),
    ("notes.jpg", lambda: b"meeting notes, not a photo\n" * 20, "not an image"),
    ("page.png", lambda: b"<!doctype html><html><body>hello</body></html>", "not an image"),
    ("archive.jpeg", lambda: b"PK\x03\x04" + bytes(300), "not an image"),
    ("half.jpg", lambda: jpeg_bytes()[: len(jpeg_bytes()) // 2], "corrupt or truncated"),
    ("header_only.jpg", lambda: jpeg_bytes()[:300], "corrupt or truncated"),
    ("half.png", lambda: png_bytes()[: len(png_bytes()) // 2], "corrupt or truncated"),
    ("damaged_pixels.png", lambda: flipped(png_bytes(), len(png_bytes()) // 2), "corrupt"),
    ("bomb.png", lambda: png_claiming(100_000, 100_000), "too large"),
    ("bomb.jpg", lambda: jpeg_claiming(65_000, 65_000), "too large"),
    ("bomb.gif", lambda: gif_claiming(65_535, 65_535), "too large"),
    ("wide.png", lambda: png_claiming(2_000_000, 200), "too large"),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD_FILES, ids=[case[0] for case in BAD_FILES])
def test_bad_files_get_a_clear_error(tmp_path, name, make, message):
    path = tmp_path / name
    path.write_bytes(make())
    before = peak_rss_mb()
    result = outcome(path)
    assert isinstance(result, str) and message in result, result
    assert peak_rss_mb() - before < 100  # refused before any pixel of a bomb is allocated


def _colour_at(photo: LoadedPhoto, x: float, y: float) -> np.ndarray:
    height, width = photo.rgb.shape[:2]
    return photo.rgb[int(y * (height - 1)), int(x * (width - 1))].astype(int)


def _image(mode: str, size=(64, 48), colour=None) -> Image.Image:
    return Image.new(mode, size, colour)


def test_cmyk_jpeg_keeps_its_colours(tmp_path):
    path = tmp_path / "cmyk.jpg"
    path.write_bytes(encoded(_image("RGB", colour=(220, 30, 30)).convert("CMYK"), "JPEG", quality=95))
    red = _colour_at(outcome(path), 0.5, 0.5)
    assert red[0] > 180 and red[1] < 70 and red[2] < 70


def test_16_bit_png_is_stretched_not_clipped(tmp_path):
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (32, 1))
    path = tmp_path / "deep.png"
    Image.fromarray(ramp).save(path)
    assert Image.open(path).mode.startswith("I")
    grey = outcome(path).rgb[:, :, 0][16]
    assert grey[0] < 5 and grey[-1] > 250 and 100 < grey[128] < 155  # mid-grey stays mid-grey
    assert np.all(np.diff(grey.astype(int)) >= 0)


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        ("palette.png", lambda: _image("RGB", colour=(20, 40, 200)).convert("P", palette=Image.Palette.ADAPTIVE), (20, 40, 200)),
        ("grey.png", lambda: _image("L", colour=90), (90, 90, 90)),
        ("bilevel.png", lambda: _image("1", colour=1), (255, 255, 255)),
        ("transparent.png", lambda: _image("RGBA", colour=(200, 0, 0, 0)), (255, 255, 255)),  # on white
        ("opaque_rgba.png", lambda: _image("RGBA", colour=(200, 0, 0, 255)), (200, 0, 0)),
        ("grey_alpha.png", lambda: _image("LA", colour=(50, 255)), (50, 50, 50)),
        ("grey.jpg", lambda: _image("L", colour=90), (90, 90, 90)),
        ("photo.bmp", lambda: _image("RGB", colour=(10, 200, 10)), (10, 200, 10)),
        ("photo.tif", lambda: _image("RGB", colour=(10, 200, 10)), (10, 200, 10)),
    ],
)
def test_image_modes_become_rgb(tmp_path, name, make, expected):
    path = tmp_path / name
    make().save(path)
    colour = _colour_at(outcome(path), 0.5, 0.5)
    assert np.all(np.abs(colour - np.array(expected)) <= 6), colour


def test_palette_png_with_transparent_index_lands_on_white(tmp_path):
    image = Image.new("P", (32, 32), 0)
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.paste(1, (16, 0, 32, 32))
    path = tmp_path / "keyed.png"
    image.save(path, transparency=0)
    photo = outcome(path)
    assert tuple(_colour_at(photo, 0.1, 0.5)) == (255, 255, 255) and tuple(_colour_at(photo, 0.9, 0.5)) == (0, 0, 255)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animations_give_their_first_frame(tmp_path, fmt):
    frames = [Image.new("RGB", (48, 32), colour) for colour in ((230, 20, 20), (20, 230, 20), (20, 20, 230))]
    path = tmp_path / f"animated.{fmt.lower()}"
    frames[0].save(path, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0, lossless=True)
    assert getattr(Image.open(path), "n_frames", 1) == 3
    red = _colour_at(outcome(path), 0.5, 0.5)
    assert red[0] > 200 and red[1] < 50 and red[2] < 50


def test_extreme_shapes_load(tmp_path):
    Image.new("RGB", (1, 1), (9, 9, 9)).save(tmp_path / "dot.png")
    Image.fromarray(picture(6000, 3)).save(tmp_path / "line.png")
    assert outcome(tmp_path / "dot.png").rgb.shape == (1, 1, 3)
    line = outcome(tmp_path / "line.png")
    assert line.rgb.shape[1] == LOADING.working_size and line.rgb.shape[0] >= 1 and (line.width, line.height) == (6000, 3)


def test_large_jpeg_is_reduced_while_decoding(tmp_path):
    path = tmp_path / "large.jpg"
    Image.new("RGB", (4000, 3000), (120, 80, 40)).save(path, quality=90)
    photo = outcome(path)
    assert (photo.width, photo.height) == (4000, 3000) and max(photo.rgb.shape[:2]) == LOADING.working_size


# EXIF orientation: the stored pixels of each orientation, derived from the EXIF specification's wording
# ("row 0 is the visual right side, column 0 the visual top" for 6, ...), independently of the loader's table.
STORED_FROM_UPRIGHT = {
    1: lambda u: u,
    2: lambda u: u[:, ::-1],
    3: lambda u: u[::-1, ::-1],
    4: lambda u: u[::-1, :],
    5: lambda u: u.transpose(1, 0, 2),
    6: lambda u: np.rot90(u, 1),
    7: lambda u: u[::-1, ::-1].transpose(1, 0, 2),
    8: lambda u: np.rot90(u, -1),
}


def oriented_jpeg(upright: np.ndarray, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored = np.ascontiguousarray(STORED_FROM_UPRIGHT[orientation](upright))
    return encoded(Image.fromarray(stored), "JPEG", quality=95, exif=exif.tobytes())


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_shown_upright(tmp_path, orientation):
    upright = np.zeros((40, 60, 3), np.uint8)
    upright[:20, :30] = (255, 0, 0)  # quadrants: red, green / blue, white
    upright[:20, 30:] = (0, 255, 0)
    upright[20:, :30] = (0, 0, 255)
    upright[20:, 30:] = (255, 255, 255)
    path = tmp_path / f"orientation_{orientation}.jpg"
    path.write_bytes(oriented_jpeg(upright, orientation))
    photo = outcome(path)
    assert (photo.width, photo.height) == (60, 40) and photo.rgb.shape == (40, 60, 3)
    for x, y in ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)):
        expected = upright[int(y * 40), int(x * 60)].astype(int)
        assert np.abs(_colour_at(photo, x, y) - expected).max() < 40, (orientation, x, y)


@pytest.mark.parametrize(
    ("name", "exif"),
    [
        ("orientation_zero", {0x0112: 0}),
        ("orientation_nine", {0x0112: 9}),
        ("orientation_huge", {0x0112: 65535}),
        ("bad_date_and_artist", {0x0132: "yesterday-ish", 0x013B: b"\xff\xfe caf\xe9"}),
    ],
)
def test_malformed_exif_tags_are_ignored(tmp_path, name, exif):
    tags = Image.Exif()
    for tag, value in exif.items():
        tags[tag] = value
    path = tmp_path / f"{name}.jpg"
    path.write_bytes(jpeg_bytes(96, 64, exif=tags.tobytes()))
    photo = outcome(path)
    assert isinstance(photo, LoadedPhoto) and (photo.width, photo.height) == (96, 64)
    assert photo.taken_at is None


def tiff_entry(tag: int, kind: int, count: int, value: bytes) -> bytes:
    """An EXIF block (little-endian TIFF) with one IFD entry of any type, e.g. an orientation written as text."""
    return b"II*\x00\x08\x00\x00\x00\x01\x00" + struct.pack("<HHI4s", tag, kind, count, value) + bytes(4)


@pytest.mark.parametrize(
    "payload",
    [tiff_entry(0x0112, 2, 4, b"six\x00"), tiff_entry(0x0112, 3, 1, b"\x06\x00\x00\x00"), b"", b"\x00" * 4, b"II*\x00\xff\xff\xff\x7f", b"MM\x00*\x00\x00\x00\x08\xff\xff", b"II*\x00\x08\x00\x00\x00\xff\xff" + bytes(12)],
    ids=["orientation_as_text", "orientation_6_control", "empty", "zeros", "offset_past_end", "entry_count_past_end", "truncated_entries"],
)
def test_broken_exif_blocks_are_ignored(tmp_path, payload):
    path = tmp_path / "broken_exif.jpg"
    path.write_bytes(jpeg_bytes(96, 64, exif=b"Exif\x00\x00" + payload))
    photo = outcome(path)
    rotated = payload == tiff_entry(0x0112, 3, 1, b"\x06\x00\x00\x00")  # the control: a valid orientation 6
    assert isinstance(photo, LoadedPhoto) and (photo.width, photo.height) == ((64, 96) if rotated else (96, 64))


def test_named_pipes_and_devices_are_refused_without_blocking(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this system")
    os.mkfifo(tmp_path / "pipe.jpg")
    (tmp_path / "zeros.jpg").symlink_to("/dev/zero")
    for name in ("pipe.jpg", "zeros.jpg"):
        result = outcome(tmp_path / name)
        assert isinstance(result, str) and "not a regular file" in result


def test_symlink_loops_and_dangling_links(tmp_path):
    (tmp_path / "a.jpg").symlink_to(tmp_path / "b.jpg")
    (tmp_path / "b.jpg").symlink_to(tmp_path / "a.jpg")
    (tmp_path / "dangling.jpg").symlink_to(tmp_path / "gone.jpg")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)  # a folder loop
    shutil.copy(SAMPLES / "coffee.jpg", tmp_path / "sub" / "real.jpg")
    found = discover(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found.files] == ["a.jpg", "b.jpg", "dangling.jpg", "sub/real.jpg"]
    assert "symbolic link loop" in outcome(tmp_path / "a.jpg")
    assert "broken symbolic link" in outcome(tmp_path / "dangling.jpg")


@pytest.mark.skipif(IS_ROOT, reason="root reads files and folders whatever their permissions")
def test_unreadable_file_and_folder(tmp_path):
    shutil.copy(SAMPLES / "coffee.jpg", tmp_path / "locked.jpg")
    (tmp_path / "closed").mkdir()
    shutil.copy(SAMPLES / "coffee.jpg", tmp_path / "closed" / "inside.jpg")
    os.chmod(tmp_path / "locked.jpg", 0)
    os.chmod(tmp_path / "closed", 0)
    try:
        assert "permission denied" in outcome(tmp_path / "locked.jpg")
        found = discover(tmp_path)
        assert [folder.name for folder, _ in found.unreadable] == ["closed"]
    finally:
        os.chmod(tmp_path / "locked.jpg", 0o644)
        os.chmod(tmp_path / "closed", 0o755)


# --- whole folders through scan() with the real models ----------------------------------------------------------

ODD_NAMES = ["фото 😀.jpg", "with space.JPG", "-starts-with-dash.jpg", "new\nline.jpg", "quote'\"s;$x.jpeg"]
NON_UTF8_NAME = b"caf\xe9.jpg"


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    shutil.copy(SAMPLES / "astronaut.jpg", folder / "good.jpg")
    for name, make, _ in BAD_FILES:
        (folder / name).write_bytes(make())
    for index, name in enumerate(ODD_NAMES):
        shutil.copy(SAMPLES / ("coffee.jpg" if index % 2 else "astronaut.jpg"), folder / name)
    if os.name == "posix":
        shutil.copy(SAMPLES / "coffee.jpg", os.path.join(os.fsencode(folder), NON_UTF8_NAME))
        os.mkfifo(folder / "pipe.jpg")
    Image.new("RGB", (1, 1)).save(folder / "dot.png")
    Image.fromarray(picture(6000, 3)).save(folder / "line.png")
    Image.fromarray(picture(3, 4000)).save(folder / "pole.png")
    (folder / "folder.jpg").mkdir()  # a folder with a photo's name, holding a photo
    shutil.copy(SAMPLES / "coffee.jpg", folder / "folder.jpg" / "inside.jpg")
    (folder / "a.jpg").symlink_to(folder / "b.jpg")
    (folder / "b.jpg").symlink_to(folder / "a.jpg")
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    return folder


def _expected_ok(name: str) -> bool:
    return name in ("good.jpg", "dot.png", "line.png", "pole.png", "folder.jpg/inside.jpg") or name in ODD_NAMES or name == os.fsdecode(NON_UTF8_NAME)


@pytest.fixture(scope="module")
def hostile_scan(hostile_folder, config, analyzer):
    """The folder scanned in this process, with its tree before and after."""
    before = tree_snapshot(hostile_folder)
    result = scan(hostile_folder, config, analyzer)
    return before, result, tree_snapshot(hostile_folder)


def test_scan_of_a_hostile_folder_completes_and_changes_nothing(hostile_scan):
    before, result, after = hostile_scan
    assert after == before

    photos = {photo.analysis.path: photo for photo in result.photos}
    assert len(photos) == len(result.photos)
    for path, photo in photos.items():
        analysis = photo.analysis
        if _expected_ok(path):
            assert analysis.ok, (path, analysis.error)
            assert photo.judgement is not None
        else:
            assert not analysis.ok and analysis.error and not analysis.error.startswith("analysis failed"), path
            assert photo.judgement is None
    assert len(photos["good.jpg"].analysis.faces) == 1
    assert len(photos["фото 😀.jpg"].analysis.faces) == 1
    assert "not a regular file" in photos["pipe.jpg"].analysis.error
    assert "symbolic link loop" in photos["a.jpg"].analysis.error

    # JSON carries every name exactly, even one that is not UTF-8, as valid UTF-8 text.
    document = json.loads(json_output.dumps(result).encode("utf-8"))
    assert sorted(p["path"] for p in document["photos"]) == sorted(photos)


@pytest.mark.skipif(os.name != "posix", reason="non-UTF-8 file names exist on POSIX file systems only")
def test_cli_prints_a_name_that_is_not_utf8(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(SAMPLES / "coffee.jpg", os.path.join(os.fsencode(folder), NON_UTF8_NAME))
    run = subprocess.run(
        [sys.executable, "-m", "photocheck", "scan", str(folder), "--workers", "1", "--no-cache",
         "--json", str(tmp_path / "scan.json")],
        capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": ""}, timeout=300,
    )
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    assert b"caf\\udce9.jpg" in run.stdout
    [photo] = json.loads((tmp_path / "scan.json").read_text(encoding="utf-8"))["photos"]
    assert photo["path"] == os.fsdecode(NON_UTF8_NAME) and photo["ok"]


def test_worker_pool_gives_the_same_results_in_the_same_order(hostile_folder, hostile_scan, config):
    _, alone, _ = hostile_scan
    pooled = scan(hostile_folder, config, workers=2)

    def essence(result):
        return [(p.analysis.path, p.analysis.ok, p.analysis.error, len(p.analysis.faces), len(p.analysis.objects))
                for p in result.photos]

    assert essence(pooled) == essence(alone)


def test_file_deleted_during_the_scan(tmp_path, config, analyzer):
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        shutil.copy(SAMPLES / "coffee.jpg", tmp_path / name)

    def delete_the_next(done: int, total: int, path: str) -> None:
        if path == "a.jpg":
            (tmp_path / "b.jpg").unlink()

    photos = {p.analysis.path: p.analysis for p in scan(tmp_path, config, analyzer, progress=delete_the_next).photos}
    assert photos["a.jpg"].ok and photos["c.jpg"].ok
    assert photos["b.jpg"].error == "file not found (deleted or moved during the scan?)"


def test_cli_writes_only_its_outputs(tmp_path, monkeypatch):
    photos, out, cache = tmp_path / "photos", tmp_path / "out", tmp_path / "cache"
    photos.mkdir()
    out.mkdir()
    shutil.copy(SAMPLES / "astronaut.jpg", photos / "good.jpg")
    (photos / "empty.jpg").write_bytes(b"")
    (photos / "half.jpg").write_bytes(jpeg_bytes()[:200])
    monkeypatch.setenv("PHOTOCHECK_CACHE_DIR", str(cache))
    monkeypatch.chdir(out)
    before = tree_snapshot(photos)

    result = CliRunner().invoke(app, ["scan", str(photos), "--json", str(out / "scan.json"), "--workers", "1"])

    assert result.exit_code == 0, result.output
    assert tree_snapshot(photos) == before
    assert sorted(p.name for p in out.iterdir()) == ["scan.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "out", "photos"]
    document = json.loads((out / "scan.json").read_text(encoding="utf-8"))
    assert {p["path"]: p["ok"] for p in document["photos"]} == {"empty.jpg": False, "good.jpg": True, "half.jpg": False}


def test_face_box_lands_on_the_face_in_every_orientation(tmp_path, config, analyzer):
    """The astronaut portrait stored in all 8 EXIF orientations: boxes come back in upright (displayed) pixels."""
    upright = np.asarray(Image.open(SAMPLES / "astronaut.jpg").convert("RGB"))[:, :400]  # 400 x 512, not square
    for orientation in range(1, 9):
        (tmp_path / f"orientation_{orientation}.jpg").write_bytes(oriented_jpeg(upright, orientation))
    photos = scan(tmp_path, config, analyzer).photos
    assert len(photos) == 8
    reference = None
    for photo in photos:
        analysis = photo.analysis
        assert analysis.ok and (analysis.width, analysis.height) == (400, 512), analysis.path
        [face] = analysis.faces
        centre = np.array(face.box.center)
        assert 130 < centre[0] < 260 and 50 < centre[1] < 200, (analysis.path, centre)  # the face, upright
        reference = centre if reference is None else reference
        assert np.abs(centre - reference).max() < 12, (analysis.path, centre, reference)
