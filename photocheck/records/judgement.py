"""Stage-2 records: what the policy makes of an analysed photo, and the judged photos of a scan."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from photocheck.i18n import DEFAULT_LANGUAGE, message
from photocheck.records.analysis import Box, PhotoAnalysis


@dataclass
class PeopleCount:
    count: int  # faces plus person boxes that hold no face
    faces: int
    persons: int
    category: str  # none | single | small_group | group


@dataclass
class Reason:
    """One step of a verdict: which policy point, how it moved the score, and the evidence in words.

    `code` is a stable machine key (English, never translated); `values` fill the localized sentence.
    """

    policy: str  # group | smiles | recognisable | eyes | uniform | quality | alcohol | advertising | litter | ...
    code: str
    effect: float  # score points added (negative: removed)
    detail: str  # the sentence with the evidence: English in a verdict (outputs re-word it), the user's in a selection
    values: dict = field(default_factory=dict)

    @classmethod
    def worded(cls, policy: str, code: str, effect: float, language: str = DEFAULT_LANGUAGE, **values) -> Reason:
        """A reason whose detail is the catalogue's sentence `code` in `language`, filled with `values`."""
        return cls(policy=policy, code=code, effect=effect, detail=message(code, language, **values), values=values)


@dataclass
class Evidence:
    """What was seen where. `code` and `values` are the catalogue sentence (evidence.*) that words it in any language;
    `label` is that sentence in English (stable for tools)."""

    box: Box | None  # original-image pixels; None for whole-photo evidence
    label: str
    score: float
    code: str
    values: dict = field(default_factory=dict)


@dataclass
class Flag:
    """A red flag (policy "never" point) with the evidence a leader needs to see."""

    kind: str  # alcohol | advertising | litter | tobacco | a taught kind
    confidence: float  # 0..1
    strong: bool  # strong: the photo is skipped; weak: at most "maybe"
    evidence: list[Evidence]
    detail: str  # the strongest evidence and how many more, in the judging language


@dataclass
class FaceJudgement:
    """Per-face judgements, aligned with PhotoAnalysis.faces (merged into the face records in JSON)."""

    recognisable: bool
    smiling: bool | None  # None when the face is not recognisable enough to judge
    eyes_closed: bool | None  # None when the face is too small to judge


@dataclass(frozen=True)
class ListedChild:
    """A child on the consent list and the identity descriptors they are compared by ([k, D], L2-normalised): one row,
    the mean of their reference photos' descriptors (photocheck/consent.py listed_child), in the product."""

    name: str
    descriptors: np.ndarray


@dataclass
class ConsentMatch:
    """A face that looks like a listed child: `strong` at or above `[consent] match_similarity`, else a weak match
    (at or above `weak_similarity`) for the leader to check."""

    name: str
    box: Box
    similarity: float  # cosine to the closest reference descriptor of that child
    strong: bool


@dataclass
class SmileSummary:
    count: int  # recognisable faces that smile
    fraction: float | None  # of recognisable faces; None without any


@dataclass
class QualityJudgement:
    """Merged into the `quality` record of the JSON."""

    blurry: bool
    too_dark: bool
    too_bright: bool


@dataclass
class UniformJudgement:
    profile: str
    visible: bool
    people_in_uniform: int
    people_checked: int
    fraction: float | None
    weighed_by: str  # what `fraction` is a share of: `[uniform] weigh_people_by` (area, sqrt_area, count)


@dataclass
class Judgement:
    """What the policy makes of one analysed photo (stage 2)."""

    people: PeopleCount
    face_judgements: list[FaceJudgement] = field(default_factory=list)
    smiling: SmileSummary | None = None
    too_wide: bool | None = None
    uniform: UniformJudgement | None = None
    quality: QualityJudgement | None = None
    flags: list[Flag] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)  # red-flag kinds no model could check
    consent: list[ConsentMatch] = field(default_factory=list)  # faces like a child on the consent list
    faces_too_small_to_check: int = 0  # recognisable faces too small for an identity descriptor
    score: float | None = None
    verdict: str | None = None  # post | maybe | skip
    confidence: float | None = None  # 0.5 (borderline) .. 1.0 (clear); see verdict.confident_margin
    reasons: list[Reason] = field(default_factory=list)


@dataclass
class PhotoResult:
    analysis: PhotoAnalysis
    judgement: Judgement | None  # None when the photo could not be read


@dataclass
class ScanResult:
    root: str
    photos: list[PhotoResult]
    tool: dict = field(default_factory=dict)

    @property
    def readable(self) -> int:
        return sum(1 for photo in self.photos if photo.analysis.ok)
