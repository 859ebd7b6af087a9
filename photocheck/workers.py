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
from collections.abc import Iterator
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


# glibc mallopt parameters (malloc.h): M_TRIM_THRESHOLD, M_MMAP_THRESHOLD.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
# Each photo allocates and frees ~130 MB of buffers (decoded image, tensors, onnxruntime outputs). By default glibc
# serves blocks above ~128 kB with fresh mmap pages and gives them back on free, so every photo paid ~34,000 page
# faults of zeroed memory: a fifth of the analysis time was kernel time. Keeping such blocks in the heap and returning
# only free space above 128 MB at its top reuses the pages photo after photo (measured: 0.46 -> 0.37 s per photo,
# worker peak ~440 MB).
_MMAP_THRESHOLD_BYTES = 256 * 2**20
_TRIM_THRESHOLD_BYTES = 128 * 2**20


def reuse_freed_memory() -> None:
    """Let this process reuse freed photo buffers instead of returning them to the kernel (glibc only)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, Windows, musl): their allocators need no tuning here
        return
    libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)
    libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_BYTES)


def analyse_safely(analyzer: Analyzer, job: Job) -> PhotoAnalysis:
    """The analysis of one photo; an unexpected error costs that photo only, never the run."""
    try:
        return analyzer.analyse(job.path, job.display_path)
    except ModelFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported per file, the scan goes on
        return failed(job.display_path, f"analysis failed: {type(exc).__name__}: {exc}")


def analyse_all(
    jobs: list[Job], config: Config, workers: int, analyzer: Analyzer | None = None
) -> Iterator[tuple[int, PhotoAnalysis]]:
    """(job index, analysis) for every job, in completion order. `analyzer` serves the in-process path only."""
    workers = max(1, min(workers, len(jobs)))
    if workers == 1:
        if jobs:
            reuse_freed_memory()
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
    reuse_freed_memory()
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
