"""The shape of the house: writers and records load no model, and the cache key is the stage-1 folders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import photocheck
from photocheck.cache import stage_one_sources
from photocheck.config import Config

PACKAGE = Path(photocheck.__file__).resolve().parent
CONFIG_METHODS = {name for name in vars(Config) if not name.startswith("_")}


def _modules_loaded_by(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after `statement` (this process has long imported everything)."""
    program = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    return set(run.stdout.split())


def test_the_writers_and_the_records_import_no_model_runtime():
    writers = [f"photocheck.outputs.{path.stem}" for path in (PACKAGE / "outputs").glob("*.py") if path.stem != "__init__"]
    records = [f"photocheck.records.{path.stem}" for path in (PACKAGE / "records").glob("*.py")]
    loaded = _modules_loaded_by("\n".join(f"import {module}" for module in writers + records))
    assert set(writers) <= loaded  # the statement did import them
    assert "onnxruntime" not in loaded
    assert not {module for module in loaded if module.startswith("photocheck.models.") and module != "photocheck.models.preprocess"}


def test_the_cache_key_covers_the_stage_one_folders_and_nothing_else():
    hashed = {source.relative_to(PACKAGE).as_posix() for source in stage_one_sources()}
    stage_one = {
        source.relative_to(PACKAGE).as_posix()
        for folder in ("analysis", "models") for source in (PACKAGE / folder).rglob("*.py")
    } | {"records/analysis.py"}
    assert hashed == stage_one
    assert "analysis/pipeline.py" in hashed and "models/base.py" in hashed  # the folders are not empty by accident
    assert not any(path.startswith(("judges/", "outputs/")) for path in hashed)


def test_the_stage_one_code_reads_only_the_analysis_tables(config):
    """A stage-1 setting outside `[cache] analysis_tables` would leave stale analyses in the cache after a change."""
    read = {
        table for source in stage_one_sources()
        for table in re.findall(r"\bconfig\.([a-z_]+)\b", source.read_text(encoding="utf-8"))
        if table not in CONFIG_METHODS
    }
    assert read, "no settings read: the pattern no longer matches the code"
    assert read <= set(config.cache.analysis_tables)
