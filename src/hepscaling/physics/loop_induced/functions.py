"""The logarithmic functions of one-loop five-point amplitudes (Bern, Dixon, Kosower).

Z. Bern, L. Dixon, D. Kosower, Phys. Rev. Lett. 70 (1993) 2677, hep-ph/9302280, and
Nucl. Phys. B437 (1995) 259, hep-ph/9409393 (appendix): with ``r = x / y`` for two
invariants ``x = -s_a``, ``y = -s_b`` (GeV^2, real),

    lnrat(x, y) = ln(-s_a - i0) - ln(-s_b - i0)    (a ratio of logarithms, any channel),
    L0(x, y) = lnrat(x, y) / (1 - r),
    L1(x, y) = (L0(x, y) + 1) / (1 - r),
    L2(x, y) = (lnrat(x, y) - (r - 1/r) / 2) / (1 - r)^3,
    Lsm1(x1, y1, x2, y2) = Li2(1 - r1) + Li2(1 - r2) + lnrat(x1, y1) lnrat(x2, y2) - pi^2/6,
    Ls1(x1, y1, x2, y2) = (Lsm1 / (1 - r1 - r2) + L0(x1, y1) + L0(x2, y2)) / (1 - r1 - r2).

``Li2(1 - r)`` for ``r < 0`` is continued as ``pi^2/6 - Li2(r) - lnrat(x, y) ln(1 - r)``
(the imaginary part of ``ln r`` taken from ``lnrat``). ``L0``, ``L1``, ``L2`` are finite
at ``r = 1`` (the denominators are removable): there they are evaluated from their Taylor
series in ``d = 1 - r``, which avoids the cancellation of the closed forms. ``Ls1``'s
``1 / (1 - r1 - r2)`` is spurious too (it cancels between the terms); points close to it
lose digits and are caught by the stability check of
:class:`~hepscaling.physics.loop_induced.LoopInducedMatrixElement`.

All functions take float64 arrays of any one broadcastable shape and return complex128
arrays of that shape (or object arrays of mpmath numbers, :mod:`.precision`).
"""

from __future__ import annotations

import numpy as np

from hepscaling.physics.loop_induced.precision import (
    fraction,
    is_multiprecision,
    log,
    pi,
    spence_li2,
)

__all__ = ["L0", "L1", "L2", "PAIR_FUNCTIONS", "Ls1", "li2_one_minus", "lnrat", "ls1_from",
           "pair_values", "ratio"]

PairValues = tuple[np.ndarray, ...]  # the PAIR_FUNCTIONS of one pair (x, y)

#: |1 - r| below which L0, L1, L2 use their Taylor series, and its number of terms: in double
#: precision 0.05 and 14 (0.05^14 ~ 6e-19); in multiprecision 1e-4 and 12 (1e-48; the closed
#: forms lose at most 12 of the 40 digits above it)
_SERIES = {False: (0.05, 14), True: (1e-4, 12)}


def lnrat(x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
    """``ln(x) - ln(y)`` with ``x -> x + i0`` (i.e. ``ln(-s - i0)`` for ``x = -s``), complex."""
    ratio = np.abs(x / y)
    phase = pi(ratio) * (np.less(x, 0).astype(np.float64) - np.less(y, 0))
    return log(ratio) - 1j * phase


def _series(d: np.ndarray, first: int, n_terms: int) -> np.ndarray:
    """``sum_{k >= first} c_k d^(k - first)`` for the three removable ratios, float64.

    ``ln(1 - d) = -sum_k d^k / k`` gives ``L0 = -sum_{k>=1} d^(k-1)/k`` (``first = 1``),
    ``L1 = -sum_{k>=2} d^(k-2)/k`` (``first = 2``) and, with ``-(r - 1/r)/2 = d + sum_{k>=2}
    d^k / 2``, ``L2 = sum_{k>=3} (1/2 - 1/k) d^(k-3)`` (``first = 3``).
    """
    total = np.zeros_like(d)
    for k in range(first + n_terms - 1, first - 1, -1):  # Horner, smallest terms first
        coefficient = fraction(k - 2, 2 * k, d) if first == 3 else fraction(-1, k, d)
        total = total * d + coefficient
    return total


def _removable(x: np.ndarray, y: np.ndarray, first: int) -> np.ndarray:
    """``L0``, ``L1`` or ``L2`` (``first`` = 1, 2, 3), complex."""
    r = x / y
    d = 1.0 - r
    below, n_terms = _SERIES[is_multiprecision(d)]
    near = np.abs(d) < below
    safe_d = np.where(near, 1.0, d)
    log = lnrat(x, y)
    if first == 1:
        closed = log / safe_d
    elif first == 2:
        closed = (log / safe_d + 1.0) / safe_d
    else:
        safe_r = np.where(near, 1.0, r)
        closed = (log - 0.5 * (safe_r - 1.0 / safe_r)) / safe_d**3
    return np.where(near, _series(np.where(near, d, 0.0), first, n_terms), closed)


def L0(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``lnrat(x, y) / (1 - x/y)``, complex; ``-1`` at ``x = y``."""
    return _removable(x, y, 1)


def L1(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``(L0(x, y) + 1) / (1 - x/y)``, complex; ``-1/2`` at ``x = y``."""
    return _removable(x, y, 2)


def L2(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``(lnrat(x, y) - (r - 1/r)/2) / (1 - r)^3``, ``r = x/y``, complex; ``1/6`` at ``r = 1``."""
    return _removable(x, y, 3)


def li2_one_minus(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``Li2(1 - x/y)`` continued to ``x/y < 0`` through ``lnrat`` (see the module), complex."""
    r = x / y
    positive = r > 0
    direct = spence_li2(np.where(positive, r, 1.0))
    li2_r = spence_li2(np.where(positive, 1.0, 1.0 - r))  # Li2(r) for r < 0
    continued = pi(r) ** 2 / 6 - li2_r - lnrat(x, y) * log(np.where(positive, 2.0, 1.0 - r))
    return np.where(positive, direct + 0j, continued)


def ls1_from(first: PairValues, second: PairValues) -> np.ndarray:
    """``Ls1`` from the values of its two pairs ``(x1, y1)``, ``(x2, y2)`` (see
    :data:`PAIR_FUNCTIONS`), complex: lets a caller tabulate the pair functions once."""
    ratio_1, log_1, li2_1, l0_1 = first
    ratio_2, log_2, li2_2, l0_2 = second
    lsm1 = li2_1 + li2_2 + log_1 * log_2 - pi(ratio_1) ** 2 / 6  # Lsm1 of the docstring
    denominator = 1.0 - ratio_1 - ratio_2
    return (lsm1 / denominator + l0_1 + l0_2) / denominator


def pair_values(x: np.ndarray, y: np.ndarray) -> PairValues:
    """The :data:`PAIR_FUNCTIONS` of one pair ``(x, y)``."""
    return tuple(function(x, y) for function in PAIR_FUNCTIONS)


def Ls1(x1: np.ndarray, y1: np.ndarray, x2: np.ndarray,
        y2: np.ndarray) -> np.ndarray:
    """``(Lsm1 / (1 - r1 - r2) + L0(x1, y1) + L0(x2, y2)) / (1 - r1 - r2)``, complex."""
    return ls1_from(pair_values(x1, y1), pair_values(x2, y2))


def ratio(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``r = x / y``, float64."""
    return x / y


#: The functions of one pair ``(x, y)`` that ``Ls1`` combines: ``r``, ``lnrat``,
#: ``Li2(1 - r)`` and ``L0``.
PAIR_FUNCTIONS = (ratio, lnrat, li2_one_minus, L0)
