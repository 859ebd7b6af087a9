"""Text in photos (PP-OCRv4 through rapidocr-onnxruntime): detection on a reduced image, recognition on its boxes.

rapidocr's full pipeline costs about 0.55 s per photo at 1280 px. Here the detector sees the photo at
`detect_side` pixels, the angle classifier is skipped (upside-down text is rare in event photos), and the recogniser
only runs when the detector found boxes, on crops cut from the sharper working image. A `detect_side` above the
working size enlarges the image for the detector: distant signs and lettering on clothes (about 15 px high) are
only found then, at about four times the detector's cost at 1920 px.
"""

from __future__ import annotations

import copy
import unicodedata
from importlib import metadata

import cv2
import numpy as np

from photocheck.models.base import ModelFileError, ModelStore
from photocheck.models.preprocess import shrink
from photocheck.records.analysis import Box, TextLine

PACKAGE_VERSION = "1.4.4"
PACKAGE = f"rapidocr-onnxruntime=={PACKAGE_VERSION}"
# The largest side rapidocr 1.4.4's own pipeline gives its detector (ch_ppocr_det `get_preprocess` caps inputs of
# 1500 px or more at 2000); the close look's figures were measured at it, and a larger side costs memory and time.
DETECTOR_MAX_SIDE = 2000
# The wheel's PP-OCRv4 detector and recogniser, rewritten for speed (models/build/fuse_ocr.py), are photocheck's model
# files, checked against the manifest like every other model; rapidocr gives the pre- and post-processing (and the
# recogniser's character list, kept in the model file's metadata).
DETECTOR = "ocr_det"
RECOGNISER = "ocr_rec"


def ocr_package():
    """The rapidocr package (no model is loaded); ModelFileError when it is missing or another version, whose pre- and
    post-processing the text models were not measured with."""
    try:
        import rapidocr_onnxruntime
    except ImportError as exc:
        raise ModelFileError("model_error.ocr_package", package=PACKAGE) from exc
    try:
        installed = metadata.version("rapidocr-onnxruntime")
    except metadata.PackageNotFoundError:  # importable without its install record: its version cannot be told
        installed = "unknown"
    if installed != PACKAGE_VERSION:
        raise ModelFileError("model_error.ocr_version", version=installed, package=PACKAGE)
    return rapidocr_onnxruntime


def _verified_engine(store: ModelStore):
    """rapidocr's engine (its pre- and post-processing), running the detector and the recogniser in sessions of
    `store`: they then share the process's memory arena like every other model (photocheck/models/base.py)."""
    engine = ocr_package().RapidOCR(
        intra_op_num_threads=store.threads, inter_op_num_threads=1,
        det_model_path=str(store.verified_path(DETECTOR)), rec_model_path=str(store.verified_path(RECOGNISER)),
    )
    engine.text_det.infer.session = store.session(DETECTOR)
    engine.text_rec.session.session = store.session(RECOGNISER)
    return engine


class TextReader:
    def __init__(self, store: ModelStore, detect_side: int, min_score: float):
        self.engine = _verified_engine(store)
        self.detect_side = detect_side
        self.min_score = min_score

    def at_side(self, detect_side: int) -> TextReader:
        """A reader sharing this one's engine (its sessions), its detector seeing photos at `detect_side`."""
        other = copy.copy(self)
        other.detect_side = detect_side
        return other

    def read(self, rgb: np.ndarray, detect_side: int | None = None) -> list[TextLine]:
        """Text lines in the pixels of `rgb` (boxes axis-aligned around the detected quadrilaterals); the detector
        sees it at `detect_side` (default: the reader's), its own size when that is its long side."""
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)  # ~8x faster than copying a reversed-channel view
        return self.recognise(bgr, self._detect(bgr, min(detect_side or self.detect_side, DETECTOR_MAX_SIDE)))

    def detect(self, rgb: np.ndarray, detect_side: int) -> list[np.ndarray]:
        """The text quadrilaterals of :meth:`read` (float32, 4 x 2, in the pixels of `rgb`), not yet recognised."""
        return self._detect(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), min(detect_side, DETECTOR_MAX_SIDE))

    def recognise(self, bgr: np.ndarray, quads: list[np.ndarray]) -> list[TextLine]:
        """The lines read in `quads` (in the pixels of `bgr`, a BGR image), as :meth:`read` keeps them."""
        if len(quads) == 0:
            return []
        height, width = bgr.shape[:2]
        recognised, _ = self.engine.text_rec(self.engine.get_crop_img_list(bgr, quads))
        lines = []
        for quad, (text, score, *_) in zip(quads, recognised):
            if float(score) < self.min_score or not has_latin_letter_or_digit(text):
                continue
            x1, y1 = quad.min(axis=0)
            x2, y2 = quad.max(axis=0)
            lines.append(TextLine(text.strip(), Box(float(x1), float(y1), float(x2), float(y2)).clipped(width, height),
                                  float(score)))
        return lines

    def _detect(self, bgr: np.ndarray, side: int) -> list[np.ndarray]:
        """Text quadrilaterals in the pixels of `bgr`, the detector seeing it with its long side near `side`.

        rapidocr's own detector call would resize a second time and normalise in float64 (~7 ms a photo); here the
        photo is resized once, straight to the multiple-of-32 size rapidocr would pick, and normalised by OpenCV. The
        model session and the DB post-processing are rapidocr's.
        """
        height, width = bgr.shape[:2]
        probabilities, size = self._probabilities(bgr, side)
        detector = self.engine.text_det
        quads, _ = detector.postprocess_op(probabilities, (size[1], size[0]))
        quads = detector.filter_tag_det_res(quads, (size[1], size[0]))
        to_photo = np.array([width / size[0], height / size[1]], dtype=np.float32)
        return [np.asarray(quad, dtype=np.float32) * to_photo for quad in quads]


    def text_map(self, rgb: np.ndarray, detect_side: int) -> np.ndarray:
        """The detector's probability of text at each pixel of `rgb` seen at `detect_side` (at most
        DETECTOR_MAX_SIDE): a float map of the size the detector saw, covering the whole of `rgb`."""
        probabilities, _ = self._probabilities(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), min(detect_side, DETECTOR_MAX_SIDE))
        return probabilities[0, 0]

    def _probabilities(self, bgr: np.ndarray, side: int) -> tuple[np.ndarray, tuple[int, int]]:
        height, width = bgr.shape[:2]
        scale = side / max(height, width)
        size = (_multiple_of_32(width * scale), _multiple_of_32(height * scale))
        resized = shrink(bgr, size) if scale < 1.0 else cv2.resize(bgr, size, interpolation=cv2.INTER_CUBIC)
        tensor = cv2.dnn.blobFromImage(resized, 1 / 127.5, mean=(127.5, 127.5, 127.5))  # (x / 255 - 0.5) / 0.5
        return self.engine.text_det.infer(tensor)[0], size


def _multiple_of_32(length: float) -> int:
    """rapidocr's rounding of detector sides (the network needs multiples of 32)."""
    return max(32, int(round(int(length) / 32) * 32))


def has_latin_letter_or_digit(text: str) -> bool:
    """Whether a recognised line holds a Latin letter or a digit. The recogniser reads Chinese and English and turns
    stray shapes (badges, folds) into CJK characters; lettering in Flemish event photos is Latin."""
    return any(char.isdigit() or (char.isalpha() and "LATIN" in unicodedata.name(char, "")) for char in text)
