"""Copy the picks to a folder with location data removed, without re-encoding a single pixel.

JPEG: the file is walked marker by marker up to the start of scan; only metadata segments change, the compressed
image data after SOS is copied byte for byte. In the EXIF (APP1 "Exif") the GPS IFD pointer is taken out of IFD0
and every byte of the GPS IFD and its values is zeroed, in place, so the segment keeps its length and every other
offset (Exif IFD, maker notes, thumbnail) stays valid. An XMP packet that mentions GPS is dropped as a whole.
Other formats are copied unchanged only when they carry no EXIF GPS; otherwise they are refused, because removing
it would mean re-encoding.

A pick showing a child on the consent list (its judgement's `consent` matches) is refused, unless the leader asks
for `--blur-refused`: then every matched face, with a margin, is pixelated to a few blocks in a copy decoded and
re-encoded from the original (so its pixels change, and no metadata is carried over at all).

Rules: the folder structure below the scanned folder is kept (so file names are kept and two IMG_0001.jpg from
different subfolders cannot collide); an existing file is never overwritten (the pick is skipped and reported);
no output path may leave the export folder and no pick is read from outside the scanned folder; the originals are
only read. Each outcome's sentence is in the reader's language (catalogue section ``export``).
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from PIL.ExifTags import IFD

from photocheck.atomic import write_new
from photocheck.config import Section
from photocheck.i18n import DEFAULT_LANGUAGE, message
from photocheck.paths import contained, source_path
from photocheck.records.analysis import Box
from photocheck.records.judgement import ConsentMatch, ScanResult
from photocheck.records.selection import Selection

SOI = b"\xff\xd8"
SOS, EOI = 0xDA, 0xD9
STANDALONE_MARKERS = {0x01, *range(0xD0, 0xD8)}  # TEM and RSTn carry no length
APP1 = 0xE1
EXIF_HEADER = b"Exif\x00\x00"
XMP_HEADERS = (b"http://ns.adobe.com/xap/1.0/\x00", b"http://ns.adobe.com/xmp/extension/\x00")
TIFF_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
IFD_ENTRY = 12


class LocationError(ValueError):
    """The location data cannot be removed safely (malformed metadata, or a format we would have to re-encode)."""


@dataclass
class ExportResult:
    path: str  # the pick, as shown in the scan
    target: str | None  # where it was written (None when not written)
    status: str  # copied | copied_clean | pixelated | consent_refused | exists | escapes | unreadable | refused
    detail: str  # the outcome in the reader's language (message export.<status>)


def _segments(data: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """The JPEG's (marker, whole segment) pairs before the scan, and everything from SOS on (untouched)."""
    if not data.startswith(SOI):
        raise LocationError("not a JPEG file")
    segments: list[tuple[int, bytes]] = []
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise LocationError("corrupt JPEG: a marker was expected")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker in (SOS, EOI):
            return segments, data[position:]
        if marker in STANDALONE_MARKERS:
            segments.append((marker, data[position:position + 2]))
            position += 2
            continue
        length = int.from_bytes(data[position + 2:position + 4], "big")
        end = position + 2 + length
        if length < 2 or end > len(data):
            raise LocationError("corrupt JPEG: a segment runs past the end of the file")
        segments.append((marker, data[position:end]))
        position = end
    raise LocationError("corrupt JPEG: no image data found")


def _remove_gps_from_tiff(tiff: bytearray) -> bool:
    """Take the GPS IFD out of an EXIF TIFF structure in place (same length); True when there was one."""
    order = {b"II": "<", b"MM": ">"}.get(bytes(tiff[:2]))
    if order is None:
        raise LocationError("EXIF with an unknown byte order")

    def read(fmt: str, offset: int) -> tuple:
        size = struct.calcsize(order + fmt)
        if offset < 0 or offset + size > len(tiff):
            raise LocationError("EXIF offset outside the EXIF block")
        return struct.unpack_from(order + fmt, tiff, offset)

    (ifd0,) = read("I", 4)
    (count,) = read("H", ifd0)
    entries = [bytes(tiff[ifd0 + 2 + IFD_ENTRY * i: ifd0 + 2 + IFD_ENTRY * (i + 1)]) for i in range(count)]
    (next_ifd,) = read("I", ifd0 + 2 + IFD_ENTRY * count)
    gps = [entry for entry in entries if struct.unpack_from(order + "H", entry)[0] == IFD.GPSInfo]
    if not gps:
        return False
    (gps_offset,) = struct.unpack_from(order + "I", gps[0], 8)
    _zero_ifd(tiff, gps_offset, read)
    kept = [entry for entry in entries if entry not in gps]
    table = struct.pack(order + "H", len(kept)) + b"".join(kept) + struct.pack(order + "I", next_ifd)
    old_size = 2 + IFD_ENTRY * count + 4
    tiff[ifd0:ifd0 + old_size] = table + bytes(old_size - len(table))
    return True


def _zero_ifd(tiff: bytearray, offset: int, read) -> None:
    """Overwrite an IFD and the values it points to with zero bytes (the coordinates must not linger)."""
    (count,) = read("H", offset)
    for index in range(count):
        entry = offset + 2 + IFD_ENTRY * index
        _, kind, number, value_offset = read("HHII", entry)
        size = TIFF_TYPE_SIZES.get(kind, 1) * number
        if size > 4:
            read(f"{size}s", value_offset)  # bounds check
            tiff[value_offset:value_offset + size] = bytes(size)
    end = offset + 2 + IFD_ENTRY * count + 4
    read(f"{end - offset}s", offset)
    tiff[offset:end] = bytes(end - offset)


