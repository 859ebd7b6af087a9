"""The consent list on labelled people: who is found, who is wrongly named, which model and threshold.

`python bench/run.py consent ../shared/eval/identity [--youth ../shared/eval] [--draws N]`

identity/labels.csv: file, person (';' between several), kind (single: one person, the largest face; group: the
labelled people among others, which face is whom unknown). Faces and their identity descriptors come from the scan
(photocheck's analysis cache); faceres, the selection's earlier descriptor, is run on the same face boxes the way
photocheck/people_shown.py ran it. For each model:

- pairs: largest faces of single photos; same person = positive, different = negative. Cross-validated over people
  (leave one person out): the threshold giving a false-match rate (FMR) of 1 % / 0.1 % on the pairs of the other 9
  people is applied to the pairs of the held-out person. Reported: true-match rate (TMR) and FMR there.
- list: people in 5 folds of 2. Each fold's people are listed from 3 of their single photos (N random draws); the
  similarity of a face to a listed person is the highest over their 3 references. The thresholds are chosen on the
  other 8 people (listed the same way: the similarity at which 0.1 % (match) and 1 % (weak) of their faces of
  another person reach a listed person), then measured on the fold: share of the listed people's other
  appearances found (single photos; group photos where they are labelled: any face of the photo), and share of
  the faces of people not listed given a name (every face of single photos of other people; every face of group
  photos where no listed person is labelled). Faces without a descriptor (too small) count as not found.
- chosen: both thresholds fitted on all 10 people (in-sample) = the `[consent]` settings.
- youth: on youth_dev + youth_dev2 (`--youth EVAL_ROOT`, default beside DATASET), the share of pairs of described
  faces of one photo (different people) at or above the chosen match threshold, and the photos with such a pair.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
from evaldata import policy_scans

from photocheck.config import default_config
from photocheck.loading import load_photo
from photocheck.models.base import ModelStore
from photocheck.models.face_descriptor import FaceDescriptor
from photocheck.scan import scan
from photocheck.user_dirs import user_cache_dir

FOLDS = 5
REFERENCES = 3
MATCH_FMR, WEAK_FMR = 0.001, 0.01
PAIR_FMRS = (0.01, 0.001)
SEED = 13


@dataclass
class Photo:
    path: str
    people: set[str]
    kind: str
    descriptors: dict[str, np.ndarray] = field(default_factory=dict)  # model -> [n, D] (single: the largest face)
    undescribed: int = 0  # faces considered that have no descriptor (too small)


def _option(options: list[str], name: str, default: str | None = None) -> str | None:
    return options[options.index(name) + 1] if name in options else default


def _threshold(negatives: np.ndarray, rate: float) -> float:
    """The lowest similarity at which at most `rate` of the negatives match."""
    return float(np.quantile(negatives, 1.0 - rate, method="higher")) + 1e-6


def load_photos(dataset: Path, config) -> list[Photo]:
    with (dataset / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    images = dataset / "images"
    result = {p.analysis.path: p for p in scan(images, config, workers=0, cache=user_cache_dir()).photos}
    faceres = FaceDescriptor(ModelStore())
    photos = []
    for row in rows:
        relative = str(Path(row["file"]).relative_to("images"))
        analysis = result[relative].analysis
        photo = Photo(relative, set(row["person"].split(";")), row["kind"])
        faces = sorted(analysis.faces, key=lambda f: -max(f.box.width, f.box.height))
        if row["kind"] == "single":
            faces = faces[:1]
        described = [face for face in faces if face.descriptor is not None]
        photo.undescribed = len(faces) - len(described)
        photo.descriptors["mobilefacenet"] = np.array([face.descriptor for face in described], np.float32).reshape(
            len(described), -1)
        loaded = load_photo(images / relative, config.loading.working_size, config.loading.max_megapixels)
        photo.descriptors["faceres"] = faceres.describe(loaded.rgb, [f.box.scaled(1 / loaded.scale) for f in described])
        photos.append(photo)
    return photos


def pair_metrics(photos: list[Photo], model: str) -> dict:
    singles = [(next(iter(p.people)), p.descriptors[model][0]) for p in photos if p.kind == "single"
               and len(p.descriptors[model])]
    people = sorted({person for person, _ in singles})
    pairs = [(a[0], b[0], float(a[1] @ b[1])) for a, b in combinations(singles, 2)]
    metrics: dict = {}
    for rate in PAIR_FMRS:
        matched, false = [], []
        for person in people:
            others = np.array([s for a, b, s in pairs if a != b and person not in (a, b)])
            threshold = _threshold(others, rate)
            matched += [s >= threshold for a, b, s in pairs if a == b == person]
            false += [s >= threshold for a, b, s in pairs if a != b and person in (a, b)]
        metrics[f"{model}_pairs_cv_tmr_at_fmr_{rate}"] = float(np.mean(matched))
        metrics[f"{model}_pairs_cv_fmr_at_fmr_{rate}"] = float(np.mean(false))
        every = np.array([s for a, b, s in pairs if a != b])
        threshold = _threshold(every, rate)
        metrics[f"{model}_pairs_in_sample_threshold_at_fmr_{rate}"] = round(threshold, 4)
        metrics[f"{model}_pairs_in_sample_tmr_at_fmr_{rate}"] = float(
            np.mean([s >= threshold for a, b, s in pairs if a == b]))
    return metrics


def _references(photos: list[Photo], people: list[str], model: str, rng) -> dict[str, tuple[np.ndarray, set[str]]]:
    """Person -> (descriptors of 3 random single photos, the paths of those photos)."""
    chosen = {}
    for person in people:
        own = [p for p in photos if p.kind == "single" and p.people == {person} and len(p.descriptors[model])]
        picked = [own[i] for i in rng.choice(len(own), REFERENCES, replace=False)]
        chosen[person] = (np.stack([p.descriptors[model][0] for p in picked]), {p.path for p in picked})
    return chosen


def _score(faces: np.ndarray, references: np.ndarray) -> np.ndarray:
    """Per face, the highest similarity to the references."""
    return (faces @ references.T).max(axis=1) if len(faces) else np.zeros(0)


def _negatives(photos: list[Photo], listed: dict, model: str) -> list[float]:
    """For every listed person, the scores of faces that are surely someone else."""
    scores: list[float] = []
    for person, (references, _) in listed.items():
        for photo in photos:
            if person not in photo.people:
                scores += list(_score(photo.descriptors[model], references))
    return scores


def list_run(photos: list[Photo], listed: dict, thresholds: tuple[float, float], model: str) -> dict[str, list]:
    """Found / not found for each appearance of a listed person, named / not for each face of an unlisted one."""
    match, weak = thresholds
    outcome: dict[str, list] = {"found": [], "found_or_weak": [], "named": [], "named_or_weak": []}
    for photo in photos:
        present = [person for person in listed if person in photo.people]
        for person in present:
            if photo.path in listed[person][1]:
                continue
            best = float(_score(photo.descriptors[model], listed[person][0]).max(initial=-1.0))
            outcome["found"].append(best >= match)
            outcome["found_or_weak"].append(best >= weak)
        if present:
            continue  # which other face is whom is unknown
        best_per_face = np.max([_score(photo.descriptors[model], references) for references, _ in listed.values()],
                               axis=0) if len(photo.descriptors[model]) else np.zeros(0)
        outcome["named"] += list(best_per_face >= match)
        outcome["named_or_weak"] += list(best_per_face >= weak)
    return outcome


def fit_thresholds(photos: list[Photo], people: list[str], model: str, draws: int, rng) -> tuple[float, float]:
    """Match and weak thresholds at MATCH_FMR / WEAK_FMR of the faces of `photos` not labelled with the listed
    person, each of `people` listed from 3 of their photos (`draws` times)."""
    negatives: list[float] = []
    for _ in range(draws):
        negatives += _negatives(photos, _references(photos, people, model, rng), model)
    scores = np.array(negatives)
    return _threshold(scores, MATCH_FMR), _threshold(scores, WEAK_FMR)


def list_metrics(photos: list[Photo], model: str, draws: int) -> dict:
    rng = np.random.default_rng(SEED)
    people = sorted({person for p in photos for person in p.people})
    folds = [people[i::FOLDS] for i in range(FOLDS)]
    totals: dict[str, list] = {}
    for fold in folds:
        training = [person for person in people if person not in fold]
        # photos showing only training people are the fit's world; the fold's people never enter it
        world = [p for p in photos if not (p.people & set(fold))]
        thresholds = fit_thresholds(world, training, model, draws, rng)
        for _ in range(draws):
            outcome = list_run(photos, _references(photos, fold, model, rng), thresholds, model)
            for key, values in outcome.items():
                totals.setdefault(key, []).extend(values)
    metrics = {f"{model}_list_cv_{key}": float(np.mean(values)) for key, values in totals.items()}
    metrics[f"{model}_list_cv_appearances"] = len(totals["found"]) // draws
    metrics[f"{model}_list_cv_unlisted_faces"] = len(totals["named"]) // draws
    match, weak = fit_thresholds(photos, people, model, draws, rng)
    metrics[f"{model}_chosen_match_similarity"] = round(match, 3)
    metrics[f"{model}_chosen_weak_similarity"] = round(weak, 3)
    return metrics


def youth_metrics(eval_root: Path, config, threshold: float) -> dict:
    pairs, photos_with_pair, photos_with_faces = [], 0, 0
    for photo in policy_scans(eval_root, config).values():
        described = [f.descriptor for f in photo.analysis.faces if f.descriptor is not None]
        if len(described) < 2:
            continue
        photos_with_faces += 1
        similar = [float(a @ b) >= threshold for a, b in combinations(described, 2)]
        pairs += similar
        photos_with_pair += any(similar)
    return {
        "youth_photos_with_2plus_described_faces": photos_with_faces,
        "youth_same_photo_pairs": len(pairs),
        "youth_same_photo_pairs_matching": float(np.mean(pairs)) if pairs else 0.0,
        "youth_photos_with_a_matching_pair": photos_with_pair,
    }


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config()
    draws = int(_option(options, "--draws", "10"))
    photos = load_photos(dataset, config)
    metrics: dict = {
        "photos": len(photos),
        "faces_without_descriptor": sum(p.undescribed for p in photos),
    }
    for model in ("faceres", "mobilefacenet"):
        metrics.update(pair_metrics(photos, model))
        metrics.update(list_metrics(photos, model, draws))
    youth = Path(_option(options, "--youth", str(dataset.parent)))
    if (youth / "youth_dev").is_dir():
        metrics.update(youth_metrics(youth, config, metrics["mobilefacenet_chosen_match_similarity"]))
    return metrics
