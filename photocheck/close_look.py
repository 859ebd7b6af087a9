"""Close look: the candidate picks analysed again with the text detector at a larger size and the object detector on
tiles of the enlarged photo, then selected again.

Small, distant lettering (a shop sign, a brand on a T-shirt, about 15 px high) is only read when the text detector
sees the photo enlarged (`[selection] close_look_text_side`, against `[text] detect_side` for every photo): too slow
for a whole scan, affordable for the dozen photos a selection recommends. The text of
the picks (and, while a worker would idle, the next best candidates) is read again with that setting and re-judged,
and the selection runs again: a photo whose close look reveals a red flag drops out and the next candidate takes its
place, to be looked at in the next round, until every pick has had its close look (at most `close_look_rounds`
rounds).

Each photo is decoded once at the close-look size (:func:`photocheck.analysis.pipeline.close_look`). Its text is read
again (:func:`photocheck.analysis.pipeline.reread_texts`) where `[text_regions] close_look_places` says text can be,
in tiles of bounded size, and only in the tiles where the detector finds text when it sees the whole photo at
`close_look_find_side`. Its small drinks are looked for in the same pixels
(:func:`photocheck.analysis.small_drinks.look_for_drinks`, unless `[regions] close_look_drink_side` is 0): NanoDet on
overlapping tiles, the drinks the first look missed added with their crop labels. The faces, the other objects and the
scene of the first look stay. The photos are read in the flow's worker processes (both cores; their models are loaded
once, for the scan), so the memory of the whole run stays bounded. The reading is stored in the analysis cache under a
version of its own (the close-look settings, marked as a close look), so a repeated selection reuses it without
loading the models.

A close look that fails (a photo gone since the scan, the OCR files missing, any error) never costs the selection:
the picks keep their first look, and each says why it was not checked closely (JSON `close_look.error`, the pick's
reasons, the terminal summary).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

from photocheck.analysis.loading import PhotoLoadError
from photocheck.cache import RunCache, pipeline_version
from photocheck.config import Config
from photocheck.i18n import Problem, explained, message, photo_error
from photocheck.judges.flags import detail_text
from photocheck.judges.policy import judge, judging_context
from photocheck.models.base import ModelStore
from photocheck.models.text_reader import ocr_package
from photocheck.paths import source_path
from photocheck.people_shown import Describe
from photocheck.records.analysis import PhotoAnalysis, failed
from photocheck.records.judgement import PhotoResult, ScanResult
from photocheck.records.selection import CloseLook, Selection
from photocheck.scan import Progress
from photocheck.selection import select, selection_reason
from photocheck.workers import Reread, WorkerPool

# The photos to look at closely -> the same photos analysed with the close-look settings and judged (any order). A
# photo that cannot be read again comes back failed (`analysis.ok` False) and keeps its first look; an exception
# fails the whole close look, and every pick not yet looked at keeps its first look. Its `workers` attribute, when it
# has one, says how many photos it reads at once.
Reanalyse = Callable[[list[PhotoResult]], list[PhotoResult]]
OUTRANKED = "selection.reject.outranked"


def close_look_config(config: Config) -> Config:
    return config.with_overrides({"text": {"detect_side": config.selection.close_look_text_side}}, "close look")


def is_on(config: Config) -> bool:
    """Off when `close_look_text_side` is 0 or no larger than the size every photo is already read at."""
    return config.selection.close_look_text_side > config.text.detect_side


class CloseLookReader:
    """A :data:`Reanalyse` that reads the text of the photos' files (found under `root`, the scanned folder) again at
    `close_look_text_side` and looks for their small drinks, in `pool` (the flow's worker processes, which already
    hold the models after the scan; without one, in this process). Each photo is read where text can be, in tiles of
    bounded size (:func:`photocheck.analysis.pipeline.reread_texts`), so no worker holds a whole enlarged photo's
    detector maps. `seconds` adds up the time spent reading."""

    def __init__(
        self, root: Path, config: Config, *, pool: WorkerPool | None = None, cache: Path | None = None,
        progress: Progress | None = None,
    ):
        self.root, self.config, self.cache, self.progress = root, config, cache, progress
        self.closer = close_look_config(config)
        self.context = judging_context(config)
        self.pool = pool or WorkerPool(config, 1)
        self.workers = self.pool.workers
        self.seconds = 0.0

    def __call__(self, photos: list[PhotoResult]) -> list[PhotoResult]:
        started = time.perf_counter()
        analyses: dict[str, PhotoAnalysis] = {}
        try:
            with RunCache(self.cache, self._cache_version) as run_cache:
                todo: list[Reread] = []
                for photo in photos:
                    first = photo.analysis
                    file = source_path(first.path, self.root)
                    if file is None:  # a path from a --from file that leads out of the folder
                        analyses[first.path] = failed(first.path, PhotoLoadError("load_error.not_found"))
                        continue
                    cached = run_cache.get(file, first.path)
                    if cached is not None:
                        analyses[first.path] = dataclasses.replace(
                            first, texts=cached.texts, objects=cached.objects, object_classes=cached.object_classes)
                    else:
                        todo.append(Reread(len(todo), file, first, self.closer))
                if todo:
                    ocr_package()  # a missing OCR package is said once, before any worker loads a model
                for index, looked in self.pool.reread(todo):
                    analyses[todo[index].first.path] = looked
                    run_cache.put(todo[index].file, looked)
                    if self.progress is not None:
                        self.progress(len(analyses), len(photos), looked.path)
        finally:
            self.seconds += time.perf_counter() - started
        return [PhotoResult(a, judge(a, self.config, self.context) if a.ok else None) for a in analyses.values()]

    def _cache_version(self) -> str:
        """The close look's own version in the analysis cache: its entries hold the first look's other fields, which
        may come from a --from file, so they are kept apart from the analyses of a scan at the close-look size. Its
        reading starts from the first look's lines and keeps them, so the first look's settings (its `[text]
        detect_side`, which the close-look settings replace) are part of it too."""
        hashes = ModelStore().hashes()
        first, closer = pipeline_version(self.config, hashes), pipeline_version(self.closer, hashes)
        return f"{first}:{closer}:close-look-text-and-drinks"


def look_closely(
    result: ScanResult,
    config: Config,
    reanalyse: Reanalyse,
    *,
    top: int | None = None,
    per_day: int | None = None,
    describe: Describe | None = None,
    allow_listed: bool = False,
) -> tuple[ScanResult, Selection]:
    """Select, look closely at the picks not looked at yet (and, while workers would idle, the next candidates, at
    most `close_look_extra`: see :func:`_look_set`), select again; repeat until every pick has had its close look or
    `close_look_rounds` rounds are done.

    A photo that cannot be looked at keeps its first look, with the reason in `failures`; an exception from
    `reanalyse` ends the close look, and every photo it was meant to look at keeps its first look with that reason.
    """
    settings, language = config.selection, config.output.language
    first = {photo.analysis.path: photo for photo in result.photos}
    closer: dict[str, PhotoResult] = {}
    failures: dict[str, str] = {}  # path -> why its close look failed, in the output language
    tried: set[str] = set()
    error: str | None = None  # why the whole close look stopped
    current, selection, rounds = result, select(result, config, top, per_day, describe, allow_listed), 0
    workers = max(1, getattr(reanalyse, "workers", 1))
    while rounds < settings.close_look_rounds and any(pick.path not in tried for pick in selection.picks):
        wanted = _look_set(selection, tried, settings.close_look_extra, workers)
        rounds += 1
        tried.update(wanted)
        try:
            looked = {photo.analysis.path: photo for photo in reanalyse([first[path] for path in wanted])}
        except Exception as exc:  # noqa: BLE001 - a failed close look leaves the first look, said in the outputs
            error = explained(exc, language) if isinstance(exc, Problem) else f"{type(exc).__name__}: {exc}"
            failures.update((path, error) for path in wanted)
            break
        for path in wanted:
            photo = looked.get(path)
            if photo is not None and photo.analysis.ok and photo.judgement is not None:
                closer[path] = photo
            elif photo is not None:
                failures[path] = photo_error(photo.analysis, language)
            else:
                failures[path] = message("close_look.missing", language)
        current = dataclasses.replace(result, photos=[closer.get(p.analysis.path, p) for p in result.photos])
        selection = select(current, config, top, per_day, describe, allow_listed)
    side = settings.close_look_text_side
    _explain(selection, first, closer, failures, side, language)
    summary = {"text_side": side, "rounds": rounds, "photos": len(closer), "failed": len(failures), "error": error}
    return dataclasses.replace(current, tool=dict(current.tool, close_look=summary)), selection


def _look_set(selection: Selection, tried: set[str], extra: int, workers: int) -> list[str]:
    """The picks not `tried` yet, then at most `extra` of the best-ranked candidates that were only outranked (the
    likeliest replacements, not tried yet), only as many as keep all `workers` busy: they cost no time then, and
    a pick dropped in this round may find its replacement already looked at."""
    picks = [pick.path for pick in selection.picks if pick.path not in tried]
    outranked = sorted(
        ((-reason.values["value"], rejection.path) for rejection in selection.rejected for reason in rejection.reasons
         if reason.code == OUTRANKED and rejection.path not in tried),
    )
    return picks + [path for _, path in outranked[:min(extra, -len(picks) % workers)]]


def _explain(
    selection: Selection, first: dict[str, PhotoResult], closer: dict[str, PhotoResult], failures: dict[str, str],
    side: int, language: str,
) -> None:
    """Mark every closely checked pick with what was read (or why it could not be), and say why a photo the close look
    dropped was dropped."""
    for pick in selection.picks:
        photo = closer.get(pick.path)
        if photo is None:
            if pick.path in failures:
                pick.close_look = CloseLook(side, [], failures[pick.path])
                failure = selection_reason("pick.close_look_failed", language, side=side, error=failures[pick.path])
                pick.reasons.append(failure)
            continue
        texts = [line.text for line in photo.analysis.texts]
        pick.close_look = CloseLook(side, texts)
        read = ", ".join(f'"{t}"' for t in texts)
        if texts and pick.checks:
            pick.reasons.append(selection_reason("pick.close_look_to_check", language, side=side, texts=read))
        elif texts:
            pick.reasons.append(selection_reason("pick.close_look", language, side=side, texts=read))
        else:
            pick.reasons.append(selection_reason("pick.close_look_no_text", language, side=side))
    for rejection in selection.rejected:
        photo = closer.get(rejection.path)
        if photo is None:
            continue
        before = first[rejection.path].judgement
        seen = {(flag.kind, flag.strong) for flag in (before.flags if before else [])}
        # A new weak flag only ranks the photo lower; its reason (reject.to_check) already lists what was read.
        new = [flag for flag in photo.judgement.flags if flag.strong and (flag.kind, flag.strong) not in seen]
        rejection.reasons[:0] = [
            selection_reason(
                "reject.close_look", language, side=side, kind=flag.kind, detail=detail_text(flag.evidence)
            )
            for flag in new
        ]