def strip_location_jpeg(data: bytes) -> tuple[bytes, bool]:
    """The JPEG without EXIF GPS and without GPS-bearing XMP; True when anything was removed."""
    segments, scan = _segments(data)
    xmp_has_gps = any(
        marker == APP1 and segment[4:].startswith(XMP_HEADERS) and b"GPS" in segment
        for marker, segment in segments
    )
    removed = False
    output = bytearray(SOI)
    for marker, segment in segments:
        if marker == APP1 and segment[4:].startswith(XMP_HEADERS) and xmp_has_gps:
            removed = True
            continue
        if marker == APP1 and segment[4:].startswith(EXIF_HEADER):
            tiff = bytearray(segment[4 + len(EXIF_HEADER):])
            if _remove_gps_from_tiff(tiff):
                removed = True
                segment = segment[:4 + len(EXIF_HEADER)] + bytes(tiff)
        output += segment
    return bytes(output + scan), removed


def without_location(path: Path) -> tuple[bytes, bool]:
    """The bytes to export for a photo and whether location data was removed."""
    data = path.read_bytes()
    if data.startswith(SOI):
        return strip_location_jpeg(data)
    try:
        with Image.open(path) as image:
            has_gps = IFD.GPSInfo in image.getexif()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise LocationError(f"cannot check its metadata: {exc}") from exc
    if has_gps:
        raise LocationError(f"{path.suffix or 'this'} files with GPS cannot be cleaned without re-encoding")
    return data, False


def export_target(display_path: str, folder: Path) -> Path | None:
    """Where a pick goes inside `folder`, or None when its path would lead outside it."""
    target = contained(display_path, folder)
    if target is None or not target.resolve().is_relative_to(folder.resolve()):
        return None
    return target


def pixelated(path: Path, boxes: list[Box], settings: Section) -> bytes:
    """The photo (upright, as the boxes are) with each box, grown by `blur_margin` of its side on every side,
    replaced by `blur_blocks` x `blur_blocks` blocks of its mean colours; re-encoded in the file's own format."""
    with Image.open(path) as original:
        kind = original.format or "JPEG"
        image = ImageOps.exif_transpose(original).convert("RGB")
    for box in boxes:
        side = max(box.width, box.height) * (1 + 2 * settings.blur_margin)
        cx, cy = box.center
        grown = Box(cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2).clipped(image.width, image.height)
        area = tuple(int(round(v)) for v in (grown.x1, grown.y1, grown.x2, grown.y2))
        if area[2] - area[0] < 1 or area[3] - area[1] < 1:
            continue
        region = image.crop(area)
        blocks = region.resize((settings.blur_blocks, settings.blur_blocks), Image.Resampling.BOX)
        image.paste(blocks.resize(region.size, Image.Resampling.NEAREST), area[:2])
    buffer = io.BytesIO()
    image.save(buffer, kind, **({"quality": 92} if kind == "JPEG" else {}))
    return buffer.getvalue()


def export_picks(
    selection: Selection, root: Path, folder: Path, language: str = DEFAULT_LANGUAGE, *,
    result: ScanResult | None = None, blur_refused: bool = False, settings: Section | None = None,
) -> list[ExportResult]:
    """Copy every pick; a pick whose judgement in `result` shows a child on the consent list is refused, or with
    `blur_refused` pixelated by `settings` (the `[consent]` table)."""
    folder.mkdir(parents=True, exist_ok=True)
    judgements = {photo.analysis.path: photo.judgement for photo in result.photos} if result is not None else {}
    outcomes = []
    for pick in selection.picks:
        judgement = judgements.get(pick.path)
        matches = judgement.consent if judgement is not None else []
        outcomes.append(_export_one(pick.path, root, folder, language, matches, settings if blur_refused else None))
    return outcomes


def _export_one(
    display_path: str, root: Path, folder: Path, language: str, matches: list[ConsentMatch] = (),
    blur: Section | None = None,
) -> ExportResult:
    def outcome(status: str, written: Path | None = None, **values) -> ExportResult:
        detail = message(f"export.{status}", language, **values)
        return ExportResult(display_path, None if written is None else str(written), status, detail)

    target, source = export_target(display_path, folder), source_path(display_path, root)
    if target is None or source is None:
        return outcome("escapes", path=display_path)
    if target.exists():
        return outcome("exists", target=target)
    names = ", ".join(sorted({match.name for match in matches}))
    if matches and blur is None:
        return outcome("consent_refused", names=names)
    try:
        if matches:
            data, removed = pixelated(source, [match.box for match in matches], blur), True
        else:
            data, removed = without_location(source)
    except LocationError as exc:
        return outcome("refused", error=exc)
    except OSError as exc:
        return outcome("unreadable", error=exc.strerror or exc)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.parent.resolve().is_relative_to(folder.resolve()):  # a symlinked subfolder inside the export folder
        return outcome("escapes", path=display_path)
    if not write_new(target, data):
        return outcome("exists", target=target)
    if matches:
        return outcome("pixelated", target, names=names)
    return outcome("copied" if removed else "copied_clean", target)
