"""Model files: locate, verify against the manifest's sha256 once, and create one onnxruntime session each."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import ClassVar

import numpy as np
import onnxruntime as ort

from photocheck.i18n import Problem

REBUILD_COMMAND = "bash models/build.sh"
MODELS_ENV = "PHOTOCHECK_MODELS"
MAX_BATCH = 16  # inputs per session run; the arena of each session grows to its largest run


class ModelFileError(Problem, RuntimeError):
    """A model file is missing or differs from the one the manifest names (catalogue section `model_error`)."""


def models_dir() -> Path:
    """`$PHOTOCHECK_MODELS`, else the repository's `models/` beside the package."""
    override = os.environ.get(MODELS_ENV)
    return Path(override) if override else Path(__file__).resolve().parents[2] / "models"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ModelStore:
    """Owns the sessions of one process: each model verified once, its session created once and reused."""

    def __init__(self, directory: Path | None = None, threads: int = 1):
        self.directory = directory or models_dir()
        self.threads = threads
        self._sessions: dict[str, ort.InferenceSession] = {}
        self._manifest: dict | None = None

    @property
    def manifest(self) -> dict:
        if self._manifest is None:
            path = self.directory / "manifest.json"
            try:
                self._manifest = json.loads(path.read_text(encoding="utf-8"))["models"]
            except (OSError, ValueError, KeyError) as exc:
                raise ModelFileError(
                    "model_error.manifest", path=path, reason=exc, command=REBUILD_COMMAND
                ) from exc
        return self._manifest

    def sha256(self, name: str) -> str:
        return self.manifest[name]["sha256"]

    def hashes(self) -> dict[str, str]:
        """The manifest's sha256 of every model, by name: how the cache key and the JSON's `tool.models` name them."""
        return {name: self.sha256(name) for name in sorted(self.manifest)}

    def session(self, name: str) -> ort.InferenceSession:
        if name not in self._sessions:
            self._sessions[name] = self._open(name)
        return self._sessions[name]

    def verified_path(self, name: str) -> Path:
        """The file of model `name`, checked against the manifest's sha256."""
        entry = self.manifest.get(name)
        if entry is None:
            raise ModelFileError(
                "model_error.not_listed", name=name, path=self.directory / "manifest.json", command=REBUILD_COMMAND
            )
        path = self.directory / entry["file"]
        if not path.is_file():
            raise ModelFileError("model_error.missing", path=path, command=REBUILD_COMMAND)
        if file_sha256(path) != entry["sha256"]:
            raise ModelFileError("model_error.corrupt", path=path, command=REBUILD_COMMAND)
        return path

    def _open(self, name: str) -> ort.InferenceSession:
        path = self.verified_path(name)
        options = ort.SessionOptions()
        # Workers x threads must not exceed the cores: each worker process gets its own small thread budget.
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Input shapes vary from photo to photo (faces per batch, crops): the arena would keep the largest of each
        # and a worker would grow to ~800 MB; without it the peak stays ~440 MB for about 2 % more time.
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 3
        try:
            return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types for unparsable files
            raise ModelFileError("model_error.unloadable", path=path, reason=exc, command=REBUILD_COMMAND) from exc


class OnnxModel:
    """Base of every model class: holds its session; subclasses own pre- and post-processing."""

    name: ClassVar[str]
    max_batch: ClassVar[int] = MAX_BATCH

    def __init__(self, store: ModelStore):
        self.session = store.session(self.name)
        self.input_name = self.session.get_inputs()[0].name

    def run(self, tensor, outputs: list[str] | None = None) -> list:
        """Outputs for a batch, run in chunks of `max_batch`: memory stays bounded on a photo of 60 faces."""
        if len(tensor) <= self.max_batch:
            return self.session.run(outputs, {self.input_name: tensor})
        chunks = [self.session.run(outputs, {self.input_name: tensor[start : start + self.max_batch]})
                  for start in range(0, len(tensor), self.max_batch)]
        return [np.concatenate(parts) for parts in zip(*chunks)]
