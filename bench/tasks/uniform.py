"""Uniform judgement against the `uniform_visible` labels of the youth-group photo sets.

`python bench/run.py uniform ../shared/eval` (youth_dev + youth_dev2) or `../shared/eval/youth_dev` (one set)

Photos labelled `yes` or `no` (partial / unsure left out) are scanned through the analysis cache
(`evaldata.policy_scans`: faces, person boxes, torso colours) and judged by the judge (`judges.uniform.judge_uniform`)
with their movement's profile, found from
`organisation`: KSA -> ksa, Scouts (Scouts & Gidsen, Scouts en Gidsen Vlaanderen) -> scouts, Chiro -> chiro,
KLJ -> klj, and Scouting Nederland -> scouts (the nearest built-in: a scout shirt with a group neckerchief; its green
cub and scout blouses are in no profile, so they count as misses). A source that is no movement (a jeugdhuis, a
basketball club) is judged with the default profile (`[uniform] profile`, ksa) and should come out "not visible".

The share thresholds, `[uniform] min_fraction` and every profile's `min_shirt_share` and `min_neckerchief_share`,
were tuned on youth_dev: here they are re-chosen from a grid for each held-out source (`organisation`) on the other
sources (`loso_*`; ties go to the shipped values), and with them the judge's variant, `[uniform] judged_people` x
`weigh_people_by`: for each held-out source the variant with the best leave-one-source-out accuracy over the other
sources (thresholds fitted without each of them in turn: how the shipped variant was picked, on all photos), ties to
the shipped variant. `fixed_variant_loso_accuracy` (the shipped variant, thresholds alone re-chosen) carries the choice
made on all photos; the nested `loso_accuracy` does not. `loso_accuracy_variant_chosen_by_fit` chooses the variant
instead by how many of the other sources' photos its fitted thresholds get right (in-sample on them). The profiles' colour ranges were set by hand while looking at youth_dev and stay fixed
(not re-fitted per source), so youth_dev's sources are still optimistic.

Prints: photos; per profile (movement photos only) and per source `<name>_correct` / `<name>_photos`
(nested leave-one-source-out); the non-movement photos called "not visible"; in-sample (shipped settings) precision,
recall and accuracy, the KSA profile applied to every movement photo (`ksa_profile_accepts_<profile>`: the share of
another movement's uniform photos it calls KSA uniform); each variant's LOSO accuracy with its thresholds alone
re-chosen (`variant_loso_accuracy`, the shipped one again as `fixed_variant_loso_accuracy`); the variant and the
min_fraction chosen per source; headline last: the nested `loso_accuracy`.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import replace
from pathlib import Path

from evaldata import best_candidate, is_eval_root, leave_one_source_out, policy_rows, policy_scans

from photocheck.config import default_config
from photocheck.judges.uniform import JUDGED_PEOPLE, PERSON_WEIGHTS, judge_uniform
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
    shipped_variant = (config.uniform.judged_people, config.uniform.weigh_people_by)
    variants = [shipped_variant] + [v for v in itertools.product(JUDGED_PEOPLE, PERSON_WEIGHTS) if v != shipped_variant]
    settings_of = {
        (variant, fraction): config.with_overrides(
            {"uniform": {"judged_people": variant[0], "weigh_people_by": variant[1], "min_fraction": fraction}}, "bench"
        ).uniform
        for variant in variants for fraction in MIN_FRACTIONS
    }
    # judged[i][(variant, profile, share index, min_fraction)]: whether the judge calls photo i's uniform visible (its
    # own profile, and ksa for ksa_profile_accepts_*)
    judged = [
        {
            (variant, name, s, fraction): judge_uniform(
                photo["torsos"], replace(profiles[name], min_shirt_share=shirt, min_neckerchief_share=neck), settings
            ).visible
            for name in {photo["profile"], "ksa"} for s, (shirt, neck) in enumerate(shares)
            for (variant, fraction), settings in settings_of.items()
        }
        for photo in photos
    ]
    for index, photo in enumerate(photos):
        photo["index"] = index

    def visible(photo: dict, variant: tuple, profile: str, share_index: int, min_fraction: float) -> bool:
        return judged[photo["index"]][(variant, profile, share_index, min_fraction)]

    def fit_thresholds(training: list[dict], variant: tuple) -> tuple[int, tuple[float, dict[str, int]]]:
        """How many `training` photos `variant` gets right with its best thresholds, and those thresholds (the
        min_fraction and each profile's share index)."""
        def per_profile(min_fraction: float) -> dict[str, int]:
            return {
                name: best_candidate(
                    [shipped_shares[name]] + [s for s in range(len(shares)) if s != shipped_shares[name]],
                    lambda s: sum(visible(p, variant, name, s, min_fraction) == p["visible"]
                                  for p in training if p["profile"] == name),
                )
                for name in profiles
            }

        def hits(min_fraction: float) -> int:
            chosen = per_profile(min_fraction)
            return sum(
                visible(p, variant, p["profile"], chosen[p["profile"]], min_fraction) == p["visible"] for p in training
            )

        min_fraction = best_candidate(list(MIN_FRACTIONS), hits)
        return hits(min_fraction), (min_fraction, per_profile(min_fraction))

    def predict(variant: tuple, thresholds: tuple[float, dict[str, int]], photo: dict) -> bool:
        min_fraction, share_of = thresholds
        return visible(photo, variant, photo["profile"], share_of[photo["profile"]], min_fraction)

    def loso_hits(training: list[dict], variant: tuple) -> int:
        """How many `training` photos `variant` gets right, each judged with thresholds fitted on the other sources of
        `training`: how the shipped variant was chosen (by its leave-one-source-out accuracy)."""
        hits = 0
        for source in {p["source"] for p in training}:
            thresholds = fit_thresholds([p for p in training if p["source"] != source], variant)[1]
            hits += sum(predict(variant, thresholds, p) == p["visible"] for p in training if p["source"] == source)
        return hits

    # Every variant's thresholds fitted without each held-out source. The variant is chosen without it too, two ways
    # (ties to the shipped variant): as the shipped one was chosen, by each variant's leave-one-source-out accuracy
    # over the other sources (nested; the headline), and by the accuracy of its thresholds fitted on all of them.
    per_variant, fitted_per_source = leave_one_source_out(
        photos,
        lambda training: {
            variant: (*fit_thresholds(training, variant), loso_hits(training, variant)) for variant in variants
        },
        lambda fitted, photo: {variant: predict(variant, fitted[variant][1], photo) for variant in variants},
    )
    variant_of = {
        source: best_candidate(variants, lambda variant: fitted[variant][2])
        for source, fitted in fitted_per_source.items()
    }
    fit_variant_of = {
        source: best_candidate(variants, lambda variant: fitted[variant][0])
        for source, fitted in fitted_per_source.items()
    }
    loso = [predictions[variant_of[photo["source"]]] for predictions, photo in zip(per_variant, photos)]
    fit_loso = [predictions[fit_variant_of[photo["source"]]] for predictions, photo in zip(per_variant, photos)]
    shipped = (config.uniform.min_fraction, shipped_shares)
    insample = [predict(shipped_variant, shipped, photo) for photo in photos]
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
            visible(photos[i], shipped_variant, "ksa", shipped_shares["ksa"], config.uniform.min_fraction) for i in worn
        ) / max(1, len(worn))
    # Each variant with only its thresholds re-chosen per held-out source: the variants were compared on these figures,
    # over all photos (the held-out source included), so the best of them is optimistic.
    for variant in variants:
        metrics[f"variant_loso_accuracy {'+'.join(variant)}"] = statistics.fmean(
            predictions[variant] == y for predictions, y in zip(per_variant, labels)
        )
    metrics["fixed_variant_loso_accuracy (shipped variant, chosen on all photos)"] = statistics.fmean(
        predictions[shipped_variant] == y for predictions, y in zip(per_variant, labels)
    )
    for source, variant in variant_of.items():
        metrics[f"loso_chosen_variant source {source}"] = "+".join(variant)
    for source, variant in fit_variant_of.items():
        metrics[f"fit_chosen_variant source {source}"] = "+".join(variant)
    metrics["loso_accuracy_variant_chosen_by_fit"] = statistics.fmean(j == y for j, y in zip(fit_loso, labels))
    metrics["loso_precision"] = _precision(loso, labels)
    metrics["loso_recall"] = _recall(loso, labels)
    chosen_fractions = [fitted_per_source[source][variant][1][0] for source, variant in variant_of.items()]
    metrics["loso_chosen_min_fraction"] = " ".join(
        f"{fraction}x{chosen_fractions.count(fraction)}" for fraction in sorted(set(chosen_fractions))
    )
    # Headline: the variant (by its leave-one-source-out accuracy on the other sources) and the thresholds both re-chosen
    # without the held-out source.
    metrics["loso_accuracy"] = statistics.fmean(j == y for j, y in zip(loso, labels))
    return metrics


def _precision(judged: list[bool], labels: list[bool]) -> float:
    return sum(j and y for j, y in zip(judged, labels)) / max(1, sum(judged))


def _recall(judged: list[bool], labels: list[bool]) -> float:
    return sum(j and y for j, y in zip(judged, labels)) / max(1, sum(labels))
