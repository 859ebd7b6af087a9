"""Stage 1 for many photos: in this process, or in a pool of worker processes that each hold one Analyzer.

Each worker creates its onnxruntime sessions once, with `cores // workers` threads, so the pool never asks for
more threads than there are cores. Results are yielded as they finish, tagged with their job index, so the caller
can cache and report each one at once and still put them back in a fixed order.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import cv2

from photocheck.analysis import small_drinks
from photocheck.analysis.pipeline import Analyzer, close_look, object_detector
from photocheck.config import Config, Section, available_cores
from photocheck.models.base import ModelFileError, ModelStore
from photocheck.models.efficientnet import EfficientNetLite0
from photocheck.models.nanodet import NanoDet
from photocheck.models.text_reader import TextReader
from photocheck.records.analysis import PhotoAnalysis, failed


@dataclass(frozen=True)
class Job:
    index: int
    path: Path
    display_path: str


def default_workers(config: Config) -> int:
    return max(1, min(available_cores(), config.workers.max_default))


def threads_per_worker(workers: int) -> int:
    return max(1, available_cores() // max(1, workers))


def analyse_safely(analyzer: Analyzer, job: Job) -> PhotoAnalysis:
    """The analysis of one photo; an unexpected error costs that photo only, never the run (a model file that cannot
    be loaded stops it)."""
    try:
        return analyzer.analyse(job.path, job.display_path)
    except ModelFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported per file, the scan goes on
        return failed(job.display_path, f"analysis failed: {type(exc).__name__}: {exc}")


def analyse_all(
    jobs: list[Job], config: Config, workers: int, analyzer: Analyzer | None = None, pool: WorkerPool | None = None
) -> Iterator[tuple[int, PhotoAnalysis]]:
    """(job index, analysis) for every job, in completion order: in `pool` when given (it outlives this call), else
    in a pool of `workers` processes started for these jobs. `analyzer` serves the in-process path only."""
    if pool is not None:
        yield from pool.analyse(jobs)
        return
    with WorkerPool(config, min(workers, len(jobs)), analyzer) as own:
        yield from own.analyse(jobs)


class WorkerPool:
    """Worker processes that serve a whole flow: the scan's analyses, then the close look's re-reads
    (photocheck/close_look.py), with the models each worker loaded once. With one worker, everything runs in this process. Nothing starts before the first job (a flow served by the
    cache starts no process for its scan), and each worker loads only what its jobs need.
    """

    def __init__(self, config: Config, workers: int, analyzer: Analyzer | None = None):
        self.config = config
        self.workers = max(1, workers)
        self._local = _Models(config, ModelStore(threads=threads_per_worker(1)), analyzer)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def analyse(self, jobs: list[Job]) -> Iterator[tuple[int, PhotoAnalysis]]:
        """(job index, analysis) for every job, in completion order; a model file that cannot be loaded raises."""
        return self._run("analyse", jobs, lambda job, error: failed(job.display_path, error))

    def reread(self, jobs: list[Reread]) -> Iterator[tuple[int, PhotoAnalysis]]:
        """(job index, the job's analysis with its text read again and its small drinks looked for with `job.closer`)
        for every job, in completion order; a model file that cannot be loaded raises, any other error fails that
        photo only."""
        return self._run("reread", jobs, lambda job, error: failed(job.first.path, error))

    def _run(self, method: str, jobs: list, crashed: Callable) -> Iterator[tuple[int, object]]:
        # One job alone is not worth starting the processes for.
        if self.workers == 1 or (len(jobs) <= 1 and self._pool is None):
            for job in jobs:
                yield job.index, getattr(self._local, method)(job)
            return
        pending = {self._processes().submit(_in_worker, method, job): job for job in jobs}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    job = pending.pop(future)
                    try:
                        yield job.index, future.result()
                    except BrokenProcessPool:
                        # A worker died (killed, out of memory, a crash in native code): which photo did it is
                        # unknown, so every unfinished photo gets the error; a rerun retries them.
                        yield job.index, crashed(job, "analysis process crashed; run the scan again")
        finally:
            for future in pending:
                future.cancel()

    def _processes(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # "spawn" everywhere: forking a process that already runs onnxruntime threads can deadlock the child.
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.config, ModelStore().directory, threads_per_worker(self.workers)),
            )
        return self._pool


@dataclass(frozen=True)
class Reread:
    """A close-look job: `file` looked at again (`photocheck.analysis.pipeline.close_look`: its text read again, its
    small drinks looked for) with `closer`."""

    index: int
    file: Path
    first: PhotoAnalysis
    closer: Config


class _Models:
    """The models of one process, each loaded at its first use: the Analyzer for analyses, a text reader at the
    close-look size for re-reads (sharing the Analyzer's OCR engine when it is loaded), the object detector and scene
    model for the close look's drinks (the Analyzer's, when it is loaded)."""

    def __init__(self, config: Config, store: ModelStore, analyzer: Analyzer | None = None):
        self.config, self.store, self._analyzer = config, store, analyzer
        self._readers: dict[int, TextReader] = {}
        self._drink_models: tuple[NanoDet, EfficientNetLite0] | None = None

    def analyzer(self) -> Analyzer:
        if self._analyzer is None:
            self._analyzer = Analyzer(self.config, self.store)
        return self._analyzer

    def reader(self, text: Section) -> TextReader:
        if text.detect_side not in self._readers:
            if self._analyzer is not None:
                self._readers[text.detect_side] = self._analyzer.text_reader.at_side(text.detect_side)
            else:
                self._readers[text.detect_side] = TextReader(self.store, text.detect_side, text.min_score)
        return self._readers[text.detect_side]

    def drink_models(self) -> tuple[NanoDet, EfficientNetLite0]:
        if self._drink_models is None:
            if self._analyzer is not None:
                self._drink_models = self._analyzer.object_detector, self._analyzer.scene_model
            else:
                self._drink_models = object_detector(self.store, self.config.objects), EfficientNetLite0(self.store)
        return self._drink_models

    def analyse(self, job: Job) -> PhotoAnalysis:
        return analyse_safely(self.analyzer(), job)

    def reread(self, job: Reread) -> PhotoAnalysis:
        reader = self.reader(job.closer.text)
        drink_models = self.drink_models() if small_drinks.is_on(job.closer) else None
        try:
            return close_look(reader, drink_models, job.file, job.first, job.closer)
        except Exception as exc:  # noqa: BLE001 - reported per photo, the close look goes on
            return failed(job.first.path, f"close look failed: {type(exc).__name__}: {exc}")


# The models of this worker process, created by the pool initializer.
_worker_models: _Models | None = None


def _start_worker(config: Config, models_directory: Path, threads: int) -> None:
    global _worker_models
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; workers just stop
    cv2.setNumThreads(threads)  # OpenCV would otherwise start a thread per core in every worker
    _worker_models = _Models(config, ModelStore(models_directory, threads=threads))


def _in_worker(method: str, job) -> object:
    return getattr(_worker_models, method)(job)
