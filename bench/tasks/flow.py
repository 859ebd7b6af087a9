"""The whole after-camp run as a leader runs it, end to end, optionally against Best Photo Picker in the same run.

`python bench/run.py flow ../shared/eval/fullres_dev [--copies N] [--runs N] [--config FILE] [--peer] [--peer-dir DIR]`

Builds a timing folder in a temporary folder (never in the project): every photo of DATASET copied `--copies` times
(default 4: the 16 camera JPEGs of fullres_dev give 64 photos), each copy with a few distinct bytes appended after
the JPEG's end, so no cache or duplicate check can skip it (the pixels stay the same). Then times, as a whole
process started as a user starts it, `python -m photocheck check FOLDER --no-cache --out OUT`: wall time, photos per
second, the peak of the summed resident memory of the process and all its children (bench/tasks/speed.py's sampler)
with the main process's share at that peak and its own peak (it holds every analysis, so it grows with the folder),
and the seconds of each stage as the run recorded them (the JSON's `tool.timings`), with the photos the close look
read and its rounds (`tool.close_look`) and its wall seconds per photo read. `--config FILE` is passed on
to photocheck (other settings measured the same way).

`--peer`: the same folder through Best Photo Picker (`bpp run --k 50 --gallery --workers 2`, its analysis cache
removed before each run), alternating with photocheck after one warm-up run of each, `--runs` runs each (default 3),
medians, and the ratio photocheck / peer (alternating keeps the ratio fair on a machine with other load). The peer is
found in `--peer-dir` or $PHOTOCHECK_PEER_DIR (default /tmp/peer: PEER/venv/bin/bpp, its settings in PEER/home);
install it as ../shared/docs/peers.md says (`python3 -m venv PEER/venv`, the pip lines there, then `bpp model
accept` for the two offline models). Without it the peer part is skipped and said so.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from photocheck.analysis.loading import discover
from photocheck.config import available_cores
from tasks.speed import MemorySampler

PROJECT = Path(__file__).resolve().parents[2]  # photocheck is imported from here (this checkout), as in the bench
STAGES = ("scan", "judge", "grouping", "people", "close_look", "report", "json")
PEER_INSTALL = "see ../shared/docs/peers.md (install under /tmp/peer, or give --peer-dir / PHOTOCHECK_PEER_DIR)"


def _option(options: list[str], name: str, default: str | None) -> str | None:
    return options[options.index(name) + 1] if name in options else default


def build_folder(originals: list[Path], copies: int, folder: Path) -> list[Path]:
    """`copies` copies of every original in `folder`, each with distinct bytes after the image data."""
    made = []
    for copy in range(copies):
        for index, original in enumerate(originals):
            target = folder / f"{copy:03d}_{index:02d}_{original.name}"
            target.write_bytes(original.read_bytes() + f"photocheck-bench-copy-{copy}-{index}".encode())
            made.append(target)
    return made


class Measured(NamedTuple):
    """One run of a command: wall seconds and memory in MB."""

    seconds: float
    peak_mb: float  # the whole process tree
    main_at_peak_mb: float  # the main process's share at that peak
    main_peak_mb: float  # the main process's own peak


def timed(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """What one run of `command` took; its output is discarded, a failure stops the bench."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with MemorySampler(root=process.pid) as memory:
        _, errors = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        said = errors.decode(errors="replace")[-2000:]
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{said}")
    return Measured(seconds, memory.peak_bytes / 2**20, memory.root_at_peak_bytes / 2**20,
                    memory.root_peak_bytes / 2**20)


class Photocheck:
    name = "photocheck"

    def __init__(self, folder: Path, work: Path, photos: int, config: str | None):
        self.folder, self.out, self.photos = folder, work / "photocheck-out", photos
        self.settings = ["--config", str(Path(config).resolve())] if config else []
        self.stages: list[dict[str, float]] = []
        self.looks: list[dict] = []  # the JSON's tool.close_look of each run: photos read, rounds

    def run(self) -> Measured:
        shutil.rmtree(self.out, ignore_errors=True)
        measured = timed([sys.executable, "-m", "photocheck", "check", str(self.folder), "--no-cache", "--out",
                          str(self.out), "--lang", "en", *self.settings])
        document = json.loads((self.out / "photocheck.json").read_text(encoding="utf-8"))
        analysed = sum(1 for photo in document["photos"] if photo["ok"])
        if analysed != self.photos:
            raise SystemExit(f"photocheck analysed {analysed} of {self.photos} photos")
        self.stages.append(document["tool"]["timings"])
        self.looks.append(document["tool"].get("close_look") or {})
        return measured


