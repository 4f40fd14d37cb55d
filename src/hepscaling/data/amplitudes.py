"""Amplitude datasets on disk: generate (resumable, chunked), write and read ``(momenta, |M|^2)``.

Our format is an HDF5 file with

- ``/momenta``: float64 ``(n, k, 4)`` GeV, particles in process order (see
  :mod:`hepscaling.physics`), chunked and gzip-compressed;
- ``/me2``: float64 ``(n,)``, ``|M|^2`` in the MadGraph standalone convention;
- root attribute ``provenance``: a JSON string (process, resolved SM parameters, sqrt_s,
  seed, cuts, chunk size, code version, creation time, format version, ...; for a
  loop-induced process with a stability check, ``stability_at_risk_below``: the risk
  threshold, ``at_risk_points``: how many points it re-evaluated on a rotated copy, and
  ``unstable_points``: how many of those disagreed beyond the tolerance and were repaired, see
  :mod:`hepscaling.physics.loop_induced`), and
  root attribute ``n_complete``, the number of finished rows.

:func:`generate_amplitudes` generates chunk by chunk (chunk ``i`` is seeded by
``SeedSequence(seed, spawn_key=(i,))``, so its events do not depend on ``n`` or on
interruptions) through :func:`hepscaling.data.chunks.generate_in_chunks`: a killed run (even
``kill -9``) resumes from its finished chunks and gives the same file as an uninterrupted one.
:class:`AmplitudeDataset` holds the settings of an amplitude dataset of a sweep spec.
:func:`read_amplitudes` also reads the public row layout ``[E, px, py, pz per particle ...,
|M|^2]`` from ``.npy`` or a single 2-D HDF5 dataset.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Literal

import h5py
import numpy as np
from pydantic import Field, ValidationError, field_validator

from hepscaling.data.chunks import (
    GZIP,
    VOLATILE,
    Layout,
    generate_in_chunks,
    read_provenance,
    write_hdf5,
)
from hepscaling.data.registry import (
    DatasetSpec,
    first_error,
    register_dataset,
    validation_message,
)
from hepscaling.errors import UsageError, WorkFailed, require_file
from hepscaling.physics.loop_induced import (
    AT_RISK_BELOW,
    CHECKED_PROCESSES,
    LoopInducedMatrixElement,
)
from hepscaling.physics.phase_space import Cuts, sample
from hepscaling.physics.process import resolve_process
from hepscaling.provenance import code_version, environment

__all__ = [
    "CHUNK_SIZE",
    "FORMAT",
    "FORMAT_VERSION",
    "LAYOUT",
    "AmplitudeChunk",
    "AmplitudeData",
    "AmplitudeDataset",
    "dataset_process",
    "generate_amplitudes",
    "read_amplitudes",
    "read_points",
    "write_amplitudes",
]

FORMAT = "hepscaling.amplitudes"
FORMAT_VERSION = 1
#: Events per chunk by default (generated, evaluated and saved at a time).
CHUNK_SIZE = 100_000


@dataclass(frozen=True)
class AmplitudeData:
    """A validated amplitude dataset.

    Attributes
    ----------
    momenta : float64 ``(n, k, 4)`` GeV, particles in process order.
    me2 : float64 ``(n,)``, ``|M|^2`` (positive, finite).
    provenance : dict, how the data were made (for the public row layout: its source).
    """

    momenta: np.ndarray
    me2: np.ndarray
    provenance: dict

    @property
    def n(self) -> int:
        """Number of events."""
        return self.me2.shape[0]

    @property
    def n_particles(self) -> int:
        """Particles per event, ``k``."""
        return self.momenta.shape[1]


def _validate(momenta: np.ndarray, me2: np.ndarray, source: str) -> None:
    """Raise :class:`UsageError` unless shapes match and every row is finite with ``|M|^2 > 0``."""
    if momenta.ndim != 3 or momenta.shape[2] != 4:
        raise UsageError(f"{source}: momenta have shape {momenta.shape}, expected (n, k, 4)")
    if me2.shape != (momenta.shape[0],):
        raise UsageError(f"{source}: |M|^2 has shape {me2.shape}, expected ({momenta.shape[0]},) "
                         "to match the momenta")
    finite = np.all(np.isfinite(momenta), axis=(1, 2)) & np.isfinite(me2)
    if not np.all(finite):
        raise UsageError(f"{source}: {int(np.sum(~finite))} of {me2.size} rows contain NaN or "
                         "Inf; drop those rows or regenerate the file")
    if np.any(me2 <= 0):
        raise UsageError(f"{source}: {int(np.sum(me2 <= 0))} of {me2.size} rows have |M|^2 <= 0; "
                         "|M|^2 must be positive (check the last column holds |M|^2)")


def write_amplitudes(path, momenta, me2, provenance: dict) -> Path:
    """Write a complete dataset in our HDF5 format (atomically: temp file, then rename).

    Parameters
    ----------
    path : output ``.h5`` file.
    momenta : float64 ``(n, k, 4)`` GeV, process order.
    me2 : float64 ``(n,)`` ``|M|^2``.
    provenance : JSON-serialisable dict; ``format`` and ``format_version`` are added.
    """
    path = Path(path)
    momenta = np.ascontiguousarray(momenta, dtype=np.float64)
    me2 = np.ascontiguousarray(me2, dtype=np.float64)
    _validate(momenta, me2, str(path))
    record = {**provenance, "format": FORMAT, "format_version": FORMAT_VERSION}
    record.setdefault("n", me2.shape[0])
    n = me2.shape[0]
    return write_hdf5(path, [{"momenta": momenta, "me2": me2}], n, _attrs(record, n), GZIP)


def _attrs(record: dict, n: int) -> dict[str, object]:
    """Root attributes of a complete file of ``n`` rows with provenance ``record``."""
    return {"provenance": json.dumps(record, sort_keys=True), "n_complete": n}


def _params_record(proc, params) -> dict | None:
    """The SM parameters used (``params``, else the process's own) as a dict, or None."""
    params = params if params is not None else getattr(proc, "params", None)
    if params is None:
        return None
    if dataclasses.is_dataclass(params):
        return dataclasses.asdict(params)
    return params.model_dump() if hasattr(params, "model_dump") else dict(params)


def _callable_name(function: Callable) -> str:
    """``module.qualname`` of a function or of a callable object's class."""
    owner = function if hasattr(function, "__qualname__") else type(function)
    return f"{owner.__module__}.{owner.__qualname__}"


def _record(proc, process, n: int, sqrt_s: float, seed: int, cuts: Cuts, params,
            chunk_size: int, boost_rapidity: float, me2: Callable | None) -> dict:
    """The provenance record of a generation run (see :func:`generate_amplitudes`)."""
    checked = bool((me2 is None and getattr(proc, "text", None) in CHECKED_PROCESSES)
                   or (isinstance(me2, LoopInducedMatrixElement) and me2.checked))
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "process": getattr(proc, "text", str(process)), "n": int(n), "sqrt_s": float(sqrt_s),
        "seed": int(seed), "cuts": cuts.model_dump(), "boost_rapidity": float(boost_rapidity),
        "chunk_size": int(chunk_size), "params": _params_record(proc, params),
        "matrix_element": "hepscaling" if me2 is None else _callable_name(me2),
        "stability_checked": checked,
        **({"stability_at_risk_below": me2.at_risk_below
            if isinstance(me2, LoopInducedMatrixElement) else AT_RISK_BELOW} if checked else {}),
        "code_version": code_version(), "resumed_with": [], "environment": environment(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


@dataclass(frozen=True)
class AmplitudeChunk:
    """Chunk ``index`` of a run: ``n`` events, seeded by
    ``SeedSequence(seed, spawn_key=(index,))``."""

    index: int
    n: int


@dataclass(frozen=True)
class _RunChunk:
    """Makes the ``(momenta, me2)`` of one :class:`AmplitudeChunk` (picklable; the matrix
    element is built on first use, in the process that runs the chunk)."""

    proc: Any
    params: Any
    sqrt_s: float
    seed: int
    cuts: Cuts
    boost_rapidity: float
    me2_given: Callable[[np.ndarray], np.ndarray] | None

    @cached_property
    def me2(self) -> Callable[[np.ndarray], np.ndarray]:
        if self.me2_given is not None:
            return self.me2_given
        from hepscaling.physics.matrix_element import matrix_element

        return matrix_element(self.proc, self.params)

    def __call__(self, chunk: AmplitudeChunk) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(chunk.index,)))
        masses = np.asarray(self.proc.masses, dtype=np.float64)
        momenta = sample(masses, self.proc.n_initial, chunk.n, self.sqrt_s, rng, self.cuts,
                         boost_rapidity=self.boost_rapidity).momenta
        at_risk = unstable = 0
        if isinstance(self.me2, LoopInducedMatrixElement) and self.me2.checked:
            result = self.me2.evaluate(momenta)
            values = result.me2
            at_risk, unstable = int(result.at_risk.sum()), int(result.unstable.sum())
        else:
            values = np.asarray(self.me2(momenta), dtype=np.float64)
        bad = ~np.isfinite(values) | (values <= 0)
        if np.any(bad):
            raise WorkFailed(f"|M|^2 is not finite and positive at {int(bad.sum())} of "
                             f"{chunk.n} points of chunk {chunk.index}; add generation cuts "
                             "away from singularities")
        return {"momenta": momenta, "me2": values, "at_risk_points": np.array(at_risk),
                "unstable_points": np.array(unstable)}


