"""The consent list on labelled people: who is found, who is wrongly named, at which threshold, at what cost.

`python bench/run.py consent ../shared/eval/identity [--eval ../shared/eval] [--draws N] [--rule mean|closest]`

identity/labels.csv: file, person (';' between several), kind (single: one person, the largest face; group: the
labelled people among others, which face is whom unknown). Faces and identity descriptors (faceres) come from the
scan's own face stage (photocheck/analysis/pipeline.py `Analyzer.faces`: detector, FaceMesh, descriptor of every face of at
least `[faces] describe_min_side` working pixels), run here without the rest of the scan. Reported:

- pairs: largest faces of single photos; same person = positive, different = negative. Cross-validated over people
  (leave one person out): the threshold giving a false-match rate (FMR) of 1 % / 0.1 % on the pairs of the other 9
  people is applied to the pairs of the held-out person: true-match rate (TMR) and FMR there; in-sample beside.
- list: people in 5 folds of 2. Each fold's people are listed from 3 of their single photos (N random draws); the
  similarity of a face to a listed person is its cosine to the normalised mean of their references, as the product
  lists a child (photocheck/consent.py `listed_child`); `--rule closest` measures the highest cosine over the
  references instead (the rule before). The thresholds are chosen on the photos of the other 8 people only (each listed the same way: the
  similarity that 0.1 % (match) and 1 % (weak) of the faces of someone else reach), then measured on the fold:
  `found` = share of the listed people's other appearances (single photos; group photos where they are labelled:
  any face of the photo) reaching the match threshold (`found_or_weak`: the weak one), `named` = share of the faces
  of people not listed (every face of single photos of other people, every face of group photos where no listed
  person is labelled) reaching it. Faces without a descriptor count as not found.
- small: the same, with every appearance's photo shrunk so that its largest face is 40-60 working pixels
  (`describe_min_side` is 40): how often a small face is still found.
- tilted: the same, with every appearance's photo turned by 12-25 degrees (either way, black corners) and its faces
  found again: heads tilted more than in these portraits (the listed references stay upright).
- chosen: both thresholds fitted on all 10 people (in-sample) = the `[consent]` settings.
- youth: youth_dev + youth_dev2 (`--eval EVAL_ROOT`, default beside DATASET): the share of pairs of described,
  recognisable faces of one photo (different people) at or above the match threshold, and the photos with such a
  pair.
- cost: on fullres_dev, the CPU seconds per photo of the face descriptors (what the scan pays with or without a
  list) and of matching the faces against a list of 20 children (descriptors of identity faces standing in).
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path

import cv2
import numpy as np
from evaldata import policy_rows

from photocheck.analysis.loading import discover, load_photo
from photocheck.consent import listed_child
from photocheck.analysis.pipeline import Analyzer
from photocheck.config import default_config
from photocheck.judges.consent import closest_reference, consent_matches
from photocheck.judges.faces import judge_faces
from photocheck.models.face_descriptor import DIMENSIONS
from photocheck.records.analysis import PhotoAnalysis
from photocheck.records.judgement import ListedChild

FOLDS = 5
REFERENCES = 3
MATCH_FMR, WEAK_FMR = 0.001, 0.01
PAIR_FMRS = (0.01, 0.001)
SEED = 13
RULE = {"closest": False}  # set by --rule


@dataclass
class Photo:
    path: str
    people: set[str]
    kind: str
    descriptors: np.ndarray  # [n, D] of the faces considered (single: the largest face only)
    undescribed: int  # faces considered without a descriptor (too small)


def _option(options: list[str], name: str, default: str | None = None) -> str | None:
    return options[options.index(name) + 1] if name in options else default


def _threshold(negatives: np.ndarray, rate: float) -> float:
    """The lowest similarity at which at most `rate` of the negatives match."""
    return float(np.quantile(negatives, 1.0 - rate, method="higher")) + 1e-6


def _faces(analyzer: Analyzer, rgb: np.ndarray, single: bool) -> tuple[np.ndarray, int]:
    faces = sorted(analyzer.faces(rgb), key=lambda f: -max(f.box.width, f.box.height))
    faces = faces[:1] if single else faces
    described = [face.descriptor for face in faces if face.descriptor is not None]
    return np.array(described, np.float32).reshape(len(described), DIMENSIONS), len(faces) - len(described)


def _shrunk(rgb: np.ndarray, analyzer: Analyzer, rng) -> np.ndarray:
    """The photo shrunk so that its largest face is 40-60 pixels."""
    faces = analyzer.faces(rgb)
    if not faces:
        return rgb
    side = max(max(f.box.width, f.box.height) for f in faces)
    factor = min(1.0, rng.uniform(40, 60) / side)
    size = (max(1, round(rgb.shape[1] * factor)), max(1, round(rgb.shape[0] * factor)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _tilted(rgb: np.ndarray, rng) -> np.ndarray:
    """The photo turned by 12-25 degrees either way on a canvas that holds all of it (black corners)."""
    angle = float(rng.uniform(12, 25) * rng.choice([-1, 1]))
    height, width = rgb.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    size = (int(height * sin + width * cos), int(height * cos + width * sin))
    matrix[:, 2] += (size[0] - width) / 2, (size[1] - height) / 2
    return cv2.warpAffine(rgb, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def load_photos(dataset: Path, config, analyzer: Analyzer, variant: str = "") -> list[Photo]:
    """The labelled photos with the descriptors of their faces; `variant` "small" or "tilted" changes each photo
    first (see the module's docstring)."""
    with (dataset / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rng = np.random.default_rng(SEED)
    photos = []
    for row in rows:
        rgb = load_photo(dataset / row["file"], config.loading.working_size, config.loading.max_megapixels).rgb
        if variant == "small":
            rgb = _shrunk(rgb, analyzer, rng)
        elif variant == "tilted":
            rgb = _tilted(rgb, rng)
        descriptors, undescribed = _faces(analyzer, rgb, row["kind"] == "single")
        photos.append(Photo(row["file"], set(row["person"].split(";")), row["kind"], descriptors, undescribed))
    return photos


def pair_metrics(photos: list[Photo]) -> dict:
    singles = [(next(iter(p.people)), p.descriptors[0]) for p in photos if p.kind == "single" and len(p.descriptors)]
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
        metrics[f"pairs_cv_tmr_at_fmr_{rate}"] = float(np.mean(matched))
        metrics[f"pairs_cv_fmr_at_fmr_{rate}"] = float(np.mean(false))
        threshold = _threshold(np.array([s for a, b, s in pairs if a != b]), rate)
        metrics[f"pairs_in_sample_threshold_at_fmr_{rate}"] = round(threshold, 4)
        metrics[f"pairs_in_sample_tmr_at_fmr_{rate}"] = float(np.mean([s >= threshold for a, b, s in pairs if a == b]))
    return metrics


def listed(name: str, references: np.ndarray) -> ListedChild:
    """A listed person as the rule being measured compares them: the product's (the mean of the references), or
    with `--rule closest` every reference (the closest one counts)."""
    return ListedChild(name, references) if RULE["closest"] else listed_child(name, references)


def _references(photos: list[Photo], people: list[str], rng) -> dict[str, tuple[ListedChild, set[str]]]:
    """Person -> (the person listed from 3 random single photos, the paths of those photos)."""
    chosen = {}
    for person in people:
        own = [p for p in photos if p.kind == "single" and p.people == {person} and len(p.descriptors)]
        picked = [own[i] for i in rng.choice(len(own), REFERENCES, replace=False)]
        child = listed(person, np.stack([p.descriptors[0] for p in picked]))
        chosen[person] = (child, {p.path for p in picked})
    return chosen


def _negatives(photos: list[Photo], listed: dict) -> list[float]:
    """For every listed person, the scores of the faces that are surely someone else."""
    scores: list[float] = []
    for person, (child, _) in listed.items():
        for photo in photos:
            if person not in photo.people:
                scores += list(closest_reference(photo.descriptors, child))
    return scores


def list_run(probes: list[Photo], listed: dict, thresholds: tuple[float, float]) -> dict[str, list]:
    """Found / not for each appearance of a listed person, named / not for each face of an unlisted one."""
    match, weak = thresholds
    outcome: dict[str, list] = {"found": [], "found_or_weak": [], "named": [], "named_or_weak": []}
    for photo in probes:
        present = [person for person in listed if person in photo.people]
        for person in present:
            if photo.path in listed[person][1]:
                continue
            best = float(closest_reference(photo.descriptors, listed[person][0]).max(initial=-1.0))
            outcome["found"].append(best >= match)
            outcome["found_or_weak"].append(best >= weak)
        if present or not len(photo.descriptors):
            continue  # which other face is whom is unknown
        best_per_face = np.max([closest_reference(photo.descriptors, child) for child, _ in listed.values()], axis=0)
        outcome["named"] += list(best_per_face >= match)
        outcome["named_or_weak"] += list(best_per_face >= weak)
    return outcome


def fit_thresholds(photos: list[Photo], people: list[str], draws: int, rng) -> tuple[float, float]:
    """Match and weak thresholds at MATCH_FMR / WEAK_FMR of the faces of `photos` not labelled with the listed
    person, each of `people` listed from 3 of their photos (`draws` times)."""
    negatives: list[float] = []
    for _ in range(draws):
        negatives += _negatives(photos, _references(photos, people, rng))
    scores = np.array(negatives)
    return _threshold(scores, MATCH_FMR), _threshold(scores, WEAK_FMR)


def list_metrics(photos: list[Photo], probes: list[Photo], draws: int, prefix: str) -> dict:
    """Listed from `photos`, searched for in `probes` (the same photos, possibly shrunk), thresholds chosen without
    the people searched for."""
    rng = np.random.default_rng(SEED)
    people = sorted({person for p in photos for person in p.people})
    totals: dict[str, list] = {}
    for fold in (people[i::FOLDS] for i in range(FOLDS)):
        training = [person for person in people if person not in fold]
        world = [p for p in photos if not (p.people & set(fold))]  # the fold's people never enter the fit
        thresholds = fit_thresholds(world, training, draws, rng)
        for _ in range(draws):
            outcome = list_run(probes, _references(photos, fold, rng), thresholds)
            for key, values in outcome.items():
                totals.setdefault(key, []).extend(values)
    metrics = {f"{prefix}list_cv_{key}": float(np.mean(values)) for key, values in totals.items()}
    metrics[f"{prefix}list_cv_appearances"] = len(totals["found"]) // draws
    metrics[f"{prefix}list_cv_unlisted_faces"] = len(totals["named"]) // draws
    return metrics


def youth_metrics(eval_root: Path, config, analyzer: Analyzer, threshold: float) -> dict:
    pairs, photos_with_pair, photos_with_faces = [], 0, 0
    for row in policy_rows(eval_root):
        photo = load_photo(Path(row["image"]), config.loading.working_size, config.loading.max_megapixels)
        faces = [replace(face, box=face.box.scaled(photo.scale)) for face in analyzer.faces(photo.rgb)]
        analysis = PhotoAnalysis(row["image"], True, width=photo.width, height=photo.height, faces=faces)
        judged = judge_faces(analysis, config)
        described = [f.descriptor for f, j in zip(faces, judged) if j.recognisable and f.descriptor is not None]
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


def cost_metrics(folder: Path, config, analyzer: Analyzer, children: list[ListedChild]) -> dict:
    """CPU seconds per photo of the descriptors in the face stage, and of matching against `children`."""
    describe = analyzer.face_descriptor.describe
    spent = {"describe": 0.0, "faces": 0}

    def timed(rgb, boxes, meshes=None):
        started = time.process_time()
        try:
            return describe(rgb, boxes, meshes)
        finally:
            spent["describe"] += time.process_time() - started
            spent["faces"] += len(boxes)

    analyzer.face_descriptor.describe = timed
    files = discover(folder).files
    analyses = []
    face_seconds = 0.0
    for file in files:
        photo = load_photo(file, config.loading.working_size, config.loading.max_megapixels)
        started = time.process_time()
        faces = analyzer.faces(photo.rgb)
        face_seconds += time.process_time() - started
        analyses.append(PhotoAnalysis(file.name, True, width=photo.width, height=photo.height, faces=faces))
    analyzer.face_descriptor.describe = describe
    started = time.process_time()
    for _ in range(10):
        for analysis in analyses:
            consent_matches(analysis, tuple(children), config.consent)
    matching = (time.process_time() - started) / 10
    return {
        "cost_photos": len(files),
        "cost_described_faces_per_photo": round(spent["faces"] / len(files), 2),
        "cost_face_stage_cpu_s_per_photo": round(face_seconds / len(files), 4),
        "cost_descriptors_cpu_s_per_photo": round(spent["describe"] / len(files), 4),
        "cost_matching_20_children_cpu_s_per_photo": round(matching / len(files), 6),
    }


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config()
    draws = int(_option(options, "--draws", "10"))
    rule = _option(options, "--rule", "mean")
    if rule not in ("mean", "closest"):
        raise SystemExit(f"--rule {rule}: choose mean (the product's) or closest")
    RULE["closest"] = rule == "closest"
    analyzer = Analyzer(config)
    photos = load_photos(dataset, config, analyzer)
    small = load_photos(dataset, config, analyzer, "small")
    tilted = load_photos(dataset, config, analyzer, "tilted")
    metrics: dict = {
        "rule": rule,
        "photos": len(photos),
        "faces_without_descriptor": sum(p.undescribed for p in photos),
        "small_faces_without_descriptor": sum(p.undescribed for p in small),
    }
    metrics.update(pair_metrics(photos))
    metrics.update(list_metrics(photos, photos, draws, ""))
    metrics.update(list_metrics(photos, small, draws, "small_"))
    metrics.update(list_metrics(photos, tilted, draws, "tilted_"))
    people = sorted({person for p in photos for person in p.people})
    match, weak = fit_thresholds(photos, people, draws, np.random.default_rng(SEED))
    metrics["chosen_match_similarity"] = round(match, 3)
    metrics["chosen_weak_similarity"] = round(weak, 3)
    eval_root = Path(_option(options, "--eval", str(dataset.parent)))
    if (eval_root / "youth_dev").is_dir():
        metrics.update(youth_metrics(eval_root, config, analyzer, metrics["chosen_match_similarity"]))
    if (eval_root / "fullres_dev").is_dir():
        rng = np.random.default_rng(SEED)
        singles = [p for p in photos if p.kind == "single" and len(p.descriptors)]
        children = [listed(f"child {i}", np.stack([singles[j].descriptors[0] for j in rng.choice(len(singles), 3)]))
                    for i in range(20)]
        metrics.update(cost_metrics(eval_root / "fullres_dev", config, analyzer, children))
    return metrics
