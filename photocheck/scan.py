"""A scan: discover the photos of a folder, analyse each (stage 1) and judge it (stage 2)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path

from photocheck import __version__
from photocheck.analysis.loading import PhotoLoadError, discover
from photocheck.analysis.pipeline import Analyzer
from photocheck.cache import RunCache, pipeline_version
from photocheck.config import Config
from photocheck.judges.policy import judge, judging_context
from photocheck.models.base import ModelStore
from photocheck.paths import display_path
from photocheck.records.analysis import PhotoAnalysis, failed
from photocheck.records.judgement import PhotoResult, ScanResult
from photocheck.workers import Job, WorkerPool, analyse_all, default_workers

Progress = Callable[[int, int, str], None]  # done, total, path


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
    model_hashes = (analyzer.store if analyzer else ModelStore()).hashes()
    jobs = [Job(index, path, display_path(path, root)) for index, path in enumerate(files)]
    analyses: list[PhotoAnalysis | None] = [None] * len(jobs)
    total, done = len(jobs), 0

    def finished(job: Job, analysis: PhotoAnalysis) -> None:
        nonlocal done
        analyses[job.index] = analysis
        done += 1
        if progress is not None:
            progress(done, total, job.display_path)

    with RunCache(cache, lambda: pipeline_version(config, model_hashes)) as run_cache:
        todo = []
        for job in jobs:
            cached = run_cache.get(job.path, job.display_path)
            if cached is not None:
                finished(job, cached)
            else:
                todo.append(job)
        with closing(analyse_all(todo, config, workers, analyzer, pool)) as results:
            for index, analysis in results:
                run_cache.put(jobs[index].path, analysis)
                finished(jobs[index], analysis)
    cache_note = run_cache.why_unused or {"reused": total - len(todo), "analysed": len(todo)}

    folders = [failed(display_path(folder, root), problem) for folder, problem in unreadable]
    judging = time.perf_counter()
    context = judging_context(config)
    photos = [PhotoResult(analysis, judge(analysis, config, context)) for analysis in folders + analyses]
    timings = {"scan": judging - started, "judge": time.perf_counter() - judging}
    return ScanResult(
        root=str(root),
        photos=photos,
        tool={"name": "photocheck", "version": __version__, "models": model_hashes, "cache": cache_note,
              "timings": timings},
    )