_STABILITY_TALLIES = ("at_risk_points", "unstable_points")


def _attrs_with_stability(record: dict, n: int) -> dict[str, object]:
    """:func:`_attrs`, keeping the stability counts only for a checked loop-induced process."""
    if not record.get("stability_checked"):
        record = {key: value for key, value in record.items() if key not in _STABILITY_TALLIES}
    return _attrs(record, n)


#: How amplitude files are stored (for :func:`hepscaling.data.chunks.generate_in_chunks`);
#: each chunk's counts of at-risk and unstable loop-induced points are summed into the
#: provenance.
LAYOUT = Layout("amplitude", ("momenta", "me2"), _attrs_with_stability, GZIP,
                volatile=(*VOLATILE, *_STABILITY_TALLIES), tallies=_STABILITY_TALLIES)


def generate_amplitudes(path, process, n: int, sqrt_s: float, seed: int,
                        cuts: Cuts | None = None, params=None, *, chunk_size: int = CHUNK_SIZE,
                        boost_rapidity: float = 0.0, progress: bool | None = None,
                        me2: Callable[[np.ndarray], np.ndarray] | None = None,
                        workers: int = 1, executor: Executor | None = None) -> Path:
    """Generate ``n`` phase-space points of ``process`` with their ``|M|^2`` into ``path``.

    Resumable: re-running with the same arguments continues an interrupted run (or returns at
    once if ``path`` is complete); the final file does not depend on interruptions, workers or
    executor. Memory is bounded by ``chunk_size`` events per worker.

    Parameters
    ----------
    path : output ``.h5`` file (finished chunks wait in ``<path>.parts/``).
    process : MadGraph-style process string or parsed ``Process``.
    n : number of events.
    sqrt_s : partonic centre-of-mass energy, GeV.
    seed : int >= 0; chunk ``i`` uses ``SeedSequence(seed, spawn_key=(i,))``.
    cuts : generation cuts on massless final-state particles.
    params : ``SMParameters`` (None: MadGraph ``sm`` defaults).
    chunk_size : events generated, evaluated and written at a time.
    boost_rapidity : random longitudinal boost range (see
        :func:`hepscaling.physics.phase_space.sample`).
    progress : show a progress bar (None: only on a terminal).
    me2 : ``|M|^2`` callable ``(m, k, 4) -> (m,)`` instead of our matrix element (picklable
        to run on workers).
    workers : chunks at a time on a local process pool (1: in this process).
    executor : a :class:`concurrent.futures.Executor` to run chunks on instead (e.g. Dask's
        ``Client.get_executor()``).

    Returns
    -------
    The path of the finished file.
    """
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise UsageError(f"seed must be an integer >= 0, got {seed!r}")
    if n < 1 or chunk_size < 1:
        raise UsageError(f"n and chunk_size must be >= 1, got n={n}, chunk_size={chunk_size}")
    proc = resolve_process(process, params)
    cuts = cuts or Cuts()
    record = _record(proc, process, n, sqrt_s, seed, cuts, params, chunk_size, boost_rapidity,
                     me2)
    chunks = [AmplitudeChunk(i, min(chunk_size, n - i * chunk_size))
              for i in range(math.ceil(n / chunk_size))]
    run = _RunChunk(proc, params, float(sqrt_s), int(seed), cuts, float(boost_rapidity), me2)
    return generate_in_chunks(path, chunks, run, LAYOUT, record, executor=executor,
                              workers=workers, progress=progress, description=record["process"])


