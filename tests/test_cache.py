"""The analysis cache: reuse, re-judging without models, invalidation, resuming after Ctrl-C."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from photocheck import workers
from photocheck.cache import CACHE_FILE, pipeline_version
from photocheck.outputs.json_output import photo_record
from photocheck.scan import scan
from tests.conftest import SAMPLES

NAMES = ["astronaut.jpg", "coffee.jpg", "group_three_smiling.jpg"]


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in NAMES:
        shutil.copy(SAMPLES / name, folder / name)
    return folder


@pytest.fixture
def no_models(monkeypatch):
    """Any attempt to build the models fails the test: a fully cached scan must not need them."""

    def refuse(*args, **kwargs):
        raise AssertionError("the models were loaded although every photo was cached")

    monkeypatch.setattr(workers, "Analyzer", refuse)


def records(result) -> list[dict]:
    return [photo_record(photo) for photo in result.photos]


def test_a_repeated_scan_reuses_every_analysis_without_models(photos, tmp_path, config, analyzer, no_models):
    cache = tmp_path / "cache"
    first = scan(photos, config, analyzer, cache=cache)  # `analyzer` is passed in: the refused constructor is unused
    assert first.tool["cache"] == {"reused": 0, "analysed": 3}
    assert (cache / CACHE_FILE).is_file()
    started = time.perf_counter()
    second = scan(photos, config, cache=cache)
    assert time.perf_counter() - started < 1.0
    assert second.tool["cache"] == {"reused": 3, "analysed": 0}
    assert records(second) == records(first)  # every field, the new ones included, survives the round trip


def test_a_judgement_setting_rejudges_from_the_cache(photos, tmp_path, config, analyzer, no_models):
    cache = tmp_path / "cache"
    scan(photos, config, analyzer, cache=cache)
    strict = config.with_overrides({"people": {"group_min": 10}}, "test")
    loose = config.with_overrides({"people": {"group_min": 2}}, "test")
    categories = {}
    for name, settings in (("strict", strict), ("loose", loose)):
        result = scan(photos, settings, cache=cache)
        assert result.tool["cache"] == {"reused": 3, "analysed": 0}
        categories[name] = {p.analysis.path: p.judgement.people.category for p in result.photos}
    assert categories["strict"]["group_three_smiling.jpg"] == "small_group"
    assert categories["loose"]["group_three_smiling.jpg"] == "group"


def test_stage_one_settings_and_changed_files_are_analysed_again(photos, tmp_path, config, analyzer):
    cache = tmp_path / "cache"
    scan(photos, config, analyzer, cache=cache)
    assert pipeline_version(config, {}) != pipeline_version(config.with_overrides({"faces": {"min_score": 0.7}}, "t"), {})
    assert pipeline_version(config, {}) == pipeline_version(config.with_overrides({"people": {"group_min": 3}}, "t"), {})
    assert pipeline_version(config, {"blazeface": "a"}) != pipeline_version(config, {"blazeface": "b"})

    changed = config.with_overrides({"faces": {"min_score": 0.7}}, "test")
    assert scan(photos, changed, analyzer, cache=cache).tool["cache"] == {"reused": 0, "analysed": 3}

    stat = (photos / "coffee.jpg").stat()
    os.utime(photos / "coffee.jpg", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert scan(photos, config, analyzer, cache=cache).tool["cache"] == {"reused": 2, "analysed": 1}


def test_an_interrupted_scan_resumes(photos, tmp_path, config, analyzer):
    cache = tmp_path / "cache"

    def interrupt_after_two(done: int, total: int, path: str) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scan(photos, config, analyzer, progress=interrupt_after_two, cache=cache)
    resumed = scan(photos, config, analyzer, cache=cache)
    assert resumed.tool["cache"] == {"reused": 2, "analysed": 1}
    assert all(photo.analysis.ok for photo in resumed.photos)


def test_failures_are_not_cached_and_a_broken_cache_file_is_replaced(photos, tmp_path, config, analyzer):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff junk")
    first = scan(photos, config, analyzer, cache=cache)
    assert first.tool["cache"] == {"reused": 0, "analysed": 4}
    assert scan(photos, config, analyzer, cache=cache).tool["cache"] == {"reused": 3, "analysed": 1}


def test_an_unusable_cache_folder_slows_the_scan_but_never_stops_it(photos, tmp_path, config, analyzer):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the cache folder should be")
    result = scan(photos, config, analyzer, cache=blocker / "cache")
    assert result.tool["cache"].startswith("unavailable")
    assert result.readable == 3
