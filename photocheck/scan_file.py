"""Read back a scan written by ``scan --json`` and re-judge it with the current config (no model runs).

Stage-1 records are rebuilt field by field from the dataclass declarations in photocheck/records/, so fields added to the
contract later load without changes here; keys this version does not know are ignored (the contract is additive).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import replace
from pathlib import Path
from typing import Any

from photocheck.analysis.loading import PhotoLoadError, load_photo
from photocheck.config import Config
from photocheck.judges.policy import judge, judging_context
from photocheck.models.base import ModelStore
from photocheck.models.face_descriptor import FaceDescriptor
from photocheck.paths import source_path
from photocheck.records.analysis import Box, PhotoAnalysis
from photocheck.records.contract import EMBEDDING_KEY, SCHEMA, decode_embedding
from photocheck.records.judgement import PhotoResult, ScanResult


class ScanFileError(ValueError):
    """The file is not a photocheck scan this version can read."""


def _rebuild(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        return _rebuild(next(arg for arg in typing.get_args(kind) if arg is not type(None)), value)
    if origin is list:
        (item,) = typing.get_args(kind)
        return [_rebuild(item, element) for element in value]
    if kind is Box:
        return Box.from_list(value)
    if dataclasses.is_dataclass(kind):
        return rebuild_record(kind, value)
    if kind is float:
        return float(value)
    return value


def rebuild_record(kind: type, record: dict) -> Any:
    """A `kind` dataclass from its JSON record; absent keys take the field's default."""
    hints = typing.get_type_hints(kind)
    values = {
        f.name: _rebuild(hints[f.name], record[f.name])
        for f in dataclasses.fields(kind)
        if f.name in record and f.init
    }
    return kind(**values)


def analysis_from_record(record: dict) -> PhotoAnalysis:
    analysis = rebuild_record(PhotoAnalysis, record)
    analysis.embedding = decode_embedding(record.get(EMBEDDING_KEY))
    return analysis


def load_scan(path: Path, config: Config) -> ScanResult:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScanFileError(f"cannot read scan file {path}: {exc}") from exc
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise ScanFileError(f"{path} is not a photocheck scan (schema {SCHEMA})")
    try:
        analyses = [analysis_from_record(record) for record in document["photos"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise ScanFileError(f"{path}: a photo record cannot be read back: {exc}") from exc
    context = judging_context(config)
    return ScanResult(
        root=document.get("root", ""),
        photos=[PhotoResult(analysis, judge(analysis, config, context)) for analysis in analyses],
        tool=document.get("tool", {}),
    )


def describe_missing(result: ScanResult, root: Path, config: Config) -> ScanResult:
    """`result` with identity descriptors for the faces that are big enough and have none (a scan read back from
    JSON), each such photo decoded once and judged again; a photo that cannot be read again keeps its faces as
    they are (not compared)."""
    model: FaceDescriptor | None = None
    context = judging_context(config)
    photos = []
    for photo in result.photos:
        wanted = [i for i, face in enumerate(photo.analysis.faces) if face.descriptor is None]
        file = source_path(photo.analysis.path, root) if wanted and photo.analysis.ok else None
        try:
            loaded = load_photo(file, config.loading.working_size, config.loading.max_megapixels) if file else None
        except PhotoLoadError:
            loaded = None
        if loaded is None:
            photos.append(photo)
            continue
        boxes = {i: photo.analysis.faces[i].box.scaled(1.0 / loaded.scale) for i in wanted}
        big = [i for i in wanted if max(boxes[i].width, boxes[i].height) >= config.faces.describe_min_side]
        if not big:
            photos.append(photo)
            continue
        if model is None:
            model = FaceDescriptor(ModelStore())
        faces = list(photo.analysis.faces)
        for i, descriptor in zip(big, model.describe(loaded.rgb, [boxes[i] for i in big])):
            faces[i] = replace(faces[i], descriptor=descriptor)
        analysis = replace(photo.analysis, faces=faces)
        photos.append(PhotoResult(analysis, judge(analysis, config, context)))
    return replace(result, photos=photos)