def _from_rows(rows: np.ndarray, source: str, process) -> AmplitudeData:
    """Split public-layout rows ``(n, 4k + 1)`` into momenta and ``|M|^2``."""
    if rows.ndim != 2:
        raise UsageError(f"{source}: expected a 2-D array of rows [E, px, py, pz per particle..., "
                         f"|M|^2], got shape {rows.shape}")
    cols = rows.shape[1]
    if process is not None:
        k = len(resolve_process(process).masses)
        if cols != 4 * k + 1:
            raise UsageError(f"{source}: {cols} columns, expected 4 x {k} + 1 = {4 * k + 1} for "
                             f"{process!r} (E, px, py, pz per particle, then |M|^2)")
    elif cols < 9 or (cols - 1) % 4:
        raise UsageError(f"{source}: {cols} columns is not 4 x (particles) + 1 (E, px, py, pz per "
                         "particle, then |M|^2); check the file or pass the process")
    rows = np.asarray(rows, dtype=np.float64)
    momenta = np.ascontiguousarray(rows[:, :-1].reshape(rows.shape[0], -1, 4))
    data = AmplitudeData(momenta, np.ascontiguousarray(rows[:, -1]), {
        "source": source, "layout": "rows [E, px, py, pz per particle ..., |M|^2]",
        "process": process if isinstance(process, str) else getattr(process, "text", None)})
    _validate(data.momenta, data.me2, source)
    return data


