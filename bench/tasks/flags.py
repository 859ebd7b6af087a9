"""Red flags: precision and recall per kind on the evaluation sets.

    python bench/run.py flags ../shared/eval [--cache DIR] [--config FILE] [--kinds alcohol,litter,tobacco,advertising]
        [--text-region-variants] [--close-look-cache DIR] [--close-look-places text,objects,frame]

DATASET is the eval root (it holds youth_dev, youth_dev2, coco128, litter_street_santiago, smoking_cigarette).
`--cache DIR` keeps the stage-1 analyses between runs (photocheck's own analysis cache); `--config FILE` measures other settings;
`--kinds` measures only those kinds (and analyses only the sets they need).

Thresholds chosen on these sets are also reported cross-validated (`*_cv_*`): on each fold, the value with the best
F1 on the other folds is chosen among candidates and applied to the held-out fold (folds stratified by label).

- alcohol: youth_dev + youth_dev2 `alcohol` yes vs no ("unsure" left out; `alcohol_youth_*`) and coco128 images with
  a bottle or wine glass box vs without (`alcohol_coco128_*`); any alcohol flag counts. `_loso_` re-chooses
  ALCOHOL_CANDIDATES for each held-out source (each youth group, and coco128 as one more source) on all the others;
  `_defaults_` is the configured settings (in-sample: chosen on these sets); `alcohol_close_look_drinks_tiles_N_*`
  the same after the close look's search for small drinks (see `_alcohol`);
- advertising: youth_dev + youth_dev2 leave-one-source-out, in the scan and after the close look, with the
  thresholds and the text settings of TEXT_SETTINGS (the scan's detect_side, the backdrop band's max_pixels, the
  close look's places) chosen on the other sources (see `_advertising` for the rows and figures; `--close-look-cache
  DIR` keeps the close look's readings, by default in the system's temporary folder);
  `_text_seconds_per_photo_detect_side_S` times the OCR alone (re-run on the youth_dev photos at working size, at
  each detect_side S), `_text_regions_seconds_per_photo_detect_side_S` the second pass on likely regions
  (`[text_regions]`); `--close-look-places A,B` also measures the close look reading each of those
  `[text_regions] close_look_places` (rows `advertising_ROW_close_look_places_A_*`, after the configured first look);
  `--text-region-variants` also measures each of TEXT_REGION_VARIANTS on youth_dev (analysed again per variant) and
  reports the variant chosen per fold (`_cv_`);
- litter: youth_dev + youth_dev2 `litter` yes vs no (`litter_youth_*`) and litter_street_santiago (`litter_street_*`,
  one more source), LITTER_CANDIDATES and the ground tiles (LITTER_GROUND_TILES) re-chosen per held-out source;
- tobacco (taught, see `_tobacco`): `photocheck teach`'s classifier from one half of smoking_cigarette and the youth
  photos of every group but one (+ coco128, + the built-in negatives); false alarms on the held-out group's photos,
  recall on the other half of smoking_cigarette, and the weak rate teach chose on each fit (on its training sources
  only); `_all_data_` is the rate teach picks from every group and all of smoking_cigarette (in-sample). Nothing is
  stored.
"""

from __future__ import annotations

import csv
import itertools
import tempfile
import time
from pathlib import Path

import numpy as np
from evaldata import POLICY_SETS, best_candidate, leave_one_source_out, policy_rows, policy_scans, youth_dev_rows

from photocheck import teach
from photocheck.analysis.loading import load_photo
from photocheck.analysis.pipeline import Analyzer, close_look_photo, object_detector, read_texts
from photocheck.analysis.small_drinks import look_for_drinks
from photocheck.analysis.text_regions import read_likely_text
from photocheck.close_look import CloseLookReader
from photocheck.config import default_config
from photocheck.judges import taught
from photocheck.models.base import ModelStore
from photocheck.models.efficientnet import EfficientNetLite0
from photocheck.judges.flags import alcohol_findings, judge_flags, litter_findings, taught_findings, text_findings
from photocheck.records.analysis import PhotoAnalysis
from photocheck.scan import scan
from photocheck.workers import WorkerPool, default_workers

