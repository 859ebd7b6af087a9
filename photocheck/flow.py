"""The after-event flow behind `photocheck FOLDER`: scan (reusing cached analyses), judge, select, and write the
HTML report and the JSON into an output folder outside the photo folder.

Nothing is ever written inside the photo folder. Problems a person can fix are raised as :class:`FlowError` with a
message code of the catalogue, so the command line can say them in one sentence in the reader's language.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from photocheck.close_look import select_closely
from photocheck.config import Config
from photocheck.loading import discover
from photocheck.outputs import html_report, json_output
from photocheck.outputs.atomic import write_atomic
from photocheck.scan import Progress, ScanResult, scan
from photocheck.selection import Selection
from photocheck.workers import WorkerPool, default_workers

OUTPUT_SUFFIX = "-photocheck"
REPORT_NAME = "report.html"
JSON_NAME = "photocheck.json"
QUOTES = ("'", '"')


class FlowError(Exception):
    """A problem the person can act on: `code` names its sentence in the message catalogue."""

    def __init__(self, code: str, **values):
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass
class FlowOutcome:
    result: ScanResult
    selection: Selection
    output_dir: Path
    report: Path
    json: Path

    @property
    def flagged(self) -> int:
        return sum(1 for photo in self.result.photos if photo.judgement is not None and photo.judgement.flags)

    @property
    def unreadable(self) -> int:
        return len(self.result.photos) - self.result.readable

    @property
    def not_checked(self) -> list[str]:
        return sorted({kind for photo in self.result.photos if photo.judgement for kind in photo.judgement.not_checked})


def dropped_path(text: str) -> Path:
    """The path a terminal received from a drag-and-drop, as the file system knows it.

    Terminals and file managers hand over paths quoted ('x' or "x"), with a trailing space or slash, or as a
    file:// URI; each form is undone only when the result exists, so a real name with quotes still works.
    """
    candidates = [text, text.strip()]
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in QUOTES:
        candidates.append(stripped[1:-1])
    if stripped.startswith("file://"):
        candidates.append(unquote(urlparse(stripped).path))
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return Path(candidate)
    return Path(text)


def default_output_dir(target: Path) -> Path:
    """`<folder>-photocheck/` beside the photo folder; for one photo, `<photo-stem>-photocheck/` beside its folder."""
    target = target.resolve()
    if target.is_dir():
        return target.parent / f"{target.name}{OUTPUT_SUFFIX}"
    return target.parent.parent / f"{target.stem}{OUTPUT_SUFFIX}"


def prepare_output_dir(directory: Path) -> None:
    """Create the output folder and prove a file can be written there, before any photo is analysed."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".photocheck-write-test-"):
            pass
    except OSError as exc:
        raise FlowError("error.output_not_writable", path=directory, reason=exc.strerror or exc) from exc


def run(
    target: Path,
    config: Config,
    output_dir: Path | None = None,
    *,
    progress: Progress | None = None,
    workers: int = 0,
    cache: Path | None = None,
    close_look: bool = True,
) -> FlowOutcome:
    """Scan, judge and select the photos under `target` (the picks after their close look, see close_look.py); write
    the report and the JSON into `output_dir`. The JSON's `tool.timings` gives the seconds of each stage."""
    if not target.exists():
        raise FlowError("error.does_not_exist", path=target)
    if target.is_dir() and not discover(target).files:
        raise FlowError("error.no_photos", path=target)
    output_dir = output_dir or default_output_dir(target)
    prepare_output_dir(output_dir)

    # One pool of worker processes for the scan and the close look: its workers load the models once.
    with WorkerPool(config, workers or default_workers(config)) as pool:
        result = scan(target, config, progress=progress, cache=cache, pool=pool)
        if result.readable == 0:
            raise FlowError("error.none_readable", count=len(result.photos), path=target)
        result, selection = select_closely(
            result, config, target, close_look=close_look, cache=cache, progress=progress, pool=pool
        )

    report, document = output_dir / REPORT_NAME, output_dir / JSON_NAME
    timings = result.tool["timings"]
    try:
        started = time.perf_counter()
        write_atomic(report, html_report.render(result, selection, target, config))
        timings["report"] = time.perf_counter() - started
        write_atomic(document, json_output.dumps(result, selection, timed=True))
    except OSError as exc:
        raise FlowError("error.output_not_writable", path=output_dir, reason=exc.strerror or exc) from exc
    return FlowOutcome(result, selection, output_dir, report, document)

