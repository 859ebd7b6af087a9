"""What `select` recommends on the labelled youth-group photos, measured against the hand-written labels.

`python bench/run.py selection ../shared/eval [--sets youth_dev,youth_dev2] [--top N] [--per-source-top K] [--list K]
[--config FILE]`

`--config FILE` runs the scan and the selection with other settings (e.g. the close look without its search for small
drinks: `[regions] close_look_drink_side = 0`).

DATASET is the eval root (both policy sets, default) or one set's folder (`../shared/eval/youth_dev2`). The photos
are scanned through photocheck's analysis cache and the selection runs as `select` runs it: first look, then the
close look (the candidates' text read again at `[selection] close_look_text_side`; its own cache entries, so a
repeated run reports the cached close look's time). Two runs:
- `folder_*`: all photos of the chosen sets as one folder, `--top N` picks (default 12);
- `per_source_*`: each source (the `organisation` column: one group's photos) as its own camp folder, `--per-source-top
  K` picks each (default 3), summed over the sources. Nothing in the selection is fitted on these photos (default
  weights), and every source is selected on alone, as a leader would; the flags and judgements it rests on carry the
  thresholds in defaults.toml (their own benches say how they were chosen and give their leave-one-source-out
  figures).
Counted over the picks (labels "unsure" are counted apart, never as clean):
- `red_flag_picks`: picks labelled alcohol or tobacco "yes", or clear advertising (youth_dev2: `advertising_where`
  background or product; youth_dev, which has no such column: `advertising_or_logo` yes). Must be 0; `*_alcohol_picks`,
  `*_tobacco_picks`, `*_advertising_picks` count each kind; `red_flag_picks_listing_no_check` those of them that
  list nothing for the leader to check (picked as clean: the silent misses), and `silent_red_flag_picks` describes each
  by its labels and what the analysis found (lines read after the close look, drinks detected), never by name;
  `first_look_red_flag_picks` is the same without the close look;
- `clothing_brand_picks`: youth_dev2 picks whose most prominent brand is on clothing, and how many of them list a
  check for the leader (`clothing_brand_picks_with_checks`); `picks_with_checks`: picks that list anything to check;
- `group_share_*`: share labelled 4 or more people visible, picks against the folder (the target: picks ≥ folder);
- `uniform_share_*`: share labelled `uniform_visible` yes, picks against the folder (target: picks ≥ folder);
- `smiling_faces_mean_*`: labelled smiling faces per photo ("~N" and ">N" count as N and N+1);
- `folder_people_*`: the folder's recognisable faces grouped into people (photocheck/people_shown.py), and how many
  of them the picks show;
- `*_close_look_photos`, `*_close_look_rounds`: the photos the close look read (in a pool of the default number of
  worker processes, as the flow's close look) and its rounds (summed over the sources for `per_source`).
With `--list K`, K recognisable faces of the folder (seeded random choice) are put on the consent list, each from its
own face, and every photo is judged with that list: how many photos show a listed child (and could), and how many
folder picks have a recognisable face at or above `[consent] match_similarity` to a listed child, counted from the
faces themselves (must be 0).
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from evaldata import parse_count, policy_rows, policy_target

from photocheck.close_look import CloseLookReader, look_closely
from photocheck.config import default_config
from photocheck.judges.consent import closest_reference
from photocheck.judges.policy import judge, judging_context
from photocheck.people_shown import coverage, group_people, recognisable_faces
from photocheck.records.judgement import ListedChild, PhotoResult, ScanResult
from photocheck.records.selection import Selection
from photocheck.scan import scan_files
from photocheck.selection import select
from photocheck.user_dirs import user_cache_dir
from photocheck.workers import WorkerPool, default_workers

GROUP_MIN = 4
CLEAR_ADVERTISING_WHERE = ("background", "product")
DRINK_LABELS = ("bottle", "wine glass", "cup")  # the COCO objects that hold a drink
SEED = 5


def _option(options: list[str], name: str) -> str | None:
    return options[options.index(name) + 1] if name in options else None


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def red_flag_labels(row: dict) -> dict[str, str]:
    """The policy's "never" labels of a row: alcohol, tobacco and clear advertising, each yes / unsure / no."""
    if "advertising_where" in row:
        advertising = "yes" if row["advertising_where"] in CLEAR_ADVERTISING_WHERE else (
            "unsure" if row["advertising_or_logo"] == "unsure" else "no")
    else:
        advertising = row["advertising_or_logo"]
    return {"alcohol": row["alcohol"], "tobacco": row["tobacco"], "advertising": advertising}


