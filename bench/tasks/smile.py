"""Smile classification on GENKI-4K face crops with photocheck's own smile code.

`python bench/run.py smile ../shared/eval/genki4k_faces [--fit]`

Each 64x64 crop is treated as a photo whose face box is the whole crop: FaceMesh measures it and
`SmileEstimator` (the code `pipeline.Analyzer` runs on every face) computes its features and probability.
A face counts as smiling at `smiles.threshold`, as in the judges.

Prints: crops, accuracy of fer's P(happy) alone (mirror-averaged, > 0.5), the mouth features alone (cross-validated), AUC and accuracy of the committed `[smile.weights]` (fitted on
this very set, so optimistic), then the honest figure: the fusion refitted on 4 of 5 folds and measured on the
fifth, accuracy over all held-out crops at the configured threshold (headline).
`--fit` also prints `[smile.weights]` fitted on all crops, to paste into defaults.toml.
"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

from photocheck.config import default_config
from photocheck.models.base import ModelStore
from photocheck.models.facemesh import FaceMesh
from photocheck.models.preprocess import sigmoid
from photocheck.models.smile import FEATURES, GEOMETRY_FEATURES, SmileEstimator
from photocheck.records.analysis import Box
from photocheck.teach import fit_logistic

FOLDS = 5
L2 = 1.0
ITERATIONS = 20000


def crop_features(dataset: Path, estimator: SmileEstimator, mesh_model: FaceMesh) -> tuple[np.ndarray, np.ndarray]:
    """(features [N, F], labels [N]) of every labelled crop, through FaceMesh and SmileEstimator."""
    with (dataset / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    features, labels = [], []
    for row in rows:
        rgb = cv2.cvtColor(cv2.imread(str(dataset / row["file"])), cv2.COLOR_BGR2RGB)
        box = Box(0, 0, rgb.shape[1], rgb.shape[0])
        meshes = mesh_model.measure(rgb, [box])
        features.append(estimator.features(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), [box], meshes)[0])
        labels.append(int(row["smile"]))
    return np.array(features), np.array(labels)


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic fusion on standardised features, returned as weights and bias on the raw features."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    weights, bias = fit_logistic((x - mean) / scale, y, L2, ITERATIONS)
    return weights / scale, bias - float(np.sum(weights * mean / scale))


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    ranks = np.empty(len(scores))
    ranks[np.argsort(scores)] = np.arange(1, len(scores) + 1)
    positives = labels == 1
    n_pos, n_neg = positives.sum(), (~positives).sum()
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def cross_validated(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Held-out probability of every crop: fitted on the other folds."""
    folds = np.random.default_rng(0).permutation(len(y)) % FOLDS
    held_out = np.zeros(len(y))
    for fold in range(FOLDS):
        train = folds != fold
        weights, bias = fit(x[train], y[train])
        held_out[~train] = sigmoid(x[~train] @ weights + bias)
    return held_out


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config()
    store = ModelStore()
    estimator = SmileEstimator(store, config.faces.expression_margin, config.smile.weights)
    x, y = crop_features(dataset, estimator, FaceMesh(store))
    threshold = config.smiles.threshold
    committed = estimator.probability(x)
    fer_happy = np.exp(x[:, FEATURES.index("fer_happy")])
    held_out = cross_validated(x, y)
    if "--fit" in options:
        weights, bias = fit(x, y)
        print("[smile.weights]")
        print(f"bias = {bias:.4f}")
        for name, weight in zip(FEATURES, weights):
            print(f"{name} = {weight:.4f}")
    geometry_only = cross_validated(x[:, : len(GEOMETRY_FEATURES)], y)
    return {
        "crops": len(y),
        "fer_alone_mirror_averaged_accuracy": float(np.mean((fer_happy > 0.5) == y)),
        "geometry_alone_accuracy_cv": float(np.mean((geometry_only >= threshold) == y)),
        "committed_weights_auc": auc(committed, y),
        "committed_weights_accuracy": float(np.mean((committed >= threshold) == y)),
        "auc_cv": auc(held_out, y),
        "accuracy_cv": float(np.mean((held_out >= threshold) == y)),
    }
