"""Red-flag kinds taught by the user (`photocheck teach`): logistic regression on scene-model embeddings.

A photo's features are its whole-photo embedding beside the element-wise maximum of the embeddings of the regions
around its faces and people (the whole photo again when it has none), so a cigarette at one mouth in a group photo
can still stand out. Training needs numpy only; the classifier is a JSON file in the user's config directory.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from photocheck.records.analysis import Box, PhotoAnalysis
from photocheck.user_dirs import user_config_dir

FEATURE_VERSION = 2  # 2: regions of the 2 largest faces only ([regions]); classifiers of older features are ignored
TAUGHT_ENV = "PHOTOCHECK_TAUGHT_DIR"
BUILT_IN_NEGATIVES = "taught_negatives.npz"  # made by models/build/taught_negatives.py


def taught_dir() -> Path:
    """`$PHOTOCHECK_TAUGHT_DIR`, else `$XDG_CONFIG_HOME/photocheck/taught`, else `~/.config/photocheck/taught`."""
    override = os.environ.get(TAUGHT_ENV)
    if override:
        return Path(override)
    return user_config_dir() / "taught"


def features(analysis: PhotoAnalysis) -> np.ndarray | None:
    """[photo embedding, max over people regions]; None without an embedding (unreadable photo)."""
    if analysis.embedding is None:
        return None
    photo = np.asarray(analysis.embedding, dtype=np.float32)
    regions = [np.asarray(region.vector, dtype=np.float32) for region in analysis.region_embeddings]
    pooled = np.max(np.stack(regions), axis=0) if regions else photo
    return np.concatenate([photo, pooled])


def built_in_negatives() -> tuple[np.ndarray | None, list[str]]:
    """Features of photos that show none of the kinds a user teaches (people, pets, landscapes, a bar), made from
    redistributable photos (see models/README.md), and the source photo of each row (augmented copies share it);
    (None, []) when the file is missing or holds features of another FEATURE_VERSION."""
    resource = resources.files("photocheck.data").joinpath(BUILT_IN_NEGATIVES)
    if not resource.is_file():
        return None, []
    with resource.open("rb") as handle, np.load(handle) as stored:
        if int(stored["feature_version"]) != FEATURE_VERSION:
            return None, []
        return stored["features"].astype(np.float32), [str(group) for group in stored["groups"]]


@dataclass
class TaughtClassifier:
    kind: str
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float  # probability for a weak flag
    strong_threshold: float  # probability for a strong flag
    info: dict = field(default_factory=dict)  # examples, cross-validated rates, feature version

    def probability(self, feature: np.ndarray) -> float:
        z = float((feature - self.mean) / self.scale @ self.weights + self.bias)
        return float(1.0 / (1.0 + np.exp(-np.clip(z, -80, 80))))

    def best_region(self, analysis: PhotoAnalysis) -> Box | None:
        """The people region that pushes the score up most; None when the photo has no such region."""
        if not analysis.region_embeddings:
            return None
        half = len(self.weights) // 2
        region_weights = self.weights[half:] / self.scale[half:]
        contributions = [float(np.asarray(region.vector) @ region_weights) for region in analysis.region_embeddings]
        return analysis.region_embeddings[int(np.argmax(contributions))].box

    def to_json(self) -> str:
        values = {key: value.tolist() if isinstance(value, np.ndarray) else value for key, value in asdict(self).items()}
        return json.dumps(values)

    @classmethod
    def from_json(cls, text: str) -> TaughtClassifier:
        values = json.loads(text)
        for key in ("mean", "scale", "weights"):
            values[key] = np.asarray(values[key], dtype=np.float32)
        return cls(**values)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float, iterations: int) -> tuple[np.ndarray, float]:
    """Class-balanced, L2-regularised logistic regression by gradient descent on standardised features."""
    weights = np.zeros(x.shape[1], dtype=np.float64)
    bias = 0.0
    sample_weight = np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum()))
    step = 1.0 / (0.25 * float(np.mean(np.sum(x * x, axis=1))) + l2)  # 1 / Lipschitz bound of the gradient
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ weights + bias, -80, 80)))
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


def train(
    kind: str, positives: np.ndarray, negatives: np.ndarray, settings,
    positive_sources: list[str] | None = None, negative_sources: list[str] | None = None,
    built_in: np.ndarray | None = None, built_in_groups: list[str] | None = None,
) -> TaughtClassifier:
    """Fit on all examples; thresholds come from cross-validated scores of the negatives (`settings`: [teach]).

    The folds keep each source (`*_sources`: a folder name per example) and every near-duplicate group whole, so a
    negative is always scored by a model that saw nothing of its source: the thresholds are chosen across sources.
    `built_in` negatives (with a group per row) are always part of the fit. The weak threshold lets through
    `weak_false_positive_rate` of the held-out negatives; a strong flag needs a probability above the
    `strong_false_positive_rate` quantile of them (0: above every one), and is never given when `trust_warnings` warns.
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
        held_out[test_rows] = 1.0 / (1.0 + np.exp(-np.clip((x[test_rows] - mean) / scale @ weights + bias, -80, 80)))
    negative_scores = held_out[y == 0]
    threshold = float(np.quantile(negative_scores, 1.0 - settings.weak_false_positive_rate, method="higher"))
    warnings = trust_warnings(len(set(positive_sources)), own_negatives, len(set(negative_sources[:own_negatives])),
                              settings)
    strong_quantile = np.quantile(negative_scores, 1.0 - settings.strong_false_positive_rate, method="higher")
    strong = NEVER if warnings else float(np.nextafter(max(threshold, float(strong_quantile)), NEVER))

    mean, scale = _standardiser(x)
    weights, bias = fit_logistic((x - mean) / scale, y, settings.l2, settings.iterations)
    info = {
        "feature_version": FEATURE_VERSION,
        "positives": int(y.sum()),
        "negatives": own_negatives,
        "built_in_negatives": len(built_in),
        "positive_sources": len(set(positive_sources)),
        "negative_sources": len(set(negative_sources[:own_negatives])),
        "folds": count,
        "cross_validated_recall": round(float(np.mean(held_out[y == 1] >= threshold)), 3),
        "cross_validated_false_positive_rate": round(float(np.mean(negative_scores >= threshold)), 3),
        "warnings": warnings,
    }
    return TaughtClassifier(
        kind, mean.astype(np.float32), scale.astype(np.float32), weights.astype(np.float32), float(bias),
        threshold, strong, info,
    )


def _standardiser(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.mean(axis=0), x.std(axis=0) + 1e-3


def save(classifier: TaughtClassifier, directory: Path | None = None) -> Path:
    directory = directory or taught_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{classifier.kind}.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(classifier.to_json(), encoding="utf-8")
    temporary.replace(path)
    return path


_loaded: dict[Path, tuple[tuple, list[TaughtClassifier]]] = {}


def load_all(directory: Path | None = None) -> list[TaughtClassifier]:
    """Every taught classifier of the directory (re-read only when its files change)."""
    directory = directory or taught_dir()
    files = sorted(directory.glob("*.json")) if directory.is_dir() else []
    stamp = tuple((path.name, path.stat().st_mtime_ns) for path in files)
    cached = _loaded.get(directory)
    if cached is None or cached[0] != stamp:
        classifiers = [TaughtClassifier.from_json(path.read_text(encoding="utf-8")) for path in files]
        cached = (stamp, [c for c in classifiers if c.info.get("feature_version") == FEATURE_VERSION])
        _loaded[directory] = cached
    return cached[1]
