"""Jet datasets on disk: resumable chunked generation into HDF5, and reading back.

A jet file is an HDF5 file with one dataset per JetClass name (the in-memory format of
:func:`read_jets` and of :func:`hepscaling.data.jetclass.read_jetclass`):

- per particle, float32 ``(n, max_particles)``, zero-padded, constituents by decreasing pT:
  :data:`PARTICLE_FEATURES` (``part_px`` ... ``part_isMuon``), and ``part_mask`` bool;
- per jet, float32 ``(n,)``: :data:`JET_FEATURES` (``jet_pt`` ... ``jet_tau4``) and the truth
  :data:`AUX_FEATURES` (``aux_genpart_*``, never a training input);
- labels: the ten one-hot JetClass columns :data:`LABELS` (bool ``(n,)``) and ``label``
  (int64 ``(n,)``, the index into :data:`LABELS`).

Root attributes: ``format``, ``format_version``, ``provenance`` (JSON: classes, jets per
class, seed, chunk size, max_particles, generator versions, code version) and ``label_names``.

:func:`generate_jets` runs chunks ``(class, i)`` (Pythia seed from
:func:`~hepscaling.physics.jets.processes.chunk_seed`) through
:func:`hepscaling.data.chunks.generate_in_chunks`, which keeps each chunk as a part file as soon
as it finishes and assembles the file in a fixed order (chunk 0 of every class, then chunk 1,
...). So the rows never depend on the executor or on interruptions, a killed run (even
``kill -9``) resumes from its finished chunks, and ``path`` exists only once complete.
:class:`JetDataset` holds the settings of a ``kind: jets`` dataset of a sweep spec.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

import h5py
import numpy as np
from pydantic import Field, field_validator

from hepscaling.data.chunks import LZF, VOLATILE, Layout, generate_in_chunks, read_file_provenance
from hepscaling.data.registry import DatasetSpec, register_dataset
from hepscaling.errors import UsageError
from hepscaling.physics.jets.features import JET_FEATURES, PARTICLE_FEATURES
from hepscaling.physics.jets.generate import AUX_FEATURES, generate_chunk
from hepscaling.physics.jets.processes import LABELS, JetClassSpec, chunk_seed, parse_classes
from hepscaling.provenance import code_version

__all__ = ["AUX_FEATURES", "FIELDS", "FORMAT", "JET_FEATURES", "LABELS", "LAYOUT",
           "PARTICLE_FEATURES", "ChunkTask", "JetDataset", "generate_jets", "plan_chunks",
           "read_jets", "read_provenance", "validate_jets"]

FORMAT = "hepscaling.jets"
FORMAT_VERSION = 1
#: Every array of a jet file / in-memory jet sample, in file order.
FIELDS: tuple[str, ...] = (*PARTICLE_FEATURES, "part_mask", *JET_FEATURES, *AUX_FEATURES,
                           *LABELS, "label")
_VOLATILE = (*VOLATILE, "generator")  # may differ on a resume, as before


@dataclass(frozen=True)
class ChunkTask:
    """One unit of work: ``n`` jets of class ``spec`` with Pythia seed ``pythia_seed``."""

    spec: JetClassSpec
    index: int
    n: int
    pythia_seed: int
    max_particles: int


def _run(task: ChunkTask) -> dict[str, np.ndarray]:
    return generate_chunk(task.spec, task.n, task.pythia_seed, max_particles=task.max_particles)


def plan_chunks(classes: Sequence[JetClassSpec], n: int, seed: int, chunk_size: int,
                max_particles: int = 128) -> list[ChunkTask]:
    """All chunks of a run in file order: chunk 0 of each class, then chunk 1, ...

    Each class gets ``n`` jets in ``ceil(n / chunk_size)`` chunks (the last one smaller).
    """
    if n <= 0:
        raise UsageError(f"number of jets per class must be positive, got {n}; pass e.g. "
                         "-n 1000")
    if chunk_size <= 0:
        raise UsageError(f"chunk size must be positive, got {chunk_size}; pass e.g. "
                         "--chunk-size 1000")
    if max_particles <= 0:
        raise UsageError(f"max_particles must be positive, got {max_particles}")
    if seed < 0:
        raise UsageError(f"seed must be >= 0, got {seed}")
    return [ChunkTask(spec, i, min(chunk_size, n - i * chunk_size),
                      chunk_seed(seed, spec, i), max_particles)
            for i in range(math.ceil(n / chunk_size)) for spec in classes]


def validate_jets(arrays: dict[str, np.ndarray], source: str) -> None:
    """Raise :class:`UsageError` unless ``arrays`` has every field of :data:`FIELDS`, with one
    row count, ``(n, P)`` per-particle and ``(n,)`` per-jet shapes and finite values."""
    missing = [name for name in FIELDS if name not in arrays]
    if missing:
        raise UsageError(f"{source}: missing {', '.join(missing[:4])}; not a jet sample")
    n, width = arrays["part_mask"].shape
    for name in FIELDS:
        expected = (n, width) if name.startswith("part_") else (n,)
        if arrays[name].shape != expected:
            raise UsageError(f"{source}: {name} has shape {arrays[name].shape}, expected "
                             f"{expected}")
        if arrays[name].dtype.kind == "f" and not np.all(np.isfinite(arrays[name])):
            raise UsageError(f"{source}: {name} contains NaN or Inf; regenerate the file")


def _settings(classes: Sequence[JetClassSpec], n: int, seed: int, chunk_size: int,
              max_particles: int) -> dict:
    """The provenance record of a generation run (see :func:`generate_jets`)."""
    return {"classes": [spec.name for spec in classes], "n_per_class": n, "seed": seed,
            "chunk_size": chunk_size, "max_particles": max_particles,
            "generator": _versions(), "code_version": code_version()}


def _attrs(provenance: dict, n_rows: int) -> dict[str, object]:
    return {"format": FORMAT, "format_version": FORMAT_VERSION,
            "provenance": json.dumps(provenance, sort_keys=True),
            "label_names": json.dumps(list(LABELS))}


#: How jet files are stored (for :func:`hepscaling.data.chunks.generate_in_chunks`); the part
#: files are compressed (zero-padded constituents: a third of the bytes).
LAYOUT = Layout("jet", FIELDS, _attrs, LZF, volatile=_VOLATILE, compress_parts=True)


def generate_jets(path, classes: Sequence[JetClassSpec], n: int, seed: int = 0, *,
                  chunk_size: int = 1000, workers: int = 1, max_particles: int = 128,
                  executor: Executor | None = None, progress: bool | None = None) -> Path:
    """Generate ``n`` jets of each class in ``classes`` into the HDF5 file ``path``.

    Resumable: re-running with the same settings skips finished chunks (or returns at once,
    leaving the file untouched, when ``path`` is complete) and gives the same file as an
    uninterrupted run.

    Parameters
    ----------
    path : output ``.h5`` file (finished chunks wait in ``<path>.parts/``).
    classes : jet classes (:func:`~hepscaling.physics.jets.processes.parse_classes`).
    n : jets per class.
    seed : run seed; chunk seeds derive from ``(seed, class, chunk)``.
    chunk_size : jets per chunk (one Pythia instance, ~1 s start-up, per chunk).
    workers : processes of the default local pool (1: run in this process).
    max_particles : padding length of the per-particle arrays.
    executor : any :class:`concurrent.futures.Executor` to run chunks on instead of the
        default (e.g. Dask's ``Client.get_executor()``); each chunk is saved when it finishes.
    progress : show a progress bar (None: only on a terminal).

    Returns
    -------
    The path of the finished file.
    """
    tasks = plan_chunks(classes, n, seed, chunk_size, max_particles)
    provenance = _settings(classes, n, seed, chunk_size, max_particles)
    return generate_in_chunks(path, tasks, _run, LAYOUT, provenance, executor=executor,
                              workers=workers, progress=progress, description="jets")


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("pythia8mc", "fastjet")}


def read_jets(path, fields: Iterable[str] | None = None,
              rows: slice | None = None) -> dict[str, np.ndarray]:
    """Read a jet file written by :func:`generate_jets`.

    Parameters
    ----------
    path : the ``.h5`` file.
    fields : names to read (default: all of :data:`FIELDS`).
    rows : slice of jets to read (default: all).

    Returns
    -------
    dict of str to numpy.ndarray, in the format described in the module docstring.
    """
    names = list(FIELDS if fields is None else fields)
    unknown = [name for name in names if name not in FIELDS]
    if unknown:
        raise UsageError(f"unknown jet field(s) {', '.join(unknown)}; choose from {FIELDS}")
    made = read_provenance(path)
    with h5py.File(path, "r") as f:
        n = made["n_per_class"] * len(made["classes"])
        index = slice(0, n) if rows is None else slice(*rows.indices(n))
        return {name: f[name][index] for name in names}


def label_name(text: str) -> str:
    """The label column of jet class ``text`` (``"QCD"`` or ``"label_QCD"`` -> ``"label_QCD"``);
    a one-line UsageError for an unknown class (task configs' ``classes``)."""
    name = text if text.startswith("label_") else f"label_{text}"
    if name not in LABELS:
        short = ", ".join(label.removeprefix("label_") for label in LABELS)
        raise UsageError(f"unknown jet class {text!r} in task.classes; choose from {short}")
    return name


def read_provenance(path) -> dict:
    """The provenance of the jet file ``path`` (see the module docstring).

    Raises
    ------
    UsageError
        ``path`` is missing, not a jet file, or incomplete.
    """
    made = read_file_provenance(path, FORMAT, "jet", "hepscaling jets generate")
    with h5py.File(path, "r") as f:
        n, expected = f["label"].shape[0], made["n_per_class"] * len(made["classes"])
    if n != expected:
        raise UsageError(f"{path}: incomplete jet file ({n} of {expected} jets, left by an "
                         "interrupted older version); delete it and re-run the generating "
                         "command")
    return made


class JetDataset(DatasetSpec):
    """Settings of a boosted-jet dataset (Pythia 8 + FastJet, JetClass format): a ``datasets:``
    entry of a sweep spec with ``kind: jets``, generated by :func:`generate_jets` (the file does
    not depend on ``workers``)."""

    WHAT: ClassVar[str] = "jet"
    VOLATILE: ClassVar[tuple[str, ...]] = _VOLATILE

    classes: str = Field(description='comma-separated jet classes, e.g. "qcd,w,top"')
    n: int = Field(gt=0, description="jets per class")
    seed: int = Field(0, ge=0, description="run seed; chunk seeds derive from it")
    max_particles: int = Field(128, gt=0, description="padding length of constituent arrays")
    chunk_size: int = Field(1000, gt=0, description="jets per chunk (one Pythia instance)")
    workers: int = Field(1, gt=0, description="processes generating chunks")
    kind: Literal["jets"] = Field(description="dataset kind")

    @field_validator("classes")
    @classmethod
    def _classes_valid(cls, classes: str) -> str:
        try:
            parse_classes(classes)
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        return classes

    def generate(self, path: Path, progress: bool | None = None) -> Path:
        """Generate (or resume, or keep when complete) the dataset at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        return generate_jets(path, parse_classes(self.classes), self.n, self.seed,
                             chunk_size=self.chunk_size, workers=self.workers,
                             max_particles=self.max_particles, progress=progress)

    def provenance(self) -> dict:
        """The provenance of a file generated with these settings."""
        return _settings(parse_classes(self.classes), self.n, self.seed, self.chunk_size,
                         self.max_particles)

    @classmethod
    def read_provenance(cls, path: Path) -> dict:
        """The provenance of the jet file ``path`` (UsageError if it is not a complete one)."""
        return read_provenance(path)


register_dataset("jets", JetDataset)
