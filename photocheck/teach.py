"""`photocheck teach KIND`: train a red-flag classifier from the user's own example photos and store it.

The classifier is a class-balanced, L2-regularised logistic regression on the features of photocheck/judges/taught.py
(which loads and applies it), fitted on the user's examples and on built-in negatives; its thresholds come from
cross-validated scores. Training needs numpy only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from photocheck.atomic import write_atomic
from photocheck.config import Config
from photocheck.i18n import Problem
from photocheck.judges import taught
from photocheck.models.preprocess import sigmoid
from photocheck.scan import scan

KIND_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
MIN_EXAMPLES = 2
BUILT_IN_NEGATIVES = "taught_negatives.npz"  # made by models/build/taught_negatives.py


class TeachError(Problem, ValueError):
    """The examples cannot train a classifier (bad kind name, too few readable photos)."""


@dataclass
class TeachResult:
    classifier: taught.TaughtClassifier
    path: Path
    unreadable: list[str]


@dataclass
class Examples:
    """Features of example photos and the source of each: the folder given, or its sub-folder holding the photo."""

    vectors: np.ndarray
    sources: list[str]
    unreadable: list[str]


def example_features(folders: list[Path], config: Config, **scan_options) -> Examples:
    """Features of every readable photo under `folders`; every sub-folder (first level) is a source of its own."""
    vectors, sources, unreadable = [], [], []
    for folder in folders:
        for photo in scan(folder, config, **scan_options).photos:
            feature = taught.features(photo.analysis) if photo.analysis.ok else None
            if feature is None:
                unreadable.append(photo.analysis.path)
                continue
            parts = Path(photo.analysis.path).parts
            vectors.append(feature)
            sources.append(str(folder / parts[0]) if len(parts) > 1 else str(folder))
    matrix = np.stack(vectors) if vectors else np.zeros((0, 0), np.float32)
    return Examples(matrix, sources, unreadable)


def built_in_negatives() -> tuple[np.ndarray | None, list[str]]:
    """Features of photos that show none of the kinds a user teaches (people, pets, landscapes, a bar), made from
    redistributable photos (see models/README.md), and the source photo of each row (augmented copies share it);
    (None, []) when the file is missing or holds features of another taught.FEATURE_VERSION."""
    resource = resources.files("photocheck.data").joinpath(BUILT_IN_NEGATIVES)
    if not resource.is_file():
        return None, []
    with resource.open("rb") as handle, np.load(handle) as stored:
        if int(stored["feature_version"]) != taught.FEATURE_VERSION:
            return None, []
        return stored["features"].astype(np.float32), [str(group) for group in stored["groups"]]


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float, iterations: int) -> tuple[np.ndarray, float]:
    """Class-balanced, L2-regularised logistic regression by gradient descent on standardised features."""
    weights = np.zeros(x.shape[1], dtype=np.float64)
    bias = 0.0
    sample_weight = np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum()))
    step = 1.0 / (0.25 * float(np.mean(np.sum(x * x, axis=1))) + l2)  # 1 / Lipschitz bound of the gradient
    for _ in range(iterations):
        p = sigmoid(x @ weights + bias)
        error = (p - y) * sample_weight
        weights -= step * (x.T @ error + l2 * weights / len(y))
        bias -= step * float(error.sum())
    return weights, bias


NEVER = 2.0  # a threshold no probability reaches: a taught kind that cannot be trusted is never a strong flag


def _joined(group: np.ndarray, members: np.ndarray) -> None:
    """Gives every row of the groups that `members` (a row mask) touch the smallest of their group numbers."""
    touched = np.unique(group[members])
    group[np.isin(group, touched)] = touched.min()


def near_duplicate_groups(x: np.ndarray, similarity: float) -> np.ndarray:
    """A group number per row: rows whose whole-photo embeddings (the first half of `features`) have at least this
    cosine similarity share a group, and so do rows linked through others (augmented copies, burst shots)."""
    photo = x[:, : x.shape[1] // 2]
    unit = photo / (np.linalg.norm(photo, axis=1, keepdims=True) + 1e-9)
    linked = unit @ unit.T >= similarity
    group = np.arange(len(x))
    for row in linked:
        _joined(group, row)
    return np.unique(group, return_inverse=True)[1]


def fold_units(x: np.ndarray, sources: list[str], similarity: float) -> np.ndarray:
    """What must stay in one cross-validation fold: a source (folder) when there are several, and near-duplicates
    always (a group spanning two folders joins them); with one source, every photo apart from its near-duplicates."""
    if len(set(sources)) > 1:
        unit = np.unique(np.asarray(sources, dtype=object), return_inverse=True)[1]
    else:
        unit = np.arange(len(x))
    duplicates = near_duplicate_groups(x, similarity)
    for group in np.unique(duplicates):
        _joined(unit, duplicates == group)
    return np.unique(unit, return_inverse=True)[1]


def _splittable(units: np.ndarray) -> np.ndarray:
    """The units, or every row apart when they are all one unit (the estimate is then optimistic; teach warns)."""
    return units if units.max() > 0 else np.arange(len(units))


def assign_folds(units: np.ndarray, folds: int) -> np.ndarray:
    """A fold per row: whole units, the largest first, each to the fold with the fewest rows so far."""
    sizes = np.bincount(units)
    load = np.zeros(folds, dtype=int)
    fold_of_unit = np.zeros(len(sizes), dtype=int)
    for unit in np.argsort(-sizes, kind="stable"):
        fold_of_unit[unit] = int(np.argmin(load))
        load[fold_of_unit[unit]] += sizes[unit]
    return fold_of_unit[units]


def trust_warnings(positive_sources: int, negatives: int, negative_sources: int, settings) -> list[str]:
    """Why a taught kind's cross-validated figures cannot be trusted (message codes under [teach.warning])."""
    warnings = []
    if positive_sources < 2:
        warnings.append("one_positive_source")
    if negatives < settings.min_negatives:
        warnings.append("few_negatives")
    if negative_sources < settings.min_negative_sources:
        warnings.append("few_negative_sources")
    return warnings