class Peer:
    name = "peer"

    def __init__(self, folder: Path, work: Path, directory: Path):
        self.folder, self.out, self.directory = folder, work / "peer-out", directory
        self.env = dict(os.environ, HOME=str(directory / "home"))

    def run(self) -> Measured:
        shutil.rmtree(self.out, ignore_errors=True)  # its analysis cache lives in the output folder
        bpp = str(self.directory / "venv" / "bin" / "bpp")
        return timed([bpp, "run", "--input", str(self.folder), "--k", "50", "--out", str(self.out), "--gallery",
                      "--workers", "2"], self.env)


def run(dataset: Path, options: list[str]) -> dict:
    originals = discover(dataset).files
    if not originals:
        raise SystemExit(f"no photos under {dataset}")
    copies = int(_option(options, "--copies", "4"))
    peer_dir = Path(_option(options, "--peer-dir", os.environ.get("PHOTOCHECK_PEER_DIR", "/tmp/peer")))
    with_peer = "--peer" in options
    peer_found = (peer_dir / "venv" / "bin" / "bpp").is_file()
    runs = int(_option(options, "--runs", "3" if with_peer else "1"))
    metrics: dict = {}
    with tempfile.TemporaryDirectory(prefix="photocheck-flow-") as work:
        folder = Path(work) / "camp"
        folder.mkdir()
        photos = len(build_folder(originals, copies, folder))
        photocheck = Photocheck(folder, Path(work), photos, _option(options, "--config", None))
        contenders = [photocheck]
        if with_peer and peer_found:
            contenders.append(Peer(folder, Path(work), peer_dir))
        metrics.update(photos=photos, cores=available_cores(), runs_each=runs,
                       load_average_before=round(os.getloadavg()[0], 2))
        if len(contenders) > 1:
            for contender in contenders:  # warm-up: file cache, model files, the peer's first-run set-up
                contender.run()
            photocheck.stages.clear()
            photocheck.looks.clear()
        measured: dict[str, list[Measured]] = {contender.name: [] for contender in contenders}
        for _ in range(runs):
            for contender in contenders:  # alternating: load on the machine hits both alike
                measured[contender.name].append(contender.run())
        metrics["load_average_after"] = round(os.getloadavg()[0], 2)

    for stage in STAGES:
        metrics[f"stage_{stage}_seconds"] = statistics.median(timings.get(stage, 0.0) for timings in photocheck.stages)
    read = [look.get("photos", 0) for look in photocheck.looks]
    metrics["close_look_photos_median"] = statistics.median(read)
    metrics["close_look_rounds_median"] = statistics.median(look.get("rounds", 0) for look in photocheck.looks)
    metrics["close_look_seconds_per_photo_read"] = statistics.median(
        timings.get("close_look", 0.0) / photos_read for timings, photos_read in zip(photocheck.stages, read) if photos_read
    ) if any(read) else 0.0
    for name, values in measured.items():
        metrics[f"{name}_seconds_median"] = statistics.median(value.seconds for value in values)
        worst = max(values, key=lambda value: value.peak_mb)
        metrics[f"{name}_peak_rss_mb_max"] = round(worst.peak_mb, 1)
        metrics[f"{name}_main_process_mb_at_that_peak"] = round(worst.main_at_peak_mb, 1)
        metrics[f"{name}_main_process_peak_mb_max"] = round(max(value.main_peak_mb for value in values), 1)
        metrics[f"{name}_photos_per_s"] = photos / metrics[f"{name}_seconds_median"]
    if with_peer and not peer_found:
        metrics["peer"] = f"skipped: no Best Photo Picker in {peer_dir}; {PEER_INSTALL}"
    if "peer" in measured:
        metrics["ratio_photocheck_to_peer"] = metrics["photocheck_seconds_median"] / metrics["peer_seconds_median"]
    return metrics
