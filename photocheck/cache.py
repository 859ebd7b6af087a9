"""A per-user SQLite cache of stage-1 analyses, so a repeated scan re-judges without running a model.

An entry is valid for one file (resolved path, size, mtime_ns) under one *pipeline version*: the package version,
the sha256 of every model, the stage-1 settings (the tables listed in ``[cache] analysis_tables``) and a hash of the
stage-1 source code (:data:`STAGE_ONE_CODE`). Judging (stage 2) always reruns, so a changed
threshold re-judges from cached detections.

Entries are pickled :class:`PhotoAnalysis` objects, so fields added to the stage-1 records need no cache code (the
source hash changes with them, which retires the old entries). Pickle is acceptable here because the file lives in
the user's own cache folder, created private (0700/0600), and is only ever read by that user.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import photocheck
from photocheck import __version__
from photocheck.config import Config
from photocheck.records.analysis import PhotoAnalysis
from photocheck.user_dirs import user_cache_dir

CACHE_DIR_ENV = "PHOTOCHECK_CACHE_DIR"
CACHE_FILE = "analyses.sqlite"
# What shapes a stage-1 analysis: the stage-1 folders and the records it is pickled as. Anything else (judges,
# selection, outputs, command line) can change without retiring a cached analysis; tests/test_architecture.py checks
# that this code imports no other code of the package but the settings and the messages.
STAGE_ONE_CODE = ("analysis", "models", "records/analysis.py")


def default_cache_dir() -> Path:
    """`$PHOTOCHECK_CACHE_DIR`, else `$XDG_CACHE_HOME/photocheck`, else `~/.cache/photocheck`."""
    override = os.environ.get(CACHE_DIR_ENV)
    return Path(override) if override else user_cache_dir()


def stage_one_sources() -> list[Path]:
    """The package's stage-1 source files (:data:`STAGE_ONE_CODE`), in a stable order."""
    package = Path(photocheck.__file__).resolve().parent
    return sorted(
        source for place in STAGE_ONE_CODE
        for source in ([package / place] if place.endswith(".py") else (package / place).rglob("*.py"))
    )


def stage_one_code_hash() -> str:
    """sha256 over the stage-1 source files, each with its path in the package."""
    package = Path(photocheck.__file__).resolve().parent
    digest = hashlib.sha256()
    for source in stage_one_sources():
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def pipeline_version(config: Config, model_hashes: dict[str, str]) -> str:
    """A short hash of everything that shapes a stage-1 analysis (see the module docstring)."""
    settings = {table: config.values[table] for table in config.cache.analysis_tables}
    identity = {
        "package": __version__,
        "models": dict(sorted(model_hashes.items())),
        "settings": settings,
        "code": stage_one_code_hash(),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class FileKey:
    path: str  # resolved
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileKey | None:
        """The key of a readable regular file, or None (missing, a folder, a broken link...: never cached)."""
        try:
            resolved = path.resolve(strict=True)
            stat = resolved.stat()
        except (OSError, RuntimeError):  # RuntimeError: symlink loop on older Pythons
            return None
        if not resolved.is_file():
            return None
        return cls(str(resolved), stat.st_size, stat.st_mtime_ns)


class AnalysisCache:
    """SQLite file of pickled analyses; every `put` is committed at once so an interrupted scan loses nothing."""

    def __init__(self, path: Path, version: str):
        self.path = path
        self.version = version
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            self._db = self._connect()
        except sqlite3.DatabaseError:  # a corrupt cache file is just thrown away
            path.unlink(missing_ok=True)
            self._db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        fresh = not self.path.exists()
        db = sqlite3.connect(self.path, timeout=30)
        if fresh:
            os.chmod(self.path, 0o600)
        db.execute("PRAGMA journal_mode=WAL")  # a commit per photo stays cheap
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS analyses (path TEXT NOT NULL, version TEXT NOT NULL, size INTEGER NOT NULL,"
            " mtime_ns INTEGER NOT NULL, analysis BLOB NOT NULL, PRIMARY KEY (path, version))"
        )
        db.commit()
        return db

    def get(self, key: FileKey, display_path: str) -> PhotoAnalysis | None:
        row = self._db.execute(
            "SELECT analysis FROM analyses WHERE path = ? AND version = ? AND size = ? AND mtime_ns = ?",
            (key.path, self.version, key.size, key.mtime_ns),
        ).fetchone()
        if row is None:
            return None
        try:
            analysis = pickle.loads(row[0])
        except Exception:  # an entry this code cannot read is a miss, not an error
            return None
        if not isinstance(analysis, PhotoAnalysis):
            return None
        return dataclasses.replace(analysis, path=display_path)  # the same file may be reached from another root

    def put(self, key: FileKey, analysis: PhotoAnalysis) -> None:
        """Store a successful analysis (failures are not cached: they may be passing, like a file being copied)."""
        if not analysis.ok:
            return
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO analyses (path, version, size, mtime_ns, analysis) VALUES (?, ?, ?, ?, ?)",
                (key.path, self.version, key.size, key.mtime_ns, pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL)),
            )
            self._db.commit()
        except sqlite3.Error:  # a full disk or a locked file costs the cache entry, not the scan
            pass

    def close(self) -> None:
        self._db.close()


class RunCache:
    """The analysis cache as one run uses it. A file is keyed as it is when looked up, so its new analysis is stored
    under the file it was made from (a file changed meanwhile is analysed again next time). Without a folder, or with
    one that cannot be opened, every look-up misses and nothing is stored: the cache costs time, never the run."""

    def __init__(self, directory: Path | None, version: Callable[[], str]):
        """`version` (see :func:`pipeline_version`) is only asked for when there is a folder."""
        self.why_unused: str | None = "off" if directory is None else None  # None while in use
        self._cache: AnalysisCache | None = None
        self._keys: dict[Path, FileKey | None] = {}
        if directory is not None:
            try:
                self._cache = AnalysisCache(directory / CACHE_FILE, version())
            except (OSError, sqlite3.Error) as exc:
                self.why_unused = f"unavailable: {exc}"

    def get(self, file: Path, display_path: str) -> PhotoAnalysis | None:
        """The cached analysis of `file`, shown as `display_path`, or None."""
        if self._cache is None:
            return None
        key = self._keys[file] = FileKey.of(file)
        return self._cache.get(key, display_path) if key else None

    def put(self, file: Path, analysis: PhotoAnalysis) -> None:
        """Store the new analysis of a file looked up before (failures are not stored, see AnalysisCache.put)."""
        key = self._keys.get(file)
        if self._cache is not None and key is not None:
            self._cache.put(key, analysis)

    def __enter__(self) -> RunCache:
        return self

    def __exit__(self, *exc) -> None:
        if self._cache is not None:
            self._cache.close()
