"""Shared image operations of the model classes (photocheck/models/preprocess.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck.analysis.loading import load_photo
from photocheck.models.preprocess import shrink
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def photo():
    rgb = load_photo(SAMPLES / "group_three_smiling.jpg", 1280, 100).rgb
    return cv2.resize(rgb, (1280, 960), interpolation=cv2.INTER_CUBIC)  # a 4:3 working image


@pytest.mark.parametrize("size", [(704, 544), (416, 416), (341, 256), (640, 426), (100, 37), (2000, 1500)])
def test_shrink_matches_a_one_step_area_resize(photo, size):
    shrunk = shrink(photo, size)
    direct = cv2.resize(photo, size, interpolation=cv2.INTER_AREA)
    assert shrunk.shape == direct.shape == (size[1], size[0], 3) and shrunk.dtype == np.uint8
    direct = direct.astype(np.int16)
    one_pixel_shift = np.abs(direct[:, 1:] - direct[:, :-1]).mean()  # 2.5-16 grey levels at these sizes
    assert np.abs(shrunk.astype(np.int16) - direct).mean() < 0.25 * one_pixel_shift  # the same picture, unshifted


def test_an_exact_half_is_opencvs_own_area_average(photo):
    assert np.array_equal(shrink(photo, (640, 480)), cv2.resize(photo, (640, 480), interpolation=cv2.INTER_AREA))
