"""Blur judgement (`quality.blurry`) on youth_dev, plus synthetically blurred copies for recall.

`python bench/run.py blur ../shared/eval/youth_dev [--set section.key=VALUE ...]`

youth_dev labels `blurry` per photo, but (at the time of writing) none of its 52 photos is labelled blurry, so
precision and recall on the labels alone are undefined and only the false-alarm rate is measurable. To measure
recall, every photo is also blurred with a Gaussian of sigma = long side / 400 ("strong", plainly out of focus)
and / 800 ("mild", soft), written to a temporary folder and scanned like any photo. Blurred copies count as
positives, the labelled photos keep their labels. `quality.min_sharpness` was chosen on these same photos (below
the softest sharp one), so these figures are in-sample.

Prints: labelled photos and labelled positives, false alarms on labelled-sharp photos, recall on mild and on
strong synthetic blur, precision and recall over labelled + strong copies (headline: recall last).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import cv2

from evaldata import youth_dev_rows
from tasks.faces import overrides

from photocheck.config import default_config
from photocheck.judges.quality import judge_quality
from photocheck.pipeline import Analyzer

BLURS = {"strong": 400, "mild": 800}  # sigma = long side / value


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config().with_overrides(overrides(options), "--set")
    analyzer = Analyzer(config)

    def blurry(path: Path) -> bool:
        return judge_quality(analyzer.analyse(path, path.name), config.quality).blurry

    labelled = [(Path(row["image"]), row["blurry"].strip().lower() == "yes") for row in youth_dev_rows(dataset)]
    flagged = {path: blurry(path) for path, _ in labelled}
    synthetic: dict[str, list[bool]] = {name: [] for name in BLURS}
    with tempfile.TemporaryDirectory() as folder:
        for path, _ in labelled:
            image = cv2.imread(str(path))
            for name, divisor in BLURS.items():
                copy = Path(folder) / f"{name}_{path.name}"
                cv2.imwrite(str(copy), cv2.GaussianBlur(image, (0, 0), max(image.shape[:2]) / divisor),
                            [cv2.IMWRITE_JPEG_QUALITY, 92])
                synthetic[name].append(blurry(copy))

    positives = [flagged[path] for path, label in labelled if label] + synthetic["strong"]
    false_alarms = [flagged[path] for path, label in labelled if not label]
    true_positives = sum(positives)
    flagged_total = true_positives + sum(false_alarms)
    return {
        "labelled_photos": len(labelled),
        "labelled_blurry": sum(label for _, label in labelled),
        "false_alarms_on_sharp": sum(false_alarms),
        "recall_mild_synthetic": sum(synthetic["mild"]) / len(synthetic["mild"]),
        "recall_strong_synthetic": sum(synthetic["strong"]) / len(synthetic["strong"]),
        "precision": true_positives / flagged_total if flagged_total else float("nan"),
        "recall": true_positives / len(positives),
    }
