"""Where the time of one analysis goes: `python bench/run.py profile ../shared/eval/fullres_dev`.

One Analyzer, one onnxruntime thread, every photo of DATASET_DIR (recursively) analysed once after a warm-up;
prints the cumulative CPU seconds per photo of each stage (cProfile), the total last.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from pathlib import Path

from photocheck.analysis.loading import discover
from photocheck.analysis.pipeline import Analyzer
from photocheck.config import default_config

# Stage name -> (module file, function) as cProfile reports them.
STAGES = {
    "decode": ("loading.py", "load_photo"),
    "faces_blazeface": ("blazeface.py", "detect"),
    "faces_facemesh_confirmation": ("face_detectors.py", "confirmed_faces"),
    "smile": ("smile.py", "smiles"),
    "objects_nanodet": ("nanodet.py", "detect"),
    "efficientnet_whole_photo_and_regions": ("efficientnet.py", "classify"),
    "text_ocr": ("text_reader.py", "read"),  # both passes
    "text_regions_second_pass": ("text_regions.py", "read_likely_text"),
    "regions_crops_for_flags": ("regions.py", "analyse_regions"),
    "torsos": ("torso.py", "sample_torsos"),
}


def run(dataset: Path, options: list[str]) -> dict:
    files = discover(dataset).files
    analyzer = Analyzer(default_config())
    analyzer.analyse(files[0], files[0].name)  # warm-up: sessions and caches
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for path in files:
        analyzer.analyse(path, path.name)
    profiler.disable()
    total = time.perf_counter() - started
    stats = pstats.Stats(profiler).stats  # {(file, line, function): (calls, ncalls, tottime, cumtime, callers)}
    metrics: dict = {"photos": len(files)}
    for stage, (filename, function) in STAGES.items():
        seconds = sum(
            cumulative for (file, _, name), (_, _, _, cumulative, _) in stats.items()
            if file.endswith(filename) and name == function
        )
        metrics[f"{stage}_seconds_per_photo"] = seconds / len(files)
    metrics["analyse_seconds_per_photo"] = total / len(files)
    return metrics
