"""Red flags: precision and recall per kind on the evaluation sets.

    python bench/run.py flags ../shared/eval [--cache DIR] [--config FILE] [--kinds alcohol,litter,tobacco,advertising]

DATASET is the eval root (it holds youth_dev, coco128, litter_street_santiago, smoking_cigarette). `--cache DIR`
keeps the stage-1 analyses between runs (photocheck's own analysis cache); `--config FILE` measures other settings;
`--kinds` measures only those kinds (and analyses only the sets they need).

Thresholds chosen on these sets are also reported cross-validated (`*_cv_*`): on each fold, the value with the best
F1 on the other folds is chosen among candidates and applied to the held-out fold (folds stratified by label).

- alcohol_coco128: images with a bottle or wine glass box vs images without (any alcohol flag counts);
- alcohol_youth: youth_dev `alcohol` yes vs no ("unsure" left out);
- advertising_youth: youth_dev `advertising_or_logo` yes vs no ("unsure" left out); `_strong` counts strong flags only;
  `_cv_` re-chooses the large-lettering height on 3 folds; `_text_seconds_per_photo` times the OCR alone (re-run on
  the youth_dev photos at working size, at the configured `text.detect_side`);
- litter: litter_street_santiago yes vs its no plus youth_dev `litter` no;
- tobacco (taught): the classifier of `photocheck teach` trained on one half of smoking_cigarette (split by source
  photo, so augmented copies of one photo never straddle the halves) plus one half of the youth_dev and coco128
  negatives, tested on the other halves, then the halves swapped. Stored in a temporary folder only.
"""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path

import numpy as np

from evaldata import youth_dev_rows
from photocheck.config import default_config
from photocheck.judges import taught
from photocheck.judges.flags import judge_flags
from photocheck.loading import load_photo
from photocheck.pipeline import Analyzer
from photocheck.results import PhotoAnalysis
from photocheck.scan import scan


# The eval sets each kind is measured on.
KINDS = {
    "alcohol": ("coco128", "youth_dev"),
    "litter": ("litter_street_santiago", "youth_dev"),
    "tobacco": ("smoking_cigarette", "youth_dev", "coco128"),
    "advertising": ("youth_dev",),
}


def _analyses(folder: Path, config, analyzer: Analyzer, cache: Path | None) -> dict[str, PhotoAnalysis]:
    """Analyses of every photo under `folder`, by file name."""
    return {Path(p.analysis.path).name: p.analysis for p in scan(folder, config, analyzer, cache=cache).photos}


def _rates(predicted: list[bool], actual: list[bool]) -> dict[str, float | int]:
    tp = sum(p and a for p, a in zip(predicted, actual))
    fp = sum(p and not a for p, a in zip(predicted, actual))
    positives, negatives = sum(actual), len(actual) - sum(actual)
    return {
        "positives": positives,
        "negatives": negatives,
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "recall": tp / positives if positives else float("nan"),
        "false_positive_rate": fp / negatives if negatives else float("nan"),
    }


def _report(metrics: dict, name: str, predicted: list[bool], actual: list[bool]) -> None:
    for key, value in _rates(predicted, actual).items():
        metrics[f"{name}_{key}"] = value


def _flagged(analysis: PhotoAnalysis, kind: str, config, classifiers=(), strong_only: bool = False) -> bool:
    flags, _ = judge_flags(analysis, config.flags, list(classifiers))
    return any(flag.kind == kind and (flag.strong or not strong_only) for flag in flags)


def _f1(predicted: list[bool], actual: list[bool]) -> float:
    tp = sum(p and a for p, a in zip(predicted, actual))
    return 2 * tp / (sum(predicted) + sum(actual)) if tp else 0.0


def _with_setting(config, dotted_key: str, value):
    *tables, key = dotted_key.split(".")
    override = {key: value}
    for table in reversed(tables):
        override = {table: override}
    return config.with_overrides(override, "bench")


