"""Z/gamma* -> mu mu + {1, 2, 3} jets datasets on disk: chunked generation into HDF5, reading.

A ``zmumu`` file (a contract; the README states it too) is an HDF5 file with

- ``/momenta``: float64 ``(n, 5, 4)`` GeV, ``(E, px, py, pz)`` of the mu+, the mu-, then the
  jets by decreasing pT, rows beyond ``2 + n_jets`` zero;
- ``/n_jets``: int64 ``(n,)``, 1, 2 or 3;
- root attributes ``format`` (``"hepscaling.zmumu"``), ``format_version`` and ``provenance``
  (JSON: the settings of :class:`~hepscaling.physics.events.DrellYanSpec`, the event
  definition, ``n``, ``seed``, ``chunk_size``, generator and code versions, and ``counts``:
  the Drell-Yan events generated, vetoed by the Delta R cut and, of the others, those with
  0, 1, 2, 3 and >= 4 jets, see :data:`~hepscaling.physics.events.COUNTS`).

:func:`generate_events` runs chunks of ``chunk_size`` kept events (Pythia seed from
:func:`~hepscaling.physics.events.chunk_seed`) through
:func:`hepscaling.data.chunks.generate_in_chunks`: kill-safe and resumable, the same file
whatever the executor or the number of workers. :func:`read_events` reads a file back and
checks the layout and the event definition (:func:`validate_events`). :class:`ZmumuDataset`
holds the settings of a ``kind: zmumu`` dataset of a sweep spec.
"""

from __future__ import annotations

import json
import math
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

import h5py
import numpy as np
from numpy.typing import ArrayLike
from pydantic import Field

from hepscaling.data.chunks import GZIP, VOLATILE, Layout, generate_in_chunks, read_file_provenance
from hepscaling.data.registry import DatasetSpec, register_dataset
from hepscaling.errors import UsageError
from hepscaling.physics import lorentz
from hepscaling.physics.events import (
    COUNTS,
    DELTA_R_MIN,
    JET_PT_MIN,
    JET_R,
    MAX_JETS,
    MUON_MASS,
    N_OBJECTS,
    DrellYanSpec,
    chunk_seed,
    generate_chunk,
)
from hepscaling.physics.events.process import M_HAT_MAX, M_HAT_MIN, SQRT_S
from hepscaling.physics.events.selection import pairwise_delta_r
from hepscaling.provenance import code_version

__all__ = ["FORMAT", "FORMAT_VERSION", "LAYOUT", "SHELL_RTOL", "EventChunk", "ZmumuDataset",
           "generate_events", "plan_chunks", "read_events", "read_provenance", "validate_events"]

FORMAT = "hepscaling.zmumu"
FORMAT_VERSION = 1
_VOLATILE = (*VOLATILE, "generator", "counts")  # counts: a result, not a setting
_MASS_TOLERANCE = 1e-4  # GeV, on the muon mass (Pythia's muons are on shell to ~1e-6 GeV)
SHELL_RTOL = 1e-9  # jets: p^2 >= -SHELL_RTOL E^2 (rounding)
DEFAULT_SPEC = DrellYanSpec()  # MPI off, no QED radiation off the muons


@dataclass(frozen=True)
class EventChunk:
    """One unit of work: ``n`` kept events with Pythia seed ``pythia_seed``."""

    spec: DrellYanSpec
    index: int
    n: int
    pythia_seed: int


def _run(task: EventChunk) -> dict[str, np.ndarray]:
    return generate_chunk(task.spec, task.n, task.pythia_seed)


def plan_chunks(spec: DrellYanSpec, n: int, seed: int, chunk_size: int) -> list[EventChunk]:
    """The ``ceil(n / chunk_size)`` chunks of a run in file order (the last one smaller)."""
    if n <= 0:
        raise UsageError(f"number of events must be positive, got {n}; pass e.g. -n 1000")
    if chunk_size <= 0:
        raise UsageError(f"chunk size must be positive, got {chunk_size}; pass e.g. "
                         "--chunk-size 5000")
    if seed < 0:
        raise UsageError(f"seed must be >= 0, got {seed}")
    return [EventChunk(spec, i, min(chunk_size, n - i * chunk_size), chunk_seed(seed, i))
            for i in range(math.ceil(n / chunk_size))]


def _settings(spec: DrellYanSpec, n: int, seed: int, chunk_size: int) -> dict:
    """The provenance record of a generation run (before its counts are known)."""
    from importlib.metadata import version

    return {"process": "p p > Z/gamma* > mu+ mu- + jets (Pythia 8 WeakSingleBoson:ffbar2gmZ)",
            "sqrt_s": SQRT_S, "m_hat_window": [M_HAT_MIN, M_HAT_MAX], "mpi": spec.mpi,
            "qed_muons": spec.qed_muons, "jet_r": JET_R, "jet_pt_min": JET_PT_MIN,
            "delta_r_min": DELTA_R_MIN, "n_jets_kept": list(range(1, MAX_JETS + 1)), "n": n,
            "seed": seed, "chunk_size": chunk_size,
            "generator": {name: version(name) for name in ("pythia8mc", "fastjet")},
            "code_version": code_version()}


