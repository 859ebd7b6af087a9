"""Consent list: which faces of a photo look like a child whose parents said no to photos.

Every face with an identity descriptor is compared with each listed child's reference descriptors (cosine; the
closest reference counts). At or above `[consent] match_similarity` it is that child; from `weak_similarity` up it
could be, and the leader checks. Recognisable faces too small for a descriptor cannot be checked and are counted.
"""

from __future__ import annotations

import numpy as np

from photocheck.config import Section
from photocheck.records.analysis import PhotoAnalysis
from photocheck.records.judgement import ConsentMatch, FaceJudgement, ListedChild


def closest_reference(descriptors: np.ndarray, child: ListedChild) -> np.ndarray:
    """Per face (rows of `descriptors`), the cosine to the closest of the child's descriptors (the product lists one:
    the mean of the references; a bench may list each reference to measure the older rule)."""
    return (descriptors @ child.descriptors.T).max(axis=1) if len(descriptors) else np.zeros(0, np.float32)


def consent_matches(analysis: PhotoAnalysis, children: tuple[ListedChild, ...], settings: Section) -> list[ConsentMatch]:
    """One match per face whose closest listed child reaches `weak_similarity` (strongest first)."""
    if not children:
        return []
    matches = []
    for face in analysis.faces:
        if face.descriptor is None:
            continue
        similarities = [float(closest_reference(face.descriptor[None], child)[0]) for child in children]
        best = int(np.argmax(similarities))
        if similarities[best] >= settings.weak_similarity:
            strong = similarities[best] >= settings.match_similarity
            matches.append(ConsentMatch(children[best].name, face.box, round(similarities[best], 4), strong))
    return sorted(matches, key=lambda match: -match.similarity)


def too_small_to_check(analysis: PhotoAnalysis, judgements: list[FaceJudgement]) -> int:
    """Recognisable faces without an identity descriptor (smaller than `[faces] describe_min_side`)."""
    return sum(1 for face, judged in zip(analysis.faces, judgements) if judged.recognisable and face.descriptor is None)
