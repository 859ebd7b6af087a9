"""A scan: discover the photos of a folder, analyse each (stage 1) and judge it (stage 2)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from photocheck import __version__
from photocheck.cache import AnalysisCache, FileKey, open_cache
from photocheck.config import Config
from photocheck.judges.policy import judge
from photocheck.loading import PhotoLoadError, discover
from photocheck.models.base import ModelStore
from photocheck.pipeline import Analyzer
from photocheck.results import Judgement, PhotoAnalysis, failed
from photocheck.workers import Job, WorkerPool, analyse_all, default_workers

Progress = Callable[[int, int, str], None]  # done, total, path


@dataclass
class PhotoResult:
    analysis: PhotoAnalysis
    judgement: Judgement | None  # None when the photo could not be read


@dataclass
class ScanResult:
    root: str
    photos: list[PhotoResult]
    tool: dict = field(default_factory=dict)

    @property
    def readable(self) -> int:
        return sum(1 for photo in self.photos if photo.analysis.ok)


def display_path(path: Path, root: Path) -> str:
    """The path as given, relative to the scanned folder (a single file keeps its name)."""
    if root.is_dir():
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return path.name if path == root else str(path)


def source_path(display: str, root: Path) -> Path | None:
    """The file behind a display path (the inverse of :func:`display_path`), None when it would lie outside `root`."""
    return root if root.is_file() else contained(display, root)


def contained(display: str, folder: Path) -> Path | None:
    """`folder / display` when the display path stays inside `folder`, None when it is absolute or climbs out with
    '..' (a scan file given with --from is data a person may have edited, so its paths are not trusted)."""
    relative = PurePosixPath(display)
    if relative.is_absolute() or Path(display).is_absolute() or ".." in relative.parts or not relative.parts:
        return None
    return folder / Path(*relative.parts)


def scan(
    target: Path,
    config: Config,
    analyzer: Analyzer | None = None,
    progress: Progress | None = None,
    *,
    workers: int = 1,
    cache: Path | None = None,
    pool: WorkerPool | None = None,
) -> ScanResult:
    """Analyse and judge every photo under `target`.

    `workers` > 1 analyses in that many processes (`analyzer` then serves nothing; 0 picks one per core, see
    `[workers]`). `cache` is the folder of the analysis cache (None: no cache): photos already analysed by the same
    pipeline version are only re-judged, and each new analysis is stored as soon as it exists, so an interrupted
    scan resumes where it stopped. The models are loaded only when some photo needs analysing. `pool` (a flow's
    worker processes, kept for its close look) replaces `workers`. `tool.timings` holds the seconds of the scan
    (discovery, cache and analyses) and of the judging.
    """
    started = time.perf_counter()
    found = discover(target)
    result = scan_files(
        found.files, target, config, analyzer, progress, workers=workers, cache=cache, unreadable=found.unreadable,
        pool=pool,
    )
    result.tool["timings"]["scan"] = time.perf_counter() - started - result.tool["timings"]["judge"]
    return result


def scan_files(
    files: list[Path],
    root: Path,
    config: Config,
    analyzer: Analyzer | None = None,
    progress: Progress | None = None,
    *,
    workers: int = 1,
    cache: Path | None = None,
    unreadable: Sequence[tuple[Path, PhotoLoadError]] = (),
    pool: WorkerPool | None = None,
) -> ScanResult:
    """Analyse and judge the given photos, shown by their path relative to `root` (see :func:`scan` for the
    options); `unreadable` lists folders that could not be listed, with the reason."""
    started = time.perf_counter()
    workers = workers or default_workers(config)
    model_hashes = analyzer.model_versions() if analyzer else _model_hashes(ModelStore())
    jobs = [Job(index, path, display_path(path, root)) for index, path in enumerate(files)]
    analyses: list[PhotoAnalysis | None] = [None] * len(jobs)
    total, done = len(jobs), 0

    def finished(job: Job, analysis: PhotoAnalysis) -> None:
        nonlocal done
        analyses[job.index] = analysis
        done += 1
        if progress is not None:
            progress(done, total, job.display_path)

    store, cache_note = _open_cache(cache, config, model_hashes)
    keys = {job.index: FileKey.of(job.path) for job in jobs} if store else {}
    todo = []
    for job in jobs:
        cached = store.get(keys[job.index], job.display_path) if store and keys[job.index] else None
        if cached is not None:
            finished(job, cached)
        else:
            todo.append(job)
    try:
        with closing(analyse_all(todo, config, workers, analyzer, pool)) as results:
            for index, analysis in results:
                if store and keys[index]:
                    store.put(keys[index], analysis)
                finished(jobs[index], analysis)
    finally:
        if store:
            store.close()
    if store:
        cache_note = {"reused": total - len(todo), "analysed": len(todo)}

    folders = [failed(display_path(folder, root), problem) for folder, problem in unreadable]
    judging = time.perf_counter()
    photos = [PhotoResult(analysis, judge(analysis, config)) for analysis in folders + analyses]
    timings = {"scan": judging - started, "judge": time.perf_counter() - judging}
    return ScanResult(
        root=str(root),
        photos=photos,
        tool={"name": "photocheck", "version": __version__, "models": model_hashes, "cache": cache_note,
              "timings": timings},
    )


def _model_hashes(store: ModelStore) -> dict[str, str]:
    return {name: entry["sha256"] for name, entry in sorted(store.manifest.items())}


def _open_cache(directory: Path | None, config: Config, model_hashes: dict[str, str]) -> tuple[AnalysisCache | None, object]:
    """The cache, or None and why not: a cache that cannot be opened slows the scan down but never stops it."""
    if directory is None:
        return None, "off"
    try:
        return open_cache(config, model_hashes, directory), None
    except (OSError, sqlite3.Error) as exc:
        return None, f"unavailable: {exc}"
