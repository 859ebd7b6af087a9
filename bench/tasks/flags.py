"""Red flags: precision and recall per kind on the evaluation sets.

    python bench/run.py flags ../shared/eval [--cache DIR] [--config FILE] [--kinds alcohol,litter,tobacco,advertising]
        [--text-region-variants] [--close-look-places text,objects,frame]

DATASET is the eval root (it holds youth_dev, coco128, litter_street_santiago, smoking_cigarette). `--cache DIR`
keeps the stage-1 analyses between runs (photocheck's own analysis cache); `--config FILE` measures other settings;
`--kinds` measures only those kinds (and analyses only the sets they need).

Thresholds chosen on these sets are also reported cross-validated (`*_cv_*`): on each fold, the value with the best
F1 on the other folds is chosen among candidates and applied to the held-out fold (folds stratified by label).

- alcohol_coco128: images with a bottle or wine glass box vs images without (any alcohol flag counts);
- alcohol_youth: youth_dev `alcohol` yes vs no ("unsure" left out);
- advertising_youth: youth_dev `advertising_or_logo` yes vs no ("unsure" left out); `_strong` counts strong flags only;
  `_cv_` re-chooses the large-lettering height on 3 folds; `advertising_youth_close_look_*` after the selection's
  close look (every photo's text read again at `close_look_text_side`, as `select` does for its candidates);
  `_text_seconds_per_photo` times the OCR alone (re-run on the youth_dev photos at working size, at the configured
  `text.detect_side`), `_text_regions_seconds_per_photo` the second pass on likely regions (`[text_regions]`);
  `advertising_youth_dev2_close_look_*` counts youth_dev2 the same way after the close look (when present);
  `--close-look-places A,B` also measures the close look reading each of those `[text_regions] close_look_places`
  (on the same first looks);
  `--text-region-variants` also measures each of TEXT_REGION_VARIANTS (youth_dev analysed again per variant) and
  reports the variant chosen per fold (`_cv_`);
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
from photocheck.close_look import close_look_config
from photocheck.config import default_config
from photocheck.judges import taught
from photocheck.judges.flags import judge_flags
from photocheck.loading import load_photo
from photocheck.models.base import ModelStore
from photocheck.models.text_reader import TextReader
from photocheck.pipeline import Analyzer, read_texts, reread_texts
from photocheck.results import PhotoAnalysis
from photocheck.scan import scan
from photocheck.text_regions import read_likely_text


# The eval sets each kind is measured on.
KINDS = {
    "alcohol": ("coco128", "youth_dev"),
    "litter": ("litter_street_santiago", "youth_dev"),
    "tobacco": ("smoking_cigarette", "youth_dev", "coco128"),
    "advertising": ("youth_dev",),
}

# Candidates for `[flags.advertising] large_text_height` (share of the photo height), re-chosen per fold.
LARGE_TEXT_HEIGHTS = [0.02, 0.025, 0.03, 0.04, 0.05, 0.07, 0.1, 1.0]

# The second text pass (`[text_regions]`) compared by --text-region-variants, costliest first (ties go to the cheaper):
# the backdrop band and the chests of the 12 largest faces, the backdrop band alone, no second pass.
TEXT_REGION_VARIANTS = {
    "backdrop_and_chests": {"in_scan": True, "max_chests": 12, "max_pixels": 1_000_000},
    "backdrop": {"in_scan": True, "max_chests": 0},
    "off": {"in_scan": False},
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
    metrics[f"{name}_best_{setting.rsplit('.', 1)[1]}_on_all"] = _chosen_per_fold(
        metrics, f"{name}_cv", predictions, actual, folds
    )


def _chosen_per_fold(metrics: dict, name: str, predictions: dict, actual: list[bool], folds: int):
    """Reports the predictions of the candidate chosen on the other folds (best F1; ties to the later candidate in
    `predictions`) for each held-out fold; returns the candidate chosen on all the data."""
    candidates = list(predictions)
    fold_of = {}
    for label in (True, False):
        for i, index in enumerate(index for index, y in enumerate(actual) if y == label):
            fold_of[index] = i % folds
    predicted = [False] * len(actual)
    for fold in range(folds):
        train = [i for i in fold_of if fold_of[i] != fold]
        best = max(candidates, key=lambda v: (
            _f1([predictions[v][i] for i in train], [actual[i] for i in train]), candidates.index(v)))
        for i in fold_of:
            if fold_of[i] == fold:
                predicted[i] = predictions[best][i]
    _report(metrics, name, predicted, actual)
    return max(candidates, key=lambda v: (_f1(predictions[v], actual), candidates.index(v)))


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


def _text_seconds_per_photo(folder: Path, analyzer: Analyzer, config, analyses: dict) -> tuple[float, float]:
    """OCR time per photo at working size: the first pass (detector at the configured `text.detect_side`) and the
    second pass on the likely regions (`[text_regions]`, placed by the faces of `analyses`)."""
    first, second = [], []
    for path in sorted(folder.glob("*.jpg")):
        photo = load_photo(path, config.loading.working_size, config.loading.max_megapixels)
        faces = [face.box.scaled(1 / photo.scale) for face in analyses[path.name].faces]
        start = time.perf_counter()
        read = read_texts(analyzer.text_reader, photo, faces, config, likely_places=False)
        middle = time.perf_counter()
        read_likely_text(analyzer.text_reader, photo, faces, read, config.text_regions)
        first.append(middle - start)
        second.append(time.perf_counter() - middle)
    return float(np.mean(first)), float(np.mean(second))


def _text_regions(metrics: dict, dataset: Path, youth_rows: list[dict], config, cache) -> None:
    """Which likely regions the second text pass reads, chosen per fold (3 folds) among TEXT_REGION_VARIANTS."""
    predictions, actual = {}, None
    for variant, overrides in TEXT_REGION_VARIANTS.items():
        varied = config.with_overrides({"text_regions": overrides}, f"bench variant {variant}")
        analyzer = Analyzer(varied)
        analyses = _analyses(dataset / "youth_dev" / "images", varied, analyzer, cache)
        cases = _labelled_youth(youth_rows, "advertising_or_logo", analyses)
        predictions[variant] = [_flagged(a, "advertising", varied) for a, _ in cases]
        actual = [label for _, label in cases]
        _report(metrics, f"advertising_youth_text_regions_{variant}", predictions[variant], actual)
        # a variant without the pass in the scan costs the scan nothing (the close look still runs it)
        metrics[f"advertising_youth_text_regions_{variant}_seconds_per_photo"] = _text_seconds_per_photo(
            dataset / "youth_dev" / "images", analyzer, varied, analyses
        )[1] if varied.text_regions.in_scan else 0.0
    metrics["advertising_youth_text_regions_chosen_on_all"] = _chosen_per_fold(
        metrics, "advertising_youth_text_regions_cv", predictions, actual, folds=3
    )


def _close_look(folder: Path, analyses: dict[str, PhotoAnalysis], config) -> tuple[dict[str, PhotoAnalysis], float]:
    """The analyses after the selection's close look (the product's own `reread_texts` at `close_look_text_side`,
    merged with the first look's lines), and its seconds per photo on one thread."""
    closer = close_look_config(config)
    reader = TextReader(ModelStore(threads=1), closer.text.detect_side, closer.text.min_score)
    started = time.perf_counter()
    looked = {name: reread_texts(reader, folder / name, analysis, closer) for name, analysis in analyses.items()}
    return looked, (time.perf_counter() - started) / max(1, len(analyses))


