"""Per-face judgements (recognisable, smiling, eyes closed) and what they mean for the photo (smiles, too wide)."""

from __future__ import annotations

import math

from photocheck.config import Section
from photocheck.judges.people import printed_faces
from photocheck.records.analysis import Face, PhotoAnalysis
from photocheck.records.judgement import FaceJudgement, PeopleCount, SmileSummary


def face_side(face: Face) -> float:
    return max(face.box.width, face.box.height)


def is_recognisable(face: Face, frame_short_side: int, settings: Section) -> bool:
    """Big enough in pixels and within the frame, sharp, and confirmed by the mesh as a face."""
    side = face_side(face)
    return (
        side >= settings.min_face_pixels
        and frame_short_side > 0
        and side / frame_short_side >= settings.min_face_fraction
        and (face.sharpness or 0.0) >= settings.min_sharpness
        and (face.face_probability or 0.0) >= settings.min_face_probability
    )


def eyes_closed(face: Face, settings: Section) -> bool | None:
    """Judged only where the mesh's eyelids can tell a blink: on faces big enough for them to mean something and
    whose smile is known and below `max_smile` (a laughing squint narrows the lids as far as a blink does); None
    otherwise."""
    if face.eye_openness is None or face_side(face) < settings.min_face_pixels:
        return None
    if face.smile is None or face.smile >= settings.max_smile:
        return None
    return face.eye_openness < settings.closed_below


def judge_face(face: Face, frame_short_side: int, config, printed: bool = False) -> FaceJudgement:
    """`printed`: the face is on someone's clothing (judges.people.printed_faces), so nobody to recognise."""
    recognisable = not printed and is_recognisable(face, frame_short_side, config.recognisable)
    smiling = face.smile >= config.smiles.threshold if recognisable and face.smile is not None else None
    return FaceJudgement(recognisable=recognisable, smiling=smiling, eyes_closed=eyes_closed(face, config.eyes))


def judge_faces(analysis: PhotoAnalysis, config) -> list[FaceJudgement]:
    """One judgement per face of the analysis, in the same order."""
    short_side = min(analysis.width, analysis.height)
    printed = printed_faces(analysis.faces, config.people)
    return [judge_face(face, short_side, config, index in printed) for index, face in enumerate(analysis.faces)]


def smile_summary(judgements: list[FaceJudgement]) -> SmileSummary:
    judged = [j.smiling for j in judgements if j.smiling is not None]
    count = sum(judged)
    return SmileSummary(count=count, fraction=count / len(judged) if judged else None)


def too_wide(people: PeopleCount, judgements: list[FaceJudgement], settings: Section) -> bool | None:
    """People are there but too few of them can be recognised; None for a photo without people."""
    if people.count == 0:
        return None
    recognisable = sum(j.recognisable for j in judgements)
    return recognisable < max(1, math.ceil(settings.too_wide_min_fraction * people.count))
