"""The shape of the house: writers and records load no model, the cache key is the stage-1 folders, and stage-1 code
imports nothing of the package the key does not cover (but the settings and the messages)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import photocheck
from photocheck.cache import stage_one_sources
from photocheck.config import Config

PACKAGE = Path(photocheck.__file__).resolve().parent
CONFIG_METHODS = {name for name in vars(Config) if not name.startswith("_")}
# What stage-1 code may import besides itself: the package (its version is in the cache key), the settings (their
# stage-1 tables are in the cache key), the message catalogue, and the records package (its analysis records are
# stage-1 code; the judgement and selection records are not).
STAGE_ONE_MAY_IMPORT = {"photocheck", "photocheck.config", "photocheck.i18n", "photocheck.records"}
# Writers write: they take records and settings, say things through the catalogue and write atomically.
WRITERS_MAY_IMPORT = {"photocheck.config", "photocheck.i18n", "photocheck.paths", "photocheck.atomic", "photocheck.records"}


def _modules_loaded_by(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after `statement` (this process has long imported everything)."""
    program = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    return set(run.stdout.split())


def _module_name(source: Path) -> str:
    parts = source.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _photocheck_imports(text: str, module: str, is_package: bool = False) -> set[str]:
    """The photocheck modules that the code of `module` imports anywhere in it (in a function too), relative imports
    resolved; `from photocheck.x import y` counts photocheck.x and, when y is a module, photocheck.x.y."""
    imported: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            imported.add(base)
            imported |= {f"{base}.{alias.name}" for alias in node.names if _is_module(f"{base}.{alias.name}")}
    return {name for name in imported if name == "photocheck" or name.startswith("photocheck.")}


def test_the_import_reader_sees_every_kind_of_import():
    code = (
        "from photocheck.records import judgement\n"
        "def later():\n    from .. import cache\n    import photocheck.paths\n"
    )
    assert _photocheck_imports(code, "photocheck.analysis.pipeline") == {
        "photocheck.records", "photocheck.records.judgement", "photocheck", "photocheck.cache", "photocheck.paths",
    }
    assert _photocheck_imports("from . import base", "photocheck.models", is_package=True) == {
        "photocheck.models", "photocheck.models.base",
    }


def test_the_stage_one_code_imports_only_stage_one_code_settings_and_messages():
    """The cache key hashes the stage-1 code only: a stage-1 import of other code could change an analysis while its
    cached copy stays valid."""
    stage_one = {_module_name(source): source for source in stage_one_sources()}
    allowed = set(stage_one) | STAGE_ONE_MAY_IMPORT
    imports = {
        module: _photocheck_imports(source.read_text(encoding="utf-8"), module, source.name == "__init__.py")
        for module, source in stage_one.items()
    }
    assert "photocheck.models.base" in imports["photocheck.analysis.pipeline"]  # the reader finds the imports
    outside = {module: sorted(names - allowed) for module, names in imports.items() if names - allowed}
    assert not outside, f"stage-1 code imports code the cache key does not cover: {outside}"


def test_the_writers_import_only_records_settings_messages_and_paths():
    writers = {_module_name(source): source for source in (PACKAGE / "outputs").glob("*.py") if source.stem != "__init__"}
    outside = {}
    for module, source in writers.items():
        names = _photocheck_imports(source.read_text(encoding="utf-8"), module)
        assert names, f"{module} imports nothing from photocheck: the reader no longer sees its imports"
        foreign = {
            name for name in names
            if name not in WRITERS_MAY_IMPORT and not name.startswith(("photocheck.records.", "photocheck.outputs"))
        }
        if foreign:
            outside[module] = sorted(foreign)
    assert not outside, f"writers import more than records, settings, messages and paths: {outside}"


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
