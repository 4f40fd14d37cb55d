"""Unweighted partonic events with a known density: hit-or-miss on |M|^2 times phase space.

For a partonic process at fixed ``sqrt_s`` (default ``u u~ > mu+ mu- g`` at 200 GeV, in the
centre-of-mass frame, inside generation cuts on the massless final state), phase-space points
``x`` are drawn flat with RAMBO (:mod:`hepscaling.physics.phase_space`, weight ``w(x)``) and
kept with probability ``f(x) / f_max``, ``f = |M|^2(x) w(x)``
(:mod:`hepscaling.physics.matrix_element`). The kept events are distributed with the exact
density ``p(x) = |M|^2(x) / I`` with respect to ``dPhi`` inside the cuts, where
``I = int_cuts |M|^2 dPhi`` is estimated by ``sum f / tried``: so the density ratio of any two
such samples is computable event by event, a ground truth for classifier weights. ``f_max``
is ``SAFETY`` times the largest ``f`` of a seeded scan of ``N_SCAN`` points; points above it
(kept with probability 1, a bias) are counted as ``overweight``.

The file: ``/momenta`` float64 ``(n, k, 4)`` GeV in process order (incoming first),
``/me2`` float64 ``(n,)`` (MadGraph's convention), root attributes ``format``
(``"hepscaling.unweighted"``), ``format_version`` and ``provenance`` (JSON: process, sqrt_s,
cuts, n, seed, chunk size, ``f_max``, ``counts`` = points tried / inside the cuts /
overweight, ``sum_f`` and ``integral`` = I in GeV^(2 n_f - 4), code version). Generated through
:func:`hepscaling.data.chunks.generate_in_chunks` (kill-safe, resumable, the same file for any
executor); registered as dataset kind ``unweighted``.
"""

from __future__ import annotations

import json
import math
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import ClassVar, Literal

import h5py
import numpy as np
from pydantic import Field

from hepscaling.data.chunks import GZIP, VOLATILE, Layout, generate_in_chunks, read_file_provenance
from hepscaling.data.registry import DatasetSpec, register_dataset
from hepscaling.errors import UsageError
from hepscaling.physics import lorentz
from hepscaling.physics.matrix_element import matrix_element
from hepscaling.physics.phase_space import Cuts, incoming_momenta, rambo
from hepscaling.physics.process import Process, resolve_process
from hepscaling.provenance import code_version

__all__ = ["COUNTS", "DEFAULT_PROCESS", "FORMAT", "LAYOUT", "N_SCAN", "SAFETY",
           "UnweightedDataset", "f_max", "generate_unweighted", "read_unweighted"]

FORMAT = "hepscaling.unweighted"
FORMAT_VERSION = 1
DEFAULT_PROCESS = "u u~ > mu+ mu- g"
N_SCAN = 100_000  # phase-space points scanned for f_max
SAFETY = 1.2  # f_max = SAFETY x the largest f of the scan
#: The entries of a chunk's ``counts``: points tried, inside the cuts, and with f > f_max.
COUNTS: tuple[str, ...] = ("tried", "in_cuts", "overweight")
_BATCH = 20_000  # phase-space points per step
_SCAN_TAG = 0x5CA7  # separates the scan's random stream from the chunks'
_VOLATILE = (*VOLATILE, "counts", "sum_f", "integral")


def _massless(proc: Process) -> np.ndarray:
    return np.asarray(proc.masses[proc.n_initial:]) == 0