def red_flag(row: dict) -> str:
    """"yes" when the photo shows what the policy never allows, "unsure" when a label is unsure, else "no"."""
    labels = red_flag_labels(row).values()
    return "yes" if "yes" in labels else "unsure" if "unsure" in labels else "no"


def is_group(row: dict) -> bool:
    people = parse_count(row["people_visible"]).value
    return people is not None and people >= GROUP_MIN


def _smiles(row: dict) -> float | None:
    return parse_count(row["smiling_faces"]).value


def _selections(
    result: ScanResult, root: Path, config, top: int, pool: WorkerPool
) -> tuple[Selection, Selection, float, dict]:
    """The first look's selection, the close look's (with the people its picks show), the close look's seconds and
    its summary (`tool.close_look`: photos read, rounds). The close look reads in `pool`, as the flow's does."""
    people = group_people(result, config.selection.same_face_similarity)
    first_look = select(result, config, top=top, describe=people.describe)
    started = time.perf_counter()
    reread = CloseLookReader(root, config, pool=pool, cache=user_cache_dir())
    looked, selection = look_closely(result, config, reread, top=top, describe=people.describe)
    selection.coverage = coverage(people, [pick.path for pick in selection.picks])
    seen = {photo.analysis.path: _what_was_seen(photo) for photo in looked.photos}
    return first_look, selection, time.perf_counter() - started, dict(looked.tool["close_look"], seen=seen)


def _what_was_seen(photo: PhotoResult) -> str:
    """What the analysis (after the close look) found that bears on the red flags: to describe a silent red-flag pick
    by the kind of miss, never by name."""
    drinks = sum(d.label in DRINK_LABELS for d in photo.analysis.objects)
    return f"{len(photo.analysis.texts)} lines read, {drinks} drinks detected"


def _with_consent_list(config, result: ScanResult, count: int):
    """The settings with `count` recognisable faces of the set listed (each from its own descriptor), and the scan
    judged again with them."""
    faces = [face.descriptor for photo in result.photos for face in recognisable_faces(photo)
             if photo.judgement is not None and face.descriptor is not None]
    chosen = np.random.default_rng(SEED).choice(len(faces), min(count, len(faces)), replace=False)
    children = tuple(ListedChild(f"child {i}", faces[index][None]) for i, index in enumerate(chosen))
    config = dataclasses.replace(config, listed_children=children)
    context = judging_context(config)
    photos = [PhotoResult(p.analysis, judge(p.analysis, config, context) if p.analysis.ok else None)
              for p in result.photos]
    return config, dataclasses.replace(result, photos=photos)


def _consent_metrics(config, result: ScanResult, selection: Selection) -> dict:
    judgements = [photo.judgement for photo in result.photos if photo.judgement is not None]
    by_path = {photo.analysis.path: photo for photo in result.photos}
    threshold = config.consent.match_similarity

    def shows_listed(photo: PhotoResult) -> bool:
        faces = np.array([f.descriptor for f in recognisable_faces(photo) if f.descriptor is not None])
        return any(closest_reference(faces, child).max(initial=-1.0) >= threshold for child in config.listed_children)

    return {
        "consent_listed_children": len(config.listed_children),
        "consent_photos_showing_a_listed_child": sum(1 for j in judgements if any(m.strong for m in j.consent)),
        "consent_photos_could_show_one": sum(1 for j in judgements if j.consent and not any(m.strong for m in j.consent)),
        "consent_picks_showing_a_listed_child": sum(1 for pick in selection.picks if shows_listed(by_path[pick.path])),
    }


def _labelled(row: dict) -> str:
    """The red-flag labels of a row, with where its advertising is when youth_dev2 says so."""
    where = f" ({row['advertising_where']})" if row.get("advertising_where") else ""
    return "+".join(kind + (where if kind == "advertising" else "")
                    for kind, label in red_flag_labels(row).items() if label == "yes")