# The eval sets each kind is measured on.
KINDS = {
    "alcohol": ("coco128",),  # + youth_dev and youth_dev2 through evaldata.policy_scans
    "litter": ("litter_street_santiago",),
    "tobacco": ("smoking_cigarette", "coco128"),  # + youth_dev and youth_dev2 through evaldata.policy_scans
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
# The text settings chosen on data, nested in the advertising leave-one-source-out (see `_advertising`): every
# combination, the cheapest first (detect_side ascending, then max_pixels 0 before 500000, then "text" before "frame").
# Measured first, on 2 cores shared with another bench: the close look of the 170 photos took 5.5-6.2 minutes of wall
# time with "frame", 1.5 with "text", so the whole grid (12 close looks, 2 more scans, the judging) was expected under
# an hour the first time (it took about 43 minutes) and every axis is kept.
TEXT_SETTINGS = {
    "text.detect_side": [640, 800, 960],
    "text_regions.max_pixels": [0, 500_000],
    "text_regions.close_look_places": ["text", "frame"],
}
# The cheapest text setting whose fitted recall is within this of the best one's (at the same precision constraint)
# is chosen: so small a difference (at most one of the other sources' 30-60 positives) does not pay for a costlier
# reading.
TEXT_SETTINGS_RECALL_TOLERANCE = 0.02

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


def _taught_flag(analysis: PhotoAnalysis, classifier: taught.TaughtClassifier, strong_only: bool = False) -> bool:
    return any(f.strong or not strong_only for f in taught_findings(analysis, [classifier]).get(classifier.kind, []))


def _tobacco(metrics: dict, dataset: Path, smoking: dict, coco: dict, config, cache: Path | None) -> None:
    """Taught tobacco as a user teaches it (`teach.fit_kind`: the user's examples + the built-in negatives).

    Positives: one half of smoking_cigarette (split by source photo, so augmented copies stay together; one source,
    as a user with one folder of downloaded examples). Negatives: the youth_dev + youth_dev2 photos without tobacco of
    every group but the held-out one (each group a source) and coco128 (one source). Measured on the held-out group's
    photos (never in the fit) and on the other half of smoking_cigarette; every group is held out once per half.
    Only the taught classifier counts here (tobacco brands read in the photo are advertising's part). teach chooses its
    weak rate on the sources it is given, so each fit's choice is made without the held-out group and half."""
    halves = {source: i % 2 for i, source in enumerate(sorted({_source_id(name) for name in smoking}))}
    positives = [(taught.features(a), a, halves[_source_id(name)]) for name, a in sorted(smoking.items())]
    youth = [case for case in _policy_cases(dataset, config, cache, "tobacco") if not case["label"]]
    coco_features = [taught.features(a) for _, a in sorted(coco.items())]
    false_alarms, strong_false_alarms, held_back_found, estimated, warnings = [], [], [], [], set()
    chosen_rates = {}
    for source in sorted({case["source"] for case in youth}):
        fitted = [case for case in youth if case["source"] != source]
        negatives = _tobacco_negatives(fitted, coco_features)
        for half in (0, 1):
            trained = [feature for feature, _, h in positives if h != half]
            examples = teach.Examples(np.stack(trained), ["smoking_cigarette"] * len(trained), [])
            classifier = teach.fit_kind("tobacco", examples, negatives, config)
            info = classifier.info
            estimated.append((info["cross_validated_recall"], info["cross_validated_false_positive_rate"]))
            warnings.update(info["warnings"])
            chosen_rates[f"{source} / half {half}"] = info["weak_false_positive_rate"]
            held_out = [case["analysis"] for case in youth if case["source"] == source]
            false_alarms += [_taught_flag(a, classifier) for a in held_out]
            strong_false_alarms += [_taught_flag(a, classifier, strong_only=True) for a in held_out]
            held_back_found += [_taught_flag(a, classifier) for _, a, h in positives if h == half]
    metrics["tobacco_taught_youth_negatives"] = len(youth)
    metrics["tobacco_taught_youth_loso_false_positive_rate"] = float(np.mean(false_alarms))
    metrics["tobacco_taught_youth_loso_strong_false_positive_rate"] = float(np.mean(strong_false_alarms))
    metrics["tobacco_taught_held_back_smoking_recall"] = float(np.mean(held_back_found))
    metrics["tobacco_taught_teach_estimate_recall"] = float(np.mean([r for r, _ in estimated]))
    metrics["tobacco_taught_teach_estimate_false_positive_rate"] = float(np.mean([f for _, f in estimated]))
    metrics["tobacco_taught_teach_warnings"] = ",".join(sorted(warnings)) or "none"
    metrics["tobacco_taught_weak_rate_chosen_per_fold"] = chosen_rates
    metrics["tobacco_taught_weak_rate_chosen_counts"] = {
        rate: list(chosen_rates.values()).count(rate) for rate in sorted(set(chosen_rates.values()))}
    everything = teach.Examples(np.stack([feature for feature, _, _ in positives]),
                                ["smoking_cigarette"] * len(positives), [])
    on_all = teach.fit_kind("tobacco", everything, _tobacco_negatives(youth, coco_features), config).info
    metrics["tobacco_taught_all_data_weak_rate_in_sample"] = on_all["weak_false_positive_rate"]
    metrics["tobacco_taught_all_data_rate_estimates_in_sample"] = [
        (estimate["rate"], round(estimate["recall"], 3), round(estimate["false_positive_rate"], 3))
        for estimate in on_all["weak_rate_estimates"]]
    _tobacco_as_a_new_user(metrics, positives, youth, coco_features, config)


def _tobacco_negatives(youth: list[dict], coco_features: list) -> teach.Examples:
    """The tobacco-free youth photos (each group a source) and coco128 (one source) as teach's negatives."""
    return teach.Examples(np.stack([taught.features(c["analysis"]) for c in youth] + coco_features),
                          [c["source"] for c in youth] + ["coco128"] * len(coco_features), [])


def _tobacco_as_a_new_user(metrics: dict, positives: list, youth: list[dict], coco_features: list, config) -> None:
    """The case of issue 12: 80 smoking photos as positives, youth_dev and 60 coco128 photos as negatives (two
    folders); false alarms on youth_dev2 (unseen), recall on the smoking photos of other source photos."""
    sources = sorted({_source_id(Path(a.path).name) for _, a, _ in positives})
    taken = [(f, a) for f, a, _ in positives if _source_id(Path(a.path).name) in set(sources[:80])][:80]
    used = {_source_id(Path(a.path).name) for _, a in taken}
    rest = [a for _, a, _ in positives if _source_id(Path(a.path).name) not in used]
    negatives = [c for c in youth if c["eval_set"] == "youth_dev"]
    classifier = teach.fit_kind(
        "tobacco", teach.Examples(np.stack([f for f, _ in taken]), ["smoking"] * len(taken), []),
        teach.Examples(np.stack([taught.features(c["analysis"]) for c in negatives] + coco_features[:60]),
                       ["youth_dev"] * len(negatives) + ["coco128"] * 60, []), config)
    unseen = [c["analysis"] for c in youth if c["eval_set"] == "youth_dev2"]
    metrics["tobacco_new_user_teach_estimate_recall"] = classifier.info["cross_validated_recall"]
    metrics["tobacco_new_user_teach_estimate_false_positive_rate"] = \
        classifier.info["cross_validated_false_positive_rate"]
    metrics["tobacco_new_user_teach_warnings"] = ",".join(classifier.info["warnings"]) or "none"
    metrics["tobacco_new_user_weak_rate"] = classifier.info["weak_false_positive_rate"]
    metrics["tobacco_new_user_youth_dev2_photos"] = len(unseen)
    metrics["tobacco_new_user_youth_dev2_false_positive_rate"] = float(np.mean(
        [_taught_flag(a, classifier) for a in unseen]))
    metrics["tobacco_new_user_youth_dev2_strong"] = sum(_taught_flag(a, classifier, True) for a in unseen)
    metrics["tobacco_new_user_held_back_smoking_recall"] = float(np.mean([_taught_flag(a, classifier) for a in rest]))


def _loso_grid(
    metrics: dict, name: str, variants: dict[str, list[dict]], judged, table: str, config, candidates: dict
) -> dict:
    """Leave-one-source-out figures of settings chosen on data: for each held-out source, the variant and the
    combination of `candidates` (values per key, the most conservative first) with the best F1 on the other sources'
    cases.

    `variants`: the same photos analysed in other ways (e.g. after a close look with 2 or 3 tiles), by name, the
    preferred (cheapest) first, each a list of dicts with `source`, `set` (the figure it counts in) and `label`, in the
    same order; one variant when nothing but thresholds is chosen. `judged(case, settings)` says whether the photo is
    flagged with `settings`, the table `[flags.<table>]` of `config` with a combination. Reports
    `{name}_{set}_loso_*` per set, `{name}_{set}_defaults_*` (the first variant with the configured values, in-sample
    where they were chosen on these sets) and returns the choice on all sources (variant name, combination)."""
    keys = list(candidates)
    combos = [dict(zip(keys, values)) for values in itertools.product(*candidates.values())]
    sections = [config.with_overrides({"flags": {table: combo}}, "bench").flags[table] for combo in combos]
    choices = [(variant, c) for variant in variants for c in range(len(combos))]
    flagged = {(variant, c): [judged(case, sections[c]) for case in variants[variant]] for variant, c in choices}
    cases = next(iter(variants.values()))
    index = {id(case): i for i, case in enumerate(cases)}

    def fit(training):
        rows = [index[id(case)] for case in training]
        return best_candidate(choices, lambda choice: _f1(
            [flagged[choice][i] for i in rows], [cases[i]["label"] for i in rows]))

    predicted, chosen = leave_one_source_out(cases, fit, lambda choice, case: flagged[choice][index[id(case)]])
    defaults = [judged(case, config.flags[table]) for case in cases]
    for subset in sorted({case["set"] for case in cases}):
        rows = [i for i, case in enumerate(cases) if case["set"] == subset]
        actual = [cases[i]["label"] for i in rows]
        _report(metrics, f"{name}_{subset}_loso", [predicted[i] for i in rows], actual)
        _report(metrics, f"{name}_{subset}_defaults", [defaults[i] for i in rows], actual)

    def described(choice) -> str:
        variant, c = choice
        return f"{variant} {combos[c]}" if len(variants) > 1 else str(combos[c])

    metrics[f"{name}_loso_chosen_per_source"] = "; ".join(
        f"{source}: {described(choice)}" for source, choice in chosen.items())
    variant, c = fit(cases)
    metrics[f"{name}_chosen_on_all"] = described((variant, c))
    return variant, combos[c]


# `[flags.alcohol]` settings re-chosen per held-out source (most conservative first; 99 / 1.01 turn a rule off).
ALCOHOL_CANDIDATES = {
    "wine_glass_min_score": [0.5, 0.4, 0.3, 0.25, 0.2, 0.15],
    "many_drinks": [99, 6, 4, 3, 2],
    "container_scene_min": [1.01, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1],
}
# The `[regions] close_look_drink_tiles` measured after the close look (tiles along the photo's longer side).
CLOSE_LOOK_DRINK_TILES = (2, 3)
# `[regions] ground_tiles` re-chosen with them, the shipped value (off) first.
LITTER_GROUND_TILES = (0, 2, 4)
# `[flags.litter]` settings re-chosen per held-out source.
LITTER_CANDIDATES = {
    "scene_min": [1.01, 0.3, 0.2, 0.15, 0.1, 0.08, 0.05, 0.03, 0.02],
    "scattered_containers": [99, 6, 4, 3],
}


def _policy_cases(dataset: Path, config, cache: Path | None, column: str) -> list[dict]:
    """youth_dev + youth_dev2 photos labelled yes / no in `column` ("unsure" left out), one source per group."""
    scans = policy_scans(dataset, config, **({"cache": cache} if cache else {}))
    return [
        {"source": row["source"], "set": "youth", "label": row[column] == "yes", "eval_set": row["set"],
         "analysis": scans[row["image"]].analysis, "file": Path(row["image"])}
        for row in policy_rows(dataset) if row[column] in ("yes", "no")
    ]


def _alcohol(metrics: dict, dataset: Path, coco: dict, config, cache: Path | None) -> None:
    """Alcohol on youth_dev + youth_dev2 (yes vs no), leave one source out; coco128 (bottle or wine glass boxes vs
    none) is one more source: fitted on when a youth group is held out, measured when it is held out itself.

    `alcohol_*`: the first look (the scan). `alcohol_close_look_drinks_tiles_N_*`: every photo after the close look's
    search for small drinks (`photocheck.analysis.small_drinks.look_for_drinks`, the product's own code) with
    `[regions] close_look_drink_tiles` = N of CLOSE_LOOK_DRINK_TILES, ALCOHOL_CANDIDATES re-chosen per held-out
    source as for the first look; `alcohol_close_look_drinks_*` (the headline after the close look) re-chooses the
    number of tiles too, with the thresholds, for each held-out source (fewer tiles on ties: they cost less);
    `_seconds_per_photo` is that search's time on the youth photos (one thread; the photo's decoding included, which
    the close look shares with its text reading),
    `_photos_with_new_drinks_*` how many positives / negatives it added a drink to. The close look's text reading is
    left out here: these rows measure the drinks alone."""
    with (dataset / "coco128" / "labels_summary.csv").open(newline="", encoding="utf-8") as handle:
        coco_rows = list(csv.DictReader(handle))
    cases = _policy_cases(dataset, config, cache, "alcohol")
    cases += [{"source": "coco128", "set": "coco128", "label": row["any_bottle_or_wineglass"] == "1",
               "analysis": coco[Path(row["file"]).name], "file": dataset / "coco128" / row["file"]}
              for row in coco_rows]
    for case in cases:  # brands and alcohol words read in the photo: nothing here is chosen on these sets
        case["read"] = bool(text_findings(case["analysis"], config.flags.advertising)["alcohol"])

    def judged(case, settings):
        return case["read"] or bool(alcohol_findings(case["analysis"], settings))

    _loso_grid(metrics, "alcohol", {"first look": cases}, judged, "alcohol", config, ALCOHOL_CANDIDATES)
    _any_alcohol_finding(metrics, "alcohol", cases, judged, config)
    drink_models = object_detector(ModelStore(), config.objects), EfficientNetLite0(ModelStore())
    looked_with: dict[str, list[dict]] = {}
    for tiles in CLOSE_LOOK_DRINK_TILES:
        name = f"alcohol_close_look_drinks_tiles_{tiles}"
        varied = config.with_overrides({"regions": {"close_look_drink_tiles": tiles}}, f"bench {name}")
        looked, seconds = [], []
        for case in cases:
            started = time.perf_counter()
            photo = close_look_photo(case["file"], varied.regions.close_look_drink_side, varied)
            analysis = look_for_drinks(*drink_models, photo, case["analysis"], varied)
            seconds.append(time.perf_counter() - started)
            new_drinks = len(analysis.objects) > len(case["analysis"].objects)
            looked.append({**case, "analysis": analysis, "new_drinks": new_drinks})
        youth = [i for i, case in enumerate(cases) if case["set"] == "youth"]
        metrics[f"{name}_seconds_per_photo"] = float(np.mean([seconds[i] for i in youth]))
        for label, kind in ((True, "positives"), (False, "negatives")):
            metrics[f"{name}_photos_with_new_drinks_youth_{kind}"] = sum(
                looked[i]["new_drinks"] for i in youth if looked[i]["label"] == label)
        _loso_grid(metrics, name, {f"{tiles} tiles": looked}, judged, "alcohol", config, ALCOHOL_CANDIDATES)
        _any_alcohol_finding(metrics, name, looked, judged, config)
        looked_with[f"{tiles} tiles"] = looked
    _loso_grid(metrics, "alcohol_close_look_drinks", looked_with, judged, "alcohol", config, ALCOHOL_CANDIDATES)


def _any_alcohol_finding(metrics: dict, name: str, cases: list[dict], judged, config) -> None:
    """How many youth positives / negatives get any alcohol finding with the configured settings (in-sample: the
    defaults were chosen on these sets), and how many a strong one (the photo is skipped)."""
    settings = config.flags.alcohol
    for label, kind in ((True, "positives"), (False, "negatives")):
        youth = [case for case in cases if case["set"] == "youth" and case["label"] == label]
        metrics[f"{name}_youth_defaults_{kind}_with_any_finding"] = sum(judged(case, settings) for case in youth)
        metrics[f"{name}_youth_defaults_{kind}_with_strong_finding"] = sum(any(
            finding.strong for finding in alcohol_findings(case["analysis"], settings)
            + text_findings(case["analysis"], config.flags.advertising)["alcohol"]) for case in youth)


def _litter(metrics: dict, dataset: Path, litter: dict, config, cache: Path | None) -> None:
    """Litter on youth_dev + youth_dev2 (yes vs no), leave one source out; litter_street_santiago is one more source.
    The ground tiles (`[regions] ground_tiles`, LITTER_GROUND_TILES, each analysed again) are re-chosen with the
    thresholds for each held-out source (fewer tiles on ties: each is one more scene-model run)."""
    with (dataset / "litter_street_santiago" / "labels.csv").open(newline="", encoding="utf-8") as handle:
        litter_rows = list(csv.DictReader(handle))
    variants = {}
    for tiles in LITTER_GROUND_TILES:
        varied = config.with_overrides({"regions": {"ground_tiles": tiles}}, f"bench litter ground_tiles {tiles}")
        street = litter if tiles == config.regions.ground_tiles else _analyses(
            dataset / "litter_street_santiago" / "images", varied, None, cache)
        variants[f"{tiles} ground tiles"] = _policy_cases(dataset, varied, cache, "litter") + [
            {"source": "litter_street_santiago", "set": "street", "label": row["litter"] == "yes",
             "analysis": street[Path(row["file"]).name]} for row in litter_rows]
    _loso_grid(metrics, "litter", variants, lambda case, settings: bool(litter_findings(case["analysis"], settings)),
               "litter", config, LITTER_CANDIDATES)


def _text_seconds_per_photo(folder: Path, analyzer: Analyzer, config, analyses: dict) -> tuple[float, float]:
    """OCR time per photo at working size: the first pass (detector at the configured `text.detect_side`) and the
    second pass on the likely regions (`[text_regions]`, placed by the faces of `analyses`)."""
    first, second = [], []
    reader = analyzer.text_reader.at_side(config.text.detect_side)
    for path in sorted(folder.glob("*.jpg")):
        photo = load_photo(path, config.loading.working_size, config.loading.max_megapixels)
        faces = [face.box.scaled(1 / photo.scale) for face in analyses[path.name].faces]
        start = time.perf_counter()
        read = read_texts(reader, photo, faces, config, likely_places=False)
        middle = time.perf_counter()
        read_likely_text(reader, photo, faces, read, config.text_regions)
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
    """The policy photos' analyses after the selection's close look (the product's own CloseLookReader in a pool of
    workers, as `select` runs it: text read again at `close_look_text_side`, merged with the first look's lines),
    keyed like `scans`. The readings are kept in the analysis cache under `cache` (a folder outside the project), so
    a second run reads nothing again."""
    looked = {}
    with WorkerPool(config, default_workers(config)) as pool:
        for name in POLICY_SETS:
            images = dataset / name / "images"
            photos = {str(images / photo.analysis.path): photo for key, photo in scans.items()
                      if Path(key).parent == images}
            rereader = CloseLookReader(images, config, pool=pool, cache=cache)
            by_path = {result.analysis.path: result.analysis for result in rereader(list(photos.values()))}
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
    """Leave-one-source-out figures of a text setting and candidate chosen on the other sources, the same choice on
    all sources (`best_in_sample`), with the choice and the counts per source.

    `predictions`: whether each photo is flagged, by text setting (the cheapest first), by candidate ("default": the
    configured thresholds). For each text setting the candidate with the best `_fit_score` is chosen; the text
    setting is the cheapest whose fitted score is the best one's, or as good in precision and within
    TEXT_SETTINGS_RECALL_TOLERANCE in recall. With one text setting, `default_in_sample` (the configured thresholds on
    all photos) is reported too."""
    rows = [row for row, _ in cases]
    actual = {row["image"]: label for row, label in cases}
    labels = [label for _, label in cases]
    settings = list(predictions)
    candidates = [candidate for candidate in predictions[settings[0]] if candidate != "default"]

    def score(setting, candidate, training):
        return _fit_score([predictions[setting][candidate][r["image"]] for r in training],
                          [actual[r["image"]] for r in training])

    def fit(training):
        fitted = {setting: best_candidate(candidates, lambda c, setting=setting: score(setting, c, training))
                  for setting in settings}
        scores = {setting: score(setting, fitted[setting], training) for setting in settings}
        best = max(scores.values())
        setting = next(setting for setting in settings if scores[setting][0] == best[0]
                       and best[1] - scores[setting][1] <= TEXT_SETTINGS_RECALL_TOLERANCE + 1e-9)
        return setting, fitted[setting]

    predicted, chosen = leave_one_source_out(
        rows, fit, lambda choice, row: predictions[choice[0]][choice[1]][row["image"]])
    if len(settings) == 1:
        _report(metrics, f"{name}_default_in_sample", [predictions[settings[0]]["default"][r["image"]] for r in rows],
                labels)
    _report(metrics, f"{name}_loso", predicted, labels)
    best_setting, best = fit(rows)
    _report(metrics, f"{name}_best_in_sample", [predictions[best_setting][best][r["image"]] for r in rows], labels)
    if len(settings) > 1:
        metrics[f"{name}_best_in_sample_text_settings"] = best_setting
        metrics[f"{name}_loso_text_settings_per_source"] = {source: setting for source, (setting, _) in chosen.items()}
    metrics[f"{name}_best_in_sample_setting"] = best
    metrics[f"{name}_loso_chosen_per_source"] = {source: candidate for source, (_, candidate) in chosen.items()}
    per_source = {}
    for (row, label), flagged in zip(cases, predicted):
        counts = per_source.setdefault(row["source"], {"positives": 0, "negatives": 0, "tp": 0, "fp": 0})
        counts["positives" if label else "negatives"] += 1
        counts["tp" if label else "fp"] += int(flagged)
    metrics[f"{name}_loso_per_source"] = per_source


def _text_settings_name(settings: dict) -> str:
    return " ".join(f"{key.rsplit('.', 1)[1]}={value}" for key, value in settings.items())


def _text_settings_looks(metrics: dict, dataset: Path, config, analyzer, text_settings: list[dict],
                         close_look_cache: Path) -> tuple[dict, dict]:
    """The policy photos' first looks (the scan) by `text.detect_side` and their close looks by text settings name,
    for each of `text_settings` (values of TEXT_SETTINGS' keys), each analysed once: the scans in photocheck's
    analysis cache (keyed by the stage-1 settings), the close looks in theirs under `close_look_cache` (keyed by the
    first look's settings and the close look's). Adds the scan's OCR time per photo at each detect_side to `metrics`
    (`_text_seconds_per_photo` on youth_dev)."""
    folder = dataset / "youth_dev" / "images"
    scans, closer = {}, {}
    for settings in text_settings:
        side = settings["text.detect_side"]
        side_config = _with_setting(config, "text.detect_side", side)
        if side not in scans:
            scans[side] = policy_scans(dataset, side_config)
            youth = {Path(key).name: photo.analysis for key, photo in scans[side].items() if Path(key).parent == folder}
            metrics[f"advertising_text_seconds_per_photo_detect_side_{side}"], \
                metrics[f"advertising_text_regions_seconds_per_photo_detect_side_{side}"] = \
                _text_seconds_per_photo(folder, analyzer, side_config, youth)
        name = _text_settings_name(settings)
        if name not in closer:
            varied = side_config
            for key, value in settings.items():
                varied = _with_setting(varied, key, value)
            closer[name] = _close_look(dataset, scans[side], varied, close_look_cache)
    first = {side: {key: photo.analysis for key, photo in scan.items()} for side, scan in scans.items()}
    return first, closer


def _advertising(metrics: dict, dataset: Path, config, analyzer, close_look_cache: Path, places: list[str]) -> None:
    """Advertising on youth_dev + youth_dev2 (170 photos, 12 sources), in the scan alone and after the close look.

    Rows (`advertising_ROW_LOOK_FIGURE`):
    - ROW background_or_product: positives are youth_dev2 photos whose most prominent brand is in the background or on
      a product, and youth_dev's advertising_or_logo=yes; negatives every advertising_or_logo=no; unsure and
      clothing-only photos are left out. `_strong` counts strong flags only (the photo is skipped), otherwise any
      advertising flag counts;
    - ROW every_labelled: every advertising_or_logo=yes photo (clothing included) against the no's; weak flags count.
    LOOK is `scan` (the first look, every photo) or `close_look` (text read again at close_look_text_side), and
    `close_look_places_P` for each of `places` (the close look reading only those `[text_regions] close_look_places`,
    after the configured first look, with the configured text settings).
    The text settings of TEXT_SETTINGS are chosen on data too, so they are nested in the leave-one-source-out: each
    detect_side is scanned, and each combination looked at closely, once (12 close looks and 3 scans of the 170
    photos: about 43 minutes of wall time on 2 shared cores the first time, 13 of them judging, all that is left once
    cached). The `close_look` rows choose all three settings; the `scan` rows choose detect_side only (the other two
    act in the close look alone). `_shipped_text_settings` rows keep the configured text settings (the thresholds are still
    chosen per source).
    FIGURE: `loso` each source judged with the text settings and the candidate thresholds (a combination of
    ADVERTISING_CANDIDATES) chosen on the other sources by `_advertising_loso` (the honest figure), with the choice
    per source (`_text_settings_per_source`, `_chosen_per_source`) and the per-source counts (tp: positives flagged,
    fp: negatives flagged); `best_in_sample` the same choice on all photos (`_text_settings` and `_setting` say what
    it picks); `default_in_sample` the configured settings on all photos (in the rows of one text setting).
    `advertising_text_seconds_per_photo_detect_side_S` times the scan's OCR at each detect_side
    (`_text_seconds_per_photo`).
    """
    rows = policy_rows(dataset)
    shipped = {key: getattr(getattr(config, key.split(".")[0]), key.split(".")[1]) for key in TEXT_SETTINGS}
    grid = [dict(zip(TEXT_SETTINGS, values)) for values in itertools.product(*TEXT_SETTINGS.values())]
    placed = [{**shipped, "text_regions.close_look_places": place} for place in places]
    first, closer = _text_settings_looks(metrics, dataset, config, analyzer, grid + [shipped] + placed,
                                         close_look_cache)
    analysed = {f"scan detect_side={side}": analyses for side, analyses in first.items()}
    analysed.update({f"close_look {name}": analyses for name, analyses in closer.items()})
    shipped_side = f"scan detect_side={config.text.detect_side}"
    shipped_close_look = f"close_look {_text_settings_name(shipped)}"
    # LOOK -> (the text settings nested, the configured ones)
    looks = {"scan": ([f"scan detect_side={side}" for side in TEXT_SETTINGS["text.detect_side"]], shipped_side),
             "close_look": ([f"close_look {_text_settings_name(settings)}" for settings in grid], shipped_close_look)}
    for place, settings in zip(places, placed):
        name = f"close_look {_text_settings_name(settings)}"
        looks[f"close_look_places_{place}"] = ([name], name)
    variants = {"default": config, **_advertising_variants(config)}
    started = time.perf_counter()
    flagged = {reading: {variant: {key: _advertising_flag(analysis, varied) for key, analysis in analyses.items()}
                         for variant, varied in variants.items()}
               for reading, analyses in analysed.items()}
    metrics["advertising_judge_seconds_per_photo"] = (time.perf_counter() - started) / (
        len(variants) * sum(len(analyses) for analyses in analysed.values()))
    judged = {(reading, strong_only): {variant: {key: flags[strong_only] for key, flags in by_photo.items()}
                                       for variant, by_photo in by_variant.items()}
              for reading, by_variant in flagged.items() for strong_only in (False, True)}
    for row_name, cases in _advertising_rows(rows).items():
        for look, (nested, configured) in looks.items():
            for strong_only in (False, True) if row_name == "background_or_product" else (False,):
                name = f"advertising_{row_name}_{look}{'_strong' if strong_only else ''}"
                _advertising_loso(metrics, name, cases, {text: judged[(text, strong_only)] for text in nested})
                if nested != [configured]:
                    _advertising_loso(metrics, f"{name}_shipped_text_settings", cases,
                                      {configured: judged[(configured, strong_only)]})


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
        for name in ("coco128", "litter_street_santiago", "smoking_cigarette")
    }
    coco, litter, smoking = sets.values()
    metrics: dict = {}
    if "alcohol" in kinds:
        _alcohol(metrics, dataset, coco, config, cache)
    if "litter" in kinds:
        _litter(metrics, dataset, litter, config, cache)
    if "tobacco" in kinds:
        _tobacco(metrics, dataset, smoking, coco, config, cache)
    if "advertising" in kinds:
        close_look_cache = Path(options[options.index("--close-look-cache") + 1]) if "--close-look-cache" in options \
            else Path(tempfile.gettempdir()) / "photocheck-bench-close-look"
        places = options[options.index("--close-look-places") + 1].split(",") if "--close-look-places" in options \
            else []
        _advertising(metrics, dataset, config, analyzer, close_look_cache, places)
        if "--text-region-variants" in options:
            _text_regions(metrics, dataset, youth_rows, config, cache)
    return metrics
