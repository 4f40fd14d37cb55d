"""Property checks shared by the tests: Lorentz invariance and same-seed-same-numbers.

The Lorentz transformations are built here from explicit boost and rotation matrices (not from
:mod:`hepscaling.physics.lorentz`), so they are an independent truth for library code.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "apply_lorentz",
    "assert_lorentz_invariant",
    "assert_same_seed_same_numbers",
    "random_lorentz",
]


def _rotation(rng: np.random.Generator, n: int) -> np.ndarray:
    """Uniformly random 3d rotations ``(n, 3, 3)`` from unit quaternions."""
    quat = rng.normal(size=(n, 4))
    w, x, y, z = (quat / np.linalg.norm(quat, axis=1, keepdims=True)).T
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
        np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
        np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
    ], axis=1)


def random_lorentz(n: int, seed: int, max_rapidity: float = 1.5) -> np.ndarray:
    """Random proper orthochronous Lorentz transformations ``(n, 4, 4)``: a rotation, then a boost.

    The boost has a random direction and rapidity uniform in ``[0, max_rapidity]``
    (``max_rapidity = 1.5`` is ``gamma`` up to 2.35), so numbers stay well conditioned.
    """
    rng = np.random.default_rng(seed)
    rot = np.zeros((n, 4, 4))
    rot[:, 0, 0] = 1.0
    rot[:, 1:, 1:] = _rotation(rng, n)
    direction = rng.normal(size=(n, 3))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    rapidity = max_rapidity * rng.random(n)
    gamma, gamma_beta = np.cosh(rapidity), np.sinh(rapidity)
    boost = np.zeros((n, 4, 4))
    boost[:, 0, 0] = gamma
    boost[:, 0, 1:] = gamma_beta[:, None] * direction
    boost[:, 1:, 0] = gamma_beta[:, None] * direction
    boost[:, 1:, 1:] = (np.eye(3)[None] + (gamma - 1.0)[:, None, None]
                        * direction[:, :, None] * direction[:, None, :])
    return boost @ rot


def apply_lorentz(momenta: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Transform every particle of each event: ``momenta (n, k, 4)``, ``lam (n, 4, 4)``."""
    return np.einsum("nij,nkj->nki", lam, momenta)


def assert_lorentz_invariant(func: Callable[[np.ndarray], np.ndarray], momenta: np.ndarray,
                             seed: int, rtol: float = 1e-10, max_rapidity: float = 1.5) -> float:
    """Assert ``func(momenta) == func(Lambda momenta)`` for a random ``Lambda`` per event.

    ``func`` maps ``(n, k, 4)`` GeV to ``(n,)``. Returns the largest relative deviation seen
    (useful to report the tolerance actually achieved).
    """
    lam = random_lorentz(momenta.shape[0], seed, max_rapidity)
    before = func(momenta)
    after = func(apply_lorentz(momenta, lam))
    deviation = float(np.max(np.abs(after / before - 1.0)))
    assert deviation < rtol, f"not Lorentz invariant: max relative change {deviation:.3g}"
    return deviation


def assert_same_seed_same_numbers(make: Callable[[int], np.ndarray], seed: int = 7) -> None:
    """Assert ``make(seed)`` is bit-identical on a second call and changes with the seed."""
    first = make(seed)
    np.testing.assert_array_equal(first, make(seed))
    assert not np.array_equal(first, make(seed + 1)), "different seeds gave identical numbers"
