"""What the selection's close look costs per photo it reads, and what it reads.

    python bench/run.py close_look DATASET [--config FILE] [--compare FILE ...] [--reference FILE] [--limit N]

DATASET is a folder of photos (`../shared/eval/fullres_dev`: camera JPEGs, the photos a leader's camp folder holds)
or the eval root (`../shared/eval`: the 170 youth_dev + youth_dev2 photos). Every photo's first look comes from a scan
(through photocheck's analysis cache), then its text is read again as the close look reads it
(:func:`photocheck.analysis.pipeline.reread_texts`), in this process, by a text reader with one thread (a worker of
the flow's pool on a 2-core machine), timed photo by photo. `--config FILE` measures other settings; each `--compare
FILE` adds a variant (those settings on top of the measured ones) read photo by photo in turn with the others, the
order alternating, so that load on the machine hits every variant alike. `--limit N` reads the first N photos.

Per variant (`VARIANT_*`, `default` for the measured settings): `seconds_per_photo` (mean) and `_median`, the time in
the text detector (`detector_seconds_per_photo`: its map of the whole photo at `[text_regions] close_look_find_side`,
the tiles, the backdrop band) and in the recogniser; `detector_megapixels_per_photo` (the pixels the detector saw),
`tiles_read_per_photo` (tiles of the places to read, `[text_regions] close_look_places`, that the detector read at
`[selection] close_look_text_side`), `photos_without_tile_read`, and `lines_per_photo` (read lines kept, the first look's merged in).

`--reference FILE` is a variant like `--compare FILE` that the others are held against, without labels: of the lines
it reads beyond the first look (`REFERENCE_lines_beyond_first_look`), the share each other variant reads too
(`VARIANT_reads_of_REFERENCE_lines`: the same text where the reference read it, photocheck/analysis/text_lines.py) and
the photos where it misses any (`VARIANT_photos_missing_REFERENCE_lines`). With `close_look_find_side = 0` as the
reference (every tile read), this is what the find pass costs in lines on photos of any source.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
from evaldata import POLICY_SETS, is_eval_root

from photocheck.analysis.pipeline import close_look_photo, reread_texts
from photocheck.analysis.text_lines import repeats
from photocheck.close_look import close_look_config
from photocheck.config import default_config
from photocheck.models.base import ModelStore
from photocheck.models.text_reader import DETECTOR_MAX_SIDE, TextReader
from photocheck.scan import scan
from photocheck.user_dirs import user_cache_dir


class MeteredReader:
    """A TextReader that counts what its detector sees and times each call (the close look's calls only)."""

    def __init__(self, reader: TextReader):
        self.reader = reader
        self.detect_side = reader.detect_side
        self.reset()

    def reset(self) -> None:
        self.detector_seconds = self.recogniser_seconds = 0.0
        self.pixels = 0.0
        self.tiles = 0

    def _seen(self, rgb: np.ndarray, side: int | None) -> None:
        height, width = rgb.shape[:2]
        scale = min(side or self.detect_side, DETECTOR_MAX_SIDE) / max(height, width)
        self.pixels += height * width * scale**2

    def read(self, rgb, detect_side=None):  # the backdrop band's mosaic: detector and recogniser
        self._seen(rgb, detect_side)
        started = time.perf_counter()
        lines = self.reader.read(rgb, detect_side)
        self.detector_seconds += time.perf_counter() - started  # mostly the detector; the band's lines are few
        return lines

    def detect(self, rgb, detect_side):
        self._seen(rgb, detect_side)
        self.tiles += 1
        started = time.perf_counter()
        quads = self.reader.detect(rgb, detect_side)
        self.detector_seconds += time.perf_counter() - started
        return quads

    def text_map(self, rgb, detect_side):
        self._seen(rgb, detect_side)
        started = time.perf_counter()
        found = self.reader.text_map(rgb, detect_side)
        self.detector_seconds += time.perf_counter() - started
        return found

    def recognise(self, bgr, quads):
        started = time.perf_counter()
        lines = self.reader.recognise(bgr, quads)
        self.recogniser_seconds += time.perf_counter() - started
        return lines


def _photos(dataset: Path, config) -> list[tuple[Path, object]]:
    """(file, first look) of every photo: the policy sets' under the eval root, else the folder's."""
    folders = [dataset / name / "images" for name in POLICY_SETS] if is_eval_root(dataset) else [dataset]
    photos = []
    for folder in folders:
        for photo in scan(folder, config, workers=0, cache=user_cache_dir()).photos:
            if photo.analysis.ok:
                photos.append((folder / photo.analysis.path, photo.analysis))
    return photos


def run(dataset: Path, options: list[str]) -> dict:
    config = default_config()
    if "--config" in options:
        config = config.with_file(Path(options[options.index("--config") + 1]))
    variants = {"default": close_look_config(config)}
    for index, option in enumerate(options):
        if option in ("--compare", "--reference"):
            file = Path(options[index + 1])
            variants[file.stem] = close_look_config(config.with_file(file))
    reference = Path(options[options.index("--reference") + 1]).stem if "--reference" in options else None
    photos = _photos(dataset, config)
    if "--limit" in options:
        photos = photos[: int(options[options.index("--limit") + 1])]
    reader = MeteredReader(TextReader(ModelStore(threads=1), variants["default"].text.detect_side, config.text.min_score))
    measured: dict[str, list[dict]] = {name: [] for name in variants}
    names = list(variants)
    for number, (file, first) in enumerate(photos):
        texts = {}
        for name in names if number % 2 == 0 else reversed(names):
            closer = variants[name]
            reader.reset()
            started = time.perf_counter()
            looked = reread_texts(reader, close_look_photo(file, reader.detect_side, closer), first, closer)
            texts[name] = looked.texts
            measured[name].append({
                "seconds": time.perf_counter() - started, "detector": reader.detector_seconds,
                "recogniser": reader.recogniser_seconds, "pixels": reader.pixels, "tiles": reader.tiles,
                "lines": len(looked.texts),
            })
        if reference is not None:  # the lines the reference reads beyond the first look, and which others read too
            new = [line for line in texts[reference] if not repeats(line, first.texts, config.text_regions)]
            for name in names:
                measured[name][-1]["reference_lines"] = len(new)
                measured[name][-1]["reference_lines_read"] = sum(repeats(line, texts[name], config.text_regions) for line in new)
    metrics: dict = {"photos": len(photos)}
    for name, rows in measured.items():
        if not rows:
            continue
        seconds = [row["seconds"] for row in rows]
        metrics[f"{name}_seconds_per_photo"] = float(np.mean(seconds))
        metrics[f"{name}_seconds_per_photo_median"] = float(statistics.median(seconds))
        metrics[f"{name}_detector_seconds_per_photo"] = float(np.mean([row["detector"] for row in rows]))
        metrics[f"{name}_recogniser_seconds_per_photo"] = float(np.mean([row["recogniser"] for row in rows]))
        metrics[f"{name}_detector_megapixels_per_photo"] = float(np.mean([row["pixels"] for row in rows]) / 1e6)
        metrics[f"{name}_tiles_read_per_photo"] = float(np.mean([row["tiles"] for row in rows]))
        metrics[f"{name}_photos_without_tile_read"] = sum(row["tiles"] == 0 for row in rows)
        metrics[f"{name}_lines_per_photo"] = float(np.mean([row["lines"] for row in rows]))
        if reference is not None and name != reference:
            total = sum(row["reference_lines"] for row in rows)
            metrics[f"{name}_reads_of_{reference}_lines"] = sum(row["reference_lines_read"] for row in rows) / total \
                if total else float("nan")
            metrics[f"{name}_photos_missing_{reference}_lines"] = sum(
                row["reference_lines_read"] < row["reference_lines"] for row in rows)
    if reference is not None:
        metrics[f"{reference}_lines_beyond_first_look"] = sum(row["reference_lines"] for row in measured[reference])
    return metrics
