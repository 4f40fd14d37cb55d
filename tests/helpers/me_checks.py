"""The engine under test, built once per process, and the point-by-point comparison used by the
matrix-element tests."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from hepscaling.physics.matrix_element import matrix_element
from hepscaling.physics.sm import SMParameters

__all__ = ["assert_matches", "engine"]


@cache
def engine(process: str) -> Callable[[np.ndarray], np.ndarray]:
    """``matrix_element(process)`` with default parameters, cached per process string."""
    return matrix_element(process)


def assert_matches(process: str, p: np.ndarray, expected: np.ndarray, rtol: float = 1e-10,
                   params: SMParameters | None = None) -> None:
    """Engine ``|M|^2`` at ``p (n, k, 4)`` equals ``expected (n,)`` to ``rtol``; the failure
    message names the range of engine/expected (e.g. a constant 1/3 means a colour average)."""
    func = engine(process) if params is None else matrix_element(process, params)
    got = func(p)
    assert got.shape == expected.shape and got.dtype == np.float64
    ratio = got / expected
    assert np.all(np.abs(ratio - 1.0) < rtol), (
        f"{process}: engine/analytic in [{ratio.min():.10g}, {ratio.max():.10g}]")