def _count_picks(metrics: dict, prefix: str, rows: list[dict], picked: list[dict], first: list[dict],
                 checked: list[bool], seen: list[str]) -> None:
    metrics[f"{prefix}_photos"] = len(rows)
    metrics[f"{prefix}_picks"] = len(picked)
    metrics[f"{prefix}_picks_with_checks"] = sum(checked)
    clothing = [has for row, has in zip(picked, checked) if row.get("advertising_where") == "clothing"]
    metrics[f"{prefix}_clothing_brand_picks"] = len(clothing)
    metrics[f"{prefix}_clothing_brand_picks_with_checks"] = sum(clothing)
    metrics[f"{prefix}_unsure_red_flag_picks"] = sum(red_flag(row) == "unsure" for row in picked)
    metrics[f"{prefix}_first_look_red_flag_picks"] = sum(red_flag(row) == "yes" for row in first)
    metrics[f"{prefix}_group_share_folder"] = _mean([float(is_group(row)) for row in rows])
    metrics[f"{prefix}_group_share_picks"] = _mean([float(is_group(row)) for row in picked])
    metrics[f"{prefix}_uniform_share_folder"] = _mean([float(row["uniform_visible"] == "yes") for row in rows])
    metrics[f"{prefix}_uniform_share_picks"] = _mean([float(row["uniform_visible"] == "yes") for row in picked])
    metrics[f"{prefix}_smiling_faces_mean_folder"] = _mean([s for s in map(_smiles, rows) if s is not None])
    metrics[f"{prefix}_smiling_faces_mean_picks"] = _mean([s for s in map(_smiles, picked) if s is not None])
    for kind in ("alcohol", "tobacco", "advertising"):
        metrics[f"{prefix}_{kind}_picks"] = sum(red_flag_labels(row)[kind] == "yes" for row in picked)
    metrics[f"{prefix}_red_flag_picks_listing_no_check"] = sum(
        red_flag(row) == "yes" and not has for row, has in zip(picked, checked))
    metrics[f"{prefix}_silent_red_flag_picks"] = "; ".join(
        f"{_labelled(row)}: {what}" for row, has, what in zip(picked, checked, seen) if red_flag(row) == "yes" and not has
    ) or "none"
    metrics[f"{prefix}_red_flag_picks"] = sum(red_flag(row) == "yes" for row in picked)


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config()
    if _option(options, "--config"):
        config = config.with_file(Path(_option(options, "--config")))
    eval_root, sets = policy_target(dataset)
    if _option(options, "--sets"):
        sets = tuple(_option(options, "--sets").split(","))
    top = int(_option(options, "--top") or 12)
    per_source_top = int(_option(options, "--per-source-top") or 3)
    rows = policy_rows(eval_root, sets)
    by_path = {str(Path(row["image"]).relative_to(eval_root)): row for row in rows}
    files = [Path(row["image"]) for row in rows]
    result = scan_files(files, eval_root, config, workers=0, cache=user_cache_dir())
    listed = int(_option(options, "--list") or 0)
    if listed:
        config, result = _with_consent_list(config, result, listed)

    metrics: dict = {"sets": ",".join(sets), "sources": len({row["source"] for row in rows})}
    with WorkerPool(config, default_workers(config)) as pool:
        _measure(metrics, result, rows, by_path, eval_root, config, top, per_source_top, listed, pool)
    return metrics


def _measure(metrics, result, rows, by_path, eval_root, config, top, per_source_top, listed, pool) -> None:
    first, selection, seconds, look = _selections(result, eval_root, config, top, pool)
    rows_of = lambda picks: [by_path[pick.path] for pick in picks]  # noqa: E731
    _count_picks(metrics, "folder", rows, rows_of(selection.picks), rows_of(first.picks),
                 [bool(pick.checks) for pick in selection.picks], [look["seen"][pick.path] for pick in selection.picks])
    metrics["folder_close_look_seconds"] = round(seconds, 1)
    metrics["folder_close_look_photos"], metrics["folder_close_look_rounds"] = look["photos"], look["rounds"]
    metrics["folder_people_in_folder"] = selection.coverage.people
    metrics["folder_people_shown_by_picks"] = selection.coverage.shown
    if listed:
        metrics.update(_consent_metrics(config, result, selection))

    totals: dict[str, list] = defaultdict(list)
    for source in sorted({row["source"] for row in rows}):
        photos = [photo for photo in result.photos if by_path[photo.analysis.path]["source"] == source]
        first, selection, _, look = _selections(ScanResult(result.root, photos), eval_root, config, per_source_top, pool)
        totals["looked"].append(look["photos"])
        totals["rounds"].append(look["rounds"])
        totals["rows"] += [by_path[photo.analysis.path] for photo in photos]
        totals["picked"] += rows_of(selection.picks)
        totals["first"] += rows_of(first.picks)
        totals["checked"] += [bool(pick.checks) for pick in selection.picks]
        totals["seen"] += [look["seen"][pick.path] for pick in selection.picks]
    _count_picks(metrics, "per_source", totals["rows"], totals["picked"], totals["first"], totals["checked"],
                 totals["seen"])
    metrics["per_source_close_look_photos"], metrics["per_source_close_look_rounds"] = \
        sum(totals["looked"]), sum(totals["rounds"])