def _cross_validated(
    metrics: dict, name: str, cases: list[tuple[PhotoAnalysis, bool]], kind: str, config, setting: str,
    candidates: list[float], folds: int,
) -> None:
    """The figures of `setting` re-chosen per fold (best F1 on the other folds, ties to the higher value)."""
    actual = [label for _, label in cases]
    predictions = {
        value: [_flagged(a, kind, _with_setting(config, setting, value)) for a, _ in cases] for value in candidates
    }
    fold_of = {}
    for label in (True, False):
        for i, index in enumerate(index for index, y in enumerate(actual) if y == label):
            fold_of[index] = i % folds
    predicted = [False] * len(cases)
    for fold in range(folds):
        train = [i for i in fold_of if fold_of[i] != fold]
        best = max(candidates, key=lambda v: (_f1([predictions[v][i] for i in train], [actual[i] for i in train]), v))
        for i in fold_of:
            if fold_of[i] == fold:
                predicted[i] = predictions[best][i]
    metrics[f"{name}_best_{setting.rsplit('.', 1)[1]}_on_all"] = max(
        candidates, key=lambda v: (_f1(predictions[v], actual), v)
    )
    _report(metrics, f"{name}_cv", predicted, actual)


def _labelled_youth(rows: list[dict], column: str, analyses: dict[str, PhotoAnalysis]) -> list[tuple[PhotoAnalysis, bool]]:
    return [(analyses[Path(r["file"]).name], r[column] == "yes") for r in rows if r[column] in ("yes", "no")]


def _source_id(name: str) -> str:
    """Roboflow exports name augmented copies SOURCE_jpg.rf.HASH.jpg: one source photo, one id."""
    return name.split("_jpg")[0]


def _tobacco(metrics: dict, smoking: dict, youth: dict, coco: dict, youth_rows: list[dict], config) -> None:
    sources = sorted({_source_id(name) for name in smoking})
    half_of_source = {source: i % 2 for i, source in enumerate(sources)}
    # (analysis, half, smoking?, from youth_dev?)
    cases = [(a, half_of_source[_source_id(name)], True, False) for name, a in sorted(smoking.items())]
    no_smoking = sorted(Path(r["file"]).name for r in youth_rows if r["tobacco"] == "no")
    cases += [(youth[name], i % 2, False, True) for i, name in enumerate(no_smoking)]
    cases += [(a, i % 2, False, False) for i, (_, a) in enumerate(sorted(coco.items()))]

    predicted, actual, youth_false = [], [], []
    for test_half in (0, 1):
        train_pos = np.stack([taught.features(a) for a, half, positive, _ in cases if half != test_half and positive])
        train_neg = np.stack([taught.features(a) for a, half, positive, _ in cases if half != test_half and not positive])
        with tempfile.TemporaryDirectory() as folder:
            taught.save(taught.train("tobacco", train_pos, train_neg, config.teach), Path(folder))
            classifiers = taught.load_all(Path(folder))
        for analysis, half, positive, from_youth in cases:
            if half == test_half:
                flagged = _flagged(analysis, "tobacco", config, classifiers)
                predicted.append(flagged)
                actual.append(positive)
                if from_youth:
                    youth_false.append(flagged)
    _report(metrics, "tobacco_taught", predicted, actual)
    metrics["tobacco_taught_youth_dev_false_positive_rate"] = float(np.mean(youth_false))


def _alcohol(metrics: dict, dataset: Path, coco: dict, youth: dict, youth_rows: list[dict], config) -> None:
    with (dataset / "coco128" / "labels_summary.csv").open(newline="", encoding="utf-8") as handle:
        coco_rows = list(csv.DictReader(handle))
    coco_cases = [(coco[Path(r["file"]).name], r["any_bottle_or_wineglass"] == "1") for r in coco_rows]
    _report(metrics, "alcohol_coco128", [_flagged(a, "alcohol", config) for a, _ in coco_cases],
            [label for _, label in coco_cases])
    _cross_validated(metrics, "alcohol_coco128", coco_cases, "alcohol", config, "flags.alcohol.wine_glass_min_score",
                     [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5], folds=5)

    alcohol = _labelled_youth(youth_rows, "alcohol", youth)
    _report(metrics, "alcohol_youth", [_flagged(a, "alcohol", config) for a, _ in alcohol], [y for _, y in alcohol])


