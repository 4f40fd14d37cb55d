"""Network inputs from event momenta: identical-particle ordering, partonic frame, invariants.

Conventions as in :mod:`hepscaling.physics` (GeV, ``(E, px, py, pz)``, metric (+,-,-,-),
batches ``(n, k, 4)`` in process order, incoming particles first). Everything here is numpy
float64; the task converts to float32 tensors at the end.
"""

from __future__ import annotations

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.physics.lorentz import boost, minkowski_dot

__all__ = [
    "log_invariants",
    "pair_indices",
    "sort_identical",
    "standardize",
    "to_partonic_frame",
    "type_ids",
]

def type_ids(names: tuple[str, ...]) -> tuple[int, ...]:
    """Integer type per particle, equal for equal names, numbered by first appearance."""
    first: dict[str, int] = {}
    return tuple(first.setdefault(name, len(first)) for name in names)


def sort_identical(momenta: np.ndarray, types: tuple[int, ...], n_initial: int) -> np.ndarray:
    """Order each group of identical final-state particles by decreasing energy.

    ``momenta``: float64 ``(n, k, 4)`` GeV; ``types``: ``(k,)`` ids. Returns a new
    ``(n, k, 4)`` array (``|M|^2`` is symmetric under exchanging identical particles, so the
    target is unchanged).
    """
    out = momenta.copy()
    final = types[n_initial:]
    for t in sorted(set(final)):
        slots = [n_initial + i for i, ti in enumerate(final) if ti == t]
        if len(slots) < 2:
            continue
        order = np.argsort(-momenta[:, slots, 0], axis=1, kind="stable")  # (n, g)
        out[:, slots] = np.take_along_axis(momenta[:, slots], order[..., None], axis=1)
    return out


def to_partonic_frame(momenta: np.ndarray, n_initial: int) -> np.ndarray:
    """Boost every event to the rest frame of its incoming particles.

    ``momenta``: float64 ``(n, k, 4)`` GeV -> float64 ``(n, k, 4)`` GeV with
    ``sum_{i < n_initial} p_i = (sqrt(s_hat), 0, 0, 0)``.
    """
    total = momenta[:, :n_initial].sum(axis=1)  # (n, 4)
    beta = total[:, 1:] / total[:, :1]  # (n, 3)
    return boost(momenta, -beta[:, None, :])


def pair_indices(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays ``(i, j)``, ``i < j``, of the ``k (k - 1) / 2`` particle pairs."""
    return np.triu_indices(k, 1)


def log_invariants(momenta: np.ndarray) -> np.ndarray:
    """``log(p_i.p_j)`` for all pairs ``i < j``: float64 ``(n, k, 4)`` GeV -> ``(n, k(k-1)/2)``.

    Raises :class:`UsageError` if a product is not positive (unphysical momenta).
    """
    i, j = pair_indices(momenta.shape[1])
    dots = minkowski_dot(momenta[:, i], momenta[:, j])  # (n, pairs) GeV^2
    if not np.all(dots > 0):
        bad = int(np.argmax(~(dots > 0).all(axis=1)))
        raise UsageError(f"event {bad} has a Minkowski product p_i.p_j <= 0 (momenta not "
                         "physical: check E > 0 and the (E, px, py, pz) column order)")
    return np.log(dots)


def standardize(x: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x - mean) / std`` with mean and std of ``reference`` along axis 0.

    Returns ``(standardised x, mean, std)``; a column constant up to rounding
    (``std <= 1e-9 max(1, |mean|)``, e.g. ``s`` at fixed collision energy) gets ``std = 1``.
    """
    mean = reference.mean(axis=0)
    std = reference.std(axis=0)
    std = np.where(std > 1e-9 * np.maximum(1.0, np.abs(mean)), std, 1.0)
    return (x - mean) / std, mean, std
