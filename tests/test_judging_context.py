"""Judging is pure: the files it depends on (the uniform profile, the taught classifiers) are read once per run,
and judging a photo reads no file at all."""

from __future__ import annotations

import builtins
import dataclasses
import io
import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from photocheck import teach
from photocheck.judges import taught
from photocheck.judges.policy import judge, judging_context
from photocheck.outputs import json_output
from photocheck.scan import scan
from photocheck.scan_file import load_scan
from photocheck.uniforms import load_profile, save_profile
from tests.conftest import SAMPLES

PHOTOS = ("group_three_smiling.jpg", "signage_beer_box.jpg", "drinks_wine_glasses.jpg")
FEATURES = 2 * 1280  # taught.features of the scene model's embeddings
FILE_ACCESS = {"open": ((builtins, "open"), (io, "open")), "list": ((os, "scandir"), (os, "listdir")),
               "stat": ((os, "stat"),)}


@contextmanager
def file_access(seen: Callable[[str, Path], None]):
    """Inside, `seen(operation, path)` is told of every file opened, folder listed or path looked up (FILE_ACCESS)."""
    def watched(operation, function):
        def call(*args, **kwargs):
            target = args[0] if args else "."
            if isinstance(target, (str, os.PathLike)):
                seen(operation, Path(target))
            return function(*args, **kwargs)
        return call

    with pytest.MonkeyPatch.context() as patch:
        for operation, functions in FILE_ACCESS.items():
            for module, name in functions:
                patch.setattr(module, name, watched(operation, getattr(module, name)))
        yield


@pytest.fixture
def user_files(tmp_path, monkeypatch, config):
    """A user config folder with a learnt uniform profile and a taught kind; the settings that use that profile."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(taught.TAUGHT_ENV, raising=False)
    profile = save_profile(dataclasses.replace(load_profile("ksa"), name="our-group"))
    classifier = taught.TaughtClassifier(
        "food_fight", np.zeros(FEATURES, np.float32), np.ones(FEATURES, np.float32), np.zeros(FEATURES, np.float32),
        bias=0.0, threshold=0.9, strong_threshold=2.0, info={"feature_version": taught.FEATURE_VERSION},
    )
    classifier_file = teach.save(classifier)
    return config.with_overrides({"uniform": {"profile": "our-group"}}, "test"), profile, classifier_file


def test_a_run_reads_the_uniform_profile_and_the_taught_classifiers_once_for_all_its_photos(user_files, analyzer,
                                                                                            tmp_path):
    config, profile, classifier_file = user_files
    folder = tmp_path / "event"
    folder.mkdir()
    for name in PHOTOS:
        shutil.copy(SAMPLES / name, folder / name)
    touched: list[tuple[str, Path]] = []
    with file_access(lambda operation, path: touched.append((operation, path))):
        result = scan(folder, config, analyzer)
    saved = tmp_path / "scan.json"
    saved.write_text(json_output.dumps(result), encoding="utf-8")
    with file_access(lambda operation, path: touched.append((operation, path))):
        again = load_scan(saved, config)

    for photos in (result.photos, again.photos):
        assert len(photos) == len(PHOTOS)
        for photo in photos:  # every photo judged with the user's profile and taught kind
            assert photo.judgement.uniform.profile == "our-group" and "food_fight" not in photo.judgement.not_checked
    # once by the scan, once by the scan file read back: never once per photo
    assert touched.count(("open", profile)) == 2
    assert touched.count(("list", classifier_file.parent)) == 2
    assert touched.count(("open", classifier_file)) == 2


@pytest.fixture(scope="module")
def analysed(analyzer):
    return [analyzer.analyse(SAMPLES / name, name) for name in PHOTOS]


def test_judging_a_photo_reads_no_file(user_files, analysed):
    config, _, _ = user_files
    context = judging_context(config)
    # The first judgements also read what every run of the process shares once (brand lists, message catalogues).
    first = [judge(analysis, config, context) for analysis in analysed]

    def refuse(operation: str, path: Path) -> None:
        raise AssertionError(f"judging a photo touched a file: {operation} {path}")

    with file_access(refuse):
        again = [judge(analysis, config, context) for analysis in analysed]
    assert [(j.verdict, j.score, [r.code for r in j.reasons]) for j in again] == \
        [(j.verdict, j.score, [r.code for r in j.reasons]) for j in first]
    # what was judged: faces in uniform colours, a beer sign, wine glasses
    assert any(j.uniform.people_checked for j in again)
    assert {"advertising", "alcohol"} <= {flag.kind for j in again for flag in j.flags}