def _advertising(
    metrics: dict, dataset: Path, youth: dict, youth_rows: list[dict], config, analyzer, cache: Path | None,
    variants: list[str],
) -> None:
    folder = dataset / "youth_dev" / "images"
    advertising = _labelled_youth(youth_rows, "advertising_or_logo", youth)
    metrics["advertising_text_detect_side"] = config.text.detect_side
    metrics["advertising_text_seconds_per_photo"], metrics["advertising_text_regions_seconds_per_photo"] = \
        _text_seconds_per_photo(folder, analyzer, config, youth)
    _report(metrics, "advertising_youth_strong", [_flagged(a, "advertising", config, strong_only=True)
                                                  for a, _ in advertising], [y for _, y in advertising])
    _cross_validated(metrics, "advertising_youth", advertising, "advertising", config,
                     "flags.advertising.large_text_height", LARGE_TEXT_HEIGHTS, folds=3)
    _report(metrics, "advertising_youth", [_flagged(a, "advertising", config) for a, _ in advertising],
            [y for _, y in advertising])

    looked, metrics["advertising_close_look_seconds_per_photo"] = _close_look(folder, youth, config)
    closely = _labelled_youth(youth_rows, "advertising_or_logo", looked)
    _cross_validated(metrics, "advertising_youth_close_look", closely, "advertising", config,
                     "flags.advertising.large_text_height", LARGE_TEXT_HEIGHTS, folds=3)
    _report(metrics, "advertising_youth_close_look", [_flagged(a, "advertising", config) for a, _ in closely],
            [y for _, y in closely])

    second = dataset / "youth_dev2"
    youth2 = _analyses(second / "images", config, analyzer, cache) if second.is_dir() else {}
    if youth2:  # counted the same way, with the settings as they are (nothing chosen on it here)
        _youth_dev2_close_look(metrics, "advertising_youth_dev2_close_look", second, youth2, config)
    for variant in variants:
        varied = config.with_overrides({"text_regions": {"close_look_places": variant}}, f"bench {variant}")
        name = f"advertising_close_look_places_{variant}"
        looked, metrics[f"{name}_seconds_per_photo"] = _close_look(folder, youth, varied)
        closely = _labelled_youth(youth_rows, "advertising_or_logo", looked)
        _report(metrics, f"{name}_youth", [_flagged(a, "advertising", varied) for a, _ in closely],
                [y for _, y in closely])
        if youth2:
            _youth_dev2_close_look(metrics, f"{name}_youth_dev2", second, youth2, varied)


def _youth_dev2_close_look(metrics: dict, name: str, second: Path, analyses: dict, config) -> None:
    looked, metrics[f"{name}_seconds_per_photo"] = _close_look(second / "images", analyses, config)
    closely = _labelled_youth(youth_dev_rows(second), "advertising_or_logo", looked)
    _report(metrics, name, [_flagged(a, "advertising", config) for a, _ in closely], [y for _, y in closely])


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
        places = options[options.index("--close-look-places") + 1].split(",") if "--close-look-places" in options \
            else []
        _advertising(metrics, dataset, youth, youth_rows, config, analyzer, cache, places)
        if "--text-region-variants" in options:
            _text_regions(metrics, dataset, youth_rows, config, cache)
    return metrics
