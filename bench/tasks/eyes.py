"""Closed eyes against youth_dev2's `eyes_closed` labels (recognisable faces with eyes shut in a blink).

`python bench/run.py eyes ../shared/eval` (or `../shared/eval/youth_dev2`)

youth_dev2's photos whose `eyes_closed` is a count ('unsure' left out) are scanned through the analysis cache
(`evaldata.policy_scans`) and their faces judged by `judges.faces.judge_faces`. A photo labelled 0 has no blink, so
every "eyes closed" call there is a false alarm; the target is at most 1 in 50 smiling faces. Smiling faces are
counted two ways: the labelled `smiling_faces` (exact counts only) and the faces photocheck calls smiling.
A blink is found when a photo labelled N gets up to N calls. `closed_below` (chosen on youth_dev) is re-chosen per
held-out source (`organisation`) from a small list on the other sources: the most blinks found without a false
alarm, ties to the shipped value (`loso_*`). `ungated_*` repeats the in-sample figures without the smile gate
(`[eyes] max_smile` above 1) at each candidate, to show what the gate does.

Prints: photos, labelled blinks and blink photos, how many blink photos have a face big enough to judge
(`[eyes] min_face_pixels`), faces judged, faces left unjudged for their smile, the false alarms and smiling faces,
blinks found (in-sample and leave-one-source-out); headline last: `loso_false_alarms_per_smiling_face`.
"""

from __future__ import annotations

from pathlib import Path

from evaldata import best_candidate, leave_one_source_out, policy_rows, policy_scans, policy_target

from photocheck.config import default_config
from photocheck.judges.faces import face_side, judge_faces

SET = "youth_dev2"
CLOSED_BELOW = (0.13, 0.10, 0.16, 0.19, 0.22)  # the shipped value first: ties go to it


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config()
    eval_root, _ = policy_target(dataset)
    scans = policy_scans(eval_root, config, (SET,))
    rows = [
        row for row in policy_rows(eval_root, (SET,))
        if row["eyes_closed"].isdigit() and scans[row["image"]].analysis.ok
    ]
    for row in rows:
        row["blinks"] = int(row["eyes_closed"])
        row["analysis"] = scans[row["image"]].analysis

    def judged(row: dict, closed_below: float, max_smile: float = config.eyes.max_smile):
        settings = config.with_overrides({"eyes": {"closed_below": closed_below, "max_smile": max_smile}}, "bench")
        return judge_faces(row["analysis"], settings)

    def tally(row: dict, closed_below: float, max_smile: float = config.eyes.max_smile) -> dict:
        judgements = judged(row, closed_below, max_smile)
        calls = sum(bool(j.eyes_closed) for j in judgements)
        return {
            "calls": calls,
            "false_alarms": calls if row["blinks"] == 0 else 0,
            "found": min(calls, row["blinks"]),
            "smiling_called_closed": sum(bool(j.smiling and j.eyes_closed) for j in judgements)
            if row["blinks"] == 0 else 0,
        }

    def fit(training: list[dict]) -> float:
        def score(closed_below: float) -> tuple[int, int]:
            tallies = [tally(row, closed_below) for row in training]
            return -sum(t["false_alarms"] for t in tallies), sum(t["found"] for t in tallies)

        return best_candidate(list(CLOSED_BELOW), score)

    loso, chosen_per_source = leave_one_source_out(rows, fit, lambda chosen, row: tally(row, chosen))
    insample = [tally(row, config.eyes.closed_below) for row in rows]
    no_blink = [row for row in rows if row["blinks"] == 0]
    labelled_smiling = sum(int(row["smiling_faces"]) for row in no_blink if row["smiling_faces"].isdigit())
    judgements = [judged(row, config.eyes.closed_below) for row in rows]
    photocheck_smiling = sum(
        bool(j.smiling) for row, faces in zip(rows, judgements) if row["blinks"] == 0 for j in faces
    )
    min_side = config.eyes.min_face_pixels
    big = [
        (face, j) for row in rows for face, j in zip(row["analysis"].faces, judged(row, config.eyes.closed_below))
        if face_side(face) >= min_side
    ]
    metrics: dict = {
        "photos": len(rows),
        "labelled_blinks": sum(row["blinks"] for row in rows),
        "blink_photos": sum(row["blinks"] > 0 for row in rows),
        "blink_photos_with_a_face_big_enough": sum(
            row["blinks"] > 0 and any(face_side(face) >= min_side for face in row["analysis"].faces) for row in rows
        ),
        "faces_big_enough": len(big),
        "faces_judged": sum(j.eyes_closed is not None for _, j in big),
        "faces_not_judged_for_their_smile": sum(
            j.eyes_closed is None and face.smile is not None and face.smile >= config.eyes.max_smile for face, j in big
        ),
        "labelled_smiling_faces_in_no_blink_photos": labelled_smiling,
        "photocheck_smiling_faces_in_no_blink_photos": photocheck_smiling,
        "insample_false_alarms": sum(t["false_alarms"] for t in insample),
        "insample_smiling_faces_called_closed": sum(t["smiling_called_closed"] for t in insample),
        "insample_blinks_found": sum(t["found"] for t in insample),
    }
    ungated = 1.01  # a smile probability never reaches it
    for closed_below in sorted(CLOSED_BELOW):
        tallies = [tally(row, closed_below, ungated) for row in rows]
        metrics[f"ungated_{closed_below}_false_alarms"] = sum(t["false_alarms"] for t in tallies)
        metrics[f"ungated_{closed_below}_smiling_faces_called_closed"] = sum(
            t["smiling_called_closed"] for t in tallies
        )
        gated = [tally(row, closed_below) for row in rows]
        metrics[f"gated_{closed_below}_false_alarms"] = sum(t["false_alarms"] for t in gated)
    metrics["loso_chosen_closed_below"] = " ".join(
        f"{value}x{sum(c == value for c in chosen_per_source.values())}"
        for value in sorted(set(chosen_per_source.values()))
    )
    metrics["loso_blinks_found"] = sum(t["found"] for t in loso)
    metrics["loso_false_alarms"] = sum(t["false_alarms"] for t in loso)
    metrics["loso_smiling_faces_called_closed"] = sum(t["smiling_called_closed"] for t in loso)
    metrics["loso_false_alarms_per_smiling_face"] = metrics["loso_false_alarms"] / max(1, labelled_smiling)
    return metrics
