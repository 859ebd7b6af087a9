"""Face counting of the face detectors, after FaceMesh confirmation, against labelled counts.

`python bench/run.py faces DATASET_DIR [--detector blazeface|mtcnn] [--set section.key=VALUE ...]
                                       [--upscale-width N] [--min-width 10|20|40]`

- `../shared/eval` (the root): youth_dev + youth_dev2 (`evaldata.policy_rows`), the faces of the scans bench people
  makes (`evaldata.face_variant_scans`, one per face-detector variant: BlazeFace with 640, 512 or 384-px tiles
  overlapping 0.1 or 0.25, and MTCNN; through the analysis cache). The variant, chosen on youth_dev (and WIDER) when
  shipped, is re-chosen for each held-out source (`organisation`) on the other sources as the shipped one is
  chosen: among the BlazeFace variants (MTCNN's time is more than the scan can afford: `evaldata.BLAZEFACE_VARIANTS`),
  by `evaldata.cheapest_near_best` on the exact-count MAE (the cheapest variant within 0.03 of the lowest): `loso_*`
  figures and the choice per source (`loso_chosen_per_source`); `loso_*any_detector*` the same choice with MTCNN
  allowed. `insample_*`: the shipped variant on every photo (also per set and per source, and the approximate counts
  as below), each variant's MAE, and the variant each criterion chooses on every source. `--detector`,
  `--upscale-width` and `--min-width` are for the single sets. Headline: `loso_count_mae`.
- `../shared/eval/youth_dev`: the photos whose `faces_visible` is an exact count give the main figures; those with
  an approximate one ("~N" as N, ">N" as N+1) are reported apart (`approx_*`); "unknown" is left out.
- `../shared/eval/wider_face_val_subset`: `n_faces_w_ge_20px_orig`, faces at least 20 px wide in the original
  WIDER FACE photo (`--min-width 10|40` for the other columns). Its source stretched the images to 416x416, so
  only counts are compared. A 20-px face of the 1024-px-wide original is ~8 px wide there; `--upscale-width 1024`
  enlarges each decoded image (bicubic, same aspect) to the original width first, so tiles and pyramid scales
  work as on a real photo (the lost detail does not come back).

On a single set, each photo is decoded as `photocheck scan` does (`loading.working_size`), the detector named by
`--detector` (default: `faces.detector`) runs and FaceMesh confirms its candidates, as in the pipeline. `--set`
overrides a setting for the run (a TOML assignment, e.g. `--set faces.tile_size=320`), for tuning.
Time per photo: detector + FaceMesh, one onnxruntime thread, decoding excluded.
Prints (single sets): photos, labelled faces, detector candidates, found (confirmed) faces, found/labelled, signed
mean error (found - labelled), median seconds per photo, then the approximate-count figures (youth_dev) and the mean
absolute error of the exact counts (headline).
"""

from __future__ import annotations

import csv
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
from evaldata import (
    FACE_DETECTOR_VARIANTS,
    choices_per_source,
    detector_fits,
    face_variant_scans,
    is_eval_root,
    leave_one_source_out,
    parse_count,
    policy_rows,
    shipped_variant,
)

from photocheck import toml
from photocheck.analysis.loading import load_photo
from photocheck.config import default_config
from photocheck.models.base import ModelStore
from photocheck.models.face_detectors import confirmed_faces, face_detector
from photocheck.models.facemesh import FaceMesh

WIDER_COUNT_COLUMN = "n_faces_w_ge_{}px_orig"


@dataclass
class Labelled:
    path: Path
    faces: int
    exact: bool


@dataclass
class Counted:
    labelled: Labelled
    candidates: int
    found: int
    seconds: float


