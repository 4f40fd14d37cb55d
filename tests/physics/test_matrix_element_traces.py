"""|M|^2 of the engine against brute-force Feynman-rule spin sums with explicit Dirac matrices.

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

from helpers.dirac import GAMMA, GAMMA5, METRIC, bar, slash
from helpers.kinematics import central_events, dot
from helpers.me_checks import assert_matches
from helpers.sm_inputs import CW2, DOWN, GS2, GW2, GZ2, MH, MT, MW, MZ, UP, VEV, WT, WW, WZ, chiral

EYE = np.eye(4)
P_L, P_R = (EYE - GAMMA5) / 2, (EYE + GAMMA5) / 2


def polarisation_sum(k: np.ndarray, mass: float) -> np.ndarray:
    """``sum_lambda eps_mu eps*_nu = -g_mu_nu + k_mu k_nu / M^2`` (lower indices), ``(4, 4)``."""
    k_lower = METRIC @ k
    return -METRIC + np.outer(k_lower, k_lower) / mass**2


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


# --- u d~ > w+ z -----------------------------------------------------------------------------
#
# Three diagrams on the quark line v(p2)bar Gamma^{ab} u(p1), W+(p3) index a, Z(p4) index b:
#   t-channel d: gZ gW  G^b C_d (p1-p3-slash) G^a P_L / t
#   u-channel u: gZ gW  G^a P_L (p1-p4-slash) G^b C_u / u
#   s-channel W: sign gW g cw  G_n P_L V^{n a b} / (s - MW^2 + i MW WW),
#     V^{n a b} = g^{an} (-p3-q)^b + g^{nb} (q+p4)^a + g^{ab} (p3-p4)^n,  q = p1 + p2,
# with C_f = gL P_L + gR P_R, gW = g / sqrt 2, g = e / sw (the q^n q^m / MW^2 part of the W
# propagator vanishes on the massless current). The relative sign of the s-channel diagram is
# the one for which the (s/MW^2)^2 growth of the longitudinal modes cancels (gauge invariance;
# the other sign grows ~1e4-fold from 2 to 20 TeV): sign = -1, checked by
# test_wz_reference_is_gauge_invariant. Colour 3/9, spins 1/4.

WZ_S_CHANNEL_SIGN = -1.0


def ud_wz(p: np.ndarray, sign: float = WZ_S_CHANNEL_SIGN) -> np.ndarray:
    """Spin- and colour-averaged |M|^2 of u d~ > w+ z, ``p (n, 4, 4)`` GeV -> ``(n,)``."""
    g_z, g_w = math.sqrt(GZ2), math.sqrt(GW2)
    g_wwz = math.sqrt(2 * GW2) * math.sqrt(CW2)  # g cw
    c_u, c_d = ((gl * P_L + gr * P_R) for gl, gr in (chiral(*UP), chiral(*DOWN)))
    out = np.empty(p.shape[0])
    for n, (p1, p2, p3, p4) in enumerate(p):
        q = p1 + p2
        s, t, u = dot(q, q), dot(p1 - p3, p1 - p3), dot(p1 - p4, p1 - p4)
        w_prop = 1.0 / (s - MW**2 + 1j * MW * WW)
        gamma = {}
        for a, b in itertools.product(range(4), repeat=2):
            vertex = (GAMMA[a] * (-p3 - q)[b] + GAMMA[b] * (q + p4)[a]
                      + METRIC[a, b] * slash(p3 - p4))
            gamma[a, b] = (g_z * g_w * (GAMMA[b] @ c_d @ slash(p1 - p3) @ GAMMA[a] @ P_L / t
                                        + GAMMA[a] @ P_L @ slash(p1 - p4) @ GAMMA[b] @ c_u / u)
                           + sign * g_w * g_wwz * w_prop * vertex @ P_L)
        pol_w, pol_z = polarisation_sum(p3, MW), polarisation_sum(p4, MZ)
        total = 0.0
        for a, b, a2, b2 in itertools.product(range(4), repeat=4):
            weight = pol_w[a, a2] * pol_z[b, b2]
            if weight:
                total += weight * np.trace(slash(p2) @ gamma[a, b] @ slash(p1)
                                           @ bar(gamma[a2, b2]))
        out[n] = total.real * 3 / 36
    return out


def test_wz_reference_is_gauge_invariant():
    # A 2 -> 2 |M|^2 tends to a constant at fixed angles when the gauge cancellation works.
    low, high = (central_events(3, sqrt_s, (MW, MZ), seed=1) for sqrt_s in (2000.0, 20000.0))
    assert np.all(np.abs(ud_wz(high) / ud_wz(low) - 1) < 0.1)
    assert np.all(ud_wz(high, sign=1.0) / ud_wz(low, sign=1.0) > 1e3)


@pytest.mark.parametrize("sqrt_s", [200.0, 500.0, 2000.0])
def test_u_dbar_to_wz(sqrt_s):
    p = central_events(6, sqrt_s, (MW, MZ), seed=2)
    assert_matches("u d~ > w+ z", p, ud_wz(p))


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


# --- Higgs-strahlung: pins the hZZ and hWW couplings ----------------------------------------
#
# f(p_f) fbar(p_fbar) -> V(p3) h(p4) through an s-channel V: M = g_V g_VVh / (s - MV^2 + i MV WV)
# vbar(p_fbar) G^a C u(p_f) eps*_a(p3), with g_ZZh = g MZ / cw = e MZ / (sw cw) and
# g_WWh = g MW; the k k / MV^2 part of the propagator vanishes on the massless current.


def higgsstrahlung(p: np.ndarray, f: int, fbar: int, chirality: np.ndarray, g_v2: float,
                   mass: float, width: float, g_vvh: float, average: float) -> np.ndarray:
    """Averaged |M|^2 of ``f fbar > V h`` (V at index 2); ``chirality`` the ``(4, 4)`` coupling
    matrix ``gL P_L + gR P_R`` in units of ``g_V``; ``average`` the initial average over the
    colour sum."""
    out = np.empty(p.shape[0])
    for n, event in enumerate(p):
        q = event[0] + event[1]
        prop2 = g_v2 * g_vvh**2 / abs(dot(q, q) - mass**2 + 1j * mass * width) ** 2
        pol = polarisation_sum(event[2], mass)
        total = sum(pol[a, b] * np.trace(slash(event[fbar]) @ GAMMA[a] @ chirality
                                         @ slash(event[f]) @ bar(GAMMA[b] @ chirality))
                    for a, b in itertools.product(range(4), repeat=2))
        out[n] = prop2 * total.real / average
    return out


@pytest.mark.parametrize("sqrt_s", [250.0, 1000.0])
def test_ee_to_zh(sqrt_s):
    g_l, g_r = chiral(-0.5, -1.0)
    p = central_events(6, sqrt_s, (MZ, MH), seed=8)
    expected = higgsstrahlung(p, 1, 0, g_l * P_L + g_r * P_R, GZ2, MZ, WZ,
                              math.sqrt(GZ2) * MZ, 4.0)
    assert_matches("e+ e- > z h", p, expected)


@pytest.mark.parametrize("sqrt_s", [250.0, 1000.0])
def test_u_dbar_to_wh(sqrt_s):
    p = central_events(6, sqrt_s, (MW, MH), seed=8)
    expected = higgsstrahlung(p, 0, 1, P_L, GW2, MW, WW, math.sqrt(2 * GW2) * MW, 4.0 * 3.0)
    assert_matches("u d~ > w+ h", p, expected)


# --- u u~ > z g: the closed form of the analytic tests, re-derived from diagrams -------------
#
# vbar(p2) [G^b (p1-p3-slash) G^a C_u / t + G^a C_u (p1-p4-slash) G^b / u] u(p1), Z index a,
# gluon index b (polarisation sum -g: one external gluon, abelian-like Ward identity), colour
# Tr(T^a T^a) = 4, averaged over 36.


def uu_zg(p: np.ndarray) -> np.ndarray:
    """Spin- and colour-averaged |M|^2 of u u~ > z g, ``p (n, 4, 4)`` GeV -> ``(n,)``."""
    g_l, g_r = chiral(*UP)
    c_u = g_l * P_L + g_r * P_R
    out = np.empty(p.shape[0])
    for n, (p1, p2, p3, p4) in enumerate(p):
        t, u = dot(p1 - p3, p1 - p3), dot(p1 - p4, p1 - p4)
        gamma = {(a, b): (GAMMA[b] @ slash(p1 - p3) @ GAMMA[a] @ c_u / t
                          + GAMMA[a] @ c_u @ slash(p1 - p4) @ GAMMA[b] / u)
                 for a, b in itertools.product(range(4), repeat=2)}
        pol_z = polarisation_sum(p3, MZ)
        total = sum(pol_z[a, a2] * -METRIC[b, b2]
                    * np.trace(slash(p2) @ gamma[a, b] @ slash(p1) @ bar(gamma[a2, b2]))
                    for a, b, a2, b2 in itertools.product(range(4), repeat=4)
                    if pol_z[a, a2] and METRIC[b, b2])
        out[n] = GZ2 * GS2 * 4 * total.real / 36
    return out


def test_u_ubar_to_zg():
    p = central_events(6, 500.0, (MZ, 0.0), seed=6)
    assert_matches("u u~ > z g", p, uu_zg(p))


# --- u u~ > z g g: two colour structures, polarisation sums in axial gauge --------------------
#
# M = gs^2 gZ [(T^a T^b)_ij A_1 + (T^b T^a)_ij A_2]. Reading the quark line from vbar(p2) to
# u(p1), A_1 holds the three orderings of (Z, g_a, g_b) with g_a before g_b, A_2 the other three,
# and the triple-gluon graph (f^abc T^c = -i [T^a, T^b]) enters A_1 and A_2 with opposite signs:
#   NA = [G^a C_u S(p1 - K) G_n + G_n S(p1 - p3) G^a C_u] V^{n b c}(K, -k_a, -k_b) / K^2,
#   V^{n b c}(q1, q2, q3) = g^{nb} (q1-q2)^c + g^{bc} (q2-q3)^n + g^{cn} (q3-q1)^b,
# S(q) = q-slash / q^2, K = k_a + k_b. Colour matrix: Tr(T^a T^b T^b T^a) = 16/3 on the
# diagonal, Tr(T^a T^b T^a T^b) = -2/3 off it. With two external gluons the sum over their
# polarisations must be physical: -g + (k n + n k) / (k.n) with a light-like reference n. The
# result is independent of n only with the right relative sign of the triple-gluon graph
# (test_zgg_reference_is_gauge_invariant); averaged over 36, and 1/2! for the gluons.

G_LOWER = np.einsum("mn,nij->mij", METRIC, GAMMA)  # gamma_mu
COLOUR_QQGG = np.array([[16 / 3, -2 / 3], [-2 / 3, 16 / 3]])
AXIS_Z, AXIS_X = np.array([1.0, 0.0, 0.0, 1.0]), np.array([1.0, 1.0, 0.0, 0.0])


def _physical_gluon_sum(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``-g + (k n + n k) / (k.n)`` with lower indices, ``(4, 4)``."""
    k_l, n_l = METRIC @ k, METRIC @ n
    return -METRIC + (np.outer(k_l, n_l) + np.outer(n_l, k_l)) / dot(k, n)


