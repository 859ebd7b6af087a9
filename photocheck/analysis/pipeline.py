"""Stage 1 for one photo: load it and run the detectors. Returns a PhotoAnalysis in original pixels."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from photocheck.analysis import image_stats
from photocheck.analysis.loading import LoadedPhoto, PhotoLoadError, load_photo
from photocheck.analysis.regions import analyse_regions
from photocheck.analysis.small_drinks import look_for_drinks
from photocheck.analysis.text_lines import merged
from photocheck.analysis.text_regions import grown, likely_regions, read_likely_text, read_tiles, tiles, with_text
from photocheck.analysis.thumbnails import thumbnail_jpeg
from photocheck.analysis.torso import sample_torsos
from photocheck.config import Config, Section
from photocheck.models.base import ModelStore
from photocheck.models.efficientnet import EfficientNetLite0
from photocheck.models.face_descriptor import FaceDescriptor
from photocheck.models.face_detectors import confirmed_faces, face_detector
from photocheck.models.facemesh import FaceMesh
from photocheck.models.nanodet import NanoDet
from photocheck.models.smile import SmileEstimator
from photocheck.models.text_reader import DETECTOR_MAX_SIDE, TextReader
from photocheck.records.analysis import (
    Box, Detection, Face, PhotoAnalysis, SceneLabel, TextLine, failed, person_detections,
)


def object_detector(store: ModelStore, objects: Section) -> NanoDet:
    """NanoDet with the `[objects]` settings."""
    return NanoDet(
        store, objects.min_score, objects.iou_threshold, objects.ignored_labels,
        {"person": objects.person_min_score, "wine glass": objects.wine_glass_min_score},
    )


class Analyzer:
    """Holds one instance of every model (sessions created once) and analyses photos with them."""

    def __init__(self, config: Config, store: ModelStore | None = None):
        self.config = config
        self.store = store or ModelStore()
        faces = config.faces
        self.face_detector = face_detector(self.store, faces)
        self.face_mesh = FaceMesh(self.store)
        self.face_descriptor = FaceDescriptor(self.store)
        self.smile = SmileEstimator(self.store, faces.expression_margin, config.smile.weights)
        self.object_detector = object_detector(self.store, config.objects)
        self.scene_model = EfficientNetLite0(self.store)
        self.text_reader = TextReader(self.store, config.text.detect_side, config.text.min_score)

    def analyse(self, path: Path, display_path: str) -> PhotoAnalysis:
        try:
            photo = load_photo(path, self.config.loading.working_size, self.config.loading.max_megapixels)
        except PhotoLoadError as exc:
            return failed(display_path, exc)
        rgb = photo.rgb
        faces = self.faces(rgb)
        objects = self.object_detector.detect(rgb)
        persons = person_detections(objects)
        probabilities, embeddings = self.scene_model.classify([rgb])
        subject = [face.box for face in faces] or [person.box for person in persons]
        texts = read_texts(
            self.text_reader, photo, [face.box for face in faces], self.config, self.config.text_regions.in_scan
        )
        object_classes, region_embeddings = analyse_regions(rgb, faces, objects, self.scene_model, self.config.regions)

        scale = photo.scale
        return PhotoAnalysis(
            path=display_path,
            ok=True,
            width=photo.width,
            height=photo.height,
            taken_at=photo.taken_at,
            artist=photo.artist,
            faces=[replace(face, box=face.box.scaled(scale)) for face in faces],
            objects=[Detection(d.label, d.box.scaled(scale), d.score) for d in objects],
            scene=self._top_labels(probabilities[0]),
            embedding=embeddings[0].astype(np.float32),
            quality=image_stats.quality(rgb, subject),
            frame_quality=image_stats.quality(rgb),
            texts=texts,
            object_classes=[replace(region, box=region.box.scaled(scale)) for region in object_classes],
            region_embeddings=[replace(region, box=region.box.scaled(scale)) for region in region_embeddings],
            torsos=[
                replace(sample, box=sample.box.scaled(scale))
                for sample in sample_torsos(rgb, faces, persons, self.config.torso)
            ],
            # made here from the decoded photo: the report would otherwise decode every photo a second time
            thumbnail=thumbnail_jpeg(rgb, self.config.report.thumbnail_size, self.config.report.thumbnail_quality),
        )

    def faces(self, rgb: np.ndarray) -> list[Face]:
        """Detector candidates confirmed by FaceMesh, with smile, eye openness and sharpness (working pixels).

        Faces smaller than `faces.smile_min_face_fraction` of the shorter side get no smile (None): too small to be
        recognisable, their smile is never counted, and the expression models are the costliest per face.
        """
        candidates = self.face_detector.detect(rgb)
        confirmed = confirmed_faces(candidates, self.face_mesh, rgb, self.config.faces)
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        min_side = self.config.faces.smile_min_face_fraction * min(rgb.shape[:2])
        judged = [i for i, (box, _, _) in enumerate(confirmed) if max(box.width, box.height) >= min_side]
        smiles = self.smile.smiles(grey, [confirmed[i][0] for i in judged], [confirmed[i][2] for i in judged])
        smile_of = {i: float(smile) for i, smile in zip(judged, smiles)}
        describe_side = self.config.faces.describe_min_side
        described = [i for i, (box, _, _) in enumerate(confirmed) if max(box.width, box.height) >= describe_side]
        descriptors = self.face_descriptor.describe(
            rgb, [confirmed[i][0] for i in described], [confirmed[i][2] for i in described]
        )
        descriptor_of = dict(zip(described, descriptors))
        return [
            Face(
                box=box,
                score=score,
                face_probability=mesh.face_probability,
                smile=smile_of.get(index),
                eye_openness=mesh.eye_openness(),
                sharpness=image_stats.face_sharpness(grey, box),
                descriptor=descriptor_of.get(index),
            )
            for index, (box, score, mesh) in enumerate(confirmed)
        ]

    def _top_labels(self, probabilities: np.ndarray) -> list[SceneLabel]:
        top = np.argsort(-probabilities)[: self.config.scene.top_labels]
        return [SceneLabel(self.scene_model.labels[i], int(i), float(probabilities[i])) for i in top]


def read_texts(
    reader: TextReader, photo: LoadedPhoto, faces: list[Box], config: Config, likely_places: bool
) -> list[TextLine]:
    """The text lines `reader` finds in a decoded photo, in original pixels: the whole frame, then, if
    `likely_places`, the places near the `faces` (in the photo's pixels) where small lettering is likely."""
    texts = [replace(line, box=line.box.scaled(photo.scale)) for line in reader.read(photo.rgb)]
    if not likely_places:
        return texts
    return texts + read_likely_text(reader, photo, faces, texts, config.text_regions)


def close_look(
    reader: TextReader, drink_models: tuple[NanoDet, EfficientNetLite0] | None, path: Path, first: PhotoAnalysis,
    config: Config,
) -> PhotoAnalysis:
    """The selection's close look at one photo: its text read again by `reader` (:func:`reread_texts`) and, with
    `drink_models` (the object detector and the scene model; None when that search is off), its small drinks looked
    for (:func:`photocheck.analysis.small_drinks.look_for_drinks`), in one decoding of the photo (a second only when
    `[regions] close_look_drink_side` asks for another size). A photo that can no longer be read comes back failed."""
    try:
        photo = close_look_photo(path, reader.detect_side, config)
        looked = reread_texts(reader, photo, first, config)
        if drink_models is None:
            return looked
        if config.regions.close_look_drink_side != reader.detect_side:
            photo = close_look_photo(path, config.regions.close_look_drink_side, config)
        return look_for_drinks(*drink_models, photo, looked, config)
    except PhotoLoadError as exc:
        return failed(first.path, exc)


def close_look_photo(path: Path, side: int, config: Config) -> LoadedPhoto:
    """The photo decoded once for the close look, at `side` (never above its original size): its text is read again
    and its small drinks looked for in the same pixels. Raises PhotoLoadError when it can no longer be read."""
    return load_photo(path, side, config.loading.max_megapixels)


def reread_texts(reader: TextReader, photo: LoadedPhoto, analysis: PhotoAnalysis, config: Config) -> PhotoAnalysis:
    """`analysis` with its text read again by `reader` (the selection's close look: a larger detector size) in
    `photo` (decoded at the detector's size, never above its original size: :func:`close_look_photo`) and merged with
    the first look's lines, every other field kept.

    The photo is read only where text can
    be (`[text_regions] close_look_places`): the backdrop band above the heads, enlarged (:func:`read_likely_text`;
    with "frame", only where it is enlarged, unless `close_look_band_unenlarged`),
    then, at the detector's size (a smaller photo enlarged) and in tiles of bounded size, the places around the lines
    the first look and the band read, and, unless the setting is "text", the objects the first look found (people:
    print on clothes; bottles, cans) or, with "frame", the whole photo. A first look that found no face and no object
    cannot point anywhere: the whole photo is read then. With `close_look_find_side`, the detector first sees the
    whole photo at that smaller size, and only the tiles where it finds text (`close_look_find_threshold`) are read,
    with every tile a line read there runs into (:func:`read_tiles`).
    """
    settings = config.text_regions
    height, width = photo.rgb.shape[:2]
    to_photo = 1 / photo.scale
    faces = [face.box.scaled(to_photo) for face in analysis.faces]
    regions = likely_regions(width, height, faces, settings)
    if settings.close_look_places == "frame" and not settings.close_look_band_unenlarged and all(
            region.zoom <= 1.0 for region in regions):
        band = []  # the band would be read at the size the frame's tiles are read at: the find pass decides there
    else:
        band = read_likely_text(reader, photo, faces, analysis.texts, settings)
    places = [grown(line.box.scaled(to_photo), settings.close_look_line_margin, width, height)
              for line in analysis.texts + band]
    if settings.close_look_places == "frame" or not (analysis.faces or analysis.objects):
        places = [Box(0, 0, width, height)]
    elif settings.close_look_places == "objects":
        places += [detection.box.scaled(to_photo).clipped(width, height) for detection in analysis.objects]
    seen = [replace(line, box=line.box.scaled(to_photo)) for line in band]
    # A photo smaller than the close-look size is enlarged for the detector, as one read of the whole photo would be.
    zoom = max(1.0, min(reader.detect_side, DETECTOR_MAX_SIDE) / max(height, width))
    cut = tiles(places, settings, zoom)
    start = None
    if settings.close_look_find_side > 0:  # only the tiles where the detector sees text at a smaller size
        found = reader.text_map(photo.rgb, settings.close_look_find_side)
        start = with_text(cut, found, settings.close_look_find_threshold, width, height)
    read = read_tiles(reader, photo.rgb, cut, seen, settings, zoom, start)
    closer = band + [replace(line, box=line.box.scaled(photo.scale)) for line in read]
    # The first look's lines stay unless read again: enlarging a small photo can lose a line read at working size.
    return replace(analysis, texts=merged(closer, analysis.texts, settings))
