"""Readers for the labelled evaluation sets in ../shared/eval (never copied into the project)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from photocheck.config import Config
from photocheck.scan import ScanResult, scan
from photocheck.scan_file import load_scan


@dataclass
class Count:
    """A hand-written count: exact ("7"), approximate ("~7") or a lower bound (">15"); None for unknown."""

    value: int | None
    exact: bool
    lower_bound: bool = False


def parse_count(text: str) -> Count:
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        return Count(int(text), exact=True)
    if match := re.fullmatch(r"~(\d+)", text):
        return Count(int(match.group(1)), exact=False)
    if match := re.fullmatch(r">(\d+)", text):
        return Count(int(match.group(1)) + 1, exact=False, lower_bound=True)
    return Count(None, exact=False)


def youth_dev_rows(dataset: Path) -> list[dict[str, str]]:
    """Rows of labels.csv with `image` set to the photo's path. `dataset` is the youth_dev folder or its images/."""
    root = dataset.parent if dataset.name == "images" else dataset
    with (root / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["image"] = str(root / row["file"])
    return rows


def youth_dev_scan(dataset: Path, config: Config, scan_file: str | None) -> tuple[Path, ScanResult]:
    """The youth_dev images folder and its scan: the one `photocheck scan --json` wrote to `scan_file` (re-judged
    with `config`), else a fresh scan in this process. `dataset` is the youth_dev folder or its images/."""
    images = dataset if dataset.name == "images" else dataset / "images"
    return images, load_scan(Path(scan_file), config) if scan_file else scan(images, config, workers=0)