def weak_rate_estimates(scores: np.ndarray, labels: np.ndarray, folds: np.ndarray, rates: list[float]) -> list[dict]:
    """For each rate, the recall and false-alarm rate of held-out `scores` when each fold's weak threshold is chosen
    without that fold: the quantile of the other folds' negatives that lets `rate` of them through. As the folds keep
    sources whole, this says how a threshold chosen on some sources holds on a source it never saw."""
    estimates = []
    for rate in rates:
        flagged = np.zeros(len(scores), dtype=bool)
        for fold in np.unique(folds):
            others = scores[(folds != fold) & (labels == 0)]
            flagged[folds == fold] = scores[folds == fold] >= np.quantile(others, 1.0 - rate, method="higher")
        estimates.append({
            "rate": float(rate),
            "recall": float(np.mean(flagged[labels == 1])),
            "false_positive_rate": float(np.mean(flagged[labels == 0])),
        })
    return estimates


def choose_weak_rate(estimates: list[dict], budget: float) -> dict:
    """The estimate with the highest recall among those whose false alarms stay within `budget`, the lowest rate on
    ties (a higher rate that finds nothing more only adds false alarms); the lowest rate when none stays within."""
    by_rate = sorted(estimates, key=lambda estimate: estimate["rate"])
    within = [estimate for estimate in by_rate if estimate["false_positive_rate"] <= budget]
    return max(within, key=lambda estimate: estimate["recall"]) if within else by_rate[0]


