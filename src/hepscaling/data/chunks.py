"""Kill-safe chunked generation of HDF5 datasets: part files per chunk, one atomic assembly.

:func:`generate_in_chunks` is the one generation driver of every dataset kind (amplitudes,
jets, ...): it runs the chunk tasks in this process, on a local process pool or on any
:class:`concurrent.futures.Executor` (e.g. Dask's ``Client.get_executor()``), saves each chunk
as soon as it finishes, in whatever order they finish, and assembles the file in chunk order,
so the file depends neither on the executor, the number of workers nor on interruptions.

While ``path`` is being generated, the arrays of finished chunk ``i`` wait in
``<path>.parts/<i:06d>.npz`` (written to a temporary file, then renamed), next to
``provenance.json``, the settings of the run. Once every chunk is there,
:meth:`Parts.assemble` copies them in chunk order into ``<path>.tmp``, renames that to ``path``
and removes the parts directory. So ``path`` exists only when complete, a run killed at any
moment (even ``kill -9``) resumes from its finished chunks to the same file as an uninterrupted
run, and a finished ``path`` is only ever opened for reading again.

A resume must use the same settings: every provenance key except the volatile ones
(:data:`VOLATILE`: creation time, environment, code version) has to match, otherwise
:func:`open_parts` raises a one-line :class:`~hepscaling.errors.UsageError`. A resume under
another code version is allowed and listed in the provenance's ``resumed_with``. Parts without
a finished chunk protect nothing: a generation that fails before its first chunk (e.g. its
settings fail a check in the chunk task) removes them, and parts left empty by a kill are
restarted with the new settings instead of being refused.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Protocol, TypeVar

import h5py
import numpy as np

from hepscaling.errors import UsageError, WorkFailed, require_file
from hepscaling.progress import progress as progress_bar
from hepscaling.records import atomic_write_text

__all__ = ["GZIP", "LZF", "VOLATILE", "Chunk", "Layout", "Parts", "differing",
           "generate_in_chunks", "open_parts", "read_provenance", "write_hdf5"]

#: Provenance keys that may differ between a run and its resume.
VOLATILE: tuple[str, ...] = ("created", "environment", "code_version", "resumed_with")
#: HDF5 compression settings (keyword arguments of ``h5py.Group.create_dataset``).
GZIP: dict = {"compression": "gzip", "compression_opts": 1, "shuffle": True}
LZF: dict = {"compression": "lzf", "shuffle": True}
_H5_CHUNK_BYTES = 2**20  # target size of one uncompressed HDF5 chunk


@dataclass(frozen=True)
class Parts:
    """The part files of one unfinished dataset ``path`` (see the module docstring).

    Attributes
    ----------
    path : the final HDF5 file (does not exist yet).
    n_chunks : number of chunks, numbered ``0 .. n_chunks - 1`` in file order.
    provenance : the settings in force (those of the run that started the parts).
    compress : zip-compress the part files (worth it for sparse, zero-padded arrays).
    """

    path: Path
    n_chunks: int
    provenance: dict
    compress: bool = False

    @property
    def directory(self) -> Path:
        """``<path>.parts``."""
        return _parts_directory(self.path)

    def part(self, i: int) -> Path:
        """The part file of chunk ``i``."""
        return self.directory / f"{i:06d}.npz"

    def missing(self) -> list[int]:
        """Indices of the chunks not saved yet, ascending."""
        return [i for i in range(self.n_chunks) if not self.part(i).exists()]

    def save(self, i: int, arrays: Mapping[str, np.ndarray]) -> None:
        """Save chunk ``i`` atomically (temporary file, fsync, rename).

        Parameters
        ----------
        i : chunk index in ``[0, n_chunks)``.
        arrays : name -> array ``(m, ...)``, the same names, dtypes and trailing shapes for
            every chunk; ``m`` (the chunk's rows) may differ between chunks.
        """
        final = self.part(i)
        tmp = final.with_suffix(".tmp")
        with open(tmp, "wb") as handle:
            (np.savez_compressed if self.compress else np.savez)(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final)

    def load(self, i: int) -> dict[str, np.ndarray]:
        """The arrays of chunk ``i``, in the order they were saved."""
        with np.load(self.part(i)) as saved:
            return {name: saved[name] for name in saved.files}

    def totals(self, names: Sequence[str]) -> dict[str, int | float | list]:
        """Name -> the sum over all chunks, in chunk order, of each per-chunk counter
        ``names`` (numeric arrays of one shape in every part file), as a number or a (nested)
        list."""
        sums = {name: sum(self.load(i)[name] for i in range(self.n_chunks)) for name in names}
        return {name: np.asarray(value).tolist() for name, value in sums.items()}

    def assemble(self, n_rows: int, attrs: Mapping[str, object],
                 compression: Mapping[str, object], fields: Sequence[str] | None = None
                 ) -> Path:
        """Write all chunks in order into ``path`` (via :func:`write_hdf5`), drop the parts.

        Parameters
        ----------
        n_rows : total rows over all chunks.
        attrs : root attributes of the file (str, int or float values).
        compression : dataset compression settings (:data:`GZIP`, :data:`LZF`).
        fields : the arrays of each part file to write (default: all of them).

        Returns
        -------
        The path of the finished file.
        """
        missing = self.missing()
        if missing:
            raise WorkFailed(f"{self.directory}: chunks {missing[:5]} are missing; re-run the "
                             "generating command to make them")
        chunks = ({name: arrays[name] for name in fields or arrays}
                  for arrays in map(self.load, range(self.n_chunks)))
        write_hdf5(self.path, chunks, n_rows, attrs, compression)
        shutil.rmtree(self.directory)
        return self.path


def _parts_directory(path: Path) -> Path:
    return path.with_name(path.name + ".parts")


def read_provenance(path: Path, what: str) -> dict:
    """The JSON ``provenance`` root attribute of an existing HDF5 ``path`` of kind ``what``.

    Raises
    ------
    UsageError
        ``path`` is not HDF5 or has no readable provenance.
    """
    try:
        with h5py.File(path, "r") as f:
            return json.loads(f.attrs["provenance"])
    except (OSError, KeyError, ValueError) as exc:
        raise UsageError(f"{path} exists but is not a hepscaling {what} file ({exc}); choose "
                         "another output file (--out) or delete it") from None


def read_file_provenance(path, file_format: str, what: str, command: str) -> dict:
    """The JSON ``provenance`` of the finished dataset file ``path`` whose root attribute
    ``format`` must be ``file_format``; ``what`` names the kind in messages and ``command``
    is the command that makes such files.

    Raises
    ------
    UsageError
        ``path`` is missing, not HDF5, of another format, or has no readable provenance.
    """
    path = require_file(path, f"{what} file")
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != file_format:
                raise UsageError(f"{path} is not a hepscaling {what} file (make one with "
                                 f"`{command}`)")
            return json.loads(f.attrs["provenance"])
    except (OSError, KeyError, ValueError) as exc:
        raise UsageError(f"{path} is not a readable {what} file ({exc}); regenerate it with "
                         f"`{command}`") from None


def differing(old: Mapping, new: Mapping, volatile: Sequence[str] = VOLATILE) -> list[str]:
    """The keys, sorted, whose values differ between two provenance records (a key missing
    from one counts as None), leaving out ``volatile`` ones."""
    keys = (set(old) | set(new)) - set(volatile)
    return sorted(key for key in keys if old.get(key) != new.get(key))


def _check_same(old: dict, new: dict, volatile: Sequence[str], what: str, fix: str) -> None:
    """Raise a one-line :class:`UsageError` naming the settings in which ``new`` differs."""
    diff = differing(old, new, volatile)
    if diff:
        shown = ", ".join(f"{key}: {old.get(key)!r} -> {new.get(key)!r}" for key in diff[:3])
        raise UsageError(f"{what} with different settings ({shown}); re-run with the original "
                         f"settings to {fix} to start afresh")


def open_parts(path, record: dict, n_chunks: int, *, what: str,
               volatile: Sequence[str] = VOLATILE, compress: bool = False) -> Parts | None:
    """Start or resume generating ``path`` in ``n_chunks`` chunks with the settings ``record``.

    Parameters
    ----------
    path : the final HDF5 file.
    record : JSON-serialisable provenance of this run (settings, code version, ...).
    n_chunks : number of chunks of the run.
    what : kind of dataset for error messages (``"amplitude"``, ``"jet"``).
    volatile : provenance keys allowed to differ on a resume (default :data:`VOLATILE`).
    compress : zip-compress the part files (see :class:`Parts`).

    Returns
    -------
    None if ``path`` is already finished (its settings checked, the file left untouched);
    otherwise the :class:`Parts` to fill, whose ``provenance`` is the record of the run that
    started them (with ``resumed_with`` extended by this code version if it is new).

    Raises
    ------
    UsageError
        ``path`` or its parts were made with other settings, or ``path`` is not ours.
    """
    path = Path(path)
    directory = _parts_directory(path)
    if path.exists():
        _check_same(read_provenance(path, what), record, volatile, f"{path} was made",
                    "reuse it, or choose another output file (or delete it)")
        shutil.rmtree(directory, ignore_errors=True)  # left if killed right after the rename
        return None
    directory.mkdir(parents=True, exist_ok=True)
    saved = directory / "provenance.json"
    if not saved.exists():
        atomic_write_text(saved, json.dumps(record, sort_keys=True))
        return Parts(path, n_chunks, record, compress)
    started = json.loads(saved.read_text())
    if not any(directory.glob("*.npz")):  # nothing finished: start afresh with these settings
        atomic_write_text(saved, json.dumps(record, sort_keys=True))
        return Parts(path, n_chunks, record, compress)
    _check_same(started, record, volatile, f"{path} was started",
                f"resume, or choose another output file (or delete {directory})")
    versions = [started.get("code_version"), *started.get("resumed_with", [])]
    if record.get("code_version") not in versions:
        started["resumed_with"] = [*started.get("resumed_with", []), record["code_version"]]
        atomic_write_text(saved, json.dumps(started, sort_keys=True))
    return Parts(path, n_chunks, started, compress)


def write_hdf5(path, chunks: Iterable[Mapping[str, np.ndarray]], n_rows: int,
               attrs: Mapping[str, object], compression: Mapping[str, object]) -> Path:
    """Write row chunks into the HDF5 file ``path`` atomically (``<path>.tmp``, then rename).

    Parameters
    ----------
    path : output file.
    chunks : name -> array ``(m, ...)`` per chunk, in row order; the first chunk fixes the
        dataset names, dtypes and trailing shapes; one dataset ``(n_rows, ...)`` per name.
    n_rows : total rows over all chunks.
    attrs : root attributes (str, int or float values).
    compression : dataset compression settings (:data:`GZIP`, :data:`LZF`).

    Raises
    ------
    WorkFailed
        the chunks do not hold ``n_rows`` rows.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with h5py.File(tmp, "w") as f:
        start = 0
        for arrays in chunks:
            if start == 0:
                _create_datasets(f, arrays, n_rows, compression)
            stop = start + next(iter(arrays.values())).shape[0]
            if stop > n_rows:
                raise WorkFailed(f"{path}: the chunks hold more than {n_rows} rows")
            for name, value in arrays.items():
                f[name][start:stop] = value
            start = stop
        if start != n_rows:
            raise WorkFailed(f"{path}: the chunks hold {start} rows, expected {n_rows}")
        for key, value in attrs.items():
            f.attrs[key] = value
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return path


def _create_datasets(f: h5py.File, first: Mapping[str, np.ndarray], n_rows: int,
                     compression: Mapping[str, object]) -> None:
    """One chunked, compressed dataset ``(n_rows, ...)`` per array of ``first``."""
    for name, value in first.items():
        row = value.shape[1:]
        rows = max(1, min(n_rows, _H5_CHUNK_BYTES // max(1, value.dtype.itemsize * int(
            np.prod(row)))))
        f.create_dataset(name, shape=(n_rows, *row), dtype=value.dtype, chunks=(rows, *row),
                         **compression)


