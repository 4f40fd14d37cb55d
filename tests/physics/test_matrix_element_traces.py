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
    G_LOWER,
    GAMMA,
    METRIC,
    P_L,
    P_R,
    bar,
    physical_gluon_sum,
    polarisation_sum,
    quark_line,
    slash,
    triple_gauge,
)
from helpers.kinematics import boost_between, central_events, dot
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
#   V^{n b c}(q1, q2, q3) = g^{nb} (q1-q2)^c + g^{bc} (q2-q3)^n + g^{cn} (q3-q1)^b
#   (helpers.dirac.triple_gauge),
# S(q) = q-slash / q^2, K = k_a + k_b. Colour matrix: Tr(T^a T^b T^b T^a) = 16/3 on the
# diagonal, Tr(T^a T^b T^a T^b) = -2/3 off it. With two external gluons the sum over their
# polarisations must be physical: -g + (k n + n k) / (k.n) with a light-like reference n. The
# result is independent of n only with the right relative sign of the triple-gluon graph
# (test_zgg_reference_is_gauge_invariant); averaged over 36, and 1/2! for the gluons.

COLOUR_QQGG = np.array([[16 / 3, -2 / 3], [-2 / 3, 16 / 3]])
AXIS_Z, AXIS_X = np.array([1.0, 0.0, 0.0, 1.0]), np.array([1.0, 1.0, 0.0, 0.0])


def zgg_colour_blocks(p: np.ndarray, reference: tuple[np.ndarray, np.ndarray] = (AXIS_Z, AXIS_Z)
                      ) -> np.ndarray:
    """``S_xy = gs^4 gZ^2 / 36 sum_spins A_x A_y*`` of u u~ > z g g, complex ``(n, 2, 2)``, in
    the colour basis ``((T^a T^b)_ij, (T^b T^a)_ij)``; ``sum_xy C_xy S_xy`` is the averaged
    ``|M|^2`` without the 1/2! for the gluons."""
    g_l, g_r = chiral(*UP)
    z_vertex = [g @ (g_l * P_L + g_r * P_R) for g in GAMMA]
    out = np.empty((p.shape[0], 2, 2), dtype=complex)
    for n, (p1, p2, p3, ka, kb) in enumerate(p):
        big_k = ka + kb
        three_gluon = triple_gauge(big_k, -ka, -kb)
        amps = np.zeros((2, 4, 4, 4, 4, 4), dtype=complex)  # (colour, a, b, c, row, col)
        for a, b, c in itertools.product(range(4), repeat=3):
            z, ga, gb = (z_vertex[a], p3), (GAMMA[b], ka), (GAMMA[c], kb)
            amps[0, a, b, c] = sum(quark_line(p1, order) for order in
                                   ([z, ga, gb], [ga, z, gb], [ga, gb, z]))
            amps[1, a, b, c] = sum(quark_line(p1, order) for order in
                                   ([z, gb, ga], [gb, z, ga], [gb, ga, z]))
            non_abelian = sum(
                three_gluon[nu, b, c] * (quark_line(p1, [z, (G_LOWER[nu], big_k)])
                                         + quark_line(p1, [(G_LOWER[nu], big_k), z]))
                for nu in range(4)) / dot(big_k, big_k)
            amps[0, a, b, c] += non_abelian
            amps[1, a, b, c] -= non_abelian
        left = np.einsum("ij,xabcjk,kl->xabcil", slash(p2), amps, slash(p1))
        right = np.array([[[[bar(amps[x, a, b, c]) for c in range(4)] for b in range(4)]
                           for a in range(4)] for x in range(2)])
        out[n] = GS2**2 * GZ2 / 36 * np.einsum(
            "xabcrs,yABCsr,aA,bB,cC->xy", left, right, polarisation_sum(p3, MZ),
            physical_gluon_sum(ka, reference[0]), physical_gluon_sum(kb, reference[1]))
    return out


def uu_zgg(p: np.ndarray, reference: tuple[np.ndarray, np.ndarray] = (AXIS_Z, AXIS_Z)
           ) -> np.ndarray:
    """Spin- and colour-averaged |M|^2 of u u~ > z g g, ``p (n, 5, 4)`` GeV -> ``(n,)``."""
    blocks = zgg_colour_blocks(p, reference)
    return np.einsum("xy,nxy->n", COLOUR_QQGG, blocks).real / 2


def test_zgg_reference_is_gauge_invariant():
    p = central_events(2, 500.0, (MZ, 0.0, 0.0), seed=7)
    np.testing.assert_allclose(uu_zgg(p, (AXIS_X, AXIS_Z)), uu_zgg(p), rtol=1e-10)


