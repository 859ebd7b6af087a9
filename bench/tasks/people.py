"""People count and group-size category of `photocheck scan` against labelled counts.

`python bench/run.py people DATASET_DIR [--set section.key=VALUE ...]`

- `../shared/eval` (the root): youth_dev + youth_dev2 (`evaldata.policy_rows`), scanned through the analysis cache
  (`evaldata.policy_scans`) once with persons from the lowest candidate score on. What was chosen on data, the person
  score (`objects.person_min_score`, chosen on youth_dev + coco128) and the printed-face size ratio
  (`people.printed_face_max_ratio`), is re-chosen for each held-out source (`organisation`) from a small grid on
  the other sources (lowest exact-count MAE; ties go to the shipped values): `loso_*` figures. Beside them, with the
  shipped settings, the in-sample figures (`insample_*`, also per set). Headline: `loso_count_mae`.
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

from evaldata import (
    Count,
    best_candidate,
    is_eval_root,
    leave_one_source_out,
    parse_count,
    policy_rows,
    policy_scans,
    youth_dev_rows,
)

from photocheck.analysis.pipeline import Analyzer
from photocheck.config import default_config
from photocheck.judges.people import count_people, group_category
from tasks.faces import overrides

APPROXIMATE_TOLERANCE = 0.25
PERSON_CLASS = 0
# Candidates re-chosen per held-out source, the shipped value first (ties go to it).
PERSON_MIN_SCORES = (0.3, 0.25, 0.35, 0.4)
PRINTED_FACE_MAX_RATIOS = (0.25, 0.2, 0.3)


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
    if is_eval_root(dataset):
        return _run_policy_sets(dataset, config)
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


def _run_policy_sets(eval_root: Path, config) -> dict:
    lowest = {"objects": {"person_min_score": min(PERSON_MIN_SCORES)}}
    scans = policy_scans(eval_root, config.with_overrides(lowest, "bench people"))
    rows = [{**row, "count": parse_count(row["people_visible"])} for row in policy_rows(eval_root)]
    rows = [row for row in rows if row["count"].value is not None and scans[row["image"]].analysis.ok]
    exact = [row for row in rows if row["count"].exact]
    shipped = (config.objects.person_min_score, config.people.printed_face_max_ratio)
    candidates = [shipped] + [
        (score, ratio) for score in PERSON_MIN_SCORES for ratio in PRINTED_FACE_MAX_RATIOS if (score, ratio) != shipped
    ]

    def counted(row: dict, chosen: tuple[float, float]):
        min_score, printed_ratio = chosen
        analysis = scans[row["image"]].analysis
        persons = [person for person in analysis.persons if person.score >= min_score]
        settings = config.with_overrides({"people": {"printed_face_max_ratio": printed_ratio}}, "bench people").people
        return count_people(analysis.faces, persons, settings)

    def error(row: dict, chosen) -> int:
        return counted(row, chosen).count - row["count"].value

    def fit(training: list[dict]):
        return best_candidate(candidates, lambda chosen: -statistics.fmean(abs(error(r, chosen)) for r in training))

    def category_right(row: dict, chosen) -> bool:
        return counted(row, chosen).category == group_category(row["count"].value, config.people)

    def predict(chosen, row: dict) -> tuple[int, bool]:
        return error(row, chosen), category_right(row, chosen)

    loso, chosen_per_source = leave_one_source_out(exact, fit, predict)
    metrics: dict = {"exact_photos": len(exact), "sources": len(chosen_per_source)}
    for name in sorted({row["set"] for row in exact}):
        in_set = [row for row in exact if row["set"] == name]
        metrics[f"insample_{name}_photos"] = len(in_set)
        metrics[f"insample_{name}_count_mae"] = statistics.fmean(abs(error(row, shipped)) for row in in_set)
    metrics["insample_signed_mean_error"] = statistics.fmean(error(row, shipped) for row in exact)
    metrics["insample_category_accuracy"] = statistics.fmean(category_right(row, shipped) for row in exact)
    metrics["insample_count_mae"] = statistics.fmean(abs(error(row, shipped)) for row in exact)
    approximate = [row for row in rows if not row["count"].exact and not row["count"].lower_bound]
    lower_bounds = [row for row in rows if row["count"].lower_bound]
    metrics["insample_approximate_photos"] = len(approximate)
    metrics["insample_approximate_within_25pct"] = sum(
        abs(error(row, shipped)) <= APPROXIMATE_TOLERANCE * row["count"].value for row in approximate
    )
    metrics["insample_lower_bound_photos"] = len(lower_bounds)
    metrics["insample_lower_bound_reached"] = sum(error(row, shipped) >= 0 for row in lower_bounds)
    choices = sorted(set(chosen_per_source.values()))
    metrics["loso_chosen_person_score_printed_ratio"] = "; ".join(
        f"{score}/{ratio} for {sum(c == (score, ratio) for c in chosen_per_source.values())} sources"
        for score, ratio in choices
    )
    metrics["loso_signed_mean_error"] = statistics.fmean(e for e, _ in loso)
    metrics["loso_category_accuracy"] = statistics.fmean(right for _, right in loso)
    metrics["loso_count_mae"] = statistics.fmean(abs(e) for e, _ in loso)
    return metrics