def _attrs(provenance: dict, n_rows: int) -> dict[str, object]:
    made = {**provenance, "counts": dict(zip(COUNTS, provenance["counts"], strict=True))}
    return {"format": FORMAT, "format_version": FORMAT_VERSION,
            "provenance": json.dumps(made, sort_keys=True)}


#: How zmumu files are stored (for :func:`hepscaling.data.chunks.generate_in_chunks`); each
#: chunk's ``counts`` are summed into the provenance.
LAYOUT = Layout("Z -> mu mu event", ("momenta", "n_jets"), _attrs, GZIP, volatile=_VOLATILE,
                compress_parts=True, tallies=("counts",))


def generate_events(path, n: int, seed: int = 0, *, spec: DrellYanSpec = DEFAULT_SPEC,
                    chunk_size: int = 5000, workers: int = 1, executor: Executor | None = None,
                    progress: bool | None = None) -> Path:
    """Generate ``n`` kept Z -> mu mu + {1, 2, 3} jets events into the HDF5 file ``path``.

    Resumable: re-running with the same settings skips finished chunks (or returns at once
    when ``path`` is complete) and gives the same file as an uninterrupted run.

    Parameters
    ----------
    path : output ``.h5`` file (finished chunks wait in ``<path>.parts/``).
    n : kept events, all multiplicities together (about a quarter of the Drell-Yan events).
    seed : run seed; chunk seeds derive from ``(seed, chunk)``.
    spec : the Drell-Yan switches (MPI, QED radiation off the muons).
    chunk_size : kept events per chunk (one Pythia instance, ~0.1 s start-up).
    workers : processes of the default local pool (1: run in this process).
    executor : any :class:`concurrent.futures.Executor` to run chunks on instead (e.g. Dask's
        ``Client.get_executor()``).
    progress : show a progress bar (None: only on a terminal).

    Returns
    -------
    The path of the finished file.
    """
    tasks = plan_chunks(spec, n, seed, chunk_size)
    return generate_in_chunks(path, tasks, _run, LAYOUT, _settings(spec, n, seed, chunk_size),
                              executor=executor, workers=workers, progress=progress,
                              description="Z -> mu mu events")


def _first(bad: ArrayLike) -> int:
    """Index of the first true entry of ``bad`` (bool (n,))."""
    return int(np.flatnonzero(bad)[0])


def validate_events(momenta: np.ndarray, n_jets: np.ndarray, source: str) -> None:
    """Raise a one-line :class:`UsageError` unless the arrays follow the zmumu layout and the
    event definition: shapes ``(n, 5, 4)`` and ``(n,)``, finite, 1-3 jets, zero padding, muons
    on their mass shell, jets with ``E >= |p|``, jet pT > 20 GeV by decreasing pT, and
    Delta R >= 0.4 between all objects."""
    n = momenta.shape[0] if momenta.ndim else 0
    if momenta.shape != (n, N_OBJECTS, 4) or momenta.dtype.kind != "f":
        raise UsageError(f"{source}: momenta have shape {momenta.shape} ({momenta.dtype}), "
                         f"expected float (n, {N_OBJECTS}, 4); not a zmumu event file")
    if n_jets.shape != (n,) or n_jets.dtype.kind not in "iu":
        raise UsageError(f"{source}: n_jets has shape {n_jets.shape} ({n_jets.dtype}), "
                         f"expected int ({n},)")
    if not np.all(np.isfinite(momenta)):
        raise UsageError(f"{source}: momenta of event {_first(~np.isfinite(momenta).all((1, 2)))}"
                         " contain NaN or Inf; regenerate the file")
    if np.any((n_jets < 1) | (n_jets > MAX_JETS)):
        bad = _first((n_jets < 1) | (n_jets > MAX_JETS))
        raise UsageError(f"{source}: event {bad} has n_jets = {n_jets[bad]}, expected 1 to "
                         f"{MAX_JETS}")
    present = np.arange(N_OBJECTS) < 2 + n_jets[:, None]  # (n, 5)
    if np.any((momenta != 0).any(-1) & ~present):
        bad = _first(((momenta != 0).any(-1) & ~present).any(1))
        raise UsageError(f"{source}: event {bad} has non-zero momenta beyond its {n_jets[bad]} "
                         "jet(s); the padding must be zero")
    muon_mass = np.sqrt(np.abs(lorentz.mass_squared(momenta[:, :2])))
    if np.any(np.abs(muon_mass - MUON_MASS) > _MASS_TOLERANCE):
        bad = _first((np.abs(muon_mass - MUON_MASS) > _MASS_TOLERANCE).any(1))
        raise UsageError(f"{source}: a muon of event {bad} has mass {muon_mass[bad].max():.6g} "
                         f"GeV, expected {MUON_MASS} (mu+, mu- must come first)")
    jets, jet_present = momenta[:, 2:], present[:, 2:]
    spacelike = jet_present & (lorentz.mass_squared(jets) < -SHELL_RTOL * jets[..., 0] ** 2)
    if np.any(spacelike | (jet_present & (jets[..., 0] <= 0))):
        bad = _first((spacelike | (jet_present & (jets[..., 0] <= 0))).any(1))
        raise UsageError(f"{source}: a jet of event {bad} has E < |p|; not a physical jet")
    pt = lorentz.pt(jets)  # zero for the padding
    soft = jet_present & (pt < JET_PT_MIN)
    if np.any(soft):
        bad = _first(soft.any(1))
        raise UsageError(f"{source}: a jet of event {bad} has pT {pt[bad][soft[bad]].min():.4g} "
                         f"GeV, below the {JET_PT_MIN:g} GeV cut")
    if np.any(np.diff(pt, axis=1) > 0):
        raise UsageError(f"{source}: the jets of event {_first((np.diff(pt, axis=1) > 0).any(1))}"
                         " are not ordered by decreasing pT")
    dr = pairwise_delta_r(momenta, present)
    if np.any(dr < DELTA_R_MIN):
        bad = _first(dr < DELTA_R_MIN)
        raise UsageError(f"{source}: event {bad} has two objects at Delta R = {dr[bad]:.4f}, "
                         f"below the {DELTA_R_MIN} cut")