def train(
    kind: str, positives: np.ndarray, negatives: np.ndarray, settings,
    positive_sources: list[str] | None = None, negative_sources: list[str] | None = None,
    built_in: np.ndarray | None = None, built_in_groups: list[str] | None = None,
) -> taught.TaughtClassifier:
    """Fit on all examples; thresholds come from cross-validated scores of the negatives (`settings`: [teach]).

    The folds keep each source (`*_sources`: a folder name per example) and every near-duplicate group whole, so a
    negative is always scored by a model that saw nothing of its source: the thresholds are chosen across sources.
    `built_in` negatives (with a group per row) are always part of the fit. The weak threshold lets through the rate of
    `weak_false_positive_rates` that `choose_weak_rate` picks (within `weak_false_positive_budget`) of the held-out
    negatives; a strong flag needs a probability above the `strong_false_positive_rate` quantile of them (0: above
    every one), and is never given when `trust_warnings` warns.
    """
    positive_sources = positive_sources or [""] * len(positives)
    negative_sources = negative_sources or [""] * len(negatives)
    built_in = np.zeros((0, positives.shape[1]), np.float32) if built_in is None else built_in
    built_in_groups = built_in_groups or []
    own_negatives = len(negatives)
    negatives = np.concatenate([negatives, built_in.astype(negatives.dtype)])
    negative_sources = list(negative_sources) + [f"built-in:{group}" for group in built_in_groups]
    x = np.concatenate([positives, negatives]).astype(np.float64)
    y = np.concatenate([np.ones(len(positives)), np.zeros(len(negatives))])

    positive_units = _splittable(fold_units(positives, positive_sources, settings.near_duplicate_similarity))
    negative_units = _splittable(fold_units(negatives, negative_sources, settings.near_duplicate_similarity))
    count = min(settings.folds, int(positive_units.max()) + 1, int(negative_units.max()) + 1)
    folds = np.concatenate([assign_folds(positive_units, count), assign_folds(negative_units, count)])
    held_out = np.zeros(len(y))
    for fold in range(count):
        train_rows, test_rows = folds != fold, folds == fold
        mean, scale = _standardiser(x[train_rows])
        weights, bias = fit_logistic((x[train_rows] - mean) / scale, y[train_rows], settings.l2, settings.iterations)
        held_out[test_rows] = sigmoid((x[test_rows] - mean) / scale @ weights + bias)
    negative_scores = held_out[y == 0]
    estimates = weak_rate_estimates(held_out, y, folds, settings.weak_false_positive_rates)
    chosen = choose_weak_rate(estimates, settings.weak_false_positive_budget)
    threshold = float(np.quantile(negative_scores, 1.0 - chosen["rate"], method="higher"))
    warnings = trust_warnings(len(set(positive_sources)), own_negatives, len(set(negative_sources[:own_negatives])),
                              settings)
    strong_quantile = np.quantile(negative_scores, 1.0 - settings.strong_false_positive_rate, method="higher")
    strong = NEVER if warnings else float(np.nextafter(max(threshold, float(strong_quantile)), NEVER))

    mean, scale = _standardiser(x)
    weights, bias = fit_logistic((x - mean) / scale, y, settings.l2, settings.iterations)
    info = {
        "feature_version": taught.FEATURE_VERSION,
        "positives": int(y.sum()),
        "negatives": own_negatives,
        "built_in_negatives": len(built_in),
        "positive_sources": len(set(positive_sources)),
        "negative_sources": len(set(negative_sources[:own_negatives])),
        "folds": count,
        "weak_false_positive_rate": chosen["rate"],
        "cross_validated_recall": chosen["recall"],
        "cross_validated_false_positive_rate": chosen["false_positive_rate"],
        "weak_rate_estimates": estimates,
        "warnings": warnings,
    }
    return taught.TaughtClassifier(
        kind, mean.astype(np.float32), scale.astype(np.float32), weights.astype(np.float32), float(bias),
        threshold, strong, info,
    )


def _standardiser(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.mean(axis=0), x.std(axis=0) + 1e-3


def fit_kind(kind: str, positives: Examples, negatives: Examples, config: Config) -> taught.TaughtClassifier:
    """The classifier of `kind` from the user's examples and the built-in negatives (photocheck/data)."""
    built_in, groups = built_in_negatives()
    return train(kind, positives.vectors, negatives.vectors, config.teach, positives.sources,
                        negatives.sources, built_in, groups)


def teach(
    kind: str, positive: Path | list[Path], negative: Path | list[Path], config: Config,
    directory: Path | None = None, **scan_options
) -> TeachResult:
    if not KIND_PATTERN.fullmatch(kind):
        raise TeachError("teach.bad_kind", kind=kind)
    positives = example_features(_folders(positive), config, **scan_options)
    negatives = example_features(_folders(negative), config, **scan_options)
    if len(positives.vectors) < MIN_EXAMPLES or len(negatives.vectors) < MIN_EXAMPLES:
        raise TeachError("teach.too_few", minimum=MIN_EXAMPLES, positives=len(positives.vectors),
                         negatives=len(negatives.vectors))
    classifier = fit_kind(kind, positives, negatives, config)
    return TeachResult(classifier, save(classifier, directory), positives.unreadable + negatives.unreadable)


def save(classifier: taught.TaughtClassifier, directory: Path | None = None) -> Path:
    """Store the classifier where :func:`photocheck.judges.taught.load_all` finds it (default `taught_dir()`)."""
    directory = directory or taught.taught_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{classifier.kind}.json"
    write_atomic(path, classifier.to_json())
    return path


def _folders(folder: Path | list[Path]) -> list[Path]:
    return [folder] if isinstance(folder, Path) else list(folder)
