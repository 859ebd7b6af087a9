"""Shared fixtures: one real Analyzer (all models loaded once) for the whole test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from photocheck.analysis.pipeline import Analyzer
from photocheck.cache import CACHE_DIR_ENV
from photocheck.config import default_config

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_images"
SHARED_EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory) -> Path:
    """CLI runs cache their analyses here, never in the user's ~/.cache."""
    folder = tmp_path_factory.mktemp("photocheck-cache")
    os.environ[CACHE_DIR_ENV] = str(folder)
    return folder


@pytest.fixture(scope="session")
def config():
    return default_config()


@pytest.fixture(scope="session")
def analyzer(config):
    return Analyzer(config)


@pytest.fixture(scope="session")
def shared_eval() -> Path:
    if not SHARED_EVAL.is_dir():
        pytest.skip("../shared/eval is not present (only on the team's machines and CI)")
    return SHARED_EVAL
