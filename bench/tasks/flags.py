"""Red flags: precision and recall per kind on the evaluation sets.

    python bench/run.py flags ../shared/eval [--cache DIR] [--config FILE] [--kinds alcohol,litter,tobacco,advertising]
        [--text-region-variants] [--close-look-cache DIR]

DATASET is the eval root (it holds youth_dev, coco128, litter_street_santiago, smoking_cigarette). `--cache DIR`
keeps the stage-1 analyses between runs (photocheck's own analysis cache); `--config FILE` measures other settings;
`--kinds` measures only those kinds (and analyses only the sets they need).

Thresholds chosen on these sets are also reported cross-validated (`*_cv_*`): on each fold, the value with the best
F1 on the other folds is chosen among candidates and applied to the held-out fold (folds stratified by label).

- alcohol_coco128: images with a bottle or wine glass box vs images without (any alcohol flag counts);
- alcohol_youth: youth_dev `alcohol` yes vs no ("unsure" left out);
- advertising: youth_dev + youth_dev2 leave-one-source-out, in the scan and after the close look (see
  `_advertising` for the rows and figures; `--close-look-cache DIR` keeps the close look's readings, by default in
  the system's temporary folder); `_text_seconds_per_photo` times the OCR alone (re-run on the youth_dev photos at
  working size, at the configured `text.detect_side`), `_text_regions_seconds_per_photo` the second pass on likely
  regions (`[text_regions]`); `--text-region-variants` also measures each of TEXT_REGION_VARIANTS on youth_dev
  (analysed again per variant) and reports the variant chosen per fold (`_cv_`);
- litter: litter_street_santiago yes vs its no plus youth_dev `litter` no;
- tobacco (taught): the classifier of `photocheck teach` trained on one half of smoking_cigarette (split by source
  photo, so augmented copies of one photo never straddle the halves) plus one half of the youth_dev and coco128
  negatives, tested on the other halves, then the halves swapped. Stored in a temporary folder only.
"""

from __future__ import annotations

import csv
import itertools
import tempfile
import time
from pathlib import Path

import numpy as np

from evaldata import POLICY_SETS, best_candidate, leave_one_source_out, policy_rows, policy_scans, youth_dev_rows
from photocheck.close_look import TextRereader
from photocheck.config import default_config
from photocheck.judges import taught
from photocheck.judges.flags import judge_flags, text_findings
from photocheck.loading import load_photo
from photocheck.pipeline import Analyzer, read_texts
from photocheck.results import PhotoAnalysis
from photocheck.scan import scan
from photocheck.text_regions import read_likely_text


# The eval sets each kind is measured on.
KINDS = {
    "alcohol": ("coco128", "youth_dev"),
    "litter": ("litter_street_santiago", "youth_dev"),
    "tobacco": ("smoking_cigarette", "youth_dev", "coco128"),
    "advertising": (),  # youth_dev + youth_dev2 through evaldata.policy_scans
}

# Candidate `[flags.advertising]` settings, chosen per held-out source (every combination; the first value of each is
# the most conservative and wins ties): the signals that make a line commercial (`signals`, also taken as
# `strong_signals`: the brand lists only, or every signal) and the large-lettering rule (height 1.0 turns it off).
ADVERTISING_CANDIDATES = {
    "signals": {"brands": ["brand", "public_brand"],
                "all": ["brand", "public_brand", "web", "email", "phone", "legal_form", "trade_word"]},
    "large_text_height": [1.0, 0.07, 0.04, 0.025, 0.02, 0.015, 0.01],
    "large_text_min_words": [2, 1],
    "large_text_score": [0.9, 0.8],
    "large_text_min_letters": [5, 3],
}
ADVERTISING_PRECISION = 0.8

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


