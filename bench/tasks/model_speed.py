"""Milliseconds of one onnxruntime run of each model, on one thread, at the input sizes the scan gives it.

`python bench/run.py model_speed MODELS_DIR [--against OTHER_MODELS_DIR] [--rounds N]`

MODELS_DIR is a folder with a manifest.json (the project's `models`, or the `models` of an older checkout). Every model
of its manifest that has an input size below is timed, and so are the rapidocr wheel's own text detector and
recogniser (`wheel_ocr_det`, `wheel_ocr_rec`: the files models/build/fuse_ocr.py starts from). `--against DIR` times
the models of a second folder too (`NAME_against_ms`), alternating with the first in every round, so that a machine
whose speed drifts hits both alike. Each round runs every session 10 times after 2 warm-up runs; the figure is the
median over the rounds (default 5) of each round's mean. Inputs are seeded random values: a convolution's time does
not depend on them.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

from photocheck.models.base import ModelStore
from photocheck.models.text_reader import ocr_package

RUNS_PER_ROUND = 10
# model -> input shape, as the scan feeds it: the text detector at 800 px on a 4:3 photo, 6 text lines, 4 faces,
# BlazeFace one tile, the expression models 6 faces seen and mirrored.
INPUT_SHAPES = {
    "ocr_det": (1, 3, 608, 800),
    "ocr_rec": (6, 3, 48, 320),
    "faceres": (4, 224, 224, 3),
    "facemesh": (4, 192, 192, 3),
    "blazeface": (1, 256, 256, 3),
    "nanodet": (1, 3, 416, 416),
    "efficientnet_lite0": (1, 3, 224, 224),
    "emotion": (6, 64, 64, 1),
    "fer_emotion": (6, 64, 64, 1),
}
WHEEL_FILES = {"wheel_ocr_det": "ch_PP-OCRv4_det_infer.onnx", "wheel_ocr_rec": "ch_PP-OCRv4_rec_infer.onnx"}


def _session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _sessions(models_dir: Path, suffix: str = "") -> dict[str, ort.InferenceSession]:
    """The sessions of the manifest's timed models in `models_dir` (each file checked against its sha256)."""
    store = ModelStore(models_dir)
    return {name + suffix: _session(store.verified_path(name)) for name in INPUT_SHAPES if name in store.manifest}


def _mean_ms(session: ort.InferenceSession, feed: dict) -> float:
    started = time.perf_counter()
    for _ in range(RUNS_PER_ROUND):
        session.run(None, feed)
    return (time.perf_counter() - started) / RUNS_PER_ROUND * 1000


def run(dataset: Path, options: list[str]) -> dict:
    rounds = int(options[options.index("--rounds") + 1]) if "--rounds" in options else 5
    sessions = _sessions(dataset)
    wheel = Path(ocr_package().__file__).parent / "models"
    sessions |= {name: _session(wheel / file) for name, file in WHEEL_FILES.items()}
    if "--against" in options:
        sessions |= _sessions(Path(options[options.index("--against") + 1]), "_against")
    rng = np.random.default_rng(0)
    feeds = {}
    for name, session in sessions.items():
        shape = INPUT_SHAPES[name.removeprefix("wheel_").removesuffix("_against")]
        feeds[name] = {session.get_inputs()[0].name: rng.standard_normal(shape).astype(np.float32)}
        for _ in range(2):
            session.run(None, feeds[name])
    times: dict[str, list[float]] = {name: [] for name in sessions}
    for _ in range(rounds):
        for name in sorted(sessions, key=lambda key: key.removeprefix("wheel_").removesuffix("_against")):
            times[name].append(_mean_ms(sessions[name], feeds[name]))
    metrics: dict = {"rounds": rounds, "runs_per_round": RUNS_PER_ROUND}
    for name, values in sorted(times.items()):
        metrics[f"{name}_ms"] = round(statistics.median(values), 1)
        metrics[f"{name}_ms_range"] = f"{min(values):.1f}-{max(values):.1f}"
    return metrics
