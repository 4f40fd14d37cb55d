"""One seeded chunk of Z/gamma* -> mu mu + {1, 2, 3} jets events, end to end.

:func:`generate_chunk` is a plain function of ``(spec, n, seed)`` so that any executor (a local
process pool, Dask) can run chunks; it builds its own Pythia instance.
"""

from __future__ import annotations

import math

import numpy as np

from hepscaling.errors import UsageError, WorkFailed
from hepscaling.physics.events.process import (
    MAX_JETS,
    N_OBJECTS,
    DrellYanSpec,
    make_pythia,
)
from hepscaling.physics.events.selection import select

__all__ = ["COUNTS", "generate_chunk"]

#: The entries of a chunk's ``counts``: Drell-Yan events generated, vetoed by the Delta R
#: cut, and not vetoed with 0, 1, 2, 3 and >= 4 jets (kept: 1, 2 and 3 jets).
COUNTS: tuple[str, ...] = ("generated", "vetoed", "jets_0", "jets_1", "jets_2", "jets_3",
                           "jets_4_or_more")
MAX_BATCH = 1000  # events per nextBatch call (~100 particles each without MPI)
ACCEPTANCE = 0.25  # rough fraction of events kept; only sizes the first batch
MAX_DRY_BATCHES = 20  # give up after this many batches in a row without a kept event


def _tally(n_jets: np.ndarray, vetoed: np.ndarray) -> np.ndarray:
    """int64 (len(COUNTS),): the :data:`COUNTS` of these events."""
    passed = np.minimum(n_jets[~vetoed], MAX_JETS + 1)
    by_jets = np.bincount(passed, minlength=MAX_JETS + 2)
    return np.array([n_jets.size, vetoed.sum(), *by_jets], dtype=np.int64)


def generate_chunk(spec: DrellYanSpec, n: int, seed: int) -> dict[str, np.ndarray]:
    """Generate exactly ``n`` kept events (1, 2 or 3 jets) with Pythia seed ``seed``.

    Events come from ``pythia.nextBatch`` in batches sized from the acceptance seen so far
    (deterministic given the seed); generation stops at the ``n``-th kept event, and the
    counts cover the events up to it, so the result depends only on ``(spec, n, seed)``.

    Parameters
    ----------
    spec : the Drell-Yan switches.
    n : kept events (> 0).
    seed : Pythia seed in ``[1, 900_000_000]`` (see :func:`process.chunk_seed`).

    Returns
    -------
    dict of str to numpy.ndarray
        ``momenta`` float64 (n, 5, 4) GeV and ``n_jets`` int64 (n,) in the convention of
        :mod:`hepscaling.physics.events`; ``counts`` int64 (7,), the :data:`COUNTS`.
    """
    if n <= 0:
        raise UsageError(f"number of events must be positive, got {n}; pass e.g. -n 1000")
    pythia = make_pythia(spec, seed)
    momenta, n_jets = [], []
    counts = np.zeros(len(COUNTS), dtype=np.int64)
    have, dry = 0, 0
    while have < n:
        acceptance = max(have / counts[0], 0.05) if counts[0] else ACCEPTANCE
        events = select(pythia.nextBatch(min(MAX_BATCH, math.ceil(1.1 * (n - have) /
                                                                  acceptance) + 5)))
        kept = ~events.vetoed & (events.n_jets >= 1) & (events.n_jets <= MAX_JETS)
        rows = np.flatnonzero(kept)[:n - have]
        last = rows[-1] + 1 if have + rows.size == n else len(kept)  # events counted
        counts += _tally(events.n_jets[:last], events.vetoed[:last])
        dry = 0 if rows.size else dry + 1
        if dry >= MAX_DRY_BATCHES:
            raise WorkFailed(f"no event passed the selection in {dry} batches ({counts[0]} "
                             "events); check the Pythia settings")
        width = min(events.momenta.shape[1], N_OBJECTS)
        padded = np.zeros((rows.size, N_OBJECTS, 4))
        padded[:, :width] = events.momenta[rows, :width]
        momenta.append(padded)
        n_jets.append(events.n_jets[rows])
        have += rows.size
    return {"momenta": np.concatenate(momenta), "n_jets": np.concatenate(n_jets),
            "counts": counts}