def _close_look(dataset: Path, scans: dict, config, cache: Path) -> dict[str, PhotoAnalysis]:
    """The policy photos' analyses after the selection's close look (the product's own TextRereader: text read again
    at `close_look_text_side`, merged with the first look's lines), keyed like `scans`. The readings are kept in the
    analysis cache under `cache` (a folder outside the project), so a second run reads nothing again."""
    looked = {}
    for name in POLICY_SETS:
        images = dataset / name / "images"
        photos = {str(images / photo.analysis.path): photo for key, photo in scans.items()
                  if Path(key).parent == images}
        by_path = {result.analysis.path: result.analysis
                   for result in TextRereader(images, config, cache=cache)(list(photos.values()))}
        looked.update({key: by_path[photo.analysis.path] for key, photo in photos.items()})
    return looked


def _advertising_rows(rows: list[dict]) -> dict[str, list[tuple[dict, bool]]]:
    """The two advertising rows: background_or_product (youth_dev2 background/product and youth_dev yes against
    every "no"; clothing-only and unsure left out) and every_labelled (every yes, clothing included, against no)."""
    negatives = [(row, False) for row in rows if row["advertising_or_logo"] == "no"]
    seen = [row for row in rows if row["advertising_or_logo"] == "yes"]
    shown = [row for row in seen if row["set"] == "youth_dev" or row["advertising_where"] in ("background", "product")]
    return {
        "background_or_product": [(row, True) for row in shown] + negatives,
        "every_labelled": [(row, True) for row in seen] + negatives,
    }


def _precision_recall(predicted: list[bool], actual: list[bool]) -> tuple[float, float]:
    rates = _rates(predicted, actual)
    return rates["precision"], rates["recall"]


def _fit_score(predicted: list[bool], actual: list[bool]) -> tuple:
    """Recall at a precision of at least ADVERTISING_PRECISION; below it, the precision (higher is better)."""
    precision, recall = _precision_recall(predicted, actual)
    precision = 0.0 if precision != precision else precision  # nothing flagged
    enough = precision >= ADVERTISING_PRECISION
    return enough, recall if enough else precision


def _advertising_variants(config) -> dict[str, object]:
    """Every candidate setting of ADVERTISING_CANDIDATES by a short name, the most conservative first."""
    signal_sets = ADVERTISING_CANDIDATES["signals"]
    others = {key: values for key, values in ADVERTISING_CANDIDATES.items() if key != "signals"}
    variants = {}
    for signals_name, *values in itertools.product(signal_sets, *others.values()):
        setting = dict(zip(others, values))
        name = " ".join([signals_name] + [f"{key.removeprefix('large_text_')}={value}" for key, value in setting.items()])
        override = {"signals": signal_sets[signals_name], "strong_signals": signal_sets[signals_name], **setting}
        variants[name] = config.with_overrides({"flags": {"advertising": override}}, f"bench {name}")
    return variants


def _advertising_flag(analysis: PhotoAnalysis, config) -> tuple[bool, bool]:
    """Whether the photo gets an advertising flag, and whether a strong one (the advertising part of judge_flags)."""
    findings = text_findings(analysis, config.flags.advertising)["advertising"]
    return bool(findings), any(finding.strong for finding in findings)


def _advertising_loso(metrics: dict, name: str, cases: list[tuple[dict, bool]], predictions: dict) -> None:
    """In-sample figures of the default settings and of the best candidate, and leave-one-source-out figures (the
    candidate chosen on the other sources), with per-source counts."""
    rows = [row for row, _ in cases]
    actual = {row["image"]: label for row, label in cases}
    labels = [label for _, label in cases]
    candidates = [candidate for candidate in predictions if candidate != "default"]

    def fit(training):
        truth = [actual[row["image"]] for row in training]
        return best_candidate(candidates, lambda c: _fit_score([predictions[c][r["image"]] for r in training], truth))

    predicted, chosen = leave_one_source_out(rows, fit, lambda c, row: predictions[c][row["image"]])
    for label, values in (("default_in_sample", [predictions["default"][r["image"]] for r in rows]),
                          ("loso", predicted)):
        _report(metrics, f"{name}_{label}", values, labels)
    best = fit(rows)
    _report(metrics, f"{name}_best_in_sample", [predictions[best][r["image"]] for r in rows], labels)
    metrics[f"{name}_best_in_sample_setting"] = best
    metrics[f"{name}_loso_chosen_per_source"] = chosen
    per_source = {}
    for (row, label), flagged in zip(cases, predicted):
        counts = per_source.setdefault(row["source"], {"positives": 0, "negatives": 0, "tp": 0, "fp": 0})
        counts["positives" if label else "negatives"] += 1
        counts["tp" if label else "fp"] += int(flagged)
    metrics[f"{name}_loso_per_source"] = per_source


