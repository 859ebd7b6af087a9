"""Atomic file writes: readers see the old file or the complete new one, never a half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _default_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_CREATE_MODE = _default_file_mode()


def _staged(path: Path, payload: bytes) -> str:
    """A complete, synced temporary file beside `path` holding `payload` (the caller moves or removes it)."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        _write_synced(handle, payload)
        os.chmod(temporary, _CREATE_MODE)  # mkstemp's 0600 would hide the file from other users
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def _payload(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def write_atomic(path: Path, data: bytes | str) -> None:
    path = Path(path)
    temporary = _staged(path, _payload(data))
    try:
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_new(path: Path, data: bytes | str) -> bool:
    """Write a complete file at `path` only if nothing is there yet; False (and nothing written) when it exists.

    The data goes to a temporary file first and is hard-linked into place, which fails instead of replacing an
    existing file. On file systems without hard links (FAT, exFAT) it falls back to an exclusive create.
    """
    path = Path(path)
    payload = _payload(data)
    temporary = _staged(path, payload)
    try:
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        except OSError:
            return _write_exclusive(path, payload)
        return True
    finally:
        Path(temporary).unlink(missing_ok=True)


def _write_exclusive(path: Path, payload: bytes) -> bool:
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    try:
        _write_synced(handle, payload)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return True


def _write_synced(handle: int, payload: bytes) -> None:
    """Write `payload` to the open file `handle`, close it, and return once the data is on the disk."""
    with os.fdopen(handle, "wb") as stream:
        stream.write(payload)
        stream.flush()
        os.fsync(stream.fileno())
