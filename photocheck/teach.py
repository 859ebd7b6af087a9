"""`photocheck teach KIND`: train a red-flag classifier from the user's own example photos and store it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from photocheck.config import Config
from photocheck.i18n import Problem
from photocheck.judges import taught
from photocheck.scan import scan

KIND_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
MIN_EXAMPLES = 2


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


def fit_kind(kind: str, positives: Examples, negatives: Examples, config: Config) -> taught.TaughtClassifier:
    """The classifier of `kind` from the user's examples and the built-in negatives (photocheck/data)."""
    built_in, groups = taught.built_in_negatives()
    return taught.train(kind, positives.vectors, negatives.vectors, config.teach, positives.sources,
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
    return TeachResult(classifier, taught.save(classifier, directory), positives.unreadable + negatives.unreadable)


def _folders(folder: Path | list[Path]) -> list[Path]:
    return [folder] if isinstance(folder, Path) else list(folder)
