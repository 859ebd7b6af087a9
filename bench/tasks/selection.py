"""What `select` recommends on youth_dev, measured against the hand-written labels.

`python bench/run.py selection ../shared/eval/youth_dev [--top N] [--from scan.json] [--list K]`

Scans the photos (or re-judges a scan written by `photocheck scan --json`), runs the selection with `--top N`
(default 12) without and with the close look (photocheck/close_look.py: the text of the candidate picks read again by the
detector at `[selection] close_look_text_side`; analysed afresh, no cache, so its seconds are its real cost), and
compares the picks with the whole set:
- picks labelled "yes" for alcohol, tobacco or advertising (the policy's "never": must be 0), and those labelled
  "unsure"; `first_look_*` are the same counts without the close look;
- the seconds the close look adds and how many photos it analysed again;
- the seconds the face grouping takes (the recognisable faces grouped into people by their identity descriptors,
  photocheck/people_shown.py), and over the picks: how many had their faces compared, their recognisable faces,
  how many of those were new when picked (not shown by an earlier pick), and how many of the set's people the picks
  show;
- the share of picks that are labelled groups (4 or more people visible) against the share in the whole set;
- the labelled smiling faces per pick against the mean over the set (approximate counts "~N" and ">N" count as N
  and N+1; "unknown" is left out).
With `--list K`, K recognisable faces of the set (seeded random choice) are put on the consent list, each from its own
face, and every photo is judged with that list: how many photos show a listed child (and could), and how many picks
have a recognisable face at or above `[consent] match_similarity` to a listed child, counted from the faces
themselves (must be 0).
Nothing is fitted here: the selection runs with the default settings.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from pathlib import Path

import numpy as np
from evaldata import parse_count, youth_dev_rows, youth_dev_scan

from photocheck.close_look import TextRereader, look_closely
from photocheck.config import default_config
from photocheck.judges.consent import closest_reference
from photocheck.judges.policy import judge
from photocheck.people_shown import coverage, group_people, recognisable_faces
from photocheck.results import ListedChild
from photocheck.scan import PhotoResult
from photocheck.selection import select

RED_FLAG_LABELS = ("alcohol", "tobacco", "advertising_or_logo")
SEED = 5
GROUP_MIN = 4


def _option(options: list[str], name: str) -> str | None:
    return options[options.index(name) + 1] if name in options else None


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def _with_consent_list(config, result, count: int):
    """The settings with `count` recognisable faces of the set listed (each from its own descriptor), and the scan
    judged again with them."""
    faces = [face.descriptor for photo in result.photos for face in recognisable_faces(photo)
             if photo.judgement is not None and face.descriptor is not None]
    chosen = np.random.default_rng(SEED).choice(len(faces), min(count, len(faces)), replace=False)
    children = tuple(ListedChild(f"child {i}", faces[index][None]) for i, index in enumerate(chosen))
    config = dataclasses.replace(config, listed_children=children)
    photos = [PhotoResult(p.analysis, judge(p.analysis, config) if p.analysis.ok else None) for p in result.photos]
    return config, dataclasses.replace(result, photos=photos)


def _consent_metrics(config, result, selection) -> dict:
    judgements = [photo.judgement for photo in result.photos if photo.judgement is not None]
    by_path = {photo.analysis.path: photo for photo in result.photos}
    threshold = config.consent.match_similarity

    def shows_listed(photo) -> bool:
        faces = np.array([f.descriptor for f in recognisable_faces(photo) if f.descriptor is not None])
        return any(closest_reference(faces, child).max(initial=-1.0) >= threshold for child in config.listed_children)

    return {
        "consent_listed_children": len(config.listed_children),
        "consent_photos_showing_a_listed_child": sum(1 for j in judgements if any(m.strong for m in j.consent)),
        "consent_photos_could_show_one": sum(1 for j in judgements if j.consent and not any(m.strong for m in j.consent)),
        "consent_picks_showing_a_listed_child": sum(1 for pick in selection.picks if shows_listed(by_path[pick.path])),
    }


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config()
    images, result = youth_dev_scan(dataset, config, _option(options, "--from"))
    top = int(_option(options, "--top") or 12)
    listed = int(_option(options, "--list") or 0)
    if listed:
        config, result = _with_consent_list(config, result, listed)
    started = time.perf_counter()
    people = group_people(result, config.selection.same_face_similarity)
    faces_seconds = time.perf_counter() - started
    describe = people.describe
    first_look = select(result, config, top=top, describe=describe)
    started = time.perf_counter()
    closer, selection = look_closely(result, config, TextRereader(images, config), top=top, describe=describe)
    seconds = time.perf_counter() - started

    labels = {Path(row["file"]).name: row for row in youth_dev_rows(dataset)}
    picked = [labels[Path(pick.path).name] for pick in selection.picks]
    first_picked = [labels[Path(pick.path).name] for pick in first_look.picks]
    every = list(labels.values())

    def is_group(row: dict) -> bool:
        people = parse_count(row["people_visible"]).value
        return people is not None and people >= GROUP_MIN

    def smiles(rows: list[dict]) -> float:
        return _mean([c.value for c in (parse_count(r["smiling_faces"]) for r in rows) if c.value is not None])

    metrics: dict = {"photos": len(every), "picks": len(picked), "groups_found": len(selection.groups)}
    metrics["face_compare_seconds"] = round(faces_seconds, 1)
    new_faces = [r.values for pick in selection.picks for r in pick.reasons if r.code == "selection.pick.new_faces"]
    metrics["picks_faces_compared"] = len(new_faces)
    metrics["picks_recognisable_faces"] = sum(values["of"] for values in new_faces)
    metrics["picks_new_faces"] = sum(values["faces"] for values in new_faces)
    shown = coverage(people, [pick.path for pick in selection.picks])
    metrics["people_in_set"] = shown.people
    metrics["people_shown_by_picks"] = shown.shown
    for label in RED_FLAG_LABELS:
        metrics[f"first_look_picks_{label}_yes"] = sum(1 for row in first_picked if row[label] == "yes")
    metrics["first_look_picks_with_red_flag_label"] = sum(
        1 for row in first_picked if any(row[label] == "yes" for label in RED_FLAG_LABELS)
    )
    metrics["close_look_photos"] = closer.tool["close_look"]["photos"]
    metrics["close_look_rounds"] = closer.tool["close_look"]["rounds"]
    metrics["close_look_seconds"] = round(seconds, 1)
    metrics["close_look_seconds_per_photo"] = round(seconds / max(1, metrics["close_look_photos"]), 2)
    metrics["close_look_dropped"] = sorted(
        Path(r.path).name for r in selection.rejected if any(x.code == "selection.reject.close_look" for x in r.reasons)
    )
    for label in RED_FLAG_LABELS:
        metrics[f"picks_{label}_unsure"] = sum(1 for row in picked if row[label] == "unsure")
    metrics["group_share_all"] = _mean([float(is_group(row)) for row in every])
    metrics["group_share_picks"] = _mean([float(is_group(row)) for row in picked])
    metrics["smiling_faces_mean_all"] = smiles(every)
    metrics["smiling_faces_mean_picks"] = smiles(picked)
    for label in RED_FLAG_LABELS:
        metrics[f"picks_{label}_yes"] = sum(1 for row in picked if row[label] == "yes")
    if listed:
        metrics.update(_consent_metrics(config, closer, selection))
    metrics["picks_with_red_flag_label"] = sum(1 for row in picked if any(row[label] == "yes" for label in RED_FLAG_LABELS))
    return metrics
