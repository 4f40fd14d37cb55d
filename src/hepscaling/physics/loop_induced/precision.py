"""Numbers in double precision or in multiprecision: the few operations that differ.

The loop-induced amplitudes run on numpy arrays of float64/complex128 or, to rescue points
where double precision is not enough, on numpy object arrays of ``mpmath`` numbers (the same
code: arithmetic, ``np.where``, ``np.take`` work on both). Only the functions below need to
know which: numpy's ``log`` and ``.real``/``.imag`` do not work elementwise on mpmath
objects, scipy's ``spence`` takes floats only, and constants such as ``pi`` or ``2/3`` must
be made in the working precision (a double constant caps the result at 1e-16).
"""

from __future__ import annotations

import mpmath
import numpy as np
from scipy.special import spence

__all__ = ["DIGITS", "fraction", "imag", "is_multiprecision", "log", "multiprecision", "pi",
           "real", "spence_li2"]

DIGITS = 40  # decimal digits of the multiprecision evaluation


def is_multiprecision(a: np.ndarray | float) -> bool:
    """Whether ``a`` is an object array (of mpmath numbers)."""
    return isinstance(a, np.ndarray) and a.dtype == object


def _elementwise(function, a: np.ndarray) -> np.ndarray:
    """``function`` applied to each element of an object array, same shape."""
    out = np.empty(a.shape, dtype=object)
    for index, value in np.ndenumerate(a):
        out[index] = function(value)
    return out


def pi(like: np.ndarray) -> float:
    """``pi`` in the precision of ``like`` (a double constant would cap multiprecision)."""
    return mpmath.pi if is_multiprecision(like) else np.pi


def fraction(numerator: int, denominator: int, like: np.ndarray) -> float:
    """``numerator / denominator`` in the precision of ``like``."""
    if is_multiprecision(like):
        return mpmath.mpf(numerator) / denominator
    return numerator / denominator


def log(x: np.ndarray) -> np.ndarray:
    """Natural logarithm of positive reals, elementwise."""
    return _elementwise(mpmath.log, x) if is_multiprecision(x) else np.log(x)


def spence_li2(z: np.ndarray) -> np.ndarray:
    """``Li2(1 - z)`` for real ``z >= 0`` (scipy's ``spence``), elementwise."""
    if is_multiprecision(z):
        return _elementwise(lambda v: mpmath.polylog(2, 1 - v), z)
    return spence(z)


def real(z: np.ndarray) -> np.ndarray:
    """Real part, elementwise."""
    return _elementwise(mpmath.re, z) if is_multiprecision(z) else z.real


def imag(z: np.ndarray) -> np.ndarray:
    """Imaginary part, elementwise."""
    return _elementwise(mpmath.im, z) if is_multiprecision(z) else z.imag


def multiprecision(a: np.ndarray) -> np.ndarray:
    """A float64 array as an object array of mpmath reals (exact copies of the doubles)."""
    return _elementwise(mpmath.mpf, np.asarray(a, dtype=np.float64))
