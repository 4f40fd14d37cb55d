"""Wasserstein distances between samples: 1-d W_p and the sliced Wasserstein distance (SWD).

Definitions are POT's (Python Optimal Transport, ``ot``):

- :func:`wasserstein_1d`: ``W_p`` between the empirical distributions of two 1-d samples,
  ``(int_0^1 |F_a^-1(q) - F_b^-1(q)|^p dq)^(1/p)``; for ``p = 1`` it equals
  ``scipy.stats.wasserstein_distance``;
- :func:`sliced_wasserstein`: ``(mean over K random unit directions theta of W_p^p(a theta,
  b theta))^(1/p)``, the directions normalised standard Gaussians from
  ``numpy.random.RandomState(seed)`` (POT's ``get_random_projections``), so the value equals
  ``ot.sliced_wasserstein_distance(a, b, n_projections=K, p=p, seed=seed)``; ``p = 1`` is the
  mean 1-d W1 over the slices (the convention of the jet-generation literature);
- :func:`sliced_wasserstein_batches`: the SWD over disjoint batches, mean and standard error.

Features should be on comparable scales (e.g. standardised with the reference sample's mean and
standard deviation) before slicing; nothing is rescaled here. POT is imported on first use
(it takes seconds).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["random_directions", "sliced_wasserstein", "sliced_wasserstein_batches",
           "wasserstein_1d"]


def wasserstein_1d(a: np.ndarray, b: np.ndarray, *, p: int = 1) -> float:
    """``W_p`` between 1-d samples ``a`` float ``(n,)`` and ``b`` ``(m,)`` (equal weights);
    in the units of the samples."""
    import ot

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 1 or b.ndim != 1 or not a.size or not b.size:
        raise ValueError(f"wasserstein_1d needs two non-empty 1-d samples, got shapes "
                         f"{a.shape} and {b.shape}")
    return float(ot.wasserstein_1d(a, b, p=p)) ** (1.0 / p)


def random_directions(d: int, n_projections: int, seed: int) -> np.ndarray:
    """Unit directions float64 ``(d, n_projections)``: normalised standard Gaussians drawn
    from ``numpy.random.RandomState(seed)`` (as POT draws them)."""
    directions = np.random.RandomState(seed).randn(d, n_projections)
    return directions / np.sqrt(np.sum(directions**2, axis=0, keepdims=True))


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, *, n_projections: int = 128, p: int = 1,
                       seed: int = 0) -> float:
    """Sliced Wasserstein distance between samples ``a`` float ``(n, d)`` and ``b`` ``(m, d)``
    (see the module docstring); in the units of the features.

    >>> x = np.random.default_rng(0).normal(size=(100, 3))
    >>> sliced_wasserstein(x, x)
    0.0
    >>> round(sliced_wasserstein(x, x + [1.0, 0.0, 0.0], n_projections=1000), 1)  # E|theta_1| = 1/2
    0.5
    """
    import ot

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or not len(a) or not len(b):
        raise ValueError(f"sliced_wasserstein needs two non-empty samples (n, d) with the same "
                         f"d, got shapes {a.shape} and {b.shape}")
    directions = random_directions(a.shape[1], n_projections, seed)
    return float(ot.sliced_wasserstein_distance(a, b, projections=directions, p=p))


def sliced_wasserstein_batches(a: np.ndarray, b: np.ndarray, n_batches: int, *,
                               n_projections: int = 128, p: int = 1,
                               seed: int = 0) -> tuple[float, float]:
    """SWD on ``n_batches`` disjoint consecutive batches of ``a`` ``(n, d)`` and ``b``
    ``(m, d)`` (the same directions in every batch): the mean over batches and its standard
    error ``std / sqrt(n_batches)`` (0 for one batch). Rows should be in random order."""
    if n_batches < 1 or n_batches > min(len(a), len(b)):
        raise ValueError(f"n_batches must lie in [1, {min(len(a), len(b))}], got {n_batches}")
    values = [sliced_wasserstein(x, y, n_projections=n_projections, p=p, seed=seed)
              for x, y in zip(np.array_split(a, n_batches), np.array_split(b, n_batches),
                              strict=True)]
    error = float(np.std(values, ddof=1)) / math.sqrt(n_batches) if n_batches > 1 else 0.0
    return float(np.mean(values)), error