def read_amplitudes(path, process=None, *, dataset: str | None = None) -> AmplitudeData:
    """Read and validate an amplitude dataset.

    Parameters
    ----------
    path : our HDF5 format (``/momenta``, ``/me2``, ``provenance``), or the public row layout
        ``[E, px, py, pz per particle ..., |M|^2]`` as ``.npy`` or a 2-D HDF5 dataset.
    process : process string or ``Process``; checked against the file (our format) or used to
        know the number of particles (row layout; otherwise inferred as ``(columns - 1) / 4``).
    dataset : name of the 2-D dataset of rows in an HDF5 file holding several (e.g. one per
        process); not needed when the file holds just one.

    Raises
    ------
    UsageError
        unreadable or incomplete file, wrong shapes or column count, NaN/Inf rows,
        non-positive ``|M|^2``, or a process that does not match.
    """
    path = require_file(path, "amplitude file")
    source = str(path)
    if path.suffix == ".npy":
        try:
            rows = np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise UsageError(f"{source}: not a plain numeric .npy array ({exc})") from exc
        return _from_rows(rows, source, process)
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise UsageError(f"{source}: not a readable HDF5 or .npy file ({exc})") from exc
    with f:
        if dataset is not None or "momenta" not in f or "me2" not in f:
            arrays = [name for name, obj in f.items() if isinstance(obj, h5py.Dataset)]
            if dataset is None and len(arrays) == 1:
                dataset = arrays[0]
            if dataset not in arrays:
                raise UsageError(f"{source}: expected /momenta and /me2, or a 2-D dataset of rows "
                                 f"(choose one with dataset=...); found datasets {arrays}")
            return _from_rows(f[dataset][()], f"{source}:{dataset}", process)
        provenance = json.loads(f.attrs.get("provenance", "{}"))
        n_complete = int(f.attrs.get("n_complete", -1))
        momenta, me2 = f["momenta"][()], f["me2"][()]
    expected = provenance.get("n")
    if expected is None or n_complete != expected or me2.shape[0] != expected:
        raise UsageError(f"{source}: incomplete dataset ({n_complete} of {expected} rows); "
                         "re-run the generating command to finish it")
    _validate(momenta, me2, source)
    if process is not None:
        proc = resolve_process(process)
        made_for = provenance.get("process")
        if momenta.shape[1] != len(proc.masses) or (
                made_for is not None and resolve_process(made_for).text != proc.text):
            raise UsageError(f"{source}: holds {made_for!r} events with {momenta.shape[1]} "
                             f"particles, not {proc.text!r}; pass the process the file was "
                             "made for")
    return AmplitudeData(momenta, me2, provenance)


