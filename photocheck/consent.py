"""The consent list: children whose parents said no to photos, kept as face descriptors only (never the photos).

Two sources, both read by every run (:func:`with_listed_children`):
- the list kept by `photocheck consent add NAME PHOTO...` / `remove NAME` in the user's config folder
  (`$XDG_CONFIG_HOME/photocheck/consent.json`, private to the user);
- a folder a leader fills by dragging photos, `geen-fotos/NAME/*.jpg` (or `no-photos/NAME/...`), inside the photo
  folder or beside it. The scan never takes that folder's photos for event photos (photocheck/analysis/loading.py).
A reference photo gives the descriptor of its one face, or of its largest face when that face is clearly the
largest; a photo without a usable face is refused with a sentence naming the file and why. Reference photos are
analysed by the normal scan (so the analysis cache serves them again); only descriptors are stored.

Matching is a judgement (photocheck/judges/consent.py) over the listed children that :func:`with_listed_children`
attaches to the settings; each child is compared by the mean of their reference descriptors (:func:`listed_child`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from photocheck.analysis.loading import CONSENT_FOLDER_NAMES, discover
from photocheck.atomic import write_atomic
from photocheck.config import Config
from photocheck.i18n import Problem
from photocheck.models.base import ModelStore
from photocheck.models.face_descriptor import PREPROCESSING, FaceDescriptor
from photocheck.records.analysis import PhotoAnalysis
from photocheck.records.judgement import ListedChild
from photocheck.scan import scan_files
from photocheck.user_dirs import user_config_dir

CONSENT_FILE = "consent.json"
MAX_REFERENCE_PHOTOS = 5


class ConsentError(Problem, ValueError):
    """A consent-list command cannot be done (catalogue section `consent`)."""


@dataclass
class Refusal:
    """A reference photo that gives no descriptor, and why (a ConsentError sentence)."""

    path: Path
    error: ConsentError


def consent_file(config_dir: Path | None = None) -> Path:
    return (config_dir or user_config_dir()) / CONSENT_FILE


def _model_sha256() -> str:
    return ModelStore().sha256(FaceDescriptor.name)


def load_list(path: Path) -> dict[str, np.ndarray]:
    """Name -> [k, D] descriptors of the stored list ({} when there is none). A list made with another identity
    model or another preprocessing of the faces cannot be compared: the leader is told to add the children again."""
    if not path.is_file():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        children = {name: np.asarray(rows, np.float32) for name, rows in document["children"].items()}
        model = document["model_sha256"]
        preprocessing = document.get("preprocessing")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConsentError("consent.unreadable_list", path=path, reason=exc) from exc
    if model != _model_sha256() or preprocessing != PREPROCESSING:
        raise ConsentError("consent.other_model", path=path)
    return children


def save_list(path: Path, children: dict[str, np.ndarray]) -> None:
    document = {
        "model": FaceDescriptor.name,
        "model_sha256": _model_sha256(),
        "preprocessing": PREPROCESSING,
        "children": {name: [[round(float(v), 6) for v in row] for row in rows] for name, rows in sorted(children.items())},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(document, ensure_ascii=False) + "\n")
    os.chmod(path, 0o600)  # biometric data: the user's eyes only


def reference_descriptor(analysis: PhotoAnalysis, config: Config) -> np.ndarray:
    """The descriptor of the photo's one face, or of its largest face when it is clearly the largest."""
    if not analysis.ok:
        raise ConsentError("consent.unreadable_photo", path=analysis.path, reason=analysis.error)
    faces = sorted(analysis.faces, key=lambda face: -max(face.box.width, face.box.height))
    if not faces:
        raise ConsentError("consent.no_face", path=analysis.path)
    sides = [max(face.box.width, face.box.height) for face in faces]
    if len(faces) > 1 and sides[0] < config.consent.reference_largest_ratio * sides[1]:
        raise ConsentError("consent.several_faces", path=analysis.path, count=len(faces))
    if faces[0].descriptor is None:
        raise ConsentError("consent.face_too_small", path=analysis.path)
    return faces[0].descriptor


