"""Red flags: precision and recall per kind on the evaluation sets.

    python bench/run.py flags ../shared/eval [--cache DIR]

DATASET is the eval root (it holds youth_dev, coco128, litter_street_santiago, smoking_cigarette). `--cache DIR`
keeps the stage-1 analyses between runs (photocheck's own analysis cache).

- alcohol_coco128: images with a bottle or wine glass box vs images without (any alcohol flag counts);
- alcohol_youth: youth_dev `alcohol` yes vs no ("unsure" left out);
- advertising_youth: youth_dev `advertising_or_logo` yes vs no ("unsure" left out);
- litter: litter_street_santiago yes vs its no plus youth_dev `litter` no;
- tobacco (taught): the classifier of `photocheck teach` trained on one half of smoking_cigarette (split by source
  photo, so augmented copies of one photo never straddle the halves) plus one half of the youth_dev and coco128
  negatives, tested on the other halves, then the halves swapped. Stored in a temporary folder only.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import numpy as np

from evaldata import youth_dev_rows
from photocheck.config import default_config
from photocheck.judges import taught
from photocheck.judges.flags import judge_flags
from photocheck.pipeline import Analyzer
from photocheck.results import PhotoAnalysis
from photocheck.scan import scan


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


def _flagged(analysis: PhotoAnalysis, kind: str, config, classifiers=()) -> bool:
    flags, _ = judge_flags(analysis, config.flags, list(classifiers))
    return any(flag.kind == kind for flag in flags)


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


def run(dataset: Path, options: list[str]) -> dict:
    cache = Path(options[options.index("--cache") + 1]) if "--cache" in options else None
    config = default_config()
    analyzer = Analyzer(config)
    youth_rows = youth_dev_rows(dataset / "youth_dev")
    youth = _analyses(dataset / "youth_dev" / "images", config, analyzer, cache)
    coco = _analyses(dataset / "coco128" / "images", config, analyzer, cache)
    litter = _analyses(dataset / "litter_street_santiago" / "images", config, analyzer, cache)
    smoking = _analyses(dataset / "smoking_cigarette" / "images", config, analyzer, cache)
    metrics: dict = {}

    with (dataset / "coco128" / "labels_summary.csv").open(newline="", encoding="utf-8") as handle:
        coco_rows = list(csv.DictReader(handle))
    coco_cases = [(coco[Path(r["file"]).name], r["any_bottle_or_wineglass"] == "1") for r in coco_rows]
    _report(metrics, "alcohol_coco128", [_flagged(a, "alcohol", config) for a, _ in coco_cases],
            [label for _, label in coco_cases])

    alcohol = _labelled_youth(youth_rows, "alcohol", youth)
    _report(metrics, "alcohol_youth", [_flagged(a, "alcohol", config) for a, _ in alcohol], [y for _, y in alcohol])

    with (dataset / "litter_street_santiago" / "labels.csv").open(newline="", encoding="utf-8") as handle:
        litter_rows = list(csv.DictReader(handle))
    litter_cases = [(litter[Path(r["file"]).name], r["litter"] == "yes") for r in litter_rows]
    litter_cases += [(a, False) for a, label in _labelled_youth(youth_rows, "litter", youth) if not label]
    _report(metrics, "litter", [_flagged(a, "litter", config) for a, _ in litter_cases], [y for _, y in litter_cases])

    _tobacco(metrics, smoking, youth, coco, youth_rows, config)

    advertising = _labelled_youth(youth_rows, "advertising_or_logo", youth)
    _report(metrics, "advertising_youth", [_flagged(a, "advertising", config) for a, _ in advertising],
            [y for _, y in advertising])
    return metrics
