"""Paths of the flow: how a photo is named in the outputs (relative to the scanned folder), the file behind such a
name (never outside the folder), what a terminal hands over for a dropped folder, and where the outputs go."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

OUTPUT_SUFFIX = "-photocheck"
QUOTES = ("'", '"')


def display_path(path: Path, root: Path) -> str:
    """The path as given, relative to the scanned folder (a single file keeps its name)."""
    if root.is_dir():
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return path.name if path == root else str(path)


def source_path(display: str, root: Path) -> Path | None:
    """The file behind a display path (the inverse of :func:`display_path`), None when it would lie outside `root`."""
    return root if root.is_file() else contained(display, root)


def contained(display: str, folder: Path) -> Path | None:
    """`folder / display` when the display path stays inside `folder`, None when it is absolute or climbs out with
    '..' (a scan file given with --from is data a person may have edited, so its paths are not trusted)."""
    relative = PurePosixPath(display)
    if relative.is_absolute() or Path(display).is_absolute() or ".." in relative.parts or not relative.parts:
        return None
    return folder / Path(*relative.parts)


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
