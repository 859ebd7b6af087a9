"""How many people a photo shows, from faces and person boxes without counting anyone twice."""

from __future__ import annotations

from photocheck.config import Section
from photocheck.results import Box, Detection, Face, PeopleCount


def count_people(faces: list[Face], persons: list[Detection], settings: Section) -> PeopleCount:
    """Every face is a person; a person box counts too when no face lies in it (a back, a hidden face).

    Person boxes that swallow several people in a crowd therefore do not lower the count below the faces seen.
    """
    unmatched = [
        person for person in persons
        if not any(_face_in_person(face.box, person.box, settings.face_in_person_overlap) for face in faces)
    ]
    count = len(faces) + len(unmatched)
    return PeopleCount(
        count=count,
        faces=len(faces),
        persons=len(persons),
        category=group_category(count, settings),
    )


def _face_in_person(face: Box, person: Box, min_overlap: float) -> bool:
    return face.area > 0 and face.intersection(person) / face.area >= min_overlap


def group_category(count: int, settings: Section) -> str:
    if count == 0:
        return "none"
    if count == 1:
        return "single"
    if count < settings.group_min:
        return "small_group"
    return "group"
