"""Everyone once: the recognisable faces of a folder grouped into people, who the picks show, who they do not yet.

The scan gives every face of at least `[faces] describe_min_side` working pixels an identity descriptor
(faceres, photocheck/models/face_descriptor.py). Faces are linked into one person when their cosine similarity reaches
`[selection] same_face_similarity`, most similar pairs first, never two faces of one photo (they are two people).
A candidate's "new faces" in the selection are its faces of people no earlier pick shows; the coverage says how many
of the folder's people the picks show and which are in none yet (a face of each, for the report). A scan read back
from JSON has no descriptors (they never leave the analysis cache): photocheck/scan_file.py describes them again.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from photocheck.analysis.union_find import UnionFind
from photocheck.records.analysis import Face
from photocheck.records.judgement import PhotoResult, ScanResult
from photocheck.records.selection import Coverage, People, SeenFace

# Photos -> {photo path: the person of each of its recognisable faces}; a photo left out has no faces compared.
Describe = Callable[[list[PhotoResult]], dict[str, np.ndarray]]
# Faces compared per block when grouping: a block's similarities take BLOCK x all faces x 4 bytes (bounded memory on a
# large folder: 33 MB for 16,000 faces).
BLOCK = 512
PAIRS_PER_CHUNK = 32768  # matching pairs turned into Python ints at a time (a large folder has very many)


def recognisable_faces(photo: PhotoResult) -> list[Face]:
    """The faces the judges call recognisable (all confirmed faces when the face judge has not run)."""
    judgement = photo.judgement
    if judgement is not None and judgement.face_judgements:
        return [face for face, seen in zip(photo.analysis.faces, judgement.face_judgements) if seen.recognisable]
    return list(photo.analysis.faces)


def new_face_count(people: np.ndarray, shown: np.ndarray) -> int:
    """How many of the faces (their people, `people`) show someone not among `shown`."""
    return int(np.sum(~np.isin(people, shown)))


def _listed(photo: PhotoResult, face: Face) -> bool:
    judgement = photo.judgement
    return judgement is not None and any(match.strong and match.box == face.box for match in judgement.consent)


def group_people(result: ScanResult, same_person_similarity: float) -> People:
    """People of the recognisable described faces of the readable photos; a child on the consent list is left out
    (nobody to show)."""
    faces: list[SeenFace] = []
    descriptors = []
    for photo in result.photos:
        for face in recognisable_faces(photo) if photo.judgement is not None else []:
            if face.descriptor is not None and not _listed(photo, face):
                faces.append(SeenFace(photo.analysis.path, face.box, len(faces)))
                descriptors.append(face.descriptor)
    if not faces:
        return People([], 0)
    matrix = np.stack(descriptors)
    similarities, firsts, seconds = [], [], []  # the matching pairs as arrays: a large folder has very many
    for start in range(0, len(faces), BLOCK):
        similarity = matrix[start:start + BLOCK] @ matrix.T
        rows, columns = np.nonzero(similarity >= same_person_similarity)
        keep = columns > rows + start
        similarities.append(similarity[rows[keep], columns[keep]])
        firsts.append(rows[keep] + start)
        seconds.append(columns[keep])
    first, second = np.concatenate(firsts), np.concatenate(seconds)
    pairs = np.stack([first, second], axis=1)[np.lexsort((second, first, np.concatenate(similarities)))[::-1]]
    people = UnionFind(len(faces))
    photos_of = [{face.photo} for face in faces]
    for chunk in range(0, len(pairs), PAIRS_PER_CHUNK):  # most similar first
        for a, b in pairs[chunk:chunk + PAIRS_PER_CHUNK].tolist():
            ra, rb = people.find(a), people.find(b)
            if ra != rb and not photos_of[ra] & photos_of[rb]:  # two faces of one photo are two people
                photos_of[people.union(ra, rb)] |= photos_of[rb]
    number: dict[int, int] = {}
    for face in faces:
        face.person = number.setdefault(people.find(face.person), len(number))
    return People(faces, len(number))


def coverage(people: People, picks: list[str]) -> Coverage:
    shown = {face.person for face in people.faces if face.photo in set(picks)}
    largest: dict[int, SeenFace] = {}
    for face in people.faces:
        if face.person not in shown and (face.person not in largest or face.box.area > largest[face.person].box.area):
            largest[face.person] = face
    missing = sorted(largest.values(), key=lambda face: -face.box.area)
    return Coverage(people.count, len(shown), missing)
