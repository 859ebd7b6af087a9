"""People count and group-size category of `photocheck scan` against labelled counts.

`python bench/run.py people DATASET_DIR [--set section.key=VALUE ...]`

- `../shared/eval/youth_dev`: `people_visible`. Exact counts give the MAE and the category accuracy (headline
  rows); approximate counts ("~N") are scored separately as the share found within 25 %, lower bounds (">N") as
  the share that reach the bound.
- `../shared/eval/coco128`: the person boxes (class 0) of `labels_yolo/*.txt`, every image (most show nobody).

Each photo goes through `pipeline.Analyzer` (every model, as a scan does) and `judges.people.count_people`.
`--set` overrides any setting for the run (TOML value), for tuning.
Prints: photos with an exact count, their signed mean error, approximate-count rows and how many are within 25 %,
lower-bound rows and how many reach it, category accuracy, and the count MAE (headline).
"""

from __future__ import annotations

import statistics
from pathlib import Path

from evaldata import Count, parse_count, youth_dev_rows
from tasks.faces import overrides

from photocheck.config import default_config
from photocheck.judges.people import count_people, group_category
from photocheck.pipeline import Analyzer

APPROXIMATE_TOLERANCE = 0.25
PERSON_CLASS = 0


def labelled_counts(dataset: Path) -> list[tuple[Path, Count]]:
    root = dataset.parent if dataset.name in ("images", "labels_yolo") else dataset
    if (root / "labels_yolo").is_dir():
        photos = sorted((root / "images").glob("*.jpg"))
        return [(photo, Count(_coco_persons(root / "labels_yolo" / f"{photo.stem}.txt"), exact=True))
                for photo in photos]
    return [(Path(row["image"]), parse_count(row["people_visible"])) for row in youth_dev_rows(root)]


def _coco_persons(labels: Path) -> int:
    if not labels.is_file():
        return 0
    return sum(1 for line in labels.read_text().splitlines() if line.split() and int(line.split()[0]) == PERSON_CLASS)


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config().with_overrides(overrides(options), "--set")
    analyzer = Analyzer(config)
    errors, categories, approximate, lower_bounds = [], [], [], []
    for path, labelled in labelled_counts(dataset):
        if labelled.value is None:
            continue
        analysis = analyzer.analyse(path, path.name)
        counted = count_people(analysis.faces, analysis.persons, config.people)
        if labelled.exact:
            errors.append(counted.count - labelled.value)
            categories.append(counted.category == group_category(labelled.value, config.people))
        elif labelled.lower_bound:
            lower_bounds.append(counted.count >= labelled.value)
        else:
            approximate.append(abs(counted.count - labelled.value) <= APPROXIMATE_TOLERANCE * labelled.value)
    return {
        "exact_photos": len(errors),
        "signed_mean_error": statistics.fmean(errors),
        "approximate_photos": len(approximate),
        "approximate_within_25pct": sum(approximate),
        "lower_bound_photos": len(lower_bounds),
        "lower_bound_reached": sum(lower_bounds),
        "category_accuracy": statistics.fmean(categories),
        "count_mae": statistics.fmean(abs(e) for e in errors),
    }
