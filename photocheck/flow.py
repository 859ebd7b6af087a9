"""The one flow behind `photocheck FOLDER` (`check`) and `select`: scan (reusing cached analyses) or read a scan file,
judge, group the folder's faces into people, select with the close look, and hand the result over.

`check` writes the HTML report and the JSON into an output folder outside the photo folder; `select` writes what its
options ask for (JSON, report, exported copies, XMP sidecars). Nothing is ever written inside the photo folder.
Problems a person can fix are raised as :class:`FlowError` with a message code of the catalogue, so the command line
can say them in one sentence in the reader's language.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from photocheck.analysis.loading import discover
from photocheck.atomic import write_atomic
from photocheck.close_look import CloseLookReader, is_on, look_closely
from photocheck.config import Config, ConfigError
from photocheck.i18n import explained
from photocheck.outputs import export, html_report, json_output
from photocheck.outputs import xmp as xmp_sidecars
from photocheck.paths import default_output_dir
from photocheck.people_shown import coverage, group_people
from photocheck.report_pictures import report_pictures
from photocheck.records.judgement import ScanResult
from photocheck.records.selection import Selection
from photocheck.scan import Progress, scan
from photocheck.scan_file import ScanFileError, describe_missing, load_scan
from photocheck.selection import select
from photocheck.workers import WorkerPool, default_workers

REPORT_NAME = "report.html"
JSON_NAME = "photocheck.json"


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


def prepare_output_dir(directory: Path) -> None:
    """Create the output folder and prove a file can be written there, before any photo is analysed."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".photocheck-write-test-"):
            pass
    except OSError as exc:
        raise FlowError("error.output_not_writable", path=directory, reason=exc.strerror or exc) from exc


@dataclass
class Handover:
    """What `select` writes besides its JSON: a report, copies of the picks (`blur_refused`: see export.py) and
    sidecars."""

    report: Path | None = None
    export_dir: Path | None = None
    xmp: bool = False
    blur_refused: bool = False


@dataclass
class Handed:
    """What :func:`hand_over` wrote: the report, and one outcome per exported copy and per sidecar."""

    report: Path | None = None
    exported: list[export.ExportResult] = field(default_factory=list)
    sidecars: list[xmp_sidecars.SidecarResult] = field(default_factory=list)


def screen(
    target: Path,
    config: Config,
    *,
    scan_file: Path | None = None,
    top: int | None = None,
    per_day: int | None = None,
    close_look: bool = True,
    allow_listed: bool = False,
    cache: Path | None = None,
    progress: Progress | None = None,
    workers: int = 0,
) -> tuple[ScanResult, Selection]:
    """Scan and judge the photos under `target` (or re-judge the scan file written by `scan --json`), then select
    (see :func:`select_people_closely`). One pool of worker processes serves the scan and the close look: its
    workers load the models once."""
    with WorkerPool(config, workers or default_workers(config)) as pool:
        if scan_file is not None:
            try:
                result = load_scan(scan_file, config)
            except (ConfigError, ScanFileError) as exc:
                raise FlowError("error.scan_file", detail=explained(exc, config.output.language)) from exc
            result = describe_missing(result, target, config)  # descriptors never leave the analysis cache
        else:
            result = scan(target, config, progress=progress, cache=cache, pool=pool)
        if result.readable == 0:
            raise FlowError("error.none_readable", count=len(result.photos), path=scan_file or target)
        return select_people_closely(
            result, config, target, pool, top=top, per_day=per_day, close_look=close_look, cache=cache,
            progress=progress, allow_listed=allow_listed,
        )


def select_people_closely(
    result: ScanResult,
    config: Config,
    root: Path,
    pool: WorkerPool,
    *,
    top: int | None = None,
    per_day: int | None = None,
    close_look: bool = True,
    cache: Path | None = None,
    progress: Progress | None = None,
    allow_listed: bool = False,
) -> tuple[ScanResult, Selection]:
    """The selection (`allow_listed`: see selection.select), after the close look unless it is off (`close_look` False,
    or see close_look.is_on). Returns the scan result with the close-look analyses in place of the first ones, so
    every output shows what was read, and the time of each stage added to `tool.timings`: the grouping of the
    folder's faces into people ("people", photocheck/people_shown.py), the close look (in `pool`, the flow's worker
    processes) and the rest of the selection ("grouping"). The selection says how many of the folder's people the
    picks show."""
    started = time.perf_counter()
    people = group_people(result, config.selection.same_face_similarity)
    people_seconds = time.perf_counter() - started
    reread = None
    if close_look and is_on(config):
        reread = CloseLookReader(root, config, pool=pool, cache=cache, progress=progress)
        result, selection = look_closely(
            result, config, reread, top=top, per_day=per_day, describe=people.describe, allow_listed=allow_listed
        )
    else:
        selection = select(result, config, top, per_day, people.describe, allow_listed)
    selection.coverage = coverage(people, [pick.path for pick in selection.picks])
    reading = reread.seconds if reread else 0.0
    timings = dict(
        result.tool.get("timings", {}), people=people_seconds, close_look=reading,
        grouping=time.perf_counter() - started - people_seconds - reading,
    )
    return dataclasses.replace(result, tool=dict(result.tool, timings=timings)), selection


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
    """`check`: screen the photos under `target` (see :func:`screen`); write the report and the JSON into
    `output_dir`. The JSON's `tool.timings` gives the seconds of each stage."""
    if not target.exists():
        raise FlowError("error.does_not_exist", path=target)
    if target.is_dir() and not discover(target).files:
        raise FlowError("error.no_photos", path=target)
    output_dir = output_dir or default_output_dir(target)
    prepare_output_dir(output_dir)
    result, selection = screen(target, config, close_look=close_look, cache=cache, progress=progress, workers=workers)

    report, document = output_dir / REPORT_NAME, output_dir / JSON_NAME
    timings = result.tool["timings"]
    try:
        started = time.perf_counter()
        pictures = report_pictures(result, selection, target, config)
        write_atomic(report, html_report.render(result, selection, pictures, config))
        timings["report"] = time.perf_counter() - started
        write_atomic(document, json_output.dumps(result, selection, timed=True))
    except OSError as exc:
        raise FlowError("error.output_not_writable", path=output_dir, reason=exc.strerror or exc) from exc
    return FlowOutcome(result, selection, output_dir, report, document)


def hand_over(result: ScanResult, selection: Selection, folder: Path, config: Config, handover: Handover) -> Handed:
    """`select`: write the report, the copies of the picks and the XMP sidecars that `handover` asks for."""
    handed = Handed()
    if handover.report is not None:
        pictures = report_pictures(result, selection, folder, config)
        write_atomic(handover.report, html_report.render(result, selection, pictures, config))
        handed.report = handover.report
    if handover.export_dir is not None:
        handed.exported = export.export_picks(
            selection, folder, handover.export_dir, config.output.language, result=result,
            blur_refused=handover.blur_refused, settings=config.consent,
        )
    if handover.xmp:
        handed.sidecars = xmp_sidecars.write_sidecars(result, selection, folder, config)
    return handed
