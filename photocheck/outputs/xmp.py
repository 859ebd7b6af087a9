"""XMP sidecars for photo managers (darktable, digiKam): ``photo.jpg.xmp`` next to each readable photo.

- ``xmp:Rating``: -1 ("rejected" in darktable and digiKam) for a skip verdict or any red flag; otherwise one star per
  ``xmp.rating_edges`` value the score reaches (0-5); 0 (no rating) while a photo has no score.
- ``xmp:Label``: Green for post, Yellow for maybe (or no verdict yet), Red for skip.
- ``dc:subject``: the hashtag (without #) on recommended picks, and the kind of every red flag.

An existing sidecar is never touched: it may hold the photographer's own ratings and edits, and merging XMP
reliably needs a full XMP toolkit. Such photos are skipped and reported, and so is a photo whose path (from an edited
scan file) would lead outside the scanned folder. Each outcome's sentence is in the reader's language (``xmp``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from photocheck.atomic import write_new
from photocheck.config import Config
from photocheck.i18n import message
from photocheck.paths import source_path
from photocheck.records.judgement import PhotoResult, ScanResult
from photocheck.records.selection import Selection

NAMESPACES = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
LABELS = {"post": "Green", "maybe": "Yellow", None: "Yellow", "skip": "Red"}
REJECTED = -1
SIDECAR_SUFFIX = ".xmp"

for prefix, uri in NAMESPACES.items():
    ET.register_namespace(prefix, uri)


@dataclass
class SidecarResult:
    path: str
    target: str
    status: str  # written | exists | escapes | failed
    detail: str  # the outcome in the reader's language (message xmp.<status>)


def _qualified(prefix: str, name: str) -> str:
    return f"{{{NAMESPACES[prefix]}}}{name}"


def rating(photo: PhotoResult, edges: list[float]) -> int:
    judgement = photo.judgement
    if judgement is None or judgement.verdict == "skip" or judgement.flags:
        return REJECTED
    if judgement.score is None:
        return 0
    return sum(1 for edge in edges if judgement.score >= edge)


def keywords(photo: PhotoResult, picked: bool, hashtag: str) -> list[str]:
    flags = photo.judgement.flags if photo.judgement is not None else []
    words = [hashtag.lstrip("#")] if picked else []
    return words + sorted({flag.kind for flag in flags})


def sidecar_xml(photo: PhotoResult, picked: bool, config: Config) -> str:
    meta = ET.Element(_qualified("x", "xmpmeta"))
    rdf = ET.SubElement(meta, _qualified("rdf", "RDF"))
    description = ET.SubElement(rdf, _qualified("rdf", "Description"), {_qualified("rdf", "about"): ""})
    description.set(_qualified("xmp", "Rating"), str(rating(photo, list(config.xmp.rating_edges))))
    verdict = photo.judgement.verdict if photo.judgement is not None else None
    description.set(_qualified("xmp", "Label"), LABELS.get(verdict, LABELS[None]))
    words = keywords(photo, picked, config.selection.hashtag)
    if words:
        bag = ET.SubElement(ET.SubElement(description, _qualified("dc", "subject")), _qualified("rdf", "Bag"))
        for word in words:
            ET.SubElement(bag, _qualified("rdf", "li")).text = word
    ET.indent(meta)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(meta, encoding="unicode") + "\n"


def sidecar_path(photo_file: Path) -> Path:
    return photo_file.with_name(photo_file.name + SIDECAR_SUFFIX)


def write_sidecars(result: ScanResult, selection: Selection, root: Path, config: Config) -> list[SidecarResult]:
    picked = {pick.path for pick in selection.picks}
    written = []
    for photo in result.photos:
        if not photo.analysis.ok:
            continue
        source = source_path(photo.analysis.path, root)
        if source is None:
            detail = message("xmp.escapes", config.output.language, path=photo.analysis.path)
            written.append(SidecarResult(photo.analysis.path, "", "escapes", detail))
            continue
        target = sidecar_path(source)
        try:
            status = "written" if write_new(target, sidecar_xml(photo, photo.analysis.path in picked, config)) else "exists"
            detail = message(f"xmp.{status}", config.output.language, target=target)
        except OSError as exc:  # e.g. a read-only card
            status, detail = "failed", message("xmp.failed", config.output.language, error=exc.strerror or exc)
        written.append(SidecarResult(photo.analysis.path, str(target), status, detail))
    return written
