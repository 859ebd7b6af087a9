"""Human-readable terminal output: a progress line on stderr and a summary table."""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

from photocheck.scan import PhotoResult, ScanResult


class ProgressLine:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal (logs stay clean)."""

    def __init__(self, stream: TextIO = sys.stderr, min_total: int = 2):
        self.stream = stream
        self.enabled = stream.isatty()
        self.min_total = min_total

    def __call__(self, done: int, total: int, path: str) -> None:
        if not self.enabled or total < self.min_total:
            return
        width = 24
        filled = round(width * done / total)
        columns = shutil.get_terminal_size((80, 20)).columns
        line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {path}"
        self.stream.write("\r" + line[: columns - 1].ljust(columns - 1))
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def _row(photo: PhotoResult) -> list[str]:
    analysis, judgement = photo.analysis, photo.judgement
    if judgement is None:
        return [analysis.path, "error", "", "", "", analysis.error or ""]
    smiling = sum(1 for face in analysis.faces if face.smile is not None and face.smile >= 0.5)
    scene = analysis.scene[0].label.split(",")[0] if analysis.scene else ""
    objects = sorted({d.label for d in analysis.objects if d.label != "person"})
    return [
        analysis.path,
        judgement.people.category,
        str(judgement.people.count),
        str(len(analysis.faces)),
        str(smiling),
        ", ".join([scene] + objects[:3]),
    ]


def summary(result: ScanResult) -> str:
    header = ["photo", "people", "count", "faces", "smiling", "scene / objects"]
    rows = [header] + [_row(photo) for photo in result.photos]
    widths = [min(max(len(row[i]) for row in rows), 40) for i in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [cell[:width].ljust(width) for cell, width in zip(row, widths)]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    failed = len(result.photos) - result.readable
    lines.append("")
    lines.append(f"{len(result.photos)} photos, {result.readable} analysed, {failed} could not be read")
    return "\n".join(lines) + "\n"


def explanation(photo: PhotoResult) -> str:
    """The verdict of one photo and every reason behind it, in plain words."""
    analysis, judgement = photo.analysis, photo.judgement
    if judgement is None:
        return f"{analysis.path}: could not be read: {analysis.error}\n"
    lines = [f"{analysis.path}: {judgement.verdict.upper()} (score {judgement.score:.0f}/100)"]
    for reason in judgement.reasons:
        lines.append(f"  {reason.effect:+5.0f}  [{reason.policy}] {reason.detail}")
    if judgement.not_checked:
        lines.append(f"  not checked: {', '.join(judgement.not_checked)}")
    return "\n".join(lines) + "\n"