class Chunk(Protocol):
    """What :func:`generate_in_chunks` needs of a chunk's task: the rows it makes (the task is
    picklable when run on a process pool or Dask)."""

    @property
    def n(self) -> int: ...


Task = TypeVar("Task", bound=Chunk)


@dataclass(frozen=True)
class Layout:
    """How one kind of dataset is stored, for :func:`generate_in_chunks`.

    Attributes
    ----------
    what : the kind in messages (``"amplitude"``, ``"jet"``).
    fields : names of the arrays kept from each chunk, in file order.
    attrs : ``attrs(provenance, n_rows)`` -> root attributes of the finished file.
    compression : dataset compression settings (:data:`GZIP`, :data:`LZF`).
    volatile : provenance keys allowed to differ on a resume (see :func:`open_parts`).
    compress_parts : zip-compress the part files (see :class:`Parts`).
    tallies : names of per-chunk counters (numeric arrays of one fixed shape, e.g. events
        tried and rejected) that ``run_chunk`` returns besides ``fields``; they are kept in the
        part files, summed over the chunks (:meth:`Parts.totals`) and handed to ``attrs`` as
        extra provenance keys, so list them in ``volatile`` too.
    """

    what: str
    fields: tuple[str, ...]
    attrs: Callable[[dict, int], Mapping[str, object]]
    compression: Mapping[str, object]
    volatile: tuple[str, ...] = VOLATILE
    compress_parts: bool = False
    tallies: tuple[str, ...] = ()


