"""Known LO partonic cross sections against the matrix-element engine integrated over phase space.

End-to-end check of :func:`hepscaling.physics.cross_section.cross_section` with the real
``matrix_element`` (no analytic stand-in): the Monte Carlo estimate must lie within three
standard errors of the textbook total, with the error small enough (< 1 %) for that to mean
something. The SM inputs are MadGraph's default ``sm`` param_card (:mod:`helpers.sm_inputs`).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers.invariance import assert_same_seed_same_numbers
from helpers.sm_inputs import ALPHA, ALPHA_S, E2, GEV2_TO_PB, GZ2, MT, MZ, SW2, WZ
from hepscaling.errors import UsageError
from hepscaling.physics.cross_section import cross_section, uncut_divergence
from hepscaling.physics.phase_space import Cuts
from hepscaling.physics.process import parse_process


def sigma_ee_mumu(sqrt_s: float) -> float:
    """e+ e- -> mu+ mu- through photon and Z, massless, in pb.

    With the helicity amplitudes ``A_ij = e^2/s + gZ^2 g_i g_j / (s - MZ^2 + i MZ WZ)``
    (``g_L = -1/2 + sw2``, ``g_R = sw2``) the averaged ``|M|^2 = sum_same |A|^2 u^2 +
    sum_opposite |A|^2 t^2``; ``int t^2 dcos = int u^2 dcos = 2 s^2 / 3`` and
    ``sigma = (1/2s) (1/16 pi) int |M|^2 dcos`` give ``sigma = s sum_ij |A_ij|^2 / (48 pi)``
    (pure QED: 4 pi alpha^2 / 3 s).
    """
    s = sqrt_s**2
    g = (-0.5 + SW2, SW2)
    prop = 1.0 / (s - MZ**2 + 1j * MZ * WZ)
    total = sum(abs(E2 / s + GZ2 * gi * gj * prop) ** 2 for gi in g for gj in g)
    return s * total / (48 * math.pi) * GEV2_TO_PB


def sigma_uu_aa(sqrt_s: float, pt_min: float) -> float:
    """u u~ -> a a with ``pT(photon) > pt_min``, in pb.

    ``|M|^2 = (1/3) e^4 Q^4 (u/t + t/u)`` (1/2! included) is ``(1/3) e^4 Q^4 ((1+c)/(1-c) +
    (1-c)/(1+c))`` in ``c = cos theta``; over ``|c| < c0 = sqrt(1 - 4 pt_min^2 / s)`` the
    bracket integrates to ``4 ln((1+c0)/(1-c0)) - 4 c0``.
    """
    s = sqrt_s**2
    c0 = math.sqrt(1 - 4 * pt_min**2 / s)
    integral = 4 * math.log((1 + c0) / (1 - c0)) - 4 * c0
    return E2**2 * (2 / 3) ** 4 / 3 * integral / (32 * math.pi * s) * GEV2_TO_PB


def sigma_gg_ttbar(sqrt_s: float) -> float:
    """g g -> t t~ (Combridge 1979; ESW eq. 10.12), in pb, with ``rho = 4 MT^2/s``:
    ``pi alpha_s^2 / (3 s) [(1 + rho + rho^2/16) ln((1+beta)/(1-beta)) - beta (7/4 + 31 rho/16)]``.
    """
    s = sqrt_s**2
    rho = 4 * MT**2 / s
    beta = math.sqrt(1 - rho)
    return (math.pi * ALPHA_S**2 / (3 * s)
            * ((1 + rho + rho**2 / 16) * math.log((1 + beta) / (1 - beta))
               - beta * (7 / 4 + 31 * rho / 16)) * GEV2_TO_PB)


def sigma_uu_ttbar(sqrt_s: float) -> float:
    """u u~ -> t t~ through a gluon (ESW eq. 10.12), in pb:
    ``8 pi alpha_s^2 / (27 s) beta (1 + rho/2)``."""
    s = sqrt_s**2
    rho = 4 * MT**2 / s
    return 8 * math.pi * ALPHA_S**2 / (27 * s) * math.sqrt(1 - rho) * (1 + rho / 2) * GEV2_TO_PB


@pytest.mark.parametrize(("process", "sqrt_s", "cuts", "expected"), [
    ("e+ e- > mu+ mu-", MZ, None, sigma_ee_mumu(MZ)),
    ("e+ e- > mu+ mu-", 500.0, None, sigma_ee_mumu(500.0)),
    ("u u~ > a a", 200.0, Cuts(pt_min=20.0), sigma_uu_aa(200.0, 20.0)),
    ("g g > t t~", 500.0, None, sigma_gg_ttbar(500.0)),
    ("u u~ > t t~ QED<=0", 500.0, None, sigma_uu_ttbar(500.0)),
])
def test_cross_section_matches_analytic_total(process, sqrt_s, cuts, expected):
    result = cross_section(process, sqrt_s, 40_000, seed=2024, cuts=cuts)
    assert result.error_pb < 0.01 * expected
    pull = (result.value_pb - expected) / result.error_pb
    assert abs(pull) < 3.0, (
        f"{process} at {sqrt_s} GeV: {result.value_pb:.6g} +- {result.error_pb:.2g} pb, "
        f"analytic {expected:.6g} pb (pull {pull:.2f})")


def test_pure_qed_limit_of_the_total():
    # Far below the Z pole the photon dominates: sigma -> 4 pi alpha^2 / (3 s) to ~1e-3.
    qed = 4 * math.pi * ALPHA**2 / (3 * 10.0**2) * GEV2_TO_PB
    np.testing.assert_allclose(sigma_ee_mumu(10.0), qed, rtol=3e-3)


def test_same_seed_same_cross_section():
    assert_same_seed_same_numbers(lambda seed: np.array(
        [cross_section("u u~ > z g", 500.0, 500, seed=seed, cuts=Cuts(pt_min=20.0)).value_pb]))


@pytest.mark.parametrize(("process", "cuts", "needs"), [
    ("e+ e- > mu+ mu-", None, None),
    ("e+ e- > u u~", None, None),  # a massless quark pair from leptons is finite
    ("g g > t t~", None, None),
    ("u u~ > g g", None, "--pt-min"),
    ("e+ e- > a a", None, "--pt-min"),
    ("u u~ > g g", Cuts(eta_max=2.5), None),  # 2 -> 2: a rapidity cut bounds pT
    ("u u~ > g g g", Cuts(eta_max=2.5), "--pt-min"),
    ("g g > g g g", Cuts(pt_min=20.0), "--delta-r-min"),
    ("g g > g g g", Cuts(pt_min=20.0, delta_r_min=0.4), None),
    ("e+ e- > mu+ mu- a", Cuts(pt_min=5.0), "--delta-r-min"),
    ("u u~ > z g", Cuts(pt_min=20.0), None),
])
def test_uncut_divergence(process, cuts, needs):
    reason = uncut_divergence(parse_process(process), cuts)
    assert (reason is None) == (needs is None)
    assert needs is None or needs in reason


def test_divergent_cross_section_is_refused():
    with pytest.raises(UsageError, match="diverges without cuts"):
        cross_section("u u~ > g g", 500.0, 100, seed=0)