def _advertising(metrics: dict, dataset: Path, config, analyzer, close_look_cache: Path) -> None:
    """Advertising on youth_dev + youth_dev2 (170 photos, 12 sources), in the scan alone and after the close look.

    Rows (`advertising_ROW_LOOK_FIGURE`):
    - ROW background_or_product: positives are youth_dev2 photos whose most prominent brand is in the background or on
      a product, and youth_dev's advertising_or_logo=yes; negatives every advertising_or_logo=no; unsure and
      clothing-only photos are left out. `_strong` counts strong flags only (the photo is skipped), otherwise any
      advertising flag counts;
    - ROW every_labelled: every advertising_or_logo=yes photo (clothing included) against the no's; weak flags count.
    LOOK is `scan` (the first look, every photo) or `close_look` (text read again at close_look_text_side).
    FIGURE: `default_in_sample` the shipped settings on all photos; `best_in_sample` the candidate (a combination of
    ADVERTISING_CANDIDATES) with the best recall at precision >= 0.8 on all photos;
    `loso` each source judged with the candidate chosen that way on the other sources (the honest figure), with the
    choice per source and the per-source counts (tp: positives flagged, fp: negatives flagged).
    """
    folder = dataset / "youth_dev" / "images"
    rows = policy_rows(dataset)
    scans = policy_scans(dataset, config)
    youth = {Path(key).name: photo.analysis for key, photo in scans.items() if Path(key).parent == folder}
    metrics["advertising_text_detect_side"] = config.text.detect_side
    metrics["advertising_text_seconds_per_photo"], metrics["advertising_text_regions_seconds_per_photo"] = \
        _text_seconds_per_photo(folder, analyzer, config, youth)
    looks = {"scan": {key: photo.analysis for key, photo in scans.items()},
             "close_look": _close_look(dataset, scans, config, close_look_cache)}
    variants = {"default": config, **_advertising_variants(config)}
    started = time.perf_counter()
    flagged = {look: {variant: {key: _advertising_flag(analysis, varied) for key, analysis in analyses.items()}
                      for variant, varied in variants.items()}
               for look, analyses in looks.items()}
    metrics["advertising_judge_seconds_per_photo"] = (time.perf_counter() - started) / (
        len(variants) * sum(len(analyses) for analyses in looks.values()))
    judged = {(look, strong_only): {variant: {key: flags[strong_only] for key, flags in by_photo.items()}
                                    for variant, by_photo in by_variant.items()}
              for look, by_variant in flagged.items() for strong_only in (False, True)}
    for row_name, cases in _advertising_rows(rows).items():
        for look in looks:
            _advertising_loso(metrics, f"advertising_{row_name}_{look}", cases, judged[(look, False)])
            if row_name == "background_or_product":
                _advertising_loso(metrics, f"advertising_{row_name}_{look}_strong", cases, judged[(look, True)])


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
        close_look_cache = Path(options[options.index("--close-look-cache") + 1]) if "--close-look-cache" in options \
            else Path(tempfile.gettempdir()) / "photocheck-bench-close-look"
        _advertising(metrics, dataset, config, analyzer, close_look_cache)
        if "--text-region-variants" in options:
            _text_regions(metrics, dataset, youth_rows, config, cache)
    return metrics
