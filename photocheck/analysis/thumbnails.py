"""The small JPEG of a photo that the HTML report embeds, made from an image already decoded."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from photocheck.models.preprocess import shrink


def thumbnail_jpeg(rgb: np.ndarray, size: int, quality: int) -> bytes:
    """`rgb` (RGB uint8) shrunk to fit `size` pixels on its long side (never enlarged), as JPEG bytes."""
    height, width = rgb.shape[:2]
    scale = size / max(height, width)
    if scale < 1.0:
        rgb = shrink(rgb, (max(1, round(width * scale)), max(1, round(height * scale))))
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
