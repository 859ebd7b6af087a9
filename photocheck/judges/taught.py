"""Red-flag kinds taught by the user (`photocheck teach`, photocheck/teach.py): loading a taught classifier and
applying it to an analysed photo.

A photo's features are its whole-photo embedding beside the element-wise maximum of the embeddings of the regions
around its faces and people (the whole photo again when it has none), so a cigarette at one mouth in a group photo
can still stand out. A classifier is a JSON file in the user's config directory, read once per run
(:func:`photocheck.judges.policy.judging_context`).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from photocheck.models.preprocess import sigmoid
from photocheck.records.analysis import Box, PhotoAnalysis
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
    info: dict = field(default_factory=dict)  # examples, weak rate chosen, cross-validated rates, feature version

    def probability(self, feature: np.ndarray) -> float:
        return float(sigmoid(float((feature - self.mean) / self.scale @ self.weights + self.bias)))

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


def load_all(directory: Path | None = None) -> list[TaughtClassifier]:
    """Every taught classifier of the directory (default :func:`taught_dir`) made for the current features."""
    directory = directory or taught_dir()
    files = sorted(directory.glob("*.json")) if directory.is_dir() else []
    classifiers = [TaughtClassifier.from_json(path.read_text(encoding="utf-8")) for path in files]
    return [classifier for classifier in classifiers if classifier.info.get("feature_version") == FEATURE_VERSION]
