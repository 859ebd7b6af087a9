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
MAX_BATCH = 16  # inputs per session run: the shared arena grows to the largest run


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


# kNextPowerOfTwo: the arena grows by doubling chunks (onnxruntime's ArenaExtendStrategy enum value 0).
_ARENA_DOUBLES = 0
_shared_arena_registered = False


def _register_shared_arena() -> None:
    """One onnxruntime memory arena that every session of this process allocates from (once per process).

    Without an arena each run's buffers came from malloc: the models' differently sized blocks fragmented the heap,
    and 512 photos peaked at 1.22-1.31 GB; one arena per session would keep the largest run of each model (~0.8 GB a
    worker). One arena for all, with tensors allocated as needed (no memory pattern), keeps about the largest single
    run: 0.95 GB (bench/run.py flow, docs/speed.md).
    """
    global _shared_arena_registered
    if not _shared_arena_registered:
        ort.create_and_register_allocator(
            ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT),
            ort.OrtArenaCfg(0, _ARENA_DOUBLES, -1, -1),  # no limit; onnxruntime's default chunk sizes
        )
        _shared_arena_registered = True


class ModelStore:
    """Owns the sessions of one process: each model verified once, its session created once and reused."""

    def __init__(self, directory: Path | None = None, threads: int = 1):
        self.directory = directory or models_dir()
        self.threads = threads
        self._sessions: dict[str, ort.InferenceSession] = {}
        self._verified: dict[str, Path] = {}
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
        """The file of model `name`, checked against the manifest's sha256 (once: the text reader asks for the
        detector's file and its session)."""
        if name not in self._verified:
            self._verified[name] = self._verify(name)
        return self._verified[name]

    def _verify(self, name: str) -> Path:
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
        """A new session of model `name` (its file verified) with this store's settings: its thread budget, the
        process's shared memory arena."""
        path = self.verified_path(name)
        _register_shared_arena()
        options = ort.SessionOptions()
        # Workers x threads must not exceed the cores: each worker process gets its own small thread budget.
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.use_env_allocators", "1")
        options.enable_mem_pattern = False  # one planned block per run would fragment the shared arena
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
