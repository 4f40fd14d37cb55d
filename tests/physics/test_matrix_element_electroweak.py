"""|M|^2 of the engine against brute-force Feynman-rule spin sums: electroweak boson production.

Diagrams from the SM Feynman rules in unitary gauge with the stripped-``i`` convention of
:mod:`helpers.dirac`; spin sums as traces of explicit Dirac matrices, massive polarisation sums
``-g + k k / M^2``, colour and averages by hand; SM inputs from :mod:`helpers.sm_inputs`. Relative
signs that conventions leave open are fixed by gauge invariance (the high-energy cancellations),
each checked by a test of the reference itself. Exact, so compared at 1e-10 relative.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from helpers.dirac import (
    GAMMA,
    METRIC,
    P_L,
    P_R,
    bar,
    polarisation_sum,
    quark_line,
    slash,
    triple_gauge,
    vector_propagator,
)
from helpers.gluons import AXIS_X, AXIS_Y, line_squared
from helpers.kinematics import central_events, dot
from helpers.me_checks import assert_matches
from helpers.sm_inputs import (
    CW2,
    DOWN,
    E2,
    GS2,
    GW2,
    GZ2,
    MH,
    MW,
    MZ,
    UP,
    WW,
    WZ,
    chiral,
)

# --- u d~ > w+ z (+ gluons) -------------------------------------------------------------------
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


def ud_wz_gluons(p: np.ndarray, sign: float = WZ_S_CHANNEL_SIGN,
                 references: tuple[np.ndarray, ...] | None = None) -> np.ndarray:
    """Spin- and colour-averaged |M|^2 of u d~ > w+ z + n gluons (n = 0, 1, 2), the gluons
    attached in every way by helpers.gluons; ``p (m, 4 + n, 4)`` GeV -> ``(m,)``."""
    n_g = p.shape[1] - 4
    g_w, g_wwz = math.sqrt(GW2), math.sqrt(2 * GW2) * math.sqrt(CW2)  # gW, g cw
    c_u, c_d = ((gl * P_L + gr * P_R) * math.sqrt(GZ2) for gl, gr in (chiral(*UP), chiral(*DOWN)))
    w_vertex = (g_w * GAMMA @ P_L)[:, None]  # (a, 1, 4, 4): W+ index a
    z_u, z_d = ((GAMMA @ c)[None] for c in (c_u, c_d))  # (1, b, 4, 4): Z index b
    out = np.empty(p.shape[0])
    for n, (p1, p2, p3, p4, *gluons) in enumerate(p):
        q = p3 + p4
        vertex = (np.einsum("aij,b->abij", GAMMA, -p3 - q) + np.einsum("bij,a->abij", GAMMA, q + p4)
                  + np.einsum("ab,ij->abij", METRIC, slash(p3 - p4)))
        s_channel = sign * g_w * g_wwz / (dot(q, q) - MW**2 + 1j * MW * WW) * vertex @ P_L
        lines = [[(z_d, p4), (w_vertex, p3)], [(w_vertex, p3), (z_u, p4)], [(s_channel, q)]]
        out[n] = line_squared(p1, p2, lines, [polarisation_sum(p3, MW), polarisation_sum(p4, MZ)],
                              gluons, references)
    return out * GS2**n_g / (36 * math.factorial(n_g))


def test_wz_reference_is_gauge_invariant():
    # A 2 -> 2 |M|^2 tends to a constant at fixed angles when the gauge cancellation works.
    low, high = (central_events(3, sqrt_s, (MW, MZ), seed=1) for sqrt_s in (2000.0, 20000.0))
    assert np.all(np.abs(ud_wz_gluons(high) / ud_wz_gluons(low) - 1) < 0.1)
    assert np.all(ud_wz_gluons(high, sign=1.0) / ud_wz_gluons(low, sign=1.0) > 1e3)


def test_wz_gluon_reference_vectors_drop_out():
    p = central_events(1, 1000.0, (MW, MZ, 0.0, 0.0), seed=9)
    np.testing.assert_allclose(ud_wz_gluons(p, references=(AXIS_X, AXIS_Y)), ud_wz_gluons(p),
                               rtol=1e-9)


@pytest.mark.parametrize(("process", "sqrt_s"), [
    ("u d~ > w+ z", 200.0), ("u d~ > w+ z", 500.0), ("u d~ > w+ z", 2000.0),
    ("u d~ > w+ z g", 400.0), ("u d~ > w+ z g", 1000.0),
    ("u d~ > w+ z g g", 500.0), ("u d~ > w+ z g g", 1000.0),
])
def test_u_dbar_to_wz_gluons(process, sqrt_s):
    n_g = process.count(" g")
    p = central_events(3, sqrt_s, (MW, MZ) + (0.0,) * n_g, seed=2)
    assert_matches(process, p, ud_wz_gluons(p))


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


# --- u u~ > w+ w- z: sixteen graphs ------------------------------------------------------------
#
# Quark line from the vbar(p2) end, W+(p3) index a, W-(p4) index b, Z(p5) index c, all massive
# propagators with their fixed widths (every one carries outgoing momenta only):
#  - three bosons off the line: [Z_u, W-, W+], [W-, Z_d, W+], [W-, W+, Z_u];
#  - V* = a, z off the line with the Z, V* -> W+ W-: [Z_u, V*], [V*, Z_u], V* momentum p3 + p4;
#  - W+* -> W+ Z: [W-, W+*]; W-* -> W- Z: [W-*, W+];
#  - s-channel V* = a, z (momentum p1 + p2) -> W+ W- Z through the quartic vertex
#    KAPPA_4 g_V g cw [2 g^{ab} g^{rc} - g^{ar} g^{bc} - g^{ac} g^{br}], through
#    V* -> W+ W-* -> W+ W- Z and V* -> W+* W- -> W+ Z W-, and (z only) Z* -> Z h* -> Z W+ W-
#    with the hZZ and hWW couplings g MZ / cw, g MW.
# Triple gauge couplings g_aWW = e, g_zWW = g cw with helpers.dirac.triple_gauge (the sign fixed
# by u d~ > w+ z). The quartic sign KAPPA_4 = +1 is the one with the gauge cancellation
# (test_wwz_reference_is_gauge_invariant; -1 grows ~3000-fold from 1 to 4 TeV). Colour 3/9,
# spins 1/4. Above ~2 TeV the reference itself loses digits (cancelling k k / M^2 terms).

KAPPA_4 = 1.0
WH = 6.382339e-3


def uu_wwz(p: np.ndarray, kappa_4: float = KAPPA_4) -> np.ndarray:
    """Spin- and colour-averaged |M|^2 of u u~ > w+ w- z, ``p (n, 5, 4)`` GeV -> ``(n,)``."""
    g, g_w, g_z = math.sqrt(2 * GW2), math.sqrt(GW2), math.sqrt(GZ2)
    g_zww = g * math.sqrt(CW2)
    c_u, c_d = ((gl * P_L + gr * P_R) * g_z for gl, gr in (chiral(*UP), chiral(*DOWN)))
    # neutral bosons: (coupling to W+ W-, quark coupling matrix, mass, width)
    neutral = ((math.sqrt(E2), math.sqrt(E2) * UP[1] * np.eye(4), 0.0, 0.0),
               (g_zww, c_u, MZ, WZ))
    out = np.empty(p.shape[0])
    for n, (p1, p2, p3, p4, p5) in enumerate(p):
        k_ab, k_tot, q3, q4, h = p3 + p4, p1 + p2, p3 + p5, p4 + p5, p3 + p4
        prop_w3, prop_w4 = vector_propagator(q3, MW, WW), vector_propagator(q4, MW, WW)
        # W+* -> W+ Z and W-* -> W- Z currents (upper index of the W* line first)
        w_plus = np.einsum("rs,asc->rac", prop_w3,
                           g_zww * np.einsum("st,atc->asc", METRIC, triple_gauge(-p3, q3, -p5)))
        w_minus = np.einsum("rs,sbc->rbc", prop_w4,
                            g_zww * np.einsum("st,tbc->sbc", METRIC, triple_gauge(q4, -p4, -p5)))
        pair, s_channel = [], []
        for g_v, coupling, mass, width in neutral:
            pair.append((np.einsum("rs,st,abt->abr", vector_propagator(k_ab, mass, width), METRIC,
                                   g_v * triple_gauge(-p3, -p4, k_ab)), coupling))
            y = kappa_4 * g_v * g_zww * (2 * np.einsum("ab,rc->abcr", METRIC, METRIC)
                                         - np.einsum("ar,bc->abcr", METRIC, METRIC)
                                         - np.einsum("ac,br->abcr", METRIC, METRIC))
            y = y + np.einsum("asr,st,tu,uv,vbc->abcr", g_v * triple_gauge(-p3, -q4, k_tot),
                              METRIC, prop_w4, METRIC, g_zww * triple_gauge(q4, -p4, -p5))
            y = y + np.einsum("sbr,st,tu,uv,avc->abcr", g_v * triple_gauge(-q3, -p4, k_tot),
                              METRIC, prop_w3, METRIC, g_zww * triple_gauge(-p3, q3, -p5))
            if mass:
                y = y + (g * MZ / math.sqrt(CW2) * g * MW / (dot(h, h) - MH**2 + 1j * MH * WH)
                         * np.einsum("ab,rc->abcr", METRIC, METRIC))
            s_channel.append((np.einsum("rs,st,abct->abcr", vector_propagator(k_tot, mass, width),
                                        METRIC, y), coupling))
        amp = np.zeros((4, 4, 4, 4, 4), dtype=complex)
        for a, b, c in itertools.product(range(4), repeat=3):
            z_u, z_d = (GAMMA[c] @ c_u, p5), (GAMMA[c] @ c_d, p5)
            wp, wm = (g_w * GAMMA[a] @ P_L, p3), (g_w * GAMMA[b] @ P_L, p4)
            total = (quark_line(p1, [z_u, wm, wp]) + quark_line(p1, [wm, z_d, wp])
                     + quark_line(p1, [wm, wp, z_u])
                     + quark_line(p1, [wm, (slash(w_plus[:, a, c]) @ (g_w * P_L), q3)])
                     + quark_line(p1, [(slash(w_minus[:, b, c]) @ (g_w * P_L), q4), wp]))
            for (current, coupling), (tensor, _) in zip(pair, s_channel, strict=True):
                emission = (slash(current[a, b]) @ coupling, k_ab)
                total = total + quark_line(p1, [z_u, emission]) + quark_line(p1, [emission, z_u])
                total = total + slash(tensor[a, b, c]) @ coupling
            amp[a, b, c] = total
        left = np.einsum("ij,abcjk,kl->abcil", slash(p2), amp, slash(p1))
        right = np.array([[[bar(amp[a, b, c]) for c in range(4)] for b in range(4)]
                          for a in range(4)])
        total = np.einsum("abcrs,ABCsr,aA,bB,cC->", left, right, polarisation_sum(p3, MW),
                          polarisation_sum(p4, MW), polarisation_sum(p5, MZ))
        out[n] = total.real * 3 / 36
    return out


def test_wwz_reference_is_gauge_invariant():
    low, high = (central_events(2, sqrt_s, (MW, MW, MZ), seed=1) for sqrt_s in (1000.0, 4000.0))
    assert np.all(uu_wwz(high) * 16 / uu_wwz(low) < 5)
    assert np.all(uu_wwz(high, kappa_4=-1.0) * 16 / uu_wwz(low, kappa_4=-1.0) > 100)


@pytest.mark.parametrize("sqrt_s", [300.0, 1000.0])
def test_u_ubar_to_wwz(sqrt_s):
    p = central_events(3, sqrt_s, (MW, MW, MZ), seed=2)
    assert_matches("u u~ > w+ w- z", p, uu_wwz(p))
