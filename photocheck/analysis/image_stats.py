"""Pixel statistics measured in stage 1: sharpness and exposure of the frame and of the subject."""

from __future__ import annotations

import cv2
import numpy as np

from photocheck.models.preprocess import crop_resized
from photocheck.records.analysis import Box, Quality

FRAME_SIDE = 640  # sharpness is scale dependent: always measure at the same size
FACE_SIDE = 64


def sharpness(grey: np.ndarray) -> float:
    """Variance of the Laplacian (higher is sharper)."""
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


def face_sharpness(grey: np.ndarray, box: Box) -> float:
    return sharpness(crop_resized(grey, box, FACE_SIDE))


def quality(rgb: np.ndarray, regions: list[Box] | None = None) -> Quality:
    """Sharpness and exposure of the frame, or of the union of `regions` (faces / people) when given."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    subject = bool(regions)
    if subject:
        height, width = grey.shape
        x1 = int(max(0, min(r.x1 for r in regions)))
        y1 = int(max(0, min(r.y1 for r in regions)))
        x2 = int(min(width, max(r.x2 for r in regions)))
        y2 = int(min(height, max(r.y2 for r in regions)))
        if x2 - x1 >= 8 and y2 - y1 >= 8:
            grey = grey[y1:y2, x1:x2]
        else:
            subject = False
    scale = min(1.0, FRAME_SIDE / max(grey.shape))  # never upscale: that would blur and fake softness
    resized = cv2.resize(grey, (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale))),
                         interpolation=cv2.INTER_AREA)
    luminance = resized.astype(np.float32) / 255.0
    return Quality(
        sharpness=sharpness(resized),
        exposure=float(luminance.mean()),
        dark_fraction=float((luminance < 0.05).mean()),
        bright_fraction=float((luminance > 0.95).mean()),
        subject=subject,
    )