def labelled_photos(dataset: Path, min_width: int = 20) -> list[Labelled]:
    """The photos of either dataset with a face count (unknown counts left out)."""
    root = dataset.parent if dataset.name == "images" else dataset
    with (root / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    column = WIDER_COUNT_COLUMN.format(min_width)
    if column in rows[0]:
        return [Labelled(root / row["file"], int(row[column]), exact=True) for row in rows]
    counts = [(root / row["file"], parse_count(row["faces_visible"])) for row in rows]
    return [Labelled(path, count.value, count.exact) for path, count in counts if count.value is not None]


def overrides(options: list[str]) -> dict:
    """`--set a.b=v` options as a nested dict of TOML values."""
    values: dict = {}
    for index, option in enumerate(options):
        if option == "--set":
            values = _merged(values, toml.loads(options[index + 1]))
    return values


def _merged(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = _merged(merged.get(key, {}), value) if isinstance(value, dict) else value
    return merged


def _option(options: list[str], name: str, default: str | None) -> str | None:
    return options[options.index(name) + 1] if name in options else default


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config().with_overrides(overrides(options), "--set")
    if is_eval_root(dataset):
        return _run_policy_sets(dataset, config)
    detector_name = _option(options, "--detector", config.faces.detector)
    upscale_width = int(_option(options, "--upscale-width", "0"))
    store = ModelStore()
    detector = face_detector(store, config.faces, detector_name)
    face_mesh = FaceMesh(store)
    counted = []
    for labelled in labelled_photos(dataset, int(_option(options, "--min-width", "20"))):
        rgb = load_photo(labelled.path, config.loading.working_size, config.loading.max_megapixels).rgb
        if rgb.shape[1] < upscale_width:
            height = round(rgb.shape[0] * upscale_width / rgb.shape[1])
            rgb = cv2.resize(rgb, (upscale_width, height), interpolation=cv2.INTER_CUBIC)
        started = time.perf_counter()
        candidates = detector.detect(rgb)
        found = confirmed_faces(candidates, face_mesh, rgb, config.faces)
        counted.append(Counted(labelled, len(candidates), len(found), time.perf_counter() - started))
    exact = [c for c in counted if c.labelled.exact]
    approximate = [c for c in counted if not c.labelled.exact]
    metrics = {
        "detector": detector_name,
        "photos": len(exact),
        "labelled_faces": sum(c.labelled.faces for c in exact),
        "detector_candidates": sum(c.candidates for c in exact),
        "found_faces": sum(c.found for c in exact),
        "found_per_labelled": _found_per_labelled(exact),
        "signed_mean_error": statistics.fmean(c.found - c.labelled.faces for c in exact),
        "seconds_per_photo_median": statistics.median(c.seconds for c in counted),
    }
    if approximate:
        metrics["approx_photos"] = len(approximate)
        metrics["approx_found_per_labelled"] = _found_per_labelled(approximate)
        metrics["approx_count_mae"] = _mae(approximate)
    metrics["count_mae"] = _mae(exact)
    return metrics


def _run_policy_sets(eval_root: Path, config) -> dict:
    variant_scans = face_variant_scans(eval_root, config)
    rows = [{**row, "faces": parse_count(row["faces_visible"])} for row in policy_rows(eval_root)]
    rows = [row for row in rows if row["faces"].value is not None
            and all(scans[row["image"]].analysis.ok for scans in variant_scans.values())]
    exact = [row for row in rows if row["faces"].exact]
    approximate = [row for row in rows if not row["faces"].exact]
    # nothing but the variant is chosen here; detector_fits takes (variant, settings) pairs
    candidates = [(variant, None) for variant in FACE_DETECTOR_VARIANTS]
    shipped = (shipped_variant(config), None)

    def found(row: dict, candidate) -> int:
        return len(variant_scans[candidate[0]][row["image"]].analysis.faces)

    def mae(members: list[dict], candidate) -> float:
        return statistics.fmean(abs(found(row, candidate) - row["faces"].value) for row in members)

    fit, fit_any_detector = detector_fits(candidates, mae)

    def found_and_labelled(candidate, row: dict) -> tuple[int, int]:
        return found(row, candidate), row["faces"].value

    def found_per_labelled(members: list[dict], candidate) -> float:
        return sum(found(row, candidate) for row in members) / sum(row["faces"].value for row in members)

    metrics: dict = {
        "photos": len(exact),
        "sources": len({row["source"] for row in exact}),
        "labelled_faces": sum(row["faces"].value for row in exact),
        "insample_found_faces": sum(found(row, shipped) for row in exact),
        "insample_found_per_labelled": found_per_labelled(exact, shipped),
        "insample_signed_mean_error": statistics.fmean(found(row, shipped) - row["faces"].value for row in exact),
    }
    for key in ("set", "source"):
        for name in sorted({row[key] for row in exact}):
            label = name if key == "set" else f"source {name}"
            members = [row for row in exact if row[key] == name]
            metrics[f"insample_{label}_photos"] = len(members)
            metrics[f"insample_{label}_count_mae"] = mae(members, shipped)
    metrics["insample_approx_photos"] = len(approximate)
    metrics["insample_approx_found_per_labelled"] = found_per_labelled(approximate, shipped)
    metrics["insample_approx_count_mae"] = mae(approximate, shipped)
    metrics["insample_count_mae_per_variant"] = "; ".join(
        f"{variant} {mae(exact, (variant, None)):.4f}" for variant in FACE_DETECTOR_VARIANTS
    )
    for name, choose in (("", fit), ("_any_detector", fit_any_detector)):
        chosen_on_all = choose(exact)
        metrics[f"insample_chosen_on_all_sources{name}"] = chosen_on_all[0]
        metrics[f"insample_chosen_on_all_sources{name}_count_mae"] = mae(exact, chosen_on_all)
    metrics["insample_count_mae"] = mae(exact, shipped)
    loso, chosen_per_source = leave_one_source_out(exact, fit_any_detector, found_and_labelled)
    metrics["loso_any_detector_chosen_per_source"] = choices_per_source(chosen_per_source, lambda c: c[0])
    metrics["loso_count_mae_any_detector"] = statistics.fmean(abs(f - labelled) for f, labelled in loso)
    loso, chosen_per_source = leave_one_source_out(exact, fit, found_and_labelled)
    metrics["loso_chosen_per_source"] = choices_per_source(chosen_per_source, lambda candidate: candidate[0])
    metrics["loso_found_per_labelled"] = sum(f for f, _ in loso) / sum(labelled for _, labelled in loso)
    metrics["loso_signed_mean_error"] = statistics.fmean(f - labelled for f, labelled in loso)
    metrics["loso_count_mae"] = statistics.fmean(abs(f - labelled) for f, labelled in loso)
    return metrics


def _found_per_labelled(counted: list[Counted]) -> float:
    return sum(c.found for c in counted) / sum(c.labelled.faces for c in counted)


def _mae(counted: list[Counted]) -> float:
    return statistics.fmean(abs(c.found - c.labelled.faces) for c in counted)
