"""The truth-vs-truth floor of a two-sample measurement: which events each classifier sees.

A classifier that separates truth from a candidate (a generator's events) reports an AUC above
0.5, a spread of ``log w`` and weights off 1 even for a perfect candidate, from the finite
sample alone. The floor is the same recipe trained between two disjoint halves ``A`` and ``B``
of the truth, with the sizes of the measurement (arXiv:2305.16774; notes of issue 13):

- measurement: truth half ``A`` (reference) against ``n`` candidate events;
- floor: truth half ``A`` against truth half ``B`` (``n`` events each);

``n = min(|truth| // 2, |candidate|, cap)``. :func:`floor_split` draws the rows;
:func:`excess` subtracts the floor from a measured metric. Numbers only (no files, no
training): the callers (:func:`hepscaling.precision.measure_event_precision`, the
``event_generation`` task) train the two classifiers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["FloorSplit", "excess", "floor_split"]


@dataclass(frozen=True)
class FloorSplit:
    """Rows of the two samples for the measurement and its floor.

    Attributes
    ----------
    reference : int64 ``(n,)`` rows of the truth, half ``A`` (the reference of both runs).
    floor : int64 ``(n,)`` rows of the truth, half ``B`` (the floor's candidate), disjoint from
        ``reference``.
    candidate : int64 ``(n,)`` rows of the candidate sample.
    half : the size ``|truth| // 2`` of each truth half (``n <= half``).
    """

    reference: np.ndarray
    floor: np.ndarray
    candidate: np.ndarray
    half: int

    @property
    def n(self) -> int:
        """Events per sample of either run."""
        return int(self.reference.size)


def floor_split(n_truth: int, n_candidate: int, seed: int,
                max_events: int | None = None) -> FloorSplit:
    """Draw the rows of the truth halves and of the candidate (module docstring): a seeded
    permutation of the ``n_truth`` truth rows cut in two halves, then one of the
    ``n_candidate`` candidate rows; ``n = min(n_truth // 2, n_candidate, max_events)``
    (may be 0; the caller decides what is too few).

    >>> s = floor_split(10, 3, seed=0)
    >>> s.n, s.half, bool(set(s.reference) & set(s.floor))
    (3, 5, False)
    """
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(n_truth)
    half = n_truth // 2
    n = max(0, min(half, n_candidate, half if max_events is None else max_events))
    return FloorSplit(reference=shuffled[:n], floor=shuffled[half:half + n],
                      candidate=rng.permutation(n_candidate)[:n], half=half)


def excess(measured: Mapping[str, float], floor: Mapping[str, float],
           keys: tuple[str, ...]) -> dict[str, float]:
    """``{key: measured[key] - floor[key]}`` for ``keys``: how far a measurement lies above
    what the same classifier reports for a perfect candidate (``nan`` where either is
    missing). Negative values are noise around a candidate at its floor; they are kept.

    >>> excess({"auc": 0.62}, {"auc": 0.5}, ("auc",))["auc"]
    0.12
    """
    nan = float("nan")
    return {k: float(measured.get(k, nan)) - float(floor.get(k, nan)) for k in keys}
