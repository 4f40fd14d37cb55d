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
:func:`~hepscaling.physics.jets.processes.chunk_seed`) through an executor and appends them
in a fixed order (chunk 0 of every class, then chunk 1, ...), so the rows never depend on
the executor or on interruptions. A chunk counts as written once its entry is in the
``/chunks`` table (class code, chunk index, rows); on resume, rows beyond the table are cut
and finished chunks skipped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import h5py
import numpy as np

from hepscaling.errors import UsageError, require_file
from hepscaling.physics.jets.features import JET_FEATURES, PARTICLE_FEATURES
from hepscaling.physics.jets.generate import AUX_FEATURES, generate_chunk
from hepscaling.physics.jets.processes import LABELS, JetClassSpec, chunk_seed
from hepscaling.progress import progress as progress_bar
from hepscaling.provenance import code_version

__all__ = ["AUX_FEATURES", "FIELDS", "FORMAT", "JET_FEATURES", "LABELS", "PARTICLE_FEATURES",
           "ChunkTask", "generate_jets", "plan_chunks", "read_jets", "validate_jets"]

FORMAT = "hepscaling.jets"
FORMAT_VERSION = 1
#: Every array of a jet file / in-memory jet sample, in file order.
FIELDS: tuple[str, ...] = (*PARTICLE_FEATURES, "part_mask", *JET_FEATURES, *AUX_FEATURES,
                           *LABELS, "label")
_SETTINGS = ("classes", "n_per_class", "seed", "chunk_size", "max_particles")


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


def _create(f: h5py.File, first: dict[str, np.ndarray], provenance: dict) -> None:
    for name in FIELDS:
        value = first[name]
        rows = max(1, 2**20 // max(1, value[0].nbytes))
        f.create_dataset(name, shape=(0, *value.shape[1:]), maxshape=(None, *value.shape[1:]),
                         dtype=value.dtype, chunks=(rows, *value.shape[1:]), compression="lzf",
                         shuffle=True)
    f.create_dataset("chunks", shape=(0, 3), maxshape=(None, 3), dtype="i8", chunks=(1024, 3))
    f.attrs["format"] = FORMAT
    f.attrs["format_version"] = FORMAT_VERSION
    f.attrs["provenance"] = json.dumps(provenance, sort_keys=True)
    f.attrs["label_names"] = json.dumps(list(LABELS))


def _append(f: h5py.File, arrays: dict[str, np.ndarray], task: ChunkTask) -> None:
    start = f["label"].shape[0]
    for name in FIELDS:
        f[name].resize(start + task.n, axis=0)
        f[name][start:] = arrays[name]
    table = f["chunks"]
    table.resize(table.shape[0] + 1, axis=0)
    table[-1] = (task.spec.code, task.index, task.n)
    f.flush()


def _resume(f: h5py.File, path: Path, provenance: dict) -> set[tuple[int, int]]:
    """Check the settings match, cut rows of an unfinished chunk, return the finished chunks."""
    if f.attrs.get("format") != FORMAT:
        raise UsageError(f"{path} exists and is not a hepscaling jet file; choose another --out")
    old = json.loads(f.attrs["provenance"])
    diff = [key for key in _SETTINGS if old.get(key) != provenance[key]]
    if diff:
        shown = ", ".join(f"{key}: {old.get(key)!r} -> {provenance[key]!r}" for key in diff)
        raise UsageError(f"{path} was started with different settings ({shown}); re-run with "
                         "the original settings to resume, or choose another --out")
    table = f["chunks"][...]
    rows = int(table[:, 2].sum())
    for name in FIELDS:
        f[name].resize(rows, axis=0)
    return {(int(code), int(index)) for code, index, _ in table}


def generate_jets(path, classes: Sequence[JetClassSpec], n: int, seed: int = 0, *,
                  chunk_size: int = 1000, workers: int = 1, max_particles: int = 128,
                  executor: Executor | None = None, progress: bool | None = None) -> Path:
    """Generate ``n`` jets of each class in ``classes`` into the HDF5 file ``path``.

    Resumable: re-running with the same settings skips finished chunks (or returns at once
    when ``path`` is complete) and gives the same file as an uninterrupted run.

    Parameters
    ----------
    path : output ``.h5`` file.
    classes : jet classes (:func:`~hepscaling.physics.jets.processes.parse_classes`).
    n : jets per class.
    seed : run seed; chunk seeds derive from ``(seed, class, chunk)``.
    chunk_size : jets per chunk (one Pythia instance, ~1 s start-up, per chunk).
    workers : processes of the default local pool (1: run in this process).
    max_particles : padding length of the per-particle arrays.
    executor : any :class:`concurrent.futures.Executor` to run chunks on instead of the
        default; results are written in chunk order.
    progress : show a progress bar (None: only on a terminal).
    """
    path = Path(path)
    if workers <= 0:
        raise UsageError(f"workers must be positive, got {workers}; pass e.g. --workers 2")
    tasks = plan_chunks(classes, n, seed, chunk_size, max_particles)
    provenance = {"classes": [spec.name for spec in classes], "n_per_class": n, "seed": seed,
                  "chunk_size": chunk_size, "max_particles": max_particles,
                  "generator": _versions(), "code_version": code_version()}
    with _open_for_append(path) as f:
        done = _resume(f, path, provenance) if "chunks" in f else set()
        todo = [t for t in tasks if (t.spec.code, t.index) not in done]
        completed = sum(t.n for t in tasks) - sum(t.n for t in todo)
        with progress_bar("jets", total=sum(t.n for t in tasks), completed=completed,
                          enabled=progress) as bar:
            for task, arrays in zip(todo, _map(todo, workers, executor), strict=True):
                if "chunks" not in f:
                    _create(f, arrays, provenance)
                _append(f, arrays, task)
                bar.advance(task.n)
    return path


def _open_for_append(path: Path) -> h5py.File:
    try:
        f = h5py.File(path, "a")
    except OSError as exc:
        raise UsageError(f"cannot open {path} as HDF5 ({exc}); choose another --out or delete "
                         "the file to start afresh") from None
    if "chunks" not in f and len(f.keys()):
        f.close()
        raise UsageError(f"{path} exists and is not a hepscaling jet file; choose another --out")
    return f


def _map(tasks: list[ChunkTask], workers: int, executor: Executor | None) -> Iterable:
    if executor is not None:
        return executor.map(_run, tasks)
    if workers == 1 or len(tasks) <= 1:
        return map(_run, tasks)
    return _pool_map(tasks, workers)


def _pool_map(tasks: list[ChunkTask], workers: int) -> Iterable:
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        yield from pool.map(_run, tasks)


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
    path = require_file(path, "jet file")
    names = list(FIELDS if fields is None else fields)
    unknown = [name for name in names if name not in FIELDS]
    if unknown:
        raise UsageError(f"unknown jet field(s) {', '.join(unknown)}; choose from {FIELDS}")
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != FORMAT or "chunks" not in f:
            raise UsageError(f"{path} is not a hepscaling jet file (generate one with "
                             "`hepscaling jets generate`)")
        n = int(f["chunks"][:, 2].sum())
        index = slice(0, n) if rows is None else slice(*rows.indices(n))
        return {name: f[name][index] for name in names}
