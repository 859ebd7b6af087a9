"""What the HTML report embeds besides the records: the pictures, made before the writer runs (report_pictures.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ReportPictures:
    """JPEG bytes: a thumbnail per photo path (None: none could be made, e.g. a path outside the scanned folder), and a
    face of each person no pick shows yet, aligned with the first faces of `Selection.coverage.not_shown` (None: its
    photo could not be read)."""

    thumbnails: dict[str, bytes | None]
    faces_not_shown: list[bytes | None]
