"""Uniform judgement against the `uniform_visible` labels of the youth-group photo sets.

`python bench/run.py uniform ../shared/eval` (youth_dev + youth_dev2) or `../shared/eval/youth_dev` (one set)

Photos labelled `yes` or `no` (partial / unsure left out) are scanned through the analysis cache
(`evaldata.policy_scans`: faces, person boxes, torso colours) and judged by the judge (`judges.uniform.judge_uniform`:
the torsos under faces, else the faceless person boxes, weighed by torso area) with their movement's profile, found from
`organisation`: KSA -> ksa, Scouts (Scouts & Gidsen, Scouts en Gidsen Vlaanderen) -> scouts, Chiro -> chiro,
KLJ -> klj, and Scouting Nederland -> scouts (the nearest built-in: a scout shirt with a group neckerchief; its green
cub and scout blouses are in no profile, so they count as misses). A source that is no movement (a jeugdhuis, a
basketball club) is judged with the default profile (`[uniform] profile`, ksa) and should come out "not visible".

The share thresholds, `[uniform] min_fraction` and every profile's `min_shirt_share` and `min_neckerchief_share`,
were tuned on youth_dev: here they are re-chosen from a grid for each held-out source (`organisation`) on the other
sources (`loso_*`; ties go to the shipped values). The profiles' colour ranges were set by hand while looking at
youth_dev and stay fixed (not re-fitted per source), so youth_dev's sources are still optimistic.

Prints: photos; per profile (movement photos only) and per source `<name>_correct` / `<name>_photos`
(leave-one-source-out); the non-movement photos called "not visible"; in-sample (shipped settings) precision,
recall and accuracy, the KSA profile applied to every movement photo (`ksa_profile_accepts_<profile>`: the share of another movement's uniform photos it calls KSA
uniform); the thresholds chosen per source; headline last: `loso_accuracy`.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import replace
from pathlib import Path

from evaldata import best_candidate, is_eval_root, leave_one_source_out, policy_rows, policy_scans

from photocheck.config import default_config
from photocheck.judges.uniform import judge_uniform
from photocheck.uniforms import load_profile

MOVEMENT_PROFILES = (("KSA", "ksa"), ("Scouts", "scouts"), ("Chiro", "chiro"), ("KLJ", "klj"))
SCOUTING_NEDERLAND = "Scouting Nederland"
MIN_FRACTIONS = (0.3, 0.1, 0.15, 0.2, 0.25, 0.35, 0.4, 0.5)  # the shipped value first: ties go to it
MIN_SHIRT_SHARES = (0.15, 0.25, 0.35, 0.5)
MIN_NECKERCHIEF_SHARES = (0.1, 0.15, 0.25)


def organisation_profile(organisation: str) -> str | None:
    """The built-in profile of a movement's `organisation` label; None for a source that is no movement."""
    for prefix, profile in MOVEMENT_PROFILES:
        if organisation.startswith(prefix):
            return profile
    return "scouts" if SCOUTING_NEDERLAND in organisation else None


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config()
    if is_eval_root(dataset):
        eval_root, sets = dataset, None
    else:
        eval_root, sets = dataset.parent, (dataset.name,)
    rows = policy_rows(eval_root, *([sets] if sets else []))
    scans = policy_scans(eval_root, config, *([sets] if sets else []))
    photos = []
    for row in rows:
        if row["uniform_visible"] not in ("yes", "no") or not scans[row["image"]].analysis.ok:
            continue
        movement = organisation_profile(row["organisation"])
        photos.append({
            "source": row["source"], "movement": movement is not None,
            "profile": movement or config.uniform.profile, "visible": row["uniform_visible"] == "yes",
            "torsos": scans[row["image"]].analysis.torsos,
        })
    profile_names = sorted({photo["profile"] for photo in photos} | {name for _, name in MOVEMENT_PROFILES})
    profiles = {name: load_profile(name) for name in profile_names}
    shares = list(itertools.product(MIN_SHIRT_SHARES, MIN_NECKERCHIEF_SHARES))
    shipped_shares = {
        name: min(range(len(shares)), key=lambda s: abs(shares[s][0] - profile.min_shirt_share)
                  + abs(shares[s][1] - min(profile.min_neckerchief_share, 1.0)))
        for name, profile in profiles.items()
    }
    settings_of = {
        fraction: config.with_overrides({"uniform": {"min_fraction": fraction}}, "bench").uniform
        for fraction in MIN_FRACTIONS
    }
    # judged[i][(profile, share index, min_fraction)]: whether the judge calls photo i's uniform visible (its own
    # profile, and ksa for ksa_profile_accepts_*)
    judged = [
        {
            (name, s, fraction): judge_uniform(
                photo["torsos"], replace(profiles[name], min_shirt_share=shirt, min_neckerchief_share=neck), settings
            ).visible
            for name in {photo["profile"], "ksa"} for s, (shirt, neck) in enumerate(shares)
            for fraction, settings in settings_of.items()
        }
        for photo in photos
    ]
    for index, photo in enumerate(photos):
        photo["index"] = index

    def visible(photo: dict, profile: str, share_index: int, min_fraction: float) -> bool:
        return judged[photo["index"]][(profile, share_index, min_fraction)]

    def fit(training: list[dict]) -> tuple[float, dict[str, int]]:
        def per_profile(min_fraction: float) -> dict[str, int]:
            return {
                name: best_candidate(
                    [shipped_shares[name]] + [s for s in range(len(shares)) if s != shipped_shares[name]],
                    lambda s: sum(visible(p, name, s, min_fraction) == p["visible"]
                                  for p in training if p["profile"] == name),
                )
                for name in profiles
            }

        def hits(min_fraction: float) -> int:
            chosen = per_profile(min_fraction)
            return sum(visible(p, p["profile"], chosen[p["profile"]], min_fraction) == p["visible"] for p in training)

        min_fraction = best_candidate(list(MIN_FRACTIONS), hits)
        return min_fraction, per_profile(min_fraction)

    def predict(chosen: tuple[float, dict[str, int]], photo: dict) -> bool:
        min_fraction, share_of = chosen
        return visible(photo, photo["profile"], share_of[photo["profile"]], min_fraction)

    loso, chosen_per_source = leave_one_source_out(photos, fit, predict)
    shipped = (config.uniform.min_fraction, shipped_shares)
    insample = [predict(shipped, photo) for photo in photos]
    labels = [photo["visible"] for photo in photos]

    metrics: dict = {"photos": len(photos), "photos_uniform_visible": sum(labels)}
    for key, names in (("profile", profile_names), ("source", sorted({p["source"] for p in photos}))):
        for name in names:
            members = [
                i for i, photo in enumerate(photos) if photo[key] == name and (photo["movement"] or key == "source")
            ]
            if members:
                label = name if key == "profile" else f"source {name}"
                metrics[f"{label}_correct"] = sum(loso[i] == labels[i] for i in members)
                metrics[f"{label}_photos"] = len(members)
    not_movement = [i for i, photo in enumerate(photos) if not photo["movement"]]
    metrics["non_movement_photos"] = len(not_movement)
    metrics["non_movement_not_visible_loso"] = sum(not loso[i] for i in not_movement)
    metrics["non_movement_not_visible_insample"] = sum(not insample[i] for i in not_movement)
    metrics["insample_precision"] = _precision(insample, labels)
    metrics["insample_recall"] = _recall(insample, labels)
    metrics["insample_accuracy"] = statistics.fmean(j == y for j, y in zip(insample, labels))
    for name in ("scouts", "chiro", "klj"):
        worn = [i for i, photo in enumerate(photos) if photo["movement"] and photo["profile"] == name and labels[i]]
        metrics[f"ksa_profile_accepts_{name}"] = sum(
            visible(photos[i], "ksa", shipped_shares["ksa"], config.uniform.min_fraction) for i in worn
        ) / max(1, len(worn))
    metrics["loso_precision"] = _precision(loso, labels)
    metrics["loso_recall"] = _recall(loso, labels)
    metrics["loso_chosen_min_fraction"] = " ".join(
        f"{fraction}x{sum(c[0] == fraction for c in chosen_per_source.values())}"
        for fraction in sorted({c[0] for c in chosen_per_source.values()})
    )
    metrics["loso_accuracy"] = statistics.fmean(j == y for j, y in zip(loso, labels))
    return metrics


def _precision(judged: list[bool], labels: list[bool]) -> float:
    return sum(j and y for j, y in zip(judged, labels)) / max(1, sum(judged))


def _recall(judged: list[bool], labels: list[bool]) -> float:
    return sum(j and y for j, y in zip(judged, labels)) / max(1, sum(labels))
