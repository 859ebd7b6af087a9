"""Stage-1 regions for the red flags: ground tiles and the scene model on crops."""

from __future__ import annotations

import numpy as np
import pytest

from photocheck.analysis.regions import analyse_regions, ground_tiles


def test_ground_tiles_span_the_bottom_band_and_zero_turns_them_off():
    tiles = ground_tiles(1280, 853, 0.35, 4)
    assert len(tiles) == 4
    assert tiles[0].x1 == 0 and tiles[-1].x2 == pytest.approx(1280)
    assert all(tile.y2 == 853 and tile.height == pytest.approx(0.35 * 853) for tile in tiles)
    assert ground_tiles(1280, 853, 0.35, 0) == []


def test_a_photo_with_nothing_to_crop_runs_no_scene_model(analyzer, config):
    """Without drinks, faces, people or ground tiles there are no regions (and no empty batch for the model)."""
    empty_photo = np.full((480, 640, 3), 128, np.uint8)
    settings = config.with_overrides({"regions": {"ground_tiles": 0}}, "test").regions
    assert analyse_regions(empty_photo, [], [], analyzer.scene_model, settings) == ([], [])
    with_tiles = config.with_overrides({"regions": {"ground_tiles": 2}}, "test").regions
    labels, vectors = analyse_regions(empty_photo, [], [], analyzer.scene_model, with_tiles)
    assert [region.region for region in labels] == ["ground", "ground"] and vectors == []
