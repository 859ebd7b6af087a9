"""Discover photo files and decode them: EXIF orientation applied, reduced decoding, metadata read.

Decoding goes straight to a working size (JPEG draft mode decodes at 1/2, 1/4 or 1/8 scale in the codec), so a
18 MP photo never exists in memory at full resolution. Coordinates found on the working image are scaled back
to original pixels by the caller with :attr:`LoadedPhoto.scale`.
"""

from __future__ import annotations

import errno
import math
import os
import stat
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from photocheck.i18n import Problem

# Pillow's bomb check stays on, raised from its 89 MP default so 108 MP phone photos load (draft decoding keeps
# them small); our own `max_megapixels` limit gives a readable per-file error before any pixel is decoded.
Image.MAX_IMAGE_PIXELS = 250_000_000

EXIF_ORIENTATION = 0x0112
EXIF_ARTIST = 0x013B
EXIF_DATETIME = 0x0132
EXIF_IFD = 0x8769
EXIF_DATETIME_ORIGINAL = 0x9003
EXIF_GPS_IFD = 0x8825

PHOTO_EXTENSIONS = frozenset(ext.lower() for ext in Image.registered_extensions())


class PhotoLoadError(Problem):
    """A file that cannot be read as a photo (catalogue section `load_error`); the message is meant for the user."""


@dataclass
class LoadedPhoto:
    rgb: np.ndarray  # HxWx3 uint8 at working size, EXIF orientation applied
    width: int  # original size after EXIF orientation
    height: int
    taken_at: str | None
    artist: str | None
    has_gps: bool

    @property
    def scale(self) -> float:
        """Original pixels per working pixel."""
        return self.width / self.rgb.shape[1]


@dataclass
class Discovery:
    files: list[Path]
    unreadable: list[tuple[Path, PhotoLoadError]]  # folders that could not be listed, with the reason


# Folders of reference photos of children on the consent list (photocheck/consent.py): never event photos.
CONSENT_FOLDER_NAMES = ("geen-fotos", "no-photos")


def discover(target: Path) -> Discovery:
    """Photo files under `target` (or `target` itself), sorted; hidden entries, symlinked folders and consent-list
    folders (CONSENT_FOLDER_NAMES) skipped.

    Symlinked folders are not followed, so a symlink loop cannot trap the walk.
    """
    if not target.is_dir():
        return Discovery([target], [])
    unreadable: list[tuple[Path, PhotoLoadError]] = []

    def note_error(error: OSError) -> None:
        unreadable.append((Path(error.filename), PhotoLoadError("load_error.folder_unreadable", reason=error.strerror)))

    found = []
    for folder, subfolders, files in os.walk(target, followlinks=False, onerror=note_error):
        subfolders[:] = sorted(
            d for d in subfolders if not d.startswith(".") and d.lower() not in CONSENT_FOLDER_NAMES
        )
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in PHOTO_EXTENSIONS:
                found.append(Path(folder) / name)
    return Discovery(sorted(found), unreadable)


def load_photo(path: Path, max_side: int, max_megapixels: float) -> LoadedPhoto:
    try:
        _require_regular_file(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # Pillow's notes on malformed EXIF: the photo is still fine
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                photo = _decode(image, max_side, max_megapixels)
                if image.format == "PNG":
                    _verify_checksums(path)
                return photo
    except PhotoLoadError:
        raise
    except FileNotFoundError:
        if os.path.islink(path):
            raise PhotoLoadError("load_error.broken_link") from None
        raise PhotoLoadError("load_error.not_found") from None
    except PermissionError:
        raise PhotoLoadError("load_error.permission") from None
    except IsADirectoryError:
        raise PhotoLoadError("load_error.folder") from None
    except UnidentifiedImageError:
        size = _size_or_none(path)
        if size == 0:
            raise PhotoLoadError("load_error.empty") from None
        raise PhotoLoadError("load_error.not_an_image") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoLoadError("load_error.bomb", detail=str(exc)) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PhotoLoadError("load_error.link_loop") from None
        if exc.errno is not None:  # the operating system refused (I/O error...); decoders raise OSError without errno
            raise PhotoLoadError("load_error.unreadable", reason=exc.strerror) from None
        raise PhotoLoadError("load_error.corrupt", detail=str(exc)) from None
    except (SyntaxError, ValueError, EOFError) as exc:
        raise PhotoLoadError("load_error.corrupt", detail=str(exc)) from None


def _require_regular_file(path: Path) -> None:
    """Refuse pipes, devices and sockets before opening: reading a named pipe would block the scan forever."""
    mode = os.stat(path).st_mode  # follows symlinks; raises for missing files and link loops
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
    if not stat.S_ISREG(mode):
        raise PhotoLoadError("load_error.not_regular")


def _verify_checksums(path: Path) -> None:
    """PNG chunks carry CRCs that decoding does not check: a damaged PNG would otherwise pass as garbled pixels."""
    with Image.open(path) as image:
        image.verify()


def _size_or_none(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _decode(image: Image.Image, max_side: int, max_megapixels: float) -> LoadedPhoto:
    raw_width, raw_height = image.size
    if raw_width * raw_height > max_megapixels * 1e6:
        raise PhotoLoadError(
            "load_error.too_large", width=raw_width, height=raw_height, limit=f"{max_megapixels:g}"
        )
    exif = _read_exif(image)
    orientation = exif.get(EXIF_ORIENTATION, 1) if exif is not None else 1
    width, height = (raw_height, raw_width) if orientation in (5, 6, 7, 8) else (raw_width, raw_height)

    factor = max_side / max(raw_width, raw_height)
    if factor < 1 and image.format == "JPEG":
        image.draft("RGB", (math.ceil(raw_width * factor), math.ceil(raw_height * factor)))
    image.load()  # decode errors of truncated files surface here
    image = _oriented(image, orientation)
    image = _to_rgb(image)
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.BILINEAR, reducing_gap=2.0)
    rgb = np.asarray(image, dtype=np.uint8)
    return LoadedPhoto(
        rgb=rgb,
        width=width,
        height=height,
        taken_at=_taken_at(exif),
        artist=_artist(exif),
        has_gps=bool(exif is not None and EXIF_GPS_IFD in exif),
    )


def _read_exif(image: Image.Image) -> Image.Exif | None:
    try:
        return image.getexif()
    except Exception:  # malformed EXIF must not cost the photo; orientation then defaults to 1
        return None


def _oriented(image: Image.Image, orientation: int) -> Image.Image:
    transpose = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(orientation if isinstance(orientation, int) else 1)
    return image.transpose(transpose) if transpose is not None else image


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit and float greyscale: stretch to 8 bits instead of letting convert() clip at 255
        values = np.asarray(image, dtype=np.float32)
        top = float(values.max()) or 1.0
        image = Image.fromarray(np.clip(values / top * 255.0, 0, 255).astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def _exif_text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    text = value.replace("\x00", "").strip()
    return text or None


def _taken_at(exif: Image.Exif | None) -> str | None:
    """EXIF DateTimeOriginal (or DateTime) as ISO 8601 local time, or None when absent or malformed."""
    if exif is None:
        return None
    try:
        text = _exif_text(exif.get_ifd(EXIF_IFD).get(EXIF_DATETIME_ORIGINAL)) or _exif_text(exif.get(EXIF_DATETIME))
    except Exception:
        return None
    if text is None:
        return None
    try:
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S").isoformat()
    except ValueError:
        return None


def _artist(exif: Image.Exif | None) -> str | None:
    return _exif_text(exif.get(EXIF_ARTIST)) if exif is not None else None