def read_points(path, process) -> tuple[np.ndarray, np.ndarray | None]:
    """Phase-space points to evaluate, and the file's ``|M|^2`` if it has them.

    Parameters
    ----------
    path : ``.npy`` holding momenta ``(n, k, 4)``, flattened momenta ``(n, 4k)`` or public rows
        ``(n, 4k + 1)``; or an HDF5 file readable by :func:`read_amplitudes`.
    process : process string or ``Process`` (fixes ``k``).

    Returns
    -------
    momenta : float64 ``(n, k, 4)`` GeV; me2 : float64 ``(n,)`` or None.
    """
    path = require_file(path, "momenta file")
    if path.suffix != ".npy":
        data = read_amplitudes(path, process)
        return data.momenta, data.me2
    k = len(resolve_process(process).masses)
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise UsageError(f"{path}: not a plain numeric .npy array ({exc})") from exc
    if array.ndim == 2 and array.shape[1] == 4 * k + 1:
        data = read_amplitudes(path, process)
        return data.momenta, data.me2
    if array.ndim == 2 and array.shape[1] == 4 * k:
        array = array.reshape(array.shape[0], k, 4)
    if array.ndim != 3 or array.shape[1:] != (k, 4):
        raise UsageError(f"{path}: shape {array.shape} does not hold {k}-particle momenta; "
                         f"expected (n, {k}, 4), (n, {4 * k}) or rows (n, {4 * k + 1})")
    return np.ascontiguousarray(array, dtype=np.float64), None


def dataset_process(path) -> str | None:
    """The process string in the ``provenance`` of the HDF5 dataset ``path``.

    ``None`` if the file is missing, not HDF5, or its provenance names no process (the
    public row layout, jet files).
    """
    try:
        with h5py.File(path, "r") as f:
            process = json.loads(f.attrs["provenance"])["process"]
    except (OSError, KeyError, ValueError, TypeError):
        return None
    return str(process)


class AmplitudeDataset(DatasetSpec):
    """Settings of an amplitude dataset (momenta and |M|^2): a ``datasets:`` entry of a sweep
    spec (kind ``amplitudes``, the default), generated by :func:`generate_amplitudes`."""

    WHAT: ClassVar[str] = "amplitude"

    process: str = Field(description='MadGraph process string, e.g. "e+ e- > mu+ mu-"')
    n: int = Field(gt=0, description="number of events")
    sqrt_s: float = Field(gt=0, description="collider energy, GeV")
    seed: int = Field(0, description="generator seed")
    cuts: dict[str, Any] | None = Field(
        None, description="generation cuts, see hepscaling.physics.phase_space.Cuts")
    kind: Literal["amplitudes"] = Field("amplitudes", description="dataset kind (the default)")

    @field_validator("cuts")
    @classmethod
    def _cuts_valid(cls, cuts: dict[str, Any] | None) -> dict[str, Any] | None:
        if cuts is None:
            return None
        try:
            return Cuts.model_validate(cuts).model_dump()
        except ValidationError as exc:
            raise ValueError(validation_message(first_error(exc), Cuts)) from None

    def _cuts(self) -> Cuts | None:
        return Cuts.model_validate(self.cuts) if self.cuts else None

    def generate(self, path: Path, progress: bool | None = None) -> Path:
        """Generate (or resume, or keep when complete) the dataset at ``path``."""
        return generate_amplitudes(path, self.process, self.n, self.sqrt_s, self.seed,
                                   cuts=self._cuts(), progress=progress)

    def provenance(self) -> dict:
        """The provenance of a file generated with these settings."""
        return _record(resolve_process(self.process), self.process, self.n, self.sqrt_s,
                       self.seed, self._cuts() or Cuts(), None, CHUNK_SIZE, 0.0, None)

    @classmethod
    def read_provenance(cls, path: Path) -> dict:
        """The provenance of the amplitude file ``path`` (UsageError if it is not one)."""
        found = read_provenance(path, cls.WHAT)
        if found.get("format") != FORMAT:
            raise UsageError(f"{path} is not a hepscaling amplitude file (format "
                             f"{found.get('format')!r}); point path: at one")
        return found


register_dataset("amplitudes", AmplitudeDataset)
