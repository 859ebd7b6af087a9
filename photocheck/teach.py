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


def example_features(folder: Path, config: Config, **scan_options) -> tuple[np.ndarray, list[str]]:
    """Features of every readable photo under `folder`, and the paths that could not be used."""
    vectors, unreadable = [], []
    for photo in scan(folder, config, **scan_options).photos:
        feature = taught.features(photo.analysis) if photo.analysis.ok else None
        if feature is None:
            unreadable.append(photo.analysis.path)
        else:
            vectors.append(feature)
    return (np.stack(vectors) if vectors else np.zeros((0, 0), np.float32)), unreadable


def teach(
    kind: str, positive: Path, negative: Path, config: Config, directory: Path | None = None, **scan_options
) -> TeachResult:
    if not KIND_PATTERN.fullmatch(kind):
        raise TeachError("teach.bad_kind", kind=kind)
    positives, bad_positives = example_features(positive, config, **scan_options)
    negatives, bad_negatives = example_features(negative, config, **scan_options)
    if len(positives) < MIN_EXAMPLES or len(negatives) < MIN_EXAMPLES:
        raise TeachError("teach.too_few", minimum=MIN_EXAMPLES, positives=len(positives), negatives=len(negatives))
    classifier = taught.train(kind, positives, negatives, config.teach)
    return TeachResult(classifier, taught.save(classifier, directory), bad_positives + bad_negatives)
