"""Uniform judgement against youth_dev's `uniform_visible` labels.

`python bench/run.py uniform ../shared/eval/youth_dev`

Photos labelled `yes` or `no` (partial / unsure left out) are analysed by the real pipeline (Analyzer: faces, person
boxes, torso colours) and judged with the profile of their `organisation` (KSA -> ksa, Scouts & Gidsen -> scouts,
Chiro -> chiro, KLJ -> klj) and the shipped `[uniform]` settings.

Prints: photos; per organisation `<org>_correct` / `<org>_photos`; precision and recall of "visible"; the KSA profile
applied to every photo (`ksa_profile_accuracy_on_ksa` on the KSA photos, and `ksa_profile_accepts_<org>`: the share
of another movement's uniform photos that the KSA profile wrongly calls KSA uniform); then a leave-one-out figure for
the decision thresholds: for each photo, `[uniform] min_fraction` and every profile's `min_shirt_share` and
`min_neckerchief_share` are re-chosen from a grid on the other photos and the held-out photo is judged with them
(`loo_accuracy`). The profiles' colour ranges themselves are fixed by hand (described in their TOML files), not
re-fitted per fold. Headline last: accuracy with the shipped settings.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

from evaldata import youth_dev_rows

from photocheck.config import Section, default_config
from photocheck.judges.uniform import judge_uniform, wears_uniform
from photocheck.pipeline import Analyzer
from photocheck.results import TorsoSample
from photocheck.uniforms import UniformProfile, load_profile

ORGANISATION_PROFILES = {"KSA": "ksa", "Scouts & Gidsen": "scouts", "Chiro": "chiro", "KLJ": "klj"}
MIN_FRACTIONS = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5]
MIN_SHIRT_SHARES = [0.15, 0.25, 0.35, 0.5]
MIN_NECKERCHIEF_SHARES = [0.1, 0.15, 0.25]


def organisation_profile(organisation: str) -> str:
    for prefix, profile in ORGANISATION_PROFILES.items():
        if organisation.startswith(prefix):
            return profile
    raise ValueError(f"no uniform profile for organisation {organisation!r}")


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config()
    analyzer = Analyzer(config)
    photos = []  # (profile name, labelled visible, torsos)
    for row in youth_dev_rows(dataset):
        if row["uniform_visible"] not in ("yes", "no"):
            continue
        analysis = analyzer.analyse(Path(row["image"]), row["file"])
        photos.append((organisation_profile(row["organisation"]), row["uniform_visible"] == "yes", analysis.torsos))
    profiles = {name: load_profile(name) for name in ORGANISATION_PROFILES.values()}

    judged = [judge_uniform(torsos, profiles[name], config.uniform).visible for name, _, torsos in photos]
    labels = [label for _, label, _ in photos]
    metrics: dict = {"photos": len(photos)}
    for name in ORGANISATION_PROFILES.values():
        rows = [i for i, (profile, _, _) in enumerate(photos) if profile == name]
        metrics[f"{name}_correct"] = sum(judged[i] == labels[i] for i in rows)
        metrics[f"{name}_photos"] = len(rows)
    true_positives = sum(j and y for j, y in zip(judged, labels))
    metrics["precision"] = true_positives / max(1, sum(judged))
    metrics["recall"] = true_positives / max(1, sum(labels))

    ksa = [judge_uniform(torsos, profiles["ksa"], config.uniform).visible for _, _, torsos in photos]
    on_ksa = [i for i, (profile, _, _) in enumerate(photos) if profile == "ksa"]
    metrics["ksa_profile_accuracy_on_ksa"] = sum(ksa[i] == labels[i] for i in on_ksa) / len(on_ksa)
    for name in ("scouts", "chiro", "klj"):
        worn = [i for i, (profile, label, _) in enumerate(photos) if profile == name and label]
        metrics[f"ksa_profile_accepts_{name}"] = sum(ksa[i] for i in worn) / max(1, len(worn))

    metrics["loo_accuracy"] = _leave_one_out(photos, profiles, config.uniform)
    metrics["accuracy"] = sum(j == y for j, y in zip(judged, labels)) / len(photos)
    return metrics


def _leave_one_out(
    photos: list[tuple[str, bool, list[TorsoSample]]], profiles: dict[str, UniformProfile], settings: Section
) -> float:
    """Accuracy when the thresholds are chosen on all photos but the one judged (ties: nearest the shipped values)."""
    shares = list(itertools.product(MIN_SHIRT_SHARES, MIN_NECKERCHIEF_SHARES))
    # in_uniform[photo][shares] = (people in uniform, people checked): thresholds below only compare these
    counts = [
        [
            (sum(wears_uniform(sample, replace(profiles[name], min_shirt_share=shirt, min_neckerchief_share=neck), settings)
                 for sample in torsos), len(torsos))
            for shirt, neck in shares
        ]
        for name, _, torsos in photos
    ]

    def visible(photo: int, share_index: int, min_fraction: float) -> bool:
        wearing, checked = counts[photo][share_index]
        return wearing > 0 and wearing / checked >= min_fraction

    def shipped_distance(name: str, share_index: int) -> float:
        shirt, neck = shares[share_index]
        profile = profiles[name]
        return abs(shirt - profile.min_shirt_share) + abs(neck - min(profile.min_neckerchief_share, 1.0))

    correct = 0
    for held_out in range(len(photos)):
        training = [i for i in range(len(photos)) if i != held_out]
        best = None
        for min_fraction in MIN_FRACTIONS:
            chosen, hits, distance = {}, 0, abs(min_fraction - settings.min_fraction)
            for name in profiles:
                rows = [i for i in training if photos[i][0] == name]
                scored = [
                    (sum(visible(i, s, min_fraction) == photos[i][1] for i in rows), -shipped_distance(name, s), s)
                    for s in range(len(shares))
                ]
                top = max(scored)
                chosen[name] = top[2]
                hits += top[0]
                distance -= top[1]
            if best is None or (hits, -distance) > best[0]:
                best = ((hits, -distance), min_fraction, chosen)
        _, min_fraction, chosen = best
        name, label, _ = photos[held_out]
        correct += visible(held_out, chosen[name], min_fraction) == label
    return correct / len(photos)
