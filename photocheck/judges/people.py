"""How many people a photo shows, from faces and person boxes without counting anyone twice."""

from __future__ import annotations

from photocheck.config import Section
from photocheck.records.analysis import Box, Detection, Face
from photocheck.records.judgement import PeopleCount


def count_people(faces: list[Face], persons: list[Detection], settings: Section) -> PeopleCount:
    """Every face is a person; a person box counts too when no face lies in it (a back, a hidden face).

    Person boxes that swallow several people in a crowd therefore do not lower the count below the faces seen.
    Faces printed on someone's clothing (badges, T-shirt prints) are not people.
    """
    printed = printed_faces(faces, settings)
    faces = [face for index, face in enumerate(faces) if index not in printed]
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


def printed_faces(faces: list[Face], settings: Section) -> set[int]:
    """Indices of faces on the chest of a much bigger face: KSA shirts carry a badge with a drawn face, and
    BlazeFace + FaceMesh accept it. A real person under someone's chin is hidden by that body, and a child in
    front of an adult still has a face far bigger than printed_face_max_ratio of the adult's."""
    printed = set()
    for index, face in enumerate(faces):
        for other in faces:
            big = other.box
            if face.box.height > settings.printed_face_max_ratio * big.height:
                continue
            cx, cy = face.box.center
            below_chin = big.y2 <= cy <= big.y2 + settings.printed_face_chest_heights * big.height
            if below_chin and big.x1 - big.width <= cx <= big.x2 + big.width:
                printed.add(index)
                break
    return printed


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
