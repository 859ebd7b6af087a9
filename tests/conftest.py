"""Shared fixtures: one real Analyzer (all models loaded once) for the whole test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from photocheck.config import default_config
from photocheck.pipeline import Analyzer

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_images"
SHARED_EVAL = ROOT.parent / "shared" / "eval"


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
