"""The pictures the HTML report embeds, gathered before it is written so the writer only writes.

A photo's thumbnail is the one its scan made (photocheck/analysis/thumbnails.py); a scan read back from a file
(`select --from`) has none, so the photo is decoded again, but only inside the scanned folder (a scan file's paths
may have been edited). The faces of people no pick shows yet are cut from their photos at the working size.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from photocheck.analysis.loading import PhotoLoadError, load_photo
from photocheck.analysis.thumbnails import thumbnail_jpeg
from photocheck.config import Config, available_cores
from photocheck.paths import source_path
from photocheck.records.analysis import Box
from photocheck.records.judgement import PhotoResult, ScanResult
from photocheck.records.report import ReportPictures
from photocheck.records.selection import Selection

FACE_THUMBNAIL_SIZE = 96  # pixels, long side of a face of someone no pick shows yet


def report_pictures(result: ScanResult, selection: Selection, root: Path, config: Config) -> ReportPictures:
    readable = [photo for photo in result.photos if photo.analysis.ok]
    # Photos of a scan file are decoded again; decoding releases the GIL, so one thread per core.
    with ThreadPoolExecutor(available_cores()) as threads:
        made = threads.map(lambda photo: thumbnail(photo, root, config), readable)
        thumbnails = {photo.analysis.path: None for photo in result.photos}
        thumbnails |= {photo.analysis.path: jpeg for photo, jpeg in zip(readable, made)}
    seen = selection.coverage
    not_shown = seen.not_shown[: config.report.people_not_shown] if seen is not None else []
    faces = [face_picture(source_path(face.photo, root), face.box, config) for face in not_shown]
    return ReportPictures(thumbnails, faces)


def thumbnail(photo: PhotoResult, root: Path, config: Config) -> bytes | None:
    """The photo's thumbnail: the one its scan made, else decoded from its file under `root`; None when there is
    neither."""
    if photo.analysis.thumbnail is not None:
        return photo.analysis.thumbnail
    path = source_path(photo.analysis.path, root)
    if path is None:  # outside the scanned folder
        return None
    report = config.report
    try:
        rgb = load_photo(path, report.thumbnail_size, config.loading.max_megapixels).rgb
    except PhotoLoadError:
        return None
    return thumbnail_jpeg(rgb, report.thumbnail_size, report.thumbnail_quality)


def face_picture(path: Path | None, box: Box, config: Config) -> bytes | None:
    """A small JPEG of one face (its box grown by half its side), decoded at the working size."""
    if path is None:
        return None
    try:
        photo = load_photo(path, config.loading.working_size, config.loading.max_megapixels)
    except PhotoLoadError:
        return None
    grown = box.expanded_square(1.5).scaled(1.0 / photo.scale).clipped(photo.rgb.shape[1], photo.rgb.shape[0])
    crop = photo.rgb[int(grown.y1):int(grown.y2), int(grown.x1):int(grown.x2)]
    if crop.size == 0:
        return None
    return thumbnail_jpeg(crop, FACE_THUMBNAIL_SIZE, config.report.thumbnail_quality)
