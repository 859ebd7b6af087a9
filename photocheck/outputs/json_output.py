"""The JSON contract (schema photocheck/1): documented in README.md, validated by tests/test_json_contract.py."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np

from photocheck.results import Box, Judgement
from photocheck.scan import PhotoResult, ScanResult

SCHEMA = "photocheck/1"
ANALYSIS_FIELDS_NOT_EXPORTED = {"embedding"}  # 1280 floats per photo: internal, used by selection
# Judgement fields that extend an analysis record instead of standing beside it.
JUDGEMENT_MERGED_INTO = {"face_judgements": "faces", "quality": "quality"}


def plain(value: Any) -> Any:
    """Dataclasses, boxes and numpy values as JSON-ready Python values (floats rounded to 4 places)."""
    if isinstance(value, Box):
        return value.to_list()
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        return round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    return value


def photo_record(photo: PhotoResult) -> dict[str, Any]:
    analysis = photo.analysis
    record = {
        f.name: plain(getattr(analysis, f.name))
        for f in dataclasses.fields(analysis)
        if f.name not in ANALYSIS_FIELDS_NOT_EXPORTED
    }
    if photo.judgement is None:
        record.update({f.name: None for f in dataclasses.fields(Judgement) if f.name not in JUDGEMENT_MERGED_INTO})
        return record
    judged = plain(photo.judgement)
    for face, face_judgement in zip(record["faces"], judged.pop("face_judgements")):
        face.update(face_judgement)
    quality = judged.pop("quality")
    if quality is not None and record["quality"] is not None:
        record["quality"].update(quality)
    record.update(judged)
    return record


def document(result: ScanResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "tool": result.tool,
        "root": result.root,
        "photos": [photo_record(photo) for photo in result.photos],
    }


def dumps(result: ScanResult) -> str:
    return json.dumps(document(result), ensure_ascii=False, indent=2) + "\n"
