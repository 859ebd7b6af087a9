"""Speed and memory of a full scan against the decode floor.

`python bench/run.py speed ../shared/eval/fullres_dev [--photos N] [--workers N] [--config FILE]`

Builds a folder of at least N photos (default 200) by symlinking the dataset's photos repeatedly into a temporary
folder, then, in the same run and with the same number of worker processes:
- the decode floor: every photo decoded to the working size by `loading.load_photo` (draft decoding) and nothing
  else;
- a full `scan` (all models, every judgement), timed from the call to the returned result, writing a fresh
  cache (so nothing is reused, but the cache writes are paid as in real use);
- the same scan repeated, now served from that cache (re-judged only).
Peak memory is the largest sum of the resident memory of this process and all its descendants, sampled from /proc
every 20 ms (the workers' own peaks are also in `getrusage(RUSAGE_CHILDREN)`, reported as well).
Finally one worker analyses each distinct photo once more after a warm-up, for the median time per photo.
`--config FILE` measures other settings (e.g. `[text_regions] max_pixels = 0`, the scan without its second text pass).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import statistics
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from photocheck.analysis.loading import discover, load_photo
from photocheck.analysis.pipeline import Analyzer
from photocheck.config import available_cores, default_config
from photocheck.models.base import ModelStore
from photocheck.scan import scan
from photocheck.workers import default_workers


def _option(options: list[str], name: str, default: int) -> int:
    return int(options[options.index(name) + 1]) if name in options else default


class MemorySampler:
    """Peak of the summed RSS of this process (or of `root`) and every descendant (Linux /proc).

    Walking /proc for the process tree costs ~1.7 ms; doing it at every 20-ms sample took ~8 % of a core from the scan
    being measured. The tree is walked every `tree_interval` seconds (worker processes live for the whole scan) and
    only the known processes' memory is read at every sample.
    """

    def __init__(self, interval: float = 0.02, tree_interval: float = 0.5, root: int | None = None):
        self.interval = interval
        self.tree_interval = tree_interval
        self.root = root or os.getpid()  # another process (a command being timed): its tree without this process
        self.peak_bytes = 0
        self.root_at_peak_bytes = 0  # the root process's own share at the moment of the tree's peak
        self.root_peak_bytes = 0  # the root process's own peak (it holds every analysis: grows with the folder)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._page = os.sysconf("SC_PAGE_SIZE")

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        tree, walked_at = {self.root}, 0.0
        while not self._stop.is_set():
            if time.monotonic() - walked_at >= self.tree_interval:
                tree, walked_at = self._tree(), time.monotonic()
            root = self._rss({self.root})
            total = root + self._rss(tree - {self.root})
            if total > self.peak_bytes:
                self.peak_bytes, self.root_at_peak_bytes = total, root
            self.root_peak_bytes = max(self.root_peak_bytes, root)
            self._stop.wait(self.interval)

    def _tree(self) -> set[int]:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                    parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
        tree, frontier = {self.root}, [self.root]
        while frontier:
            parent = frontier.pop()
            children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
            tree.update(children)
            frontier.extend(children)
        return tree

    def _rss(self, tree: set[int]) -> int:
        total = 0
        for pid in tree:
            try:
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * self._page
            except (OSError, ValueError, IndexError):
                continue
        return total


def _decode_shape(path: Path, working_size: int, max_megapixels: float) -> tuple[int, ...]:
    return load_photo(path, working_size, max_megapixels).rgb.shape


def _decode_floor(files: list[Path], workers: int, working_size: int, max_megapixels: float) -> float:
    """Seconds to decode every file to the working size in `workers` processes (pool start included, as in scan)."""
    started = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_decode_shape, files, [working_size] * len(files), [max_megapixels] * len(files), chunksize=4))
    return time.perf_counter() - started


def _per_photo_medians(files: list[Path], config) -> tuple[float, float]:
    """Median seconds per photo for decoding alone and for the whole stage 1, on one single-threaded worker."""
    analyzer = Analyzer(config, ModelStore(threads=1))
    analyzer.analyse(files[0], files[0].name)  # warm-up: first runs allocate
    decode_times, analyse_times = [], []
    for path in files:
        started = time.perf_counter()
        load_photo(path, config.loading.working_size, config.loading.max_megapixels)
        decode_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        analyzer.analyse(path, path.name)
        analyse_times.append(time.perf_counter() - started)
    return statistics.median(decode_times), statistics.median(analyse_times)


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config()
    if "--config" in options:
        config = config.with_file(Path(options[options.index("--config") + 1]))
    originals = discover(dataset).files
    if not originals:
        raise SystemExit(f"no photos under {dataset}")
    wanted = _option(options, "--photos", 200)
    workers = _option(options, "--workers", default_workers(config))
    load_before = os.getloadavg()[0]

    with tempfile.TemporaryDirectory(prefix="photocheck-speed-") as folder:
        copies = []
        for index in range(max(wanted, len(originals))):
            original = originals[index % len(originals)]
            link = Path(folder) / f"{index:04d}_{original.name}"
            link.symlink_to(original.resolve())
            copies.append(link)

        floor_seconds = _decode_floor(copies, workers, config.loading.working_size, config.loading.max_megapixels)
        cache = Path(folder) / ".cache"  # fresh and empty: nothing is reused, but the writes are paid as in real use
        with MemorySampler() as memory:
            started = time.perf_counter()
            result = scan(Path(folder), config, workers=workers, cache=cache)
            scan_seconds = time.perf_counter() - started
        load_during = os.getloadavg()[0]
        started = time.perf_counter()
        repeated = scan(Path(folder), config, workers=workers, cache=cache)
        repeated_seconds = time.perf_counter() - started

    if result.readable != len(copies) or result.tool["cache"]["analysed"] != len(copies):
        raise SystemExit(f"only {result.readable} of {len(copies)} photos were analysed: {result.tool['cache']}")
    median_decode, median_analyse = _per_photo_medians(originals, config)
    children_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    floor_rate = len(copies) / floor_seconds
    scan_rate = len(copies) / scan_seconds
    return {
        "photos": len(copies),
        "distinct_photos": len(originals),
        "workers": workers,
        "cores": available_cores(),
        "load_average_before": round(load_before, 2),
        "load_average_after_scan": round(load_during, 2),
        "decode_floor_seconds": floor_seconds,
        "scan_seconds": scan_seconds,
        "median_decode_seconds_per_photo_1_worker": median_decode,
        "median_analyse_seconds_per_photo_1_worker": median_analyse,
        # Reuse needs the same pipeline version: an edit to stage-1 code or settings during the run retires it.
        "repeated_scan_reused": repeated.tool["cache"]["reused"],
        "repeated_scan_seconds_per_100_photos": repeated_seconds * 100 / len(copies),
        "largest_worker_peak_rss_mb": round(children_peak_mb, 1),
        "peak_rss_mb_all_processes": round(memory.peak_bytes / 2**20, 1),
        "decode_floor_photos_per_s": floor_rate,
        "ratio_scan_to_decode_floor": scan_seconds / floor_seconds,
        "photos_per_s": scan_rate,
    }
