"""What the JSON writer and the scan-file reader share: the schema's name and how the scene embedding is written."""

from __future__ import annotations

import base64

import numpy as np

SCHEMA = "photocheck/1"
# The scene embedding as base64 of little-endian float16 (3.4 kB a photo), so `select --from` can group near-duplicates.
EMBEDDING_KEY = "embedding_f16"


def encode_embedding(embedding: np.ndarray | None) -> str | None:
    if embedding is None:
        return None
    return base64.b64encode(np.asarray(embedding, dtype="<f2").tobytes()).decode("ascii")


def decode_embedding(text: str | None) -> np.ndarray | None:
    if not text:
        return None
    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float32)
