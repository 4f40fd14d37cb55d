"""|M|^2 of the engine against brute-force Feynman-rule spin sums with explicit Dirac matrices:
QCD and top/Higgs-Yukawa processes (the electroweak ones are in
``test_matrix_element_electroweak.py``).

For processes without a compact closed form, each diagram is written down from the SM Feynman
rules (unitary gauge, massive polarisation sums ``-g + k k / M^2``), the spin sum becomes traces
of 4x4 matrices from :mod:`helpers.dirac`, and colour and averages are done by hand. The SM
inputs are those of :mod:`helpers.sm_inputs`. Exact, so compared at 1e-10 relative.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from helpers.dirac import (
    EYE,
    GAMMA,
    METRIC,
    P_L,
    P_R,
    bar,
    polarisation_sum,
    slash,
)
from helpers.gluons import AXIS_X, AXIS_Y, QUARTIC_SIGN, line_squared
from helpers.kinematics import central_events, dot
from helpers.me_checks import assert_matches
from helpers.sm_inputs import GS2, GW2, GZ2, MH, MT, MW, MZ, UP, VEV, WT, chiral

# --- u u~ > t t~ h (the main case study) ----------------------------------------------------
#
# Default orders (QCD=2, QED=1): an s-channel gluon and the Higgs radiated off the top or the
# antitop, Yukawa vertex -i ymt/v with v = 2 MW sw / e (MadGraph sm, ymt = MT), top width in
# those (final-state, s-channel-like) propagators. With O^mu = (p3+p5-slash + MT) G^mu / D35 +
# G^mu (-p4-p5-slash + MT) / D45, D_ij = (pi+pj)^2 - MT^2 + i MT WT, the spin and colour sum is
#   gs^4 y^2 Tr(T^a T^b) Tr(T^a T^b) / s^2  L^{mu nu} H_{mu nu},   Tr(T^a T^b)^2 = 2,
#   L = Tr[p2 G^mu p1 G^nu],  H = Tr[(p3 + MT) O_mu (p4 - MT) bar(O_nu)],
# averaged over 2 x 2 x 3 x 3 = 36 initial states.


def uu_ttbar_h(p: np.ndarray) -> np.ndarray:
    """Spin- and colour-averaged |M|^2 of u u~ > t t~ h, ``p (n, 5, 4)`` GeV -> ``(n,)``."""
    out = np.empty(p.shape[0])
    for n, (p1, p2, p3, p4, p5) in enumerate(p):
        d35 = dot(p3 + p5, p3 + p5) - MT**2 + 1j * MT * WT
        d45 = dot(p4 + p5, p4 + p5) - MT**2 + 1j * MT * WT
        o = [(slash(p3 + p5) + MT * EYE) @ g / d35 + g @ (-slash(p4 + p5) + MT * EYE) / d45
             for g in GAMMA]
        total = 0.0
        for mu, nu in itertools.product(range(4), repeat=2):
            light = np.trace(slash(p2) @ GAMMA[mu] @ slash(p1) @ GAMMA[nu])
            heavy = np.trace((slash(p3) + MT * EYE) @ o[mu] @ (slash(p4) - MT * EYE)
                             @ bar(o[nu]))
            total += METRIC[mu, mu] * METRIC[nu, nu] * light * heavy
        s = dot(p1 + p2, p1 + p2)
        out[n] = (GS2**2 * (MT / VEV) ** 2 * 2 / s**2 * total).real / 36
    return out


@pytest.mark.parametrize("sqrt_s", [500.0, 1000.0])
def test_u_ubar_to_ttbar_h(sqrt_s):
    p = central_events(8, sqrt_s, (MT, MT, MH), seed=4)
    assert_matches("u u~ > t t~ h", p, uu_ttbar_h(p))


# --- u u~ > z + n gluons (n = 1, 2, 3): every Feynman diagram (helpers.gluons) ---------------
#
# One colourless base line, the Z vertex gZ G^a (gL P_L + gR P_R) on the u line; the gluons
# attach singly or through three- and four-gluon vertices, colour by explicit SU(3) strings.
# The gluon polarisation sums are axial-gauge ones, so the reference vectors must drop out:
# that fixes the sign of the four-gluon term (test_gluon_reference_vectors_drop_out).
# Averaged over 36, and 1/n! for the gluons.


def uu_z_gluons(p: np.ndarray, references: tuple[np.ndarray, ...] | None = None,
                quartic_sign: float = QUARTIC_SIGN) -> np.ndarray:
    """Spin- and colour-averaged |M|^2 of u u~ > z + n gluons, ``p (m, 3 + n, 4)`` GeV."""
    n_g = p.shape[1] - 3
    g_l, g_r = chiral(*UP)
    z_vertex = math.sqrt(GZ2) * np.array([g @ (g_l * P_L + g_r * P_R) for g in GAMMA])
    return np.array([
        line_squared(p1, p2, [[(z_vertex, p3)]], [polarisation_sum(p3, MZ)], gluons,
                     references, quartic_sign)
        for p1, p2, p3, *gluons in p]) * GS2**n_g / (36 * math.factorial(n_g))


def test_gluon_reference_vectors_drop_out():
    for n_g, seed in ((2, 7), (3, 8)):
        p = central_events(1, 1000.0, (MZ,) + (0.0,) * n_g, seed=seed)
        moved = (AXIS_X, AXIS_Y, AXIS_X)[:n_g]
        np.testing.assert_allclose(uu_z_gluons(p, moved), uu_z_gluons(p), rtol=1e-9)
    wrong = uu_z_gluons(p, moved, quartic_sign=1.0) / uu_z_gluons(p, quartic_sign=1.0)
    assert np.all(np.abs(wrong - 1) > 1e-3)


@pytest.mark.parametrize("process", ["u u~ > z g", "u u~ > z g g", "u u~ > z g g g"])
@pytest.mark.parametrize("sqrt_s", [300.0, 1000.0])
def test_u_ubar_to_z_gluons(process, sqrt_s):
    n_g = process.count(" g")
    p = central_events(2, sqrt_s, (MZ,) + (0.0,) * n_g, seed=9)
    assert_matches(process, p, uu_z_gluons(p))


# --- decays 1 -> 2 (the decaying particle at rest; MadGraph sums final and averages initial
# helicities and colours as for scattering) ----------------------------------------------------

MB = 4.7  # massive b in the default sm model (ymb = MB)


def _at_rest_decay(mass: float, m1: float, m2: float, seed: int = 3, n: int = 4) -> np.ndarray:
    """``(n, 3, 4)`` momenta of a decay at rest into two particles in random directions."""
    rng = np.random.default_rng(seed)
    k = math.sqrt((mass**2 - (m1 + m2) ** 2) * (mass**2 - (m1 - m2) ** 2)) / (2 * mass)
    direction = rng.normal(size=(n, 3))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    p = np.zeros((n, 3, 4))
    p[:, 0, 0] = mass
    p[:, 1, 0], p[:, 1, 1:] = math.hypot(k, m1), k * direction
    p[:, 2, 0], p[:, 2, 1:] = math.hypot(k, m2), -k * direction
    return p


def test_z_to_electrons():
    # sum = gZ^2 (gL^2 + gR^2) (-g + kk/M^2)_mn Tr[p1 G^m p2 G^n] / 2 = 2 gZ^2 (gL^2+gR^2) MZ^2,
    # averaged over 3 Z polarisations (Gamma = |M|^2 / (16 pi MZ) = gZ^2 (gL^2+gR^2) MZ / 24 pi).
    g_l, g_r = chiral(-0.5, -1.0)
    p = _at_rest_decay(MZ, 0.0, 0.0)
    assert_matches("z > e+ e-", p, np.full(4, 2 * GZ2 * (g_l**2 + g_r**2) * MZ**2 / 3))


def test_higgs_to_b_bbar():
    # (ymb/v)^2 Tr[(p1 + MB)(p2 - MB)] x 3 colours = 3 (MB/v)^2 2 (MH^2 - 4 MB^2).
    p = _at_rest_decay(MH, MB, MB)
    assert_matches("h > b b~", p, np.full(4, 3 * (MB / VEV) ** 2 * 2 * (MH**2 - 4 * MB**2)))


def test_top_to_b_w():
    # gW^2 P_mn(pW) Tr[(pb + MB) G^m P_L (pt + MT) P_R G^n], averaged over 2 top spins (colour
    # sum 3 / average 3 = 1).
    p = _at_rest_decay(MT, MB, MW)
    expected = np.empty(4)
    for n, (p_t, p_b, p_w) in enumerate(p):
        pol = polarisation_sum(p_w, MW)
        expected[n] = GW2 / 2 * sum(
            pol[m, k] * np.trace((slash(p_b) + MB * EYE) @ GAMMA[m] @ P_L
                                 @ (slash(p_t) + MT * EYE) @ P_R @ GAMMA[k])
            for m, k in itertools.product(range(4), repeat=2)).real
    assert_matches("t > b w+", p, expected)
