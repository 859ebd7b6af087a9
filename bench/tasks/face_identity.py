"""How well the face descriptor (faceres, photocheck/models/face_descriptor.py) tells one person from another.

`python bench/run.py face_identity ../shared/eval/youth_dev [--from scan.json]`

youth_dev has no identity labels, so the pairs are built from what can be established (faces = the recognisable
faces of a scan, as the selection uses them; descriptors on the photo decoded at the scan's working size):
- different people, hard: two faces of the same photo (same light, same uniform, same camera);
- different people, cross-photo: faces of photos of different movements (KSA, Scouts, Chiro, KLJ: other events,
  other people), plus photo pairs of one movement checked by eye in bench/face_identity_photo_pairs.csv;
- same person, degraded (a separate, synthetic set): each face against itself after a realistic degradation:
  the photo downscaled until the face is 40-60 px wide, JPEG quality 30, brightness x0.6 and x1.4, a horizontal
  flip, the face box shifted and resized by up to 12 %, and all of these at once (the hardest, closest to another
  shot). Only faces at least 80 px wide take part.
The pair file also records that no same-person pair across two real shots could be established on youth_dev (see
its header), so there is no real-shot same-person figure: a new pose or expression is not measured.

Prints cosine-similarity quantiles of each kind; the thresholds that give a false-match rate (FMR) of 0.01 and
0.05 on the hard (same-photo) pairs, with the FMR of the other negatives and the true-match rate (TMR) of each
degradation there; and the same chosen honestly: photos are split into 4 folds, the threshold is chosen on the
same-photo pairs of 3 folds and applied to the pairs of the fourth.
`[selection] same_face_similarity` is the threshold at same-photo FMR 0.05 over all photos, rounded.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import cv2
import numpy as np
from evaldata import youth_dev_rows, youth_dev_scan
from PIL import Image

from photocheck.analysis.loading import load_photo
from photocheck.config import default_config
from photocheck.models.base import ModelStore
from photocheck.models.face_descriptor import FaceDescriptor
from photocheck.people_shown import recognisable_faces
from photocheck.records.analysis import Box

PAIR_FILE = Path(__file__).resolve().parents[1] / "face_identity_photo_pairs.csv"
FALSE_MATCH_RATES = (0.01, 0.05)
FOLDS = 4
MIN_DEGRADE_WIDTH = 80  # faces narrower than this are already small; shrinking them says little
SEED = 7


@dataclass
class FaceRecord:
    photo: str
    fold: int
    descriptor: np.ndarray


def _option(options: list[str], name: str) -> str | None:
    return options[options.index(name) + 1] if name in options else None


def _jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def _degradations(rgb: np.ndarray, box: Box, rng: np.random.Generator) -> dict[str, tuple[np.ndarray, Box]]:
    """The photo and face box under each degradation."""
    height, width = rgb.shape[:2]
    factor = rng.uniform(40, 60) / box.width
    small = cv2.resize(rgb, (max(1, round(width * factor)), max(1, round(height * factor))), interpolation=cv2.INTER_AREA)
    shift = rng.uniform(-0.12, 0.12, size=2) * box.width
    grow = rng.uniform(0.88, 1.12)
    cx, cy = box.center[0] + shift[0], box.center[1] + shift[1]
    half = box.width * grow / 2, box.height * grow / 2
    small_box = box.scaled(small.shape[1] / width, small.shape[0] / height)
    jittered = Box(cx - half[0], cy - half[1], cx + half[0], cy + half[1])
    small_jittered = jittered.scaled(small.shape[1] / width, small.shape[0] / height)
    all_at_once = _jpeg(np.clip(small[:, ::-1] * rng.choice([0.6, 1.4]), 0, 255).astype(np.uint8), 30)
    return {
        "downscaled_40_60px": (small, small_box),
        "jpeg_q30": (_jpeg(rgb, 30), box),
        "darker_x0.6": (np.clip(rgb * 0.6, 0, 255).astype(np.uint8), box),
        "brighter_x1.4": (np.clip(rgb * 1.4, 0, 255).astype(np.uint8), box),
        "flipped": (np.ascontiguousarray(rgb[:, ::-1]), box.mirrored(width)),
        "box_jitter_12pct": (rgb, jittered),
        "all_at_once": (all_at_once, small_jittered.mirrored(small.shape[1])),
    }


def _eye_checked_pairs() -> list[tuple[str, str]]:
    with PAIR_FILE.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(line for line in handle if not line.startswith("#"))]
    return [(row["photo_a"], row["photo_b"]) for row in rows if row["relation"] == "different_people"]


def _threshold(negatives: np.ndarray, false_match_rate: float) -> float:
    """The lowest cosine at which at most `false_match_rate` of the different-person pairs match."""
    return float(np.quantile(negatives, 1.0 - false_match_rate, method="higher")) + 1e-6


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config()
    images, result = youth_dev_scan(dataset, config, _option(options, "--from"))
    movement = {Path(row["file"]).name: row["organisation"] for row in youth_dev_rows(dataset)}
    model = FaceDescriptor(ModelStore())
    rng = np.random.default_rng(SEED)
    photos = sorted(result.photos, key=lambda p: p.analysis.path)
    fold_of = {p.analysis.path: i % FOLDS for i, p in enumerate(photos)}

    faces: list[FaceRecord] = []
    positives: dict[str, list[tuple[float, int]]] = {}  # degradation -> (cosine, fold)
    for photo in photos:
        chosen = recognisable_faces(photo)
        if not chosen:
            continue
        loaded = load_photo(images / photo.analysis.path, config.loading.working_size, config.loading.max_megapixels)
        boxes = [face.box.scaled(1.0 / loaded.scale) for face in chosen]
        descriptors = model.describe(loaded.rgb, boxes)
        fold = fold_of[photo.analysis.path]
        faces += [FaceRecord(photo.analysis.path, fold, d) for d in descriptors]
        for box, descriptor in zip(boxes, descriptors):
            if box.width < MIN_DEGRADE_WIDTH:
                continue
            for kind, (image, moved) in _degradations(loaded.rgb, box, rng).items():
                [other] = model.describe(image, [moved])
                positives.setdefault(kind, []).append((float(descriptor @ other), fold))

    checked = {frozenset(pair) for pair in _eye_checked_pairs()}
    negatives: dict[str, list[tuple[float, int | None]]] = {"same_photo": [], "other_movement": [], "checked_by_eye": []}
    for a, b in combinations(faces, 2):
        fold = a.fold if a.fold == b.fold else None
        cosine = float(a.descriptor @ b.descriptor)
        if a.photo == b.photo:
            negatives["same_photo"].append((cosine, fold))
        elif movement[Path(a.photo).name] != movement[Path(b.photo).name]:
            negatives["other_movement"].append((cosine, fold))
        elif frozenset((Path(a.photo).name, Path(b.photo).name)) in checked:
            negatives["checked_by_eye"].append((cosine, fold))

    metrics: dict = {"photos": len(photos), "faces": len(faces)}
    for kind, pairs in list(negatives.items()) + list(positives.items()):
        values = np.array([c for c, _ in pairs])
        group = "different" if kind in negatives else "same_degraded"
        metrics[f"{group}_{kind}_pairs"] = len(values)
        if len(values):
            metrics[f"{group}_{kind}_cosine_p05_p50_p95"] = " ".join(f"{q:.3f}" for q in np.quantile(values, [.05, .5, .95]))
    hard = np.array([c for c, _ in negatives["same_photo"]])
    every_positive = np.array([c for pairs in positives.values() for c, _ in pairs])
    for rate in FALSE_MATCH_RATES:
        threshold = _threshold(hard, rate)
        metrics[f"threshold_at_same_photo_fmr_{rate}"] = round(threshold, 4)
        for kind in ("other_movement", "checked_by_eye"):
            values = np.array([c for c, _ in negatives[kind]])
            metrics[f"fmr_{kind}_at_same_photo_fmr_{rate}"] = float(np.mean(values >= threshold))
        for kind, pairs in positives.items():
            metrics[f"tmr_{kind}_at_same_photo_fmr_{rate}"] = float(np.mean([c >= threshold for c, _ in pairs]))
        metrics[f"tmr_all_degradations_at_same_photo_fmr_{rate}"] = float(np.mean(every_positive >= threshold))
    for rate in FALSE_MATCH_RATES:
        false_matches: list[bool] = []
        true_matches: dict[str, list[bool]] = {kind: [] for kind in positives}
        for fold in range(FOLDS):
            threshold = _threshold(np.array([c for c, f in negatives["same_photo"] if f != fold]), rate)
            false_matches += [c >= threshold for c, f in negatives["same_photo"] if f == fold]
            for kind, pairs in positives.items():
                true_matches[kind] += [c >= threshold for c, f in pairs if f == fold]
        metrics[f"cv_same_photo_fmr_at_target_{rate}"] = float(np.mean(false_matches))
        metrics[f"cv_tmr_all_at_once_at_same_photo_fmr_{rate}"] = float(np.mean(true_matches["all_at_once"]))
        every = [match for matches in true_matches.values() for match in matches]
        metrics[f"cv_tmr_all_degradations_at_same_photo_fmr_{rate}"] = float(np.mean(every))
    return metrics