def describe_references(
    paths: list[Path], config: Config, cache: Path | None
) -> tuple[dict[Path, np.ndarray], list[Refusal]]:
    """The descriptor of each reference photo that gives one (in the order of `paths`), and the refusals of those
    that do not. All are analysed in one scan (the models are loaded once)."""
    if not paths:
        return {}, []
    root = Path(os.path.commonpath([str(path.resolve().parent) for path in paths]))
    result = scan_files([path.resolve() for path in paths], root, config, workers=1, cache=cache)
    descriptors, refusals = {}, []
    for path, photo in zip(paths, result.photos):
        try:
            descriptors[path] = reference_descriptor(photo.analysis, config)
        except ConsentError as exc:
            refusals.append(Refusal(path, exc))
    return descriptors, refusals


def add(name: str, photos: list[Path], config: Config, cache: Path | None, path: Path) -> tuple[int, list[Refusal]]:
    """List `name` from 1-5 photos (replacing an earlier entry of that name); returns the photos used and the
    refusals. Nothing is stored when no photo gives a descriptor."""
    name = name.strip()
    if not name:
        raise ConsentError("consent.no_name")
    if not 1 <= len(photos) <= MAX_REFERENCE_PHOTOS:
        raise ConsentError("consent.photo_count", count=len(photos), maximum=MAX_REFERENCE_PHOTOS)
    descriptors, refusals = describe_references(photos, config, cache)
    if descriptors:
        children = load_list(path)
        children[name] = np.stack(list(descriptors.values()))
        save_list(path, children)
    return len(descriptors), refusals


def remove(name: str, path: Path) -> None:
    children = load_list(path)
    if name not in children:
        raise ConsentError("consent.not_listed", name=name, names=", ".join(sorted(children)) or "-")
    del children[name]
    save_list(path, children)


def consent_folders(target: Path) -> list[Path]:
    """The drag-and-drop consent folders of a photo folder (or photo): inside it and beside it."""
    folder = target if target.is_dir() else target.parent
    places = [folder / name for name in CONSENT_FOLDER_NAMES] + [folder.parent / name for name in CONSENT_FOLDER_NAMES]
    return [place for place in places if place.is_dir()]


def folder_children(target: Path, config: Config, cache: Path | None) -> tuple[dict[str, np.ndarray], list[Refusal]]:
    """Name -> descriptors of every NAME subfolder of the consent folders of `target`, and the refused photos."""
    name_of: dict[Path, str] = {}
    for place in consent_folders(target):
        for child in sorted(entry for entry in place.iterdir() if entry.is_dir() and not entry.name.startswith(".")):
            name_of.update((file, child.name) for file in discover(child).files)
    descriptors, refusals = describe_references(list(name_of), config, cache)
    children: dict[str, list[np.ndarray]] = {}
    for file, descriptor in descriptors.items():
        children.setdefault(name_of[file], []).append(descriptor)
    return {name: np.stack(rows) for name, rows in children.items()}, refusals


def listed_child(name: str, descriptors: np.ndarray) -> ListedChild:
    """The child `name` as the judges compare it: one descriptor, the L2-normalised mean of the [k, D] reference
    descriptors (a face is the child at cosine >= `[consent] match_similarity` to it). Measured by `bench/run.py
    consent` against the closest single reference: more of a child's other appearances found at the same share of
    other people's faces named (docs/consent.md)."""
    mean = np.asarray(descriptors, np.float32).mean(axis=0)
    return ListedChild(name, (mean / max(float(np.linalg.norm(mean)), 1e-12))[None])


def with_listed_children(
    config: Config, target: Path, cache: Path | None, config_dir: Path | None = None
) -> tuple[Config, list[Refusal]]:
    """`config` carrying the children of the stored list and of the consent folders of `target` (one entry per name:
    the descriptors of both sources together), and the refused reference photos of the folders."""
    stored = load_list(consent_file(config_dir))
    dragged, refusals = folder_children(target, config, cache)
    names = sorted(set(stored) | set(dragged))
    children = tuple(
        listed_child(name, np.concatenate([rows for rows in (stored.get(name), dragged.get(name)) if rows is not None]))
        for name in names
    )
    return replace(config, listed_children=children), refusals