def _litter(metrics: dict, dataset: Path, litter: dict, youth: dict, youth_rows: list[dict], config) -> None:
    with (dataset / "litter_street_santiago" / "labels.csv").open(newline="", encoding="utf-8") as handle:
        litter_rows = list(csv.DictReader(handle))
    litter_cases = [(litter[Path(r["file"]).name], r["litter"] == "yes") for r in litter_rows]
    litter_cases += [(a, False) for a, label in _labelled_youth(youth_rows, "litter", youth) if not label]
    _report(metrics, "litter", [_flagged(a, "litter", config) for a, _ in litter_cases], [y for _, y in litter_cases])
    # One positive per fold: leave-one-out over the few litter photos.
    _cross_validated(metrics, "litter", litter_cases, "litter", config, "flags.litter.scene_min",
                     [0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 1.0], folds=sum(y for _, y in litter_cases))


def _text_seconds_per_photo(folder: Path, analyzer: Analyzer, config) -> float:
    """OCR time (detector and recogniser at the configured `text.detect_side`) per photo at working size."""
    elapsed = []
    for path in sorted(folder.glob("*.jpg")):
        rgb = load_photo(path, config.loading.working_size, config.loading.max_megapixels).rgb
        start = time.perf_counter()
        analyzer.text_reader.read(rgb)
        elapsed.append(time.perf_counter() - start)
    return float(np.mean(elapsed))


def _advertising(metrics: dict, dataset: Path, youth: dict, youth_rows: list[dict], config, analyzer) -> None:
    advertising = _labelled_youth(youth_rows, "advertising_or_logo", youth)
    metrics["advertising_text_detect_side"] = config.text.detect_side
    metrics["advertising_text_seconds_per_photo"] = _text_seconds_per_photo(
        dataset / "youth_dev" / "images", analyzer, config
    )
    _report(metrics, "advertising_youth_strong", [_flagged(a, "advertising", config, strong_only=True)
                                                  for a, _ in advertising], [y for _, y in advertising])
    _cross_validated(metrics, "advertising_youth", advertising, "advertising", config,
                     "flags.advertising.large_text_height", [0.02, 0.03, 0.04, 0.05, 0.07, 0.1, 1.0], folds=3)
    _report(metrics, "advertising_youth", [_flagged(a, "advertising", config) for a, _ in advertising],
            [y for _, y in advertising])


def run(dataset: Path, options: list[str]) -> dict:
    cache = Path(options[options.index("--cache") + 1]) if "--cache" in options else None
    config = default_config()
    if "--config" in options:
        config = config.with_file(Path(options[options.index("--config") + 1]))
    kinds = options[options.index("--kinds") + 1].split(",") if "--kinds" in options else list(KINDS)
    analyzer = Analyzer(config)
    youth_rows = youth_dev_rows(dataset / "youth_dev")
    needed = {name for kind in kinds for name in KINDS[kind]}
    sets = {
        name: _analyses(dataset / name / "images", config, analyzer, cache) if name in needed else {}
        for name in ("youth_dev", "coco128", "litter_street_santiago", "smoking_cigarette")
    }
    youth, coco, litter, smoking = sets.values()
    metrics: dict = {}
    if "alcohol" in kinds:
        _alcohol(metrics, dataset, coco, youth, youth_rows, config)
    if "litter" in kinds:
        _litter(metrics, dataset, litter, youth, youth_rows, config)
    if "tobacco" in kinds:
        _tobacco(metrics, smoking, youth, coco, youth_rows, config)
    if "advertising" in kinds:
        _advertising(metrics, dataset, youth, youth_rows, config, analyzer)
    return metrics
