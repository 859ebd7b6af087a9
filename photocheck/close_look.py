"""Close look: the candidate picks analysed again with the text detector at a larger size, then selected again.

Small, distant lettering (a shop sign, a brand on a T-shirt, about 15 px high) is only read when the text detector
sees the photo enlarged (`[selection] close_look_text_side`, against `[text] detect_side` for every photo), at about
a second more per photo: too slow for a whole scan, cheap for the dozen photos a selection recommends. The picks and
the next best candidates are analysed again with that setting and re-judged, and the selection runs again: a photo
whose close look reveals a red flag drops out and the next candidate takes its place, to be looked at in the next
round, until every pick has had its close look (at most `close_look_rounds` rounds).

A close-look analysis is an ordinary analysis under another pipeline version (a config override), so the analysis
cache stores and reuses it like any other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from photocheck.config import Config
from photocheck.i18n import message
from photocheck.judges.flags import detail_text
from photocheck.results import Reason
from photocheck.scan import PhotoResult, Progress, ScanResult, scan_files, source_path
from photocheck.selection import CloseLook, Selection, select

# The photos to look at closely -> the same photos analysed with the close-look settings and judged (any order; a
# photo may be missing or unreadable, it then keeps its first look).
Reanalyse = Callable[[list[PhotoResult]], list[PhotoResult]]
OUTRANKED = "selection.reject.outranked"


def close_look_config(config: Config) -> Config:
    return config.with_overrides({"text": {"detect_side": config.selection.close_look_text_side}}, "close look")


def is_on(config: Config) -> bool:
    """Off when `close_look_text_side` is 0 or no larger than the size every photo is already read at."""
    return config.selection.close_look_text_side > config.text.detect_side


def rescanner(
    root: Path, config: Config, *, workers: int = 0, cache: Path | None = None, progress: Progress | None = None
) -> Reanalyse:
    """Close looks by scanning the photos' files (found under `root`, the scanned folder) with the close-look config."""
    closer = close_look_config(config)

    def reanalyse(photos: list[PhotoResult]) -> list[PhotoResult]:
        files = [source_path(photo.analysis.path, root) for photo in photos]
        found = [file for file in files if file is not None]
        return scan_files(found, root, closer, progress=progress, workers=workers, cache=cache).photos if found else []

    return reanalyse


def select_closely(
    result: ScanResult,
    config: Config,
    root: Path,
    *,
    top: int | None = None,
    per_day: int | None = None,
    close_look: bool = True,
    workers: int = 0,
    cache: Path | None = None,
    progress: Progress | None = None,
) -> tuple[ScanResult, Selection]:
    """The selection, after the close look unless it is off (`close_look` False, or see :func:`is_on`). Returns the
    scan result with the close-look analyses in place of the first ones, so every output shows what was read."""
    if not (close_look and is_on(config)):
        return result, select(result, config, top, per_day)
    reanalyse = rescanner(root, config, workers=workers, cache=cache, progress=progress)
    return look_closely(result, config, reanalyse, top=top, per_day=per_day)


def look_closely(
    result: ScanResult, config: Config, reanalyse: Reanalyse, *, top: int | None = None, per_day: int | None = None
) -> tuple[ScanResult, Selection]:
    """Select, look closely at the picks (and the next `close_look_extra` candidates) not looked at yet, select
    again; repeat until every pick has had its close look or `close_look_rounds` rounds are done."""
    settings = config.selection
    first = {photo.analysis.path: photo for photo in result.photos}
    closer: dict[str, PhotoResult] = {}
    tried: set[str] = set()
    current, selection, rounds = result, select(result, config, top, per_day), 0
    while rounds < settings.close_look_rounds and any(pick.path not in tried for pick in selection.picks):
        wanted = [path for path in _look_set(selection, settings.close_look_extra) if path not in tried]
        rounds += 1
        tried.update(wanted)
        for photo in reanalyse([first[path] for path in wanted]):
            if photo.analysis.ok and photo.judgement is not None and photo.analysis.path in first:
                closer[photo.analysis.path] = photo
        current = dataclasses.replace(result, photos=[closer.get(p.analysis.path, p) for p in result.photos])
        selection = select(current, config, top, per_day)
    side = settings.close_look_text_side
    _explain(selection, first, closer, side, config.output.language)
    current = dataclasses.replace(
        current, tool=dict(current.tool, close_look={"text_side": side, "rounds": rounds, "photos": len(closer)})
    )
    return current, selection


def _look_set(selection: Selection, extra: int) -> list[str]:
    """The picks, then the `extra` best-ranked candidates that were only outranked (the likeliest replacements)."""
    outranked = sorted(
        ((-reason.values["value"], rejection.path) for rejection in selection.rejected for reason in rejection.reasons
         if reason.code == OUTRANKED),
    )
    return [pick.path for pick in selection.picks] + [path for _, path in outranked[:extra]]


def _reason(code: str, language: str, **values) -> Reason:
    return Reason(
        policy="selection", code=f"selection.{code}", effect=0.0, detail=message(f"selection.{code}", language, **values),
        values=values,
    )


def _explain(
    selection: Selection, first: dict[str, PhotoResult], closer: dict[str, PhotoResult], side: int, language: str
) -> None:
    """Mark every closely checked pick with what was read, and say why a photo the close look dropped was dropped."""
    for pick in selection.picks:
        photo = closer.get(pick.path)
        if photo is None:
            continue
        texts = [line.text for line in photo.analysis.texts]
        pick.close_look = CloseLook(side, texts)
        if texts:
            pick.reasons.append(_reason("pick.close_look", language, side=side, texts=", ".join(f'"{t}"' for t in texts)))
        else:
            pick.reasons.append(_reason("pick.close_look_no_text", language, side=side))
    for rejection in selection.rejected:
        photo = closer.get(rejection.path)
        if photo is None:
            continue
        before = first[rejection.path].judgement
        seen = {(flag.kind, flag.strong) for flag in (before.flags if before else [])}
        new = [flag for flag in photo.judgement.flags if (flag.kind, flag.strong) not in seen]
        rejection.reasons[:0] = [
            _reason("reject.close_look", language, side=side, kind=flag.kind, detail=detail_text(flag.evidence))
            for flag in new
        ]