@pytest.mark.parametrize("sqrt_s", [300.0, 1000.0])
def test_u_ubar_to_zgg(sqrt_s):
    p = central_events(4, sqrt_s, (MZ, 0.0, 0.0), seed=7)
    assert_matches("u u~ > z g g", p, uu_zgg(p))


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


# --- u u~ > z g g g: its soft-gluon limit on top of the u u~ > z g g reference ---------------
#
# With four coloured partons the soft factor needs colour correlations (Catani-Seymour 1997,
# eq. 5.30): R_{n+1} -> -gs^2 sum_{k != l} (pk.pl) / ((pk.q)(pl.q)) <M_n| Tk.Tl |M_n>, with
# R = |M|^2 x (identical factor). <Tk.Tl> is computed on the colour tensors (T^a T^b)_ij,
# (T^b T^a)_ij with explicit SU(3) generators acting as T on the outgoing-quark index (row, the
# incoming u~), -T^T on the outgoing-antiquark index (column, the incoming u) and -i f on the
# gluons; colour conservation sum_k Tk = 0 is checked. The reduced |M_n> is the trace
# reference above, so the engine's 2 -> 4 result is tested against independent pieces only.


def _su3_generators() -> tuple[np.ndarray, np.ndarray]:
    """``T^a = lambda^a / 2`` complex ``(8, 3, 3)`` and real ``f^{abc}`` ``(8, 8, 8)``."""
    lam = np.zeros((8, 3, 3), dtype=complex)
    for a, (i, j) in enumerate([(0, 1), (0, 2), (1, 2)]):
        lam[(0, 3, 5)[a], i, j] = lam[(0, 3, 5)[a], j, i] = 1
        lam[(1, 4, 6)[a], i, j], lam[(1, 4, 6)[a], j, i] = -1j, 1j
    lam[2] = np.diag([1, -1, 0])
    lam[7] = np.diag([1, 1, -2]) / math.sqrt(3)
    t = lam / 2
    f = -2j * (np.einsum("aij,bjk,cki->abc", t, t, t) - np.einsum("bij,ajk,cki->abc", t, t, t))
    return t, f.real


def colour_correlators() -> np.ndarray:
    """``<c_x| Tk.Tl |c_y>`` for legs k, l in (u~, u, g_a, g_b), real ``(4, 4, 2, 2)``."""
    t, f = _su3_generators()
    basis = (np.einsum("aik,bkj->ijab", t, t), np.einsum("bik,akj->ijab", t, t))
    charged = [[np.einsum("cxi,ijab->cxjab", t, c), -np.einsum("cjy,ijab->ciyab", t, c),
                -1j * np.einsum("cxa,ijab->cijxb", f, c), -1j * np.einsum("cxb,ijab->cijax", f, c)]
               for c in basis]
    for legs in charged:
        assert np.max(np.abs(sum(legs))) < 1e-14  # colour conservation
    return np.array([[[[np.vdot(charged[x][k], charged[y][l]) for y in range(2)]
                       for x in range(2)] for l in range(4)] for k in range(4)]).real


def test_u_ubar_to_zggg_soft_limit():
    sqrt_s, lam = 1000.0, 1e-6
    p1, p2 = np.array([sqrt_s / 2, 0, 0, sqrt_s / 2]), np.array([sqrt_s / 2, 0, 0, -sqrt_s / 2])
    q = lam * sqrt_s / 2 * np.array([1.0, math.sin(1.1) * math.cos(0.4),
                                     math.sin(1.1) * math.sin(0.4), math.cos(1.1)])
    rest = p1 + p2 - q
    red = central_events(3, math.sqrt(dot(rest, rest)), (MZ, 0.0, 0.0), seed=5)
    full = np.concatenate([np.broadcast_to(np.stack([p1, p2]), (3, 2, 4)),
                           boost_between(red[:, 2:], red[0, 0] + red[0, 1], rest),
                           np.broadcast_to(q, (3, 1, 4))], axis=1)
    blocks, correlators = zgg_colour_blocks(red), colour_correlators()
    expected = np.empty(3)
    for n, event in enumerate(full):
        legs = (event[1], event[0], event[3], event[4])  # u~, u, g_a, g_b
        expected[n] = -GS2 * sum(
            dot(legs[k], legs[l]) / (dot(legs[k], q) * dot(legs[l], q))
            * np.sum(correlators[k, l] * blocks[n])
            for k, l in itertools.permutations(range(4), 2)).real
    # the limit is approached linearly in lam: ~1e-5 at lam = 1e-6
    assert_matches("u u~ > z g g g", full, expected / 6, rtol=5e-5)
