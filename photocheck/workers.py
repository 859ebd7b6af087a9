"""Stage 1 for many photos: in this process, or in a pool of worker processes that each hold one Analyzer.

Each worker creates its onnxruntime sessions once, with `cores // workers` threads, so the pool never asks for
more threads than there are cores. Results are yielded as they finish, tagged with their job index, so the caller
can cache and report each one at once and still put them back in a fixed order.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import cv2

from photocheck.config import Config
from photocheck.models.base import ModelFileError, ModelStore
from photocheck.pipeline import Analyzer
from photocheck.results import PhotoAnalysis, failed


@dataclass(frozen=True)
class Job:
    index: int
    path: Path
    display_path: str


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS and Windows have no affinity call
        return max(1, os.cpu_count() or 1)


def default_workers(config: Config) -> int:
    return max(1, min(available_cores(), config.workers.max_default))


def threads_per_worker(workers: int) -> int:
    return max(1, available_cores() // max(1, workers))


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): nothing to trim
        return None


MALLOC_TRIM = _malloc_trim()


def analyse_safely(analyzer: Analyzer, job: Job) -> PhotoAnalysis:
    """The analysis of one photo; an unexpected error costs that photo only, never the run."""
    try:
        return analyzer.analyse(job.path, job.display_path)
    except ModelFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported per file, the scan goes on
        return failed(job.display_path, f"analysis failed: {type(exc).__name__}: {exc}")
    finally:
        if MALLOC_TRIM is not None:
            MALLOC_TRIM(0)  # hand the photo's freed buffers back to the system: halves a worker's resident memory


def analyse_all(
    jobs: list[Job], config: Config, workers: int, analyzer: Analyzer | None = None
) -> Iterator[tuple[int, PhotoAnalysis]]:
    """(job index, analysis) for every job, in completion order. `analyzer` serves the in-process path only."""
    workers = max(1, min(workers, len(jobs)))
    if workers == 1:
        if jobs:
            analyzer = analyzer or Analyzer(config, ModelStore(threads=threads_per_worker(1)))
        for job in jobs:
            yield job.index, analyse_safely(analyzer, job)
        return
    yield from _analyse_in_pool(jobs, config, workers)


# One Analyzer per worker process, created by the pool initializer (or the error that prevented it).
_worker_analyzer: Analyzer | None = None
_worker_error: ModelFileError | None = None


def _start_worker(config: Config, models_directory: Path, threads: int) -> None:
    global _worker_analyzer, _worker_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; workers just stop
    cv2.setNumThreads(threads)  # OpenCV would otherwise start a thread per core in every worker
    try:
        _worker_analyzer = Analyzer(config, ModelStore(models_directory, threads=threads))
    except ModelFileError as exc:
        _worker_error = exc


def _analyse_in_worker(job: Job) -> tuple[int, PhotoAnalysis]:
    if _worker_error is not None:
        raise _worker_error
    return job.index, analyse_safely(_worker_analyzer, job)


def _analyse_in_pool(jobs: list[Job], config: Config, workers: int) -> Iterator[tuple[int, PhotoAnalysis]]:
    # "spawn" everywhere: forking a process that already runs onnxruntime threads can deadlock the child.
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(config, ModelStore().directory, threads_per_worker(workers)),
    )
    pending = {pool.submit(_analyse_in_worker, job): job for job in jobs}
    try:
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job = pending.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    # A worker died (killed, out of memory, a crash in native code): which photo did it is
                    # unknown, so every unfinished photo gets the error; a rerun retries them.
                    yield job.index, failed(job.display_path, "analysis process crashed; run the scan again")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
