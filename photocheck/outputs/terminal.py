"""Human-readable terminal output: a progress line on stderr and a summary table."""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

from photocheck.i18n import DEFAULT_LANGUAGE, message, photo_error, term
from photocheck.records.judgement import PhotoResult, ScanResult


class ProgressLine:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal (logs stay clean)."""

    def __init__(self, stream: TextIO = sys.stderr, min_total: int = 2, label: str = ""):
        self.stream = stream
        self.enabled = stream.isatty()
        self.min_total = min_total
        self.label = f"{label} " if label else ""

    def __call__(self, done: int, total: int, path: str) -> None:
        if not self.enabled or total < self.min_total:
            return
        width = 24
        filled = round(width * done / total)
        columns = shutil.get_terminal_size((80, 20)).columns
        line = f"{self.label}[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {path}"
        self.stream.write("\r" + line[: columns - 1].ljust(columns - 1))
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def _flags_cell(judgement, language: str) -> str:
    """Red flags: "alcohol!" strong (skip), "litter?" weak (check first)."""
    return " ".join(f"{term('policy', flag.kind, language)}{'!' if flag.strong else '?'}" for flag in judgement.flags)


def _row(photo: PhotoResult, language: str) -> list[str]:
    analysis, judgement = photo.analysis, photo.judgement
    if judgement is None:
        return [analysis.path, message("terminal.error", language), "", "", "", "", "", "", photo_error(analysis, language)]
    smiling = judgement.smiling.count if judgement.smiling is not None else 0
    scene = analysis.scene[0].label.split(",")[0] if analysis.scene else ""
    objects = sorted({d.label for d in analysis.objects if d.label != "person"})
    return [
        analysis.path,
        term("verdict", judgement.verdict, language),
        f"{judgement.score:.0f}",
        term("people_category", judgement.people.category, language),
        str(judgement.people.count),
        str(len(analysis.faces)),
        str(smiling),
        _flags_cell(judgement, language),
        ", ".join([scene] + objects[:3]),
    ]


def summary(result: ScanResult, language: str = DEFAULT_LANGUAGE) -> str:
    columns = ("photo", "verdict", "score", "people", "count", "faces", "smiling", "red_flags", "scene")
    header = [message(f"terminal.{column}", language) for column in columns]
    rows = [header] + [_row(photo, language) for photo in result.photos]
    widths = [min(max(len(row[i]) for row in rows), 40) for i in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [cell[:width].ljust(width) for cell, width in zip(row, widths)]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    failed = len(result.photos) - result.readable
    lines.append("")
    lines.append(message("terminal.totals", language, photos=len(result.photos), analysed=result.readable, failed=failed))
    not_checked = sorted({kind for photo in result.photos if photo.judgement for kind in photo.judgement.not_checked})
    if not_checked:
        kinds = ", ".join(term("flag_kind", kind, language) for kind in not_checked)
        lines.append(message("terminal.not_checked", language, kinds=kinds))
    return "\n".join(lines) + "\n"


def explanation(photo: PhotoResult, language: str = DEFAULT_LANGUAGE) -> str:
    """The verdict of one photo and every reason behind it, in plain words (reasons as judged, in their language)."""
    analysis, judgement = photo.analysis, photo.judgement
    if judgement is None:
        error = photo_error(analysis, language)
        return message("terminal.explain_unreadable", language, path=analysis.path, error=error) + "\n"
    verdict = term("verdict", judgement.verdict, language).upper()
    lines = [message(
        "terminal.explain_verdict", language, path=analysis.path, verdict=verdict,
        score=f"{judgement.score:.0f}", confidence=f"{judgement.confidence:.0%}",
    )]
    for reason in judgement.reasons:
        lines.append(f"  {reason.effect:+5.0f}  [{term('policy', reason.policy, language)}] {reason.detail}")
    if judgement.not_checked:
        kinds = ", ".join(term("flag_kind", kind, language) for kind in judgement.not_checked)
        lines.append(message("terminal.explain_not_checked", language, kinds=kinds))
    return "\n".join(lines) + "\n"