def read_events(path) -> dict[str, np.ndarray]:
    """Read and validate (:func:`validate_events`) the zmumu file ``path``.

    Returns ``{"momenta": float64 (n, 5, 4) GeV, "n_jets": int64 (n,)}`` (module docstring).
    """
    made = read_provenance(path)
    with h5py.File(path, "r") as f:
        if "momenta" not in f or "n_jets" not in f:
            raise UsageError(f"{path}: missing momenta or n_jets; not a zmumu event file")
        arrays = {"momenta": f["momenta"][()], "n_jets": f["n_jets"][()]}
    validate_events(arrays["momenta"], arrays["n_jets"], str(path))
    if arrays["n_jets"].size != made["n"]:
        raise UsageError(f"{path}: holds {arrays['n_jets'].size} events, its provenance says "
                         f"{made['n']}; regenerate the file")
    return arrays


def read_provenance(path) -> dict:
    """The provenance of the zmumu file ``path`` (UsageError if it is not one)."""
    return read_file_provenance(path, FORMAT, "zmumu event", "hepscaling data zmumu")


class ZmumuDataset(DatasetSpec):
    """Settings of a Z/gamma* -> mu mu + {1, 2, 3} jets dataset (Pythia 8 + FastJet): a
    ``datasets:`` entry of a sweep spec with ``kind: zmumu``, generated by
    :func:`generate_events` (the file does not depend on ``workers``)."""

    WHAT: ClassVar[str] = "Z -> mu mu event"
    VOLATILE: ClassVar[tuple[str, ...]] = _VOLATILE

    n: int = Field(gt=0, description="kept events, all jet multiplicities together")
    seed: int = Field(0, ge=0, description="run seed; chunk seeds derive from it")
    mpi: bool = Field(False, description="multiparton interactions (10x slower)")
    qed_muons: bool = Field(False, description="QED radiation off the muons")
    chunk_size: int = Field(5000, gt=0, description="kept events per chunk")
    workers: int = Field(1, gt=0, description="processes generating chunks")
    kind: Literal["zmumu"] = Field(description="dataset kind")

    def _spec(self) -> DrellYanSpec:
        return DrellYanSpec(mpi=self.mpi, qed_muons=self.qed_muons)

    def generate(self, path: Path, progress: bool | None = None) -> Path:
        """Generate (or resume, or keep when complete) the dataset at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        return generate_events(path, self.n, self.seed, spec=self._spec(),
                               chunk_size=self.chunk_size, workers=self.workers,
                               progress=progress)

    def provenance(self) -> dict:
        """The provenance of a file generated with these settings (counts aside)."""
        return _settings(self._spec(), self.n, self.seed, self.chunk_size)

    @classmethod
    def read_provenance(cls, path: Path) -> dict:
        """The provenance of the zmumu file ``path`` (UsageError if it is not one)."""
        return read_provenance(path)


register_dataset("zmumu", ZmumuDataset)