def generate_in_chunks(path, tasks: Sequence[Task],
                       run_chunk: Callable[[Task], Mapping[str, np.ndarray]], layout: Layout,
                       provenance: dict, *, executor: Executor | None = None, workers: int = 1,
                       progress: bool | None = None, description: str = "chunks") -> Path:
    """Generate (or resume, or keep when finished) the dataset ``path`` chunk by chunk.

    Chunk ``i`` holds ``run_chunk(tasks[i])``; each is saved as a part file as soon as it
    finishes, in any order, and the file is assembled in chunk order once all are there (see
    the module docstring), so a run killed at any moment keeps every finished chunk.

    Parameters
    ----------
    path : the HDF5 file to make.
    tasks : the chunks in file order; ``tasks[i].n`` is the row count of chunk ``i``.
    run_chunk : ``run_chunk(task)`` -> name -> array ``(task.n, ...)`` holding at least
        ``layout.fields`` (and the counters ``layout.tallies``); must be picklable (a
        module-level function or such an object) to run on a process pool or Dask.
    layout : how the dataset is stored.
    provenance : the settings of this run (checked against a started or finished ``path``).
    executor : run the chunks there (e.g. Dask's ``Client.get_executor()``).
    workers : without ``executor``: chunks at a time on a local process pool (1: in this
        process, in chunk order).
    progress : show a progress bar (None: only on a terminal).
    description : label of the progress bar.

    Returns
    -------
    The path of the finished file.

    Raises
    ------
    UsageError
        ``workers < 1``, or ``path`` (or its parts) made with other settings, or not ours.
    """
    if workers < 1:
        raise UsageError(f"workers must be positive, got {workers}; pass e.g. --workers 2")
    parts = open_parts(path, provenance, len(tasks), what=layout.what, volatile=layout.volatile,
                       compress=layout.compress_parts)
    if parts is None:
        return Path(path)
    missing = parts.missing()
    total = sum(task.n for task in tasks)
    done = total - sum(tasks[i].n for i in missing)
    with progress_bar(description, total, completed=done, enabled=progress) as bar:
        todo = [tasks[i] for i in missing]
        try:
            for k, arrays in _as_finished(todo, run_chunk, executor, workers):
                i = missing[k]
                parts.save(i, {name: arrays[name] for name in (*layout.fields, *layout.tallies)})
                bar.advance(tasks[i].n)
        except BaseException:
            if not any(parts.directory.glob("*.npz")):  # nothing finished, nothing to keep
                shutil.rmtree(parts.directory, ignore_errors=True)
            raise
    made = {**parts.provenance, **parts.totals(layout.tallies)}
    return parts.assemble(total, layout.attrs(made, total), layout.compression, layout.fields)


def _as_finished(tasks: Sequence[Task], run_chunk: Callable[[Task], Mapping[str, np.ndarray]],
                 executor: Executor | None, workers: int
                 ) -> Iterator[tuple[int, Mapping[str, np.ndarray]]]:
    """``(k, run_chunk(tasks[k]))`` as each chunk finishes; unstarted chunks are cancelled if
    the caller stops early (an error, Ctrl-C)."""
    if executor is None and (workers == 1 or len(tasks) <= 1):
        for k, task in enumerate(tasks):
            yield k, run_chunk(task)
        return
    with ExitStack() as stack:
        if executor is None:  # spawn: no forked copies of this process's threads or locks
            executor = stack.enter_context(ProcessPoolExecutor(
                workers, mp_context=get_context("spawn")))
        futures = {}
        try:
            for k, task in enumerate(tasks):
                futures[executor.submit(run_chunk, task)] = k
            for future in as_completed(futures):
                yield futures.pop(future), future.result()  # pop: free each chunk once saved
        finally:
            for future in futures:
                future.cancel()
