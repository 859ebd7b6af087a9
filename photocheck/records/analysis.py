"""Stage-1 records: what the models found *in* a photo, in original-image pixels.

They are pickled into the analysis cache, so this file is part of the cache's code hash (photocheck/cache.py). With
`slots`: the main process holds one of each record per face, box and colour of every photo of the folder."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from photocheck.i18n import Problem


@dataclass(frozen=True, slots=True)
class Box:
    """Axis-aligned box in pixels, (x1, y1) top-left, (x2, y2) bottom-right."""

    x1: float
    y1: float
    x2: float
    y2: float

    def __post_init__(self) -> None:
        if not (self.x2 >= self.x1 and self.y2 >= self.y1):
            raise ValueError(f"box corners out of order: {self}")

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    @property
    def area(self) -> float:
        return self.width * self.height

    @property
    def center(self) -> tuple[float, float]:
        return (self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2

    def scaled(self, sx: float, sy: float | None = None) -> Box:
        sy = sx if sy is None else sy
        return Box(self.x1 * sx, self.y1 * sy, self.x2 * sx, self.y2 * sy)

    def shifted(self, dx: float, dy: float) -> Box:
        return Box(self.x1 + dx, self.y1 + dy, self.x2 + dx, self.y2 + dy)

    def mirrored(self, width: float) -> Box:
        """The same box in the image flipped left to right (`width` pixels wide)."""
        return Box(width - self.x2, self.y1, width - self.x1, self.y2)

    def clipped(self, width: float, height: float) -> Box:
        x1 = min(max(self.x1, 0.0), width)
        y1 = min(max(self.y1, 0.0), height)
        return Box(x1, y1, min(max(self.x2, x1), width), min(max(self.y2, y1), height))

    def expanded_square(self, factor: float) -> Box:
        """Square box around the centre, side = factor x the longer side."""
        cx, cy = self.center
        half = max(self.width, self.height) * factor / 2
        return Box(cx - half, cy - half, cx + half, cy + half)

    def contains(self, point: tuple[float, float]) -> bool:
        """Whether the point (x, y) lies in the box, edges included."""
        x, y = point
        return self.x1 <= x <= self.x2 and self.y1 <= y <= self.y2

    def intersection(self, other: Box) -> float:
        w = min(self.x2, other.x2) - max(self.x1, other.x1)
        h = min(self.y2, other.y2) - max(self.y1, other.y1)
        return max(w, 0.0) * max(h, 0.0)

    def iou(self, other: Box) -> float:
        inter = self.intersection(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def to_list(self) -> list[float]:
        return [round(float(v), 1) for v in (self.x1, self.y1, self.x2, self.y2)]

    @classmethod
    def from_list(cls, values: list[float]) -> Box:
        return cls(*map(float, values))


@dataclass(slots=True)
class Face:
    """One confirmed face with what the face models measured on it."""

    box: Box
    score: float  # detector confidence
    face_probability: float | None = None  # facemesh face flag
    smile: float | None = None  # P(happy)
    eye_openness: float | None = None  # eye aspect ratio from the mesh, mean of both eyes
    sharpness: float | None = None  # variance of the Laplacian on the face crop at 64 px
    # Who it is: the L2-normalised identity descriptor (faceres, photocheck/models/face_descriptor.py), for faces of
    # at least [faces] describe_min_side working pixels, else None.
    descriptor: np.ndarray | None = None


@dataclass(slots=True)
class Detection:
    """An object detector hit: a COCO label, its box and score."""

    label: str
    box: Box
    score: float


@dataclass(slots=True)
class SceneLabel:
    label: str
    index: int
    score: float


@dataclass(slots=True)
class Quality:
    """Image statistics; `subject` is True when measured on faces / people rather than the frame."""

    sharpness: float  # variance of the Laplacian at a fixed working scale
    exposure: float  # mean luminance 0..1
    dark_fraction: float  # share of pixels below 0.05 luminance
    bright_fraction: float  # share of pixels above 0.95 luminance
    subject: bool = False


@dataclass(slots=True)
class TextLine:
    """A line of text read by OCR: recognised text, its box and the recogniser's confidence."""

    text: str
    box: Box
    score: float


@dataclass(slots=True)
class RegionLabels:
    """ImageNet labels of one region: a crop around a detected object ("object:bottle") or a ground tile."""

    region: str
    box: Box
    labels: list[SceneLabel]


@dataclass(slots=True)
class RegionEmbedding:
    """Scene-model embedding of a region around a face or a person (input of taught classifiers)."""

    region: str  # face | person
    box: Box
    vector: np.ndarray  # L2-normalised


@dataclass(slots=True)
class ColourCluster:
    """One colour of a sampled region: CIELAB centre (L 0..100, a, b; white-balanced) and its share of the pixels."""

    lab: tuple[float, float, float]
    share: float


@dataclass(slots=True)
class TorsoSample:
    """What one person wears: colour clusters of the torso and, under a face, of the neck (neckerchief)."""

    box: Box  # torso region, original-image pixels
    source: str  # face | person: sampled under faces[index] or in the upper body of persons[index]
    index: int
    colours: list[ColourCluster]  # largest share first
    neck: list[ColourCluster] = field(default_factory=list)  # just under the chin; empty for person boxes


@dataclass(slots=True)
class PhotoAnalysis:
    """Everything stage 1 found in one photo (original-image pixels after EXIF orientation)."""

    path: str
    ok: bool
    error: str | None = None  # English sentence (stable for tools)
    error_code: str | None = None  # catalogue code of the error, to say it in the reader's language
    error_values: dict = field(default_factory=dict)
    width: int = 0
    height: int = 0
    taken_at: str | None = None
    artist: str | None = None
    faces: list[Face] = field(default_factory=list)
    objects: list[Detection] = field(default_factory=list)
    scene: list[SceneLabel] = field(default_factory=list)
    embedding: np.ndarray | None = None  # L2-normalised scene embedding
    quality: Quality | None = None
    frame_quality: Quality | None = None
    texts: list[TextLine] = field(default_factory=list)  # red flags: OCR
    object_classes: list[RegionLabels] = field(default_factory=list)  # red flags: drink crops, ground tiles
    region_embeddings: list[RegionEmbedding] = field(default_factory=list)  # taught red flags
    torsos: list[TorsoSample] = field(default_factory=list)  # uniform: clothing colours per person
    thumbnail: bytes | None = None  # JPEG for the HTML report ([report] thumbnail_size), made from the decoded photo

    @property
    def persons(self) -> list[Detection]:
        return person_detections(self.objects)


def person_detections(objects: list[Detection]) -> list[Detection]:
    """The people among the object detector's hits."""
    return [d for d in objects if d.label == "person"]


def failed(path: str, error: Problem | str) -> PhotoAnalysis:
    """An unreadable photo; a catalogue Problem keeps its code so outputs can say it in the reader's language."""
    if isinstance(error, Problem):
        return PhotoAnalysis(path=path, ok=False, error=str(error), error_code=error.code, error_values=error.values)
    return PhotoAnalysis(path=path, ok=False, error=error)