def _points(proc: Process, sqrt_s: float, cuts: Cuts, me2, n: int, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``n`` flat phase-space points: momenta (n, k, 4), weights (n,), in_cuts (n,) and
    ``f = |M|^2 w`` (n,), zero outside the cuts."""
    masses = np.asarray(proc.masses, dtype=np.float64)
    final, weights = rambo(n, sqrt_s, masses[proc.n_initial:], rng)
    incoming = incoming_momenta(sqrt_s, masses[:proc.n_initial])
    events = np.concatenate([np.broadcast_to(incoming, (n, *incoming.shape)), final], axis=1)
    inside = cuts.passes(final, _massless(proc))
    f = np.zeros(n)
    f[inside] = me2(events[inside]) * weights[inside]
    return events, weights, inside, f


def f_max(process: str, sqrt_s: float, cuts: Cuts, seed: int) -> float:
    """``SAFETY`` times the largest ``|M|^2 w`` of ``N_SCAN`` points (seeded by ``seed``)."""
    proc = resolve_process(process)
    rng = np.random.default_rng(np.random.SeedSequence([seed, _SCAN_TAG]))
    *_, f = _points(proc, sqrt_s, cuts, matrix_element(proc), N_SCAN, rng)
    if not f.max() > 0:
        raise UsageError(f"|M|^2 vanishes on all {N_SCAN} scanned points of {process} inside "
                         "the cuts; loosen the cuts or raise sqrt_s")
    return SAFETY * float(f.max())


@dataclass(frozen=True)
class UnweightedChunk:
    """Chunk ``index``: ``n`` kept events."""

    index: int
    n: int


@dataclass(frozen=True)
class _RunChunk:
    """Picklable chunk function (the matrix element is built once per worker)."""

    process: str
    sqrt_s: float
    cuts: Cuts
    seed: int
    f_max: float

    @cached_property
    def proc(self) -> Process:
        return resolve_process(self.process)

    @cached_property
    def me2(self):
        return matrix_element(self.proc)

    def __call__(self, chunk: UnweightedChunk) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(chunk.index,)))
        momenta, me2 = [], []
        counts, sum_f, have = np.zeros(len(COUNTS), dtype=np.int64), 0.0, 0
        while have < chunk.n:
            events, weights, inside, f = _points(self.proc, self.sqrt_s, self.cuts, self.me2,
                                                 _BATCH, rng)
            kept = np.flatnonzero(rng.random(_BATCH) * self.f_max < f)[:chunk.n - have]
            last = kept[-1] + 1 if have + kept.size == chunk.n else _BATCH
            counts += [last, inside[:last].sum(), (f[:last] > self.f_max).sum()]
            sum_f += f[:last].sum()
            momenta.append(events[kept])
            me2.append(f[kept] / weights[kept])
            have += kept.size
        return {"momenta": np.concatenate(momenta), "me2": np.concatenate(me2),
                "counts": counts, "sum_f": np.array(sum_f)}


def _settings(process: str, sqrt_s: float, cuts: Cuts, n: int, seed: int, chunk_size: int
              ) -> dict:
    return {"process": resolve_process(process).text, "sqrt_s": sqrt_s,
            "cuts": cuts.model_dump(), "n": n, "seed": seed, "chunk_size": chunk_size,
            "n_scan": N_SCAN, "safety": SAFETY, "f_max": f_max(process, sqrt_s, cuts, seed),
            "code_version": code_version()}


def _attrs(provenance: dict, n_rows: int) -> dict[str, object]:
    counts = dict(zip(COUNTS, provenance["counts"], strict=True))
    made = {**provenance, "counts": counts, "integral": provenance["sum_f"] / counts["tried"]}
    return {"format": FORMAT, "format_version": FORMAT_VERSION,
            "provenance": json.dumps(made, sort_keys=True)}


#: How unweighted files are stored; each chunk's counts and sum of f go to the provenance.
LAYOUT = Layout("unweighted event", ("momenta", "me2"), _attrs, GZIP, volatile=_VOLATILE,
                tallies=("counts", "sum_f"))


def generate_unweighted(path, n: int, seed: int = 0, *, process: str = DEFAULT_PROCESS,
                        sqrt_s: float = 200.0, cuts: Cuts | None = None,
                        chunk_size: int = 10_000, workers: int = 1,
                        executor: Executor | None = None, progress: bool | None = None) -> Path:
    """Generate ``n`` unweighted events of ``process`` into ``path`` (module docstring).

    Parameters
    ----------
    path : output ``.h5`` file (finished chunks wait in ``<path>.parts/``).
    n : events.
    seed : run seed (the f_max scan and chunk ``i``'s ``SeedSequence(seed, spawn_key=(i,))``).
    process : MadGraph-style partonic process, e.g. ``"u u~ > mu+ mu- g g"``.
    sqrt_s : partonic centre-of-mass energy, GeV.
    cuts : generation cuts on the massless final state (default pT > 20 GeV, Delta R > 0.4).
    chunk_size : events per chunk.
    workers, executor, progress : as for :func:`hepscaling.data.chunks.generate_in_chunks`.
    """
    if n < 1 or chunk_size < 1 or seed < 0:
        raise UsageError(f"n and chunk_size must be >= 1 and seed >= 0, got n={n}, "
                         f"chunk_size={chunk_size}, seed={seed}")
    cuts = cuts or Cuts(pt_min=20.0, eta_max=None, m_min=0.0, delta_r_min=0.4)
    record = _settings(process, sqrt_s, cuts, n, seed, chunk_size)
    chunks = [UnweightedChunk(i, min(chunk_size, n - i * chunk_size))
              for i in range(math.ceil(n / chunk_size))]
    run = _RunChunk(process, float(sqrt_s), cuts, seed, record["f_max"])
    return generate_in_chunks(path, chunks, run, LAYOUT, record, executor=executor,
                              workers=workers, progress=progress, description=record["process"])


def read_provenance(path) -> dict:
    """The provenance of the unweighted-event file ``path`` (UsageError if it is not one)."""
    return read_file_provenance(path, FORMAT, "unweighted event", "hepscaling data unweighted")


def read_unweighted(path) -> dict[str, np.ndarray]:
    """``{"momenta": float64 (n, k, 4) GeV, "me2": float64 (n,)}`` of ``path``, checked:
    momenta on shell and conserved for the file's process, |M|^2 finite and positive."""
    made = read_provenance(path)
    with h5py.File(path, "r") as f:
        momenta, me2 = f["momenta"][()], f["me2"][()]
    proc = resolve_process(made["process"])
    lorentz.check_momenta(momenta, proc.masses, proc.n_initial, what=f"{path}: momenta")
    if me2.shape != (momenta.shape[0],) or not np.all(np.isfinite(me2) & (me2 > 0)):
        raise UsageError(f"{path}: me2 must be finite and positive with shape "
                         f"({momenta.shape[0]},); regenerate the file")
    return {"momenta": momenta, "me2": me2}


class UnweightedDataset(DatasetSpec):
    """Settings of an unweighted partonic dataset with a known density: a ``datasets:`` entry
    with ``kind: unweighted``, generated by :func:`generate_unweighted`."""

    WHAT: ClassVar[str] = "unweighted event"
    VOLATILE: ClassVar[tuple[str, ...]] = _VOLATILE

    process: str = Field(DEFAULT_PROCESS, description="MadGraph-style partonic process")
    sqrt_s: float = Field(200.0, gt=0, description="partonic centre-of-mass energy, GeV")
    pt_min: float = Field(20.0, ge=0, description="minimum pT of massless final-state "
                                                  "particles, GeV")
    delta_r_min: float = Field(0.4, ge=0, description="minimum Delta R between them")
    n: int = Field(gt=0, description="events")
    seed: int = Field(0, ge=0, description="run seed")
    chunk_size: int = Field(10_000, gt=0, description="events per chunk")
    workers: int = Field(1, gt=0, description="processes generating chunks")
    kind: Literal["unweighted"] = Field(description="dataset kind")

    def _cuts(self) -> Cuts:
        return Cuts(pt_min=self.pt_min, eta_max=None, m_min=0.0, delta_r_min=self.delta_r_min)

    def generate(self, path: Path, progress: bool | None = None) -> Path:
        """Generate (or resume, or keep when complete) the dataset at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        return generate_unweighted(path, self.n, self.seed, process=self.process,
                                   sqrt_s=self.sqrt_s, cuts=self._cuts(),
                                   chunk_size=self.chunk_size, workers=self.workers,
                                   progress=progress)

    def provenance(self) -> dict:
        """The provenance of a file generated with these settings (counts aside)."""
        return _settings(self.process, self.sqrt_s, self._cuts(), self.n, self.seed,
                         self.chunk_size)

    @classmethod
    def read_provenance(cls, path: Path) -> dict:
        """The provenance of the file ``path`` (UsageError if it is not one of this kind)."""
        return read_provenance(path)


register_dataset("unweighted", UnweightedDataset)
