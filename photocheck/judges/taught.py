"""Red-flag kinds taught by the user (`photocheck teach`): logistic regression on scene-model embeddings.

A photo's features are its whole-photo embedding beside the element-wise maximum of the embeddings of the regions
around its faces and people (the whole photo again when it has none), so a cigarette at one mouth in a group photo
can still stand out. Training needs numpy only; the classifier is a JSON file in the user's config directory.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from photocheck.results import Box, PhotoAnalysis
from photocheck.user_dirs import user_config_dir

FEATURE_VERSION = 2  # 2: regions of the 2 largest faces only ([regions]); classifiers of older features are ignored
TAUGHT_ENV = "PHOTOCHECK_TAUGHT_DIR"


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


def train(kind: str, positives: np.ndarray, negatives: np.ndarray, settings) -> TaughtClassifier:
    """Fit on all examples; thresholds come from cross-validated scores of the negatives (`settings`: [teach])."""
    x = np.concatenate([positives, negatives]).astype(np.float64)
    y = np.concatenate([np.ones(len(positives)), np.zeros(len(negatives))])
    rng = np.random.default_rng(0)
    folds = rng.permutation(len(y)) % max(2, min(settings.folds, int(y.sum()), int(len(y) - y.sum())))
    held_out = np.zeros(len(y))
    for fold in np.unique(folds):
        train_rows, test_rows = folds != fold, folds == fold
        mean, scale = _standardiser(x[train_rows])
        weights, bias = fit_logistic((x[train_rows] - mean) / scale, y[train_rows], settings.l2, settings.iterations)
        held_out[test_rows] = 1.0 / (1.0 + np.exp(-np.clip((x[test_rows] - mean) / scale @ weights + bias, -80, 80)))
    negative_scores = held_out[y == 0]
    threshold = float(np.quantile(negative_scores, 1.0 - settings.weak_false_positive_rate))
    strong = max(threshold, float(np.quantile(negative_scores, 1.0 - settings.strong_false_positive_rate)))

    mean, scale = _standardiser(x)
    weights, bias = fit_logistic((x - mean) / scale, y, settings.l2, settings.iterations)
    info = {
        "feature_version": FEATURE_VERSION,
        "positives": int(y.sum()),
        "negatives": int(len(y) - y.sum()),
        "cross_validated_recall": round(float(np.mean(held_out[y == 1] >= threshold)), 3),
        "cross_validated_false_positive_rate": round(float(np.mean(negative_scores >= threshold)), 3),
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
