"""The BDK logarithmic functions of the five-point primitives, against mpmath at 40 digits.

Independent truths: the closed forms evaluated in high precision (mpmath), the dilogarithm
just off its cut on the side the ``-i0`` prescription selects, and the finiteness of ``Ls1``
at its spurious pole ``r1 + r2 = 1``.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from hepscaling.physics.loop_induced.functions import L0, L1, L2, Ls1, li2_one_minus, lnrat

mpmath.mp.dps = 40


def closed_forms(r: float) -> tuple[float, float, float]:
    """``L0``, ``L1``, ``L2`` at ``x / y = r > 0`` in 40-digit arithmetic."""
    r_mp = mpmath.mpf(r)
    d = 1 - r_mp
    l0 = mpmath.log(r_mp) / d
    return float(l0), float((l0 + 1) / d), float((mpmath.log(r_mp) - (r_mp - 1 / r_mp) / 2) / d**3)


@pytest.mark.parametrize("r", [1.0 - 1e-9, 1.0 + 1e-4, 0.951, 0.949, 1.049, 1.051, 0.3, 4.0])
def test_removable_functions_near_and_away_from_r_equal_one(r):
    y = np.array([-250.0])
    x = r * y
    for function, expected in zip((L0, L1, L2), closed_forms(r), strict=True):
        assert function(x, y)[0] == pytest.approx(expected, rel=1e-13)


def test_lnrat_follows_the_minus_i0_prescription():
    # ln(-s - i0) = ln|s| - i pi for s > 0 (x = -s < 0)
    value = lnrat(np.array([-3.0]), np.array([2.0]))[0]
    assert value == pytest.approx(np.log(1.5) - 1j * np.pi, rel=1e-15)


@pytest.mark.parametrize(("x", "y"), [(-3.0, -2.0), (-0.5, -7.0), (3.0, -2.0), (-0.25, 9.0)])
def test_dilogarithm_continuation_matches_mpmath_off_the_cut(x, y):
    r = x / y
    value = li2_one_minus(np.array([x]), np.array([y]))[0]
    if r > 0:
        expected = complex(mpmath.polylog(2, 1 - mpmath.mpf(r)))
    else:  # 1 - r > 1, on the cut: approach from the side whose Im part is -Im(lnrat) ln(1-r)
        side = -np.sign(lnrat(np.array([x]), np.array([y]))[0].imag)
        expected = complex(mpmath.polylog(2, 1 - mpmath.mpf(r) + side * 1j * mpmath.mpf(1e-30)))
    assert value == pytest.approx(expected, rel=1e-13, abs=1e-14)


def test_ls1_is_finite_across_its_spurious_pole():
    y = np.array([-100.0])
    near = [Ls1(np.array([-(0.4 + delta) * 100.0]), y, np.array([-60.0]), y)[0]
            for delta in (1e-2, 1e-3, -1e-3)]
    assert abs(near[1] - near[2]) < 1e-2 * abs(near[1])  # smooth through r1 + r2 = 1
    assert abs(near[0] - near[1]) < 1e-1 * abs(near[1])
