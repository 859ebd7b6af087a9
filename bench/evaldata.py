"""Readers for the labelled evaluation sets in ../shared/eval (never copied into the project)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from photocheck.config import Config
from photocheck.records.judgement import PhotoResult, ScanResult
from photocheck.scan import scan
from photocheck.scan_file import load_scan
from photocheck.user_dirs import user_cache_dir


@dataclass
class Count:
    """A hand-written count: exact ("7"), approximate ("~7") or a lower bound (">15"); None for unknown."""

    value: int | None
    exact: bool
    lower_bound: bool = False


def parse_count(text: str) -> Count:
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        return Count(int(text), exact=True)
    if match := re.fullmatch(r"~(\d+)", text):
        return Count(int(match.group(1)), exact=False)
    if match := re.fullmatch(r">(\d+)", text):
        return Count(int(match.group(1)) + 1, exact=False, lower_bound=True)
    return Count(None, exact=False)


def youth_dev_rows(dataset: Path) -> list[dict[str, str]]:
    """Rows of labels.csv with `image` set to the photo's path. `dataset` is the youth_dev folder or its images/."""
    root = dataset.parent if dataset.name == "images" else dataset
    with (root / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["image"] = str(root / row["file"])
    return rows


def youth_dev_scan(dataset: Path, config: Config, scan_file: str | None) -> tuple[Path, ScanResult]:
    """The youth_dev images folder and its scan: the one `photocheck scan --json` wrote to `scan_file` (re-judged
    with `config`), else a fresh scan in this process. `dataset` is the youth_dev folder or its images/."""
    images = dataset if dataset.name == "images" else dataset / "images"
    return images, load_scan(Path(scan_file), config) if scan_file else scan(images, config, workers=0)


# The labelled photo sets of youth groups; together they hold 12 sources (the `organisation` column).
POLICY_SETS = ("youth_dev", "youth_dev2")


def is_eval_root(dataset: Path) -> bool:
    """Whether `dataset` is the eval root (../shared/eval) holding every policy set, rather than one set."""
    return all((dataset / name / "labels.csv").is_file() for name in POLICY_SETS)


def source_of(row: dict[str, str]) -> str:
    """The source of a labelled row: the group's name before the description in `organisation`
    ("KLJ Assenede — KLJ (...)" and "Chiro Schelle - ..." give "KLJ Assenede" and "Chiro Schelle")."""
    return re.split(r" — | - ", row["organisation"], maxsplit=1)[0].strip()


def policy_target(dataset: Path) -> tuple[Path, tuple[str, ...]]:
    """The eval root and the policy sets a task measures: every set when `dataset` is the eval root
    (../shared/eval), one set when it is that set's folder (../shared/eval/youth_dev2)."""
    return (dataset, POLICY_SETS) if is_eval_root(dataset) else (dataset.parent, (dataset.name,))


def policy_rows(eval_root: Path, sets: tuple[str, ...] = POLICY_SETS) -> list[dict[str, str]]:
    """The rows of every policy set under `eval_root` (../shared/eval), each with `image`, `set` and `source`."""
    rows = []
    for name in sets:
        for row in youth_dev_rows(eval_root / name):
            rows.append({**row, "set": name, "source": source_of(row)})
    return rows


def policy_scans(eval_root: Path, config: Config, sets: tuple[str, ...] = POLICY_SETS,
                 cache: Path | None = user_cache_dir()) -> dict[str, PhotoResult]:
    """The scan of every photo of the policy sets, keyed by the row's `image` path. photocheck's own analysis cache
    is used (keyed by the stage-1 code and settings), so a second run of unchanged analysis code only re-judges."""
    results = {}
    for name in sets:
        images = eval_root / name / "images"
        for photo in scan(images, config, workers=0, cache=cache).photos:
            results[str(images / photo.analysis.path)] = photo
    return results


# The face detector's structural settings ([faces]) chosen per held-out source by bench people and bench faces,
# cheapest first: BlazeFace model runs on a 1280x960 photo (the whole photo + its tiles) 7, 7, 7, 10, 13, 16, then
# MTCNN (its image pyramid: 0.37 s a photo against BlazeFace's 0.07, `faces ../shared/eval/youth_dev --detector`).
FACE_DETECTOR_VARIANTS = {
    "blazeface 640/0.1": {"detector": "blazeface", "tile_size": 640, "tile_overlap": 0.1},
    "blazeface 512/0.1": {"detector": "blazeface", "tile_size": 512, "tile_overlap": 0.1},
    "blazeface 640/0.25": {"detector": "blazeface", "tile_size": 640, "tile_overlap": 0.25},
    "blazeface 512/0.25": {"detector": "blazeface", "tile_size": 512, "tile_overlap": 0.25},
    "blazeface 384/0.1": {"detector": "blazeface", "tile_size": 384, "tile_overlap": 0.1},
    "blazeface 384/0.25": {"detector": "blazeface", "tile_size": 384, "tile_overlap": 0.25},
    "mtcnn": {"detector": "mtcnn"},
}
# The variants a shipped scan can afford: MTCNN (0.37 s a photo against BlazeFace's 0.07, medians on youth_dev)
# would nearly double the time of a scan already below its 5 photos/s target. The headlines of bench people and faces
# choose among these, as the shipped settings are chosen; their `*_any_detector` rows allow MTCNN too.
BLAZEFACE_VARIANTS = tuple(name for name, faces in FACE_DETECTOR_VARIANTS.items() if faces["detector"] == "blazeface")
# A cheaper variant is chosen when its MAE is at most this far above the lowest.
VARIANT_MAE_TOLERANCE = 0.03
# The variants' scans keep persons from this score on, the lowest objects.person_min_score that bench people tries,
# so bench faces reuses the same analyses (the analysis cache is keyed by every stage-1 setting).
VARIANT_SCANS_PERSON_MIN_SCORE = 0.25


def face_variant_scans(eval_root: Path, config: Config) -> dict[str, dict[str, PhotoResult]]:
    """The policy sets' scans (`policy_scans`) with each of FACE_DETECTOR_VARIANTS, by variant name."""
    scan_config = config.with_overrides({"objects": {"person_min_score": VARIANT_SCANS_PERSON_MIN_SCORE}}, "bench")
    return {
        name: policy_scans(eval_root, scan_config.with_overrides({"faces": faces}, f"bench {name}"))
        for name, faces in FACE_DETECTOR_VARIANTS.items()
    }


def shipped_variant(config: Config) -> str:
    """The name of the variant of FACE_DETECTOR_VARIANTS that `config`'s [faces] settings are."""
    for name, faces in FACE_DETECTOR_VARIANTS.items():
        if all(getattr(config.faces, key) == value for key, value in faces.items()):
            return name
    raise ValueError("the [faces] detector, tile_size and tile_overlap are none of bench's FACE_DETECTOR_VARIANTS")


def cheapest_near_best(candidates: list[tuple[str, object]], mae) -> tuple[str, object]:
    """The (variant, settings) candidate chosen by its `mae(candidate)`: the cheapest variant with a candidate within
    VARIANT_MAE_TOLERANCE of the lowest MAE, then that variant's candidate with the lowest MAE (ties to the earliest).
    List the candidates variant by variant in FACE_DETECTOR_VARIANTS order, each variant's settings in order of
    preference (the shipped ones first)."""
    maes = {candidate: mae(candidate) for candidate in candidates}
    lowest = min(maes.values())
    # rounded so that an MAE exactly the tolerance above the lowest counts as within it despite float error
    cheapest = next(variant for variant, settings in candidates
                    if round(maes[variant, settings] - lowest, 9) <= VARIANT_MAE_TOLERANCE)
    return best_candidate([c for c in candidates if c[0] == cheapest], lambda candidate: -maes[candidate])


def detector_fits(candidates: list[tuple[str, object]], mae) -> tuple:
    """How bench people and faces choose a (variant, settings) candidate on training rows by `mae(training,
    candidate)`: as the shipped settings are chosen (among BLAZEFACE_VARIANTS), and with MTCNN allowed too."""
    affordable = [candidate for candidate in candidates if candidate[0] in BLAZEFACE_VARIANTS]

    def as_shipped(training: list[dict]):
        return cheapest_near_best(affordable, lambda candidate: mae(training, candidate))

    def any_detector(training: list[dict]):
        return cheapest_near_best(candidates, lambda candidate: mae(training, candidate))

    return as_shipped, any_detector


def choices_per_source(chosen_per_source: dict[str, object], described) -> str:
    """What `leave_one_source_out` chose for each held-out source, as "source: described(choice); ..."."""
    return "; ".join(f"{source}: {described(chosen)}" for source, chosen in chosen_per_source.items())


def leave_one_source_out(rows: list[dict[str, str]], fit, predict) -> tuple[list, dict[str, object]]:
    """Predictions for every row made with what `fit` chose on the rows of the *other* sources.

    `fit(training_rows)` returns whatever is chosen on data (a threshold, weights, a rule set); `predict(chosen, row)`
    applies it to one held-out row. Returns the predictions in the order of `rows` and the choice per source."""
    predictions: list = [None] * len(rows)
    chosen_per_source: dict[str, object] = {}
    for source in sorted({row["source"] for row in rows}):
        chosen = fit([row for row in rows if row["source"] != source])
        chosen_per_source[source] = chosen
        for i, row in enumerate(rows):
            if row["source"] == source:
                predictions[i] = predict(chosen, row)
    return predictions, chosen_per_source


def best_candidate(candidates: list, score) -> object:
    """The candidate with the highest `score(candidate)`; ties go to the earliest candidate (list them in order of
    preference, e.g. the most conservative first)."""
    return max(candidates, key=lambda candidate: (score(candidate), -candidates.index(candidate)))
