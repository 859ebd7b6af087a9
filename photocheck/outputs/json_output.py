"""The JSON contract (schema photocheck/1): documented in README.md, validated by tests/test_json_contract.py."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from typing import Any

import numpy as np

from photocheck.records.analysis import Box
from photocheck.records.contract import EMBEDDING_KEY, SCHEMA, encode_embedding
from photocheck.records.judgement import Judgement, PhotoResult, ScanResult
from photocheck.records.selection import Selection

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# embedding: 1280 floats per photo, written compactly as EMBEDDING_KEY instead; region_embeddings (inputs of taught
# red flags, several per photo) and the report's thumbnail stay in the analysis cache.
ANALYSIS_FIELDS_NOT_EXPORTED = {"embedding", "region_embeddings", "thumbnail"}
# Who a face is (its identity descriptor) stays in the analysis cache: a descriptor is biometric data, not for a file
# beside the photos; `select --from` describes the faces again from the photos.
FACE_FIELDS_NOT_EXPORTED = ("descriptor",)
# Judgement fields that extend an analysis record instead of standing beside it.
JUDGEMENT_MERGED_INTO = {"face_judgements": "faces", "quality": "quality"}
ENCODING_PLACEHOLDER = -1.0  # tool.timings.json while the text is encoded (no stage takes negative time)


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
    record[EMBEDDING_KEY] = encode_embedding(analysis.embedding)
    for face in record["faces"]:
        for name in FACE_FIELDS_NOT_EXPORTED:
            face.pop(name)
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


def document(result: ScanResult, selection: Selection | None = None) -> dict[str, Any]:
    """The scan; with a `select` run also its `groups` and `selection` (picks and rejections)."""
    data = {
        "schema": SCHEMA,
        "tool": result.tool,
        "root": result.root,
        "photos": [photo_record(photo) for photo in result.photos],
    }
    if selection is not None:
        data["groups"] = plain(selection.groups)
        data["selection"] = {"picks": plain(selection.picks), "rejected": plain(selection.rejected)}
        if selection.coverage is not None:
            seen = selection.coverage
            data["selection"]["coverage"] = {
                "people": seen.people, "shown": seen.shown,
                "not_shown": [{"photo": face.photo, "box": face.box.to_list()} for face in seen.not_shown],
            }
    return data


def dumps(result: ScanResult, selection: Selection | None = None, *, timed: bool = False) -> str:
    """The JSON text; `timed` adds to `tool.timings` (seconds per stage) the time of this encoding as `json`."""
    started = time.perf_counter()
    data = document(result, selection)
    timings = {stage: round(seconds, 3) for stage, seconds in data["tool"].get("timings", {}).items()}
    if timed:
        timings["json"] = ENCODING_PLACEHOLDER
    if timings:
        data["tool"] = dict(data["tool"], timings=timings)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if timed:
        # The encoding's own time is known only once the text exists: its placeholder is the first such value, as
        # `tool` comes before every photo.
        text = text.replace(f'"json": {ENCODING_PLACEHOLDER}', f'"json": {time.perf_counter() - started:.3f}', 1)
    # File names that are not valid UTF-8 reach Python as lone surrogates, which no UTF-8 file can hold; JSON's
    # \u escape keeps them exact, so json.loads gives back the very name that opens the file.
    return LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
