"""Blur judgement (`quality.blurry`) on the labelled youth-group photos plus synthetically blurred copies.

`python bench/run.py blur ../shared/eval [--set section.key=VALUE ...]`

DATASET is the eval root (youth_dev + youth_dev2) or one set's folder. Few photos are labelled blurry, so every photo
is also blurred with a Gaussian of sigma = long side / 400 ("strong", plainly out of focus) and / 800 ("mild",
soft), written to a temporary folder and analysed like any photo. Positives: photos labelled blurry and the strong
copies; negatives: photos labelled not blurry ("unsure" left out); the mild copies are reported apart.

`[quality] min_sharpness` is chosen on data, so the headline figures are leave-one-source-out: for each source (the
`organisation` column) the threshold with the best F1 on the other sources' photos and copies is chosen among
MIN_SHARPNESS_CANDIDATES (ties to the lower one: fewer false alarms) and applied to the held-out source. `in_sample_*`
are the same figures with the configured threshold.

Prints: labelled photos and positives, per scheme (in_sample_, loso_): false alarms on labelled-sharp photos, recall
on mild and strong copies, precision and recall over labelled + strong copies (headline: loso recall last), and the
thresholds the folds chose.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
from evaldata import best_candidate, leave_one_source_out, policy_rows, policy_target

from photocheck.analysis.pipeline import Analyzer
from photocheck.config import default_config
from tasks.faces import overrides

BLURS = {"strong": 400, "mild": 800}  # sigma = long side / value
MIN_SHARPNESS_CANDIDATES = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 80.0, 100.0]


def _figures(rows: list[dict], threshold_of) -> dict:
    """Counts and rates with each row judged at `threshold_of(row)`."""
    flagged = {kind: [row[kind] < threshold_of(row) for row in rows] for kind in ("photo", "strong", "mild")}
    labelled_positive = [f for f, row in zip(flagged["photo"], rows) if row["label"]]
    false_alarms = [f for f, row in zip(flagged["photo"], rows) if not row["label"]]
    positives = labelled_positive + flagged["strong"]
    flagged_total = sum(positives) + sum(false_alarms)
    return {
        "false_alarms_on_sharp": sum(false_alarms),
        "recall_mild_synthetic": sum(flagged["mild"]) / len(rows),
        "recall_strong_synthetic": sum(flagged["strong"]) / len(rows),
        "precision": sum(positives) / flagged_total if flagged_total else float("nan"),
        "recall": sum(positives) / len(positives),
    }


def _f1(rows: list[dict], threshold: float) -> float:
    true_positives = sum(row["photo"] < threshold for row in rows if row["label"]) + sum(
        row["strong"] < threshold for row in rows)
    flagged = true_positives + sum(row["photo"] < threshold for row in rows if not row["label"])
    positives = sum(row["label"] for row in rows) + len(rows)
    return 2 * true_positives / (flagged + positives) if true_positives else 0.0


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config().with_overrides(overrides(options), "--set")
    analyzer = Analyzer(config)

    def sharpness(path: Path) -> float:
        quality = analyzer.analyse(path, path.name).quality
        return quality.sharpness if quality is not None else float("inf")

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for row in policy_rows(*policy_target(dataset)):
            label = row["blurry"].strip().lower()
            if label not in ("yes", "no"):
                continue
            path = Path(row["image"])
            measured = {"source": row["source"], "label": label == "yes", "photo": sharpness(path)}
            image = cv2.imread(str(path))
            for name, divisor in BLURS.items():
                copy = Path(folder) / f"{name}_{path.name}"
                cv2.imwrite(str(copy), cv2.GaussianBlur(image, (0, 0), max(image.shape[:2]) / divisor),
                            [cv2.IMWRITE_JPEG_QUALITY, 92])
                measured[name] = sharpness(copy)
            rows.append(measured)

    fit = lambda training: best_candidate(MIN_SHARPNESS_CANDIDATES, lambda t: _f1(training, t))  # noqa: E731
    thresholds, chosen = leave_one_source_out(rows, fit, lambda threshold, row: threshold)
    threshold_of_row = {id(row): threshold for row, threshold in zip(rows, thresholds)}
    metrics: dict = {"labelled_photos": len(rows), "labelled_blurry": sum(row["label"] for row in rows)}
    configured = config.quality.min_sharpness
    metrics.update({f"in_sample_{k}": v for k, v in _figures(rows, lambda row: configured).items()})
    metrics["loso_thresholds_chosen"] = ",".join(f"{t:g}" for t in sorted(set(chosen.values())))
    metrics.update({f"loso_{k}": v for k, v in _figures(rows, lambda row: threshold_of_row[id(row)]).items()})
    return metrics
