"""Records of the selection: groups of near-duplicates, the picks in story order, why every other photo is not one,
and the people of the folder the picks show (photocheck/selection.py, photocheck/people_shown.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from photocheck.records.analysis import Box
from photocheck.records.judgement import Evidence, PhotoResult, Reason

UNDATED = "undated"  # the day of a pick whose photo has no capture time


@dataclass
class SeenFace:
    photo: str
    box: Box
    person: int


@dataclass
class People:
    """The recognisable, described faces of a folder and the person of each (0..count-1)."""

    faces: list[SeenFace]
    count: int

    def of_photo(self, path: str) -> np.ndarray:
        return np.array([face.person for face in self.faces if face.photo == path], dtype=np.int64)

    def describe(self, photos: list[PhotoResult]) -> dict[str, np.ndarray]:
        """A :data:`photocheck.people_shown.Describe`: the people of each photo's recognisable faces."""
        return {photo.analysis.path: self.of_photo(photo.analysis.path) for photo in photos}


@dataclass
class Coverage:
    """How many of the folder's people the picks show, and a face of each person no pick shows (largest first)."""

    people: int
    shown: int
    not_shown: list[SeenFace]


@dataclass
class PhotoGroup:
    """Near-duplicates and bursts: `best` stands for all `members` (best first)."""

    best: str
    members: list[str]
    kind: str  # near_duplicate | burst (burst when any link came from capture time alone)


@dataclass
class CloseLook:
    """A pick checked again with the text detector at `text_side` pixels (see photocheck/close_look.py)."""

    text_side: int
    texts: list[str]  # every line read at that size
    error: str | None = None  # why the close look failed (the pick then keeps its first look; texts is empty)


@dataclass
class Check:
    """Something on a photo the leader should look at before posting: the evidence of a weak red flag (`kind` is the
    flag's kind) or lettering nothing explains (`kind` "lettering"), each with its box."""

    kind: str
    evidence: Evidence


@dataclass
class Pick:
    path: str
    day: str  # ISO date of capture, or "undated"
    taken_at: str | None
    value: float  # sum of the weighted ranking terms when it was picked
    stands_for: list[str]  # the other members of its group
    slot: str  # suggested posting time, HH:MM
    caption: str
    reasons: list[Reason] = field(default_factory=list)
    close_look: CloseLook | None = None  # None: not attempted (close look off, or its rounds used up)
    checks: list[Check] = field(default_factory=list)  # what to look at before posting; empty for a clean pick


@dataclass
class Rejection:
    path: str
    reasons: list[Reason]


@dataclass
class Selection:
    picks: list[Pick]  # story order: by capture time within each day
    rejected: list[Rejection]  # every photo that is not a pick, with why not
    groups: list[PhotoGroup]  # groups of two or more photos
    coverage: Coverage | None = None  # the people the picks show (set by close_look.select_closely)
