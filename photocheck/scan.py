"""A scan: discover the photos of a folder, analyse each (stage 1) and judge it (stage 2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from photocheck import __version__
from photocheck.config import Config
from photocheck.judges.policy import judge
from photocheck.loading import discover
from photocheck.pipeline import Analyzer
from photocheck.results import Judgement, PhotoAnalysis, failed

Progress = Callable[[int, int, str], None]  # done, total, path


@dataclass
class PhotoResult:
    analysis: PhotoAnalysis
    judgement: Judgement | None  # None when the photo could not be read


@dataclass
class ScanResult:
    root: str
    photos: list[PhotoResult]
    tool: dict = field(default_factory=dict)

    @property
    def readable(self) -> int:
        return sum(1 for photo in self.photos if photo.analysis.ok)


def display_path(path: Path, root: Path) -> str:
    """The path as given, relative to the scanned folder (a single file keeps its name)."""
    if root.is_dir():
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return path.name if path == root else str(path)


def scan(target: Path, config: Config, analyzer: Analyzer | None = None, progress: Progress | None = None) -> ScanResult:
    analyzer = analyzer or Analyzer(config)
    found = discover(target)
    analyses = [failed(display_path(folder, target), reason) for folder, reason in found.unreadable]
    total = len(found.files)
    for done, path in enumerate(found.files, start=1):
        shown = display_path(path, target)
        analyses.append(analyzer.analyse(path, shown))
        if progress is not None:
            progress(done, total, shown)
    return ScanResult(
        root=str(target),
        photos=[PhotoResult(analysis, judge(analysis, config)) for analysis in analyses],
        tool={"name": "photocheck", "version": __version__, "models": analyzer.model_versions()},
    )
