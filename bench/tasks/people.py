"""People count and group-size category of `photocheck scan` against labelled counts.

`python bench/run.py people DATASET_DIR [--set section.key=VALUE ...]`

- `../shared/eval` (the root): youth_dev + youth_dev2 (`evaldata.policy_rows`), scanned through the analysis cache
  once per face-detector variant (`evaldata.face_variant_scans`: BlazeFace with 640, 512 or 384-px tiles overlapping
  0.1 or 0.25, and MTCNN), with persons from the lowest candidate score on. Everything chosen on data is re-chosen
  for each held-out source (`organisation`) on the other sources, as the shipped settings are chosen: the BlazeFace
  variant (MTCNN's time is more than the scan can afford: `evaldata.BLAZEFACE_VARIANTS`), the person score
  (`objects.person_min_score`) and the printed-face size ratio (`people.printed_face_max_ratio`), by
  `evaldata.cheapest_near_best` on the exact-count MAE (the cheapest variant within 0.03 of the lowest MAE, then its
  lowest-MAE score and ratio, ties to the shipped ones): `loso_*` figures and the choice per source. Beside them:
  `loso_*any_detector*`, the same choice with MTCNN allowed; `loso_*shipped_detector*`, the shipped variant kept (it
  was chosen on youth_dev), the score and ratio re-chosen; `insample_*`, the shipped settings on every photo (also
  per set), the lowest MAE of each variant over the score/ratio grid, and what each criterion chooses on every
  source. Headline: `loso_count_mae`.
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

import functools
import statistics
from pathlib import Path

from evaldata import (
    FACE_DETECTOR_VARIANTS,
    Count,
    best_candidate,
    choices_per_source,
    detector_fits,
    face_variant_scans,
    is_eval_root,
    leave_one_source_out,
    parse_count,
    policy_rows,
    shipped_variant,
    youth_dev_rows,
)

from photocheck.analysis.pipeline import Analyzer
from photocheck.config import default_config
from photocheck.judges.people import count_people, group_category
from tasks.faces import overrides

APPROXIMATE_TOLERANCE = 0.25
PERSON_CLASS = 0
# Candidates re-chosen per held-out source, the shipped value first (ties go to it); none below
# evaldata.VARIANT_SCANS_PERSON_MIN_SCORE, the score the scans keep persons from.
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
    variant_scans = face_variant_scans(eval_root, config)
    rows = [{**row, "count": parse_count(row["people_visible"])} for row in policy_rows(eval_root)]
    rows = [row for row in rows if row["count"].value is not None
            and all(scans[row["image"]].analysis.ok for scans in variant_scans.values())]
    exact = [row for row in rows if row["count"].exact]
    shipped_thresholds = (config.objects.person_min_score, config.people.printed_face_max_ratio)
    thresholds = [shipped_thresholds] + [
        (score, ratio) for score in PERSON_MIN_SCORES for ratio in PRINTED_FACE_MAX_RATIOS
        if (score, ratio) != shipped_thresholds
    ]
    candidates = [(variant, chosen) for variant in FACE_DETECTOR_VARIANTS for chosen in thresholds]
    shipped_detector = shipped_variant(config)
    shipped = (shipped_detector, shipped_thresholds)
    people_settings = {
        ratio: config.with_overrides({"people": {"printed_face_max_ratio": ratio}}, "bench people").people
        for _, ratio in thresholds
    }

    @functools.cache  # every fold scores every candidate on the same photos
    def counted(image: str, candidate: tuple):
        variant, (min_score, printed_ratio) = candidate
        analysis = variant_scans[variant][image].analysis
        persons = [person for person in analysis.persons if person.score >= min_score]
        return count_people(analysis.faces, persons, people_settings[printed_ratio])

    def error(row: dict, candidate) -> int:
        return counted(row["image"], candidate).count - row["count"].value

    def mae(training: list[dict], candidate) -> float:
        return statistics.fmean(abs(error(row, candidate)) for row in training)

    fit, fit_any_detector = detector_fits(candidates, mae)

    def fit_shipped_detector(training: list[dict]):
        return best_candidate([c for c in candidates if c[0] == shipped_detector], lambda c: -mae(training, c))

    def category_right(row: dict, candidate) -> bool:
        return counted(row["image"], candidate).category == group_category(row["count"].value, config.people)

    def predict(candidate, row: dict) -> tuple[int, bool]:
        return error(row, candidate), category_right(row, candidate)

    metrics: dict = {"exact_photos": len(exact), "sources": len({row["source"] for row in exact})}
    for name in sorted({row["set"] for row in exact}):
        in_set = [row for row in exact if row["set"] == name]
        metrics[f"insample_{name}_photos"] = len(in_set)
        metrics[f"insample_{name}_count_mae"] = mae(in_set, shipped)
    metrics["insample_signed_mean_error"] = statistics.fmean(error(row, shipped) for row in exact)
    metrics["insample_category_accuracy"] = statistics.fmean(category_right(row, shipped) for row in exact)
    metrics["insample_count_mae"] = mae(exact, shipped)
    approximate = [row for row in rows if not row["count"].exact and not row["count"].lower_bound]
    lower_bounds = [row for row in rows if row["count"].lower_bound]
    metrics["insample_approximate_photos"] = len(approximate)
    metrics["insample_approximate_within_25pct"] = sum(
        abs(error(row, shipped)) <= APPROXIMATE_TOLERANCE * row["count"].value for row in approximate
    )
    metrics["insample_lower_bound_photos"] = len(lower_bounds)
    metrics["insample_lower_bound_reached"] = sum(error(row, shipped) >= 0 for row in lower_bounds)
    metrics["insample_best_count_mae_per_variant"] = "; ".join(
        f"{variant} {min(mae(exact, (variant, chosen)) for chosen in thresholds):.4f}"
        for variant in FACE_DETECTOR_VARIANTS
    )
    for name, choose in (("", fit), ("_any_detector", fit_any_detector)):
        chosen_on_all = choose(exact)
        metrics[f"insample_chosen_on_all_sources{name}"] = _described(chosen_on_all)
        metrics[f"insample_chosen_on_all_sources{name}_count_mae"] = mae(exact, chosen_on_all)

    loso, chosen_per_source = leave_one_source_out(exact, fit_shipped_detector, predict)
    metrics["loso_shipped_detector_chosen_person_score_printed_ratio"] = "; ".join(
        f"{score}/{ratio} for {sum(chosen == (score, ratio) for _, chosen in chosen_per_source.values())} sources"
        for score, ratio in sorted({chosen for _, chosen in chosen_per_source.values()})
    )
    metrics["loso_shipped_detector_signed_mean_error"] = statistics.fmean(e for e, _ in loso)
    metrics["loso_shipped_detector_category_accuracy"] = statistics.fmean(right for _, right in loso)
    metrics["loso_count_mae_shipped_detector"] = statistics.fmean(abs(e) for e, _ in loso)

    loso, chosen_per_source = leave_one_source_out(exact, fit_any_detector, predict)
    metrics["loso_any_detector_chosen_per_source"] = choices_per_source(chosen_per_source, _described)
    metrics["loso_count_mae_any_detector"] = statistics.fmean(abs(e) for e, _ in loso)

    loso, chosen_per_source = leave_one_source_out(exact, fit, predict)
    metrics["loso_chosen_per_source"] = choices_per_source(chosen_per_source, _described)
    metrics["loso_signed_mean_error"] = statistics.fmean(e for e, _ in loso)
    metrics["loso_category_accuracy"] = statistics.fmean(right for _, right in loso)
    metrics["loso_count_mae"] = statistics.fmean(abs(e) for e, _ in loso)
    return metrics


def _described(candidate: tuple) -> str:
    variant, (min_score, printed_ratio) = candidate
    return f"{variant} {min_score}/{printed_ratio}"
