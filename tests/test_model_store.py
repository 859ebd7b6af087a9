"""Model files are verified once; a missing or damaged file names itself and the rebuild command; the OCR models are
the rapidocr wheel's, rewritten for speed, and need the rapidocr version they were measured with."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image

from photocheck.i18n import explained
from photocheck.models.base import REBUILD_COMMAND, ModelFileError, ModelStore, models_dir
from photocheck.models import text_reader
from photocheck.models.text_reader import DETECTOR, RECOGNISER, TextReader, ocr_package
from tests.conftest import SAMPLES


@pytest.fixture
def model_copy(tmp_path):
    """A private copy of the small FER model and a manifest naming it."""
    source = models_dir()
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))["models"]
    entry = manifest["fer_emotion"]
    shutil.copy(source / entry["file"], tmp_path / entry["file"])
    (tmp_path / "manifest.json").write_text(json.dumps({"models": {"fer_emotion": entry}}), encoding="utf-8")
    return tmp_path, tmp_path / entry["file"]


def test_intact_model_opens_once_and_is_reused(model_copy):
    folder, _ = model_copy
    store = ModelStore(folder)
    assert store.session("fer_emotion") is store.session("fer_emotion")


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_missing_or_corrupt_model_names_file_and_rebuild_command(model_copy, damage):
    folder, path = model_copy
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ModelFileError) as caught:
        ModelStore(folder).session("fer_emotion")
    assert str(path) in str(caught.value) and REBUILD_COMMAND in str(caught.value)
    dutch = explained(caught.value, "nl")
    assert str(path) in dutch and REBUILD_COMMAND in dutch and dutch != str(caught.value)


def test_missing_manifest_and_unlisted_model(tmp_path, model_copy):
    with pytest.raises(ModelFileError, match="manifest.json"):
        ModelStore(tmp_path / "nowhere").session("fer_emotion")
    folder, _ = model_copy
    with pytest.raises(ModelFileError, match="'nanodet' is not listed"):
        ModelStore(folder).session("nanodet")


def test_model_error_survives_the_trip_from_a_worker_process(model_copy):
    folder, path = model_copy
    path.unlink()
    with pytest.raises(ModelFileError) as caught:
        ModelStore(folder).session("fer_emotion")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(copy, ModelFileError) and str(copy) == str(caught.value) and copy.code == caught.value.code


def test_a_damaged_text_detector_stops_the_text_reader_with_the_rebuild_command(tmp_path):
    """The OCR detector is one of photocheck's model files (models/ocr_det.onnx), checked like the others."""
    source = models_dir()
    entry = json.loads((source / "manifest.json").read_text(encoding="utf-8"))["models"][DETECTOR]
    (tmp_path / "manifest.json").write_text(json.dumps({"models": {DETECTOR: entry}}), encoding="utf-8")
    path = tmp_path / entry["file"]
    path.write_bytes((source / entry["file"]).read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ModelFileError) as caught:
        TextReader(ModelStore(tmp_path), 640, 0.5)
    assert str(path) in str(caught.value) and REBUILD_COMMAND in str(caught.value)


def test_text_reader_runs_in_the_store_sessions_that_share_one_arena():
    # Every session of a process allocates from one shared arena (models/base.py); rapidocr's own sessions would not.
    store = ModelStore()
    reader = TextReader(store, 640, 0.5)
    assert reader.engine.text_det.infer.session is store.session(DETECTOR)
    assert reader.engine.text_rec.session.session is store.session(RECOGNISER)
    for session in (reader.engine.text_det.infer.session, reader.engine.text_rec.session.session):
        options = session.get_session_options()
        assert options.get_session_config_entry("session.use_env_allocators") == "1"
        assert not options.enable_mem_pattern


def _photo_tensor(size: tuple[int, int]) -> np.ndarray:
    """A sample photo with lettering at `size` (width, height), normalised as rapidocr feeds its models."""
    rgb = np.asarray(Image.open(SAMPLES / "signage_beer_box.jpg").convert("RGB").resize(size))
    return cv2.dnn.blobFromImage(np.ascontiguousarray(rgb[:, :, ::-1]), 1 / 127.5, mean=(127.5, 127.5, 127.5))


@pytest.mark.parametrize("name, wheel_file, size", [
    (DETECTOR, "ch_PP-OCRv4_det_infer.onnx", (640, 480)),
    (RECOGNISER, "ch_PP-OCRv4_rec_infer.onnx", (320, 48)),
])
def test_shipped_text_models_compute_what_the_wheels_models_compute(name, wheel_file, size):
    """models/ocr_det.onnx and ocr_rec.onnx are the rapidocr wheel's models rewritten for speed (hard-swish fused,
    affine steps folded into the convolutions, models/build/fuse_ocr.py): on a real photo their outputs stay those of
    the wheel's own files."""
    tensor = _photo_tensor(size)
    shipped = ModelStore().session(name)
    wheel = ort.InferenceSession(str(Path(ocr_package().__file__).parent / "models" / wheel_file),
                                 providers=["CPUExecutionProvider"])
    ours = shipped.run(None, {shipped.get_inputs()[0].name: tensor})[0]
    theirs = wheel.run(None, {wheel.get_inputs()[0].name: tensor})[0]
    assert theirs.max() > 0.9  # a confident output on this photo, not a map of zeros the two could share
    assert np.abs(ours - theirs).max() < 1e-4


def test_another_rapidocr_version_is_refused_with_the_pinned_one_named(monkeypatch):
    """The text models were measured with rapidocr 1.4.4's pre- and post-processing; another version is a setup error."""
    monkeypatch.setattr(text_reader.metadata, "version", lambda name: "1.9.0")
    with pytest.raises(ModelFileError) as caught:
        ocr_package()
    assert "1.9.0" in str(caught.value) and text_reader.PACKAGE in str(caught.value)
    assert text_reader.PACKAGE in explained(caught.value, "nl")