def _quark_line(p1: np.ndarray, emissions: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """``V_1 S(.) V_2 S(.) ... V_n`` for bosons ``(vertex, momentum)`` listed from the vbar end;
    the quark entering with ``p1`` has emitted the later bosons before each propagator."""
    out = emissions[0][0]
    for i in range(1, len(emissions)):
        q = p1 - sum(k for _, k in emissions[i:])
        out = out @ slash(q) / dot(q, q) @ emissions[i][0]
    return out


def uu_zgg(p: np.ndarray, reference: tuple[np.ndarray, np.ndarray] = (AXIS_Z, AXIS_Z)
           ) -> np.ndarray:
    """Spin- and colour-averaged |M|^2 of u u~ > z g g, ``p (n, 5, 4)`` GeV -> ``(n,)``."""
    g_l, g_r = chiral(*UP)
    z_vertex = [g @ (g_l * P_L + g_r * P_R) for g in GAMMA]
    out = np.empty(p.shape[0])
    for n, (p1, p2, p3, ka, kb) in enumerate(p):
        big_k = ka + kb
        amps = np.zeros((2, 4, 4, 4, 4, 4), dtype=complex)  # (colour, a, b, c, row, col)
        for a, b, c in itertools.product(range(4), repeat=3):
            z, ga, gb = (z_vertex[a], p3), (GAMMA[b], ka), (GAMMA[c], kb)
            amps[0, a, b, c] = sum(_quark_line(p1, order) for order in
                                   ([z, ga, gb], [ga, z, gb], [ga, gb, z]))
            amps[1, a, b, c] = sum(_quark_line(p1, order) for order in
                                   ([z, gb, ga], [gb, z, ga], [gb, ga, z]))
            q1, q2, q3 = big_k, -ka, -kb
            non_abelian = sum(
                (METRIC[nu, b] * (q1 - q2)[c] + METRIC[b, c] * (q2 - q3)[nu]
                 + METRIC[c, nu] * (q3 - q1)[b])
                * (_quark_line(p1, [z, (G_LOWER[nu], big_k)])
                   + _quark_line(p1, [(G_LOWER[nu], big_k), z]))
                for nu in range(4)) / dot(big_k, big_k)
            amps[0, a, b, c] += non_abelian
            amps[1, a, b, c] -= non_abelian
        left = np.einsum("ij,xabcjk,kl->xabcil", slash(p2), amps, slash(p1))
        right = np.array([[[[bar(amps[x, a, b, c]) for c in range(4)] for b in range(4)]
                           for a in range(4)] for x in range(2)])
        total = np.einsum("xy,xabcrs,yABCsr,aA,bB,cC->", COLOUR_QQGG, left, right,
                          polarisation_sum(p3, MZ), _physical_gluon_sum(ka, reference[0]),
                          _physical_gluon_sum(kb, reference[1]))
        out[n] = GS2**2 * GZ2 * total.real / (36 * 2)
    return out


def test_zgg_reference_is_gauge_invariant():
    p = central_events(2, 500.0, (MZ, 0.0, 0.0), seed=7)
    np.testing.assert_allclose(uu_zgg(p, (AXIS_X, AXIS_Z)), uu_zgg(p), rtol=1e-10)


@pytest.mark.parametrize("sqrt_s", [300.0, 1000.0])
def test_u_ubar_to_zgg(sqrt_s):
    p = central_events(4, sqrt_s, (MZ, 0.0, 0.0), seed=7)
    assert_matches("u u~ > z g g", p, uu_zgg(p))


# --- u d~ > w+ z g: the three u d~ > w+ z graphs with a gluon on the quark line --------------
#
# Emissions listed from the vbar(p2) end: t-type [Z_d, W], u-type [W, Z_u], s-type [X] with
# X^{ab} = WZ_S_CHANNEL_SIGN gW g cw G_n P_L V^{n a b}(Q) / (Q^2 - MW^2 + i MW WW), Q = p3 + p4
# (the sign fixed by u d~ > w+ z above), the gluon inserted at every place on the line. The
# gluon couples to the conserved quark line only: -g suffices, checked against the axial sum.
# Colour Tr(T^a T^a) = 4, averaged over 36.


def ud_wzg(p: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """Spin- and colour-averaged |M|^2 of u d~ > w+ z g, ``p (n, 5, 4)`` GeV -> ``(n,)``."""
    g_w, g_wwz = math.sqrt(GW2), math.sqrt(2 * GW2) * math.sqrt(CW2)
    c_u, c_d = ((gl * P_L + gr * P_R) * math.sqrt(GZ2) for gl, gr in (chiral(*UP), chiral(*DOWN)))
    out = np.empty(p.shape[0])
    for n, (p1, p2, p3, p4, kg) in enumerate(p):
        q = p3 + p4
        w_prop = WZ_S_CHANNEL_SIGN * g_w * g_wwz / (dot(q, q) - MW**2 + 1j * MW * WW)
        amp = np.zeros((4, 4, 4, 4, 4), dtype=complex)  # (W index, Z index, gluon index, ...)
        for a, b, c in itertools.product(range(4), repeat=3):
            w, g = (g_w * GAMMA[a] @ P_L, p3), (GAMMA[c], kg)
            vertex = (GAMMA[a] * (-p3 - q)[b] + GAMMA[b] * (q + p4)[a]
                      + METRIC[a, b] * slash(p3 - p4))
            lines = ([(GAMMA[b] @ c_d, p4), w], [w, (GAMMA[b] @ c_u, p4)],
                     [(w_prop * vertex @ P_L, q)])
            amp[a, b, c] = sum(_quark_line(p1, [*line[:i], g, *line[i:]])
                               for line in lines for i in range(len(line) + 1))
        left = np.einsum("ij,abcjk,kl->abcil", slash(p2), amp, slash(p1))
        right = np.array([[[bar(amp[a, b, c]) for c in range(4)] for b in range(4)]
                          for a in range(4)])
        gluon_sum = -METRIC if reference is None else _physical_gluon_sum(kg, reference)
        total = np.einsum("abcrs,ABCsr,aA,bB,cC->", left, right, polarisation_sum(p3, MW),
                          polarisation_sum(p4, MZ), gluon_sum)
        out[n] = GS2 * 4 * total.real / 36
    return out


def test_wzg_reference_polarisation_sum_is_physical():
    p = central_events(2, 500.0, (MW, MZ, 0.0), seed=9)
    np.testing.assert_allclose(ud_wzg(p, AXIS_X), ud_wzg(p), rtol=1e-10)


@pytest.mark.parametrize("sqrt_s", [400.0, 1000.0])
def test_u_dbar_to_wzg(sqrt_s):
    p = central_events(4, sqrt_s, (MW, MZ, 0.0), seed=9)
    assert_matches("u d~ > w+ z g", p, ud_wzg(p))
