"""Properties |M|^2 must have whatever its value: Lorentz invariance, Bose symmetry, soft and
collinear factorisation, coupling ratios, colour orthogonality of coupling orders, high-energy
gauge cancellations, bad input.

These complement the closed forms of ``test_matrix_element_analytic.py`` on the multi-leg
processes, where no closed form is at hand. Test momenta come from :mod:`helpers.kinematics`
(independent RAMBO), the Lorentz transformations from :mod:`helpers.invariance`.
"""

from __future__ import annotations

import itertools
import math
from functools import cache

import numpy as np
import pytest

from helpers.invariance import assert_lorentz_invariant
from helpers.kinematics import boost, boost_between, central_events, dot, rambo, two_to_two
from helpers.me_checks import engine
from helpers.sm_inputs import CA, CF, DOWN, GS2, UP, chiral
from hepscaling.errors import UsageError
from hepscaling.physics.matrix_element import matrix_element
from hepscaling.physics.process import parse_process


@cache
def events(process: str, sqrt_s: float = 1000.0, n: int = 16, seed: int = 11) -> np.ndarray:
    """Central test momenta ``(n, k, 4)`` for ``process`` with the library's on-shell masses."""
    masses = tuple(float(m) for m in parse_process(process).masses[2:])
    return central_events(n, sqrt_s, masses, seed=seed)


MULTI_LEG = ["u u~ > z g g", "u u~ > t t~ h", "u d~ > w+ z g", "u u~ > w+ w- z", "g g > g g g",
             "u d~ > w+ z", "e+ e- > mu+ mu-"]


@pytest.mark.parametrize("process", MULTI_LEG)
def test_lorentz_invariance(process):
    p = events(process)
    assert_lorentz_invariant(engine(process), p, seed=5, rtol=1e-10)


@pytest.mark.parametrize("process", ["u u~ > z g g", "g g > g g g"])
def test_result_does_not_depend_on_the_batch(process):
    p = events(process)
    whole = engine(process)(p)
    single = np.concatenate([engine(process)(p[i:i + 1]) for i in range(4)])
    np.testing.assert_allclose(single, whole[:4], rtol=1e-12)
    assert np.all(whole > 0) and np.all(np.isfinite(whole))


# --- Bose symmetry: identical particles can be relabelled ------------------------------------


@pytest.mark.parametrize(("process", "identical"), [
    ("g g > g g g", (2, 3, 4)),
    ("g g > g g g", (0, 1)),
    ("u u~ > a a", (2, 3)),
    ("u u~ > z g g", (3, 4)),
    ("u u~ > z z", (2, 3)),
    ("u u~ > w+ w- z", None),  # no identical particles: swapping W+ and W- must change |M|^2
])
def test_bose_symmetry(process, identical):
    p = events(process)
    reference = engine(process)(p)
    if identical is None:
        swapped = p.copy()
        swapped[:, [2, 3]] = p[:, [3, 2]]
        assert np.max(np.abs(engine(process)(swapped) / reference - 1)) > 1e-3
        return
    for perm in itertools.permutations(identical):
        order = list(range(p.shape[1]))
        for old, new in zip(identical, perm, strict=True):
            order[old] = new
        np.testing.assert_allclose(engine(process)(p[:, order]), reference, rtol=1e-12)


@pytest.mark.parametrize(("process", "relabelled", "order"), [
    ("u u~ > z g g", "u~ u > z g g", [1, 0, 2, 3, 4]),
    ("u u~ > z g g", "u u~ > g z g", [0, 1, 3, 2, 4]),
    ("u g > z u g", "g u > z u g", [1, 0, 2, 3, 4]),
    ("u d~ > w+ z g", "d~ u > g z w+", [1, 0, 4, 3, 2]),
])
def test_relabelling_the_process_permutes_the_momenta(process, relabelled, order):
    # The same physical process written in another order: |M|^2 must follow the momenta.
    p = events(process)
    np.testing.assert_allclose(engine(relabelled)(p[:, order]), engine(process)(p), rtol=1e-12)


# --- QCD factorisation: soft and collinear gluons -------------------------------------------
#
# Independent truths for the multi-gluon processes (Catani-Seymour, Nucl. Phys. B485 (1997)
# 291, eqs. 5.145 and 5.30; Bassetto-Ciafaloni-Marchesini 1983). With R = |M|^2 x (identical
# factor) and the same incoming particles on both sides (so the initial averages cancel):
# - a gluon k collinear to the incoming quark p1, which enters the reduced process as x p1:
#   R_{n+1} -> 2 gs^2 / (2 p1.k) P_qq(x) / x R_n,  P_qq(x) = CF (1 + x^2) / (1 - x)
#   (quark splitting: no spin or colour correlations, exact for any number of partons);
# - a soft gluon q: R_{n+1} -> -gs^2 sum_{i != j} Ti.Tj (pi.pj) / ((pi.q)(pj.q)) R_n, where
#   for two or three coloured partons the colour products are Casimirs: q qbar: -CF;
#   q qbar g: Tq.Tqbar = (CA - 2 CF)/2, Tq.Tg = Tqbar.Tg = -CA/2.
# Deviations shrink like theta (collinear) and lambda (soft); the bounds below leave a
# factor of at least 5 above what a correct engine shows at these distances from the limit.

def _raw(process: str, p: np.ndarray) -> np.ndarray:
    """|M|^2 with the identical-particle factor undone (still averaged over the initial state)."""
    return engine(process)(p) * parse_process(process).identical_factor


def _beams(sqrt_s: float) -> tuple[np.ndarray, np.ndarray]:
    e = sqrt_s / 2
    return np.array([e, 0.0, 0.0, e]), np.array([e, 0.0, 0.0, -e])


def _stack(p1: np.ndarray, p2: np.ndarray, final: np.ndarray, extra: np.ndarray) -> np.ndarray:
    n = final.shape[0]
    return np.concatenate([np.broadcast_to(p1, (n, 1, 4)), np.broadcast_to(p2, (n, 1, 4)),
                           final, np.broadcast_to(extra, (n, 1, 4))], axis=1)


def _unit(theta: float, phi: float) -> np.ndarray:
    return np.array([math.sin(theta) * math.cos(phi), math.sin(theta) * math.sin(phi),
                     math.cos(theta)])


@pytest.mark.parametrize(("reduced", "full"), [("u u~ > z g", "u u~ > z g g"),
                                               ("u u~ > z g g", "u u~ > z g g g"),
                                               ("u d~ > w+ z", "u d~ > w+ z g"),
                                               ("u d~ > w+ z g", "u d~ > w+ z g g")])
def test_initial_state_collinear_limit(reduced, full):
    sqrt_s, x, theta, n = 1000.0, 0.6, 1e-4, 6
    masses = tuple(float(m) for m in parse_process(reduced).masses[2:])
    p1, p2 = _beams(sqrt_s)
    # reduced event: incoming x p1 and p2 (its centre-of-mass frame boosted along z)
    red = boost(central_events(n, math.sqrt(x) * sqrt_s, masses, seed=5),
                np.array([0.0, 0.0, (x - 1) / (1 + x)]))
    k = (1 - x) * p1[0] * np.concatenate([[1.0], _unit(theta, 1.0)])
    # p1 + p2 - k has the same mass as x p1 + p2, so a boost carries the final state over
    final = boost_between(red[:, 2:], red[0, 0] + red[0, 1], p1 + p2 - k)
    splitting = 2 * GS2 / (2 * dot(p1, k)) * CF * (1 + x**2) / (1 - x) / x
    ratio = _raw(full, _stack(p1, p2, final, k)) / (splitting * _raw(reduced, red))
    assert np.max(np.abs(ratio - 1)) < 1e-3, ratio


@pytest.mark.parametrize(("reduced", "full", "hard_gluon", "lam", "tol"), [
    ("u d~ > w+ z", "u d~ > w+ z g", None, 1e-4, 1e-6),
    ("u u~ > z g", "u u~ > z g g", 3, 1e-4, 2e-5),
    ("u d~ > w+ z g", "u d~ > w+ z g g", 4, 1e-6, 2e-5),  # 4e-4 at lambda = 1e-4
])
def test_soft_gluon_limit(reduced, full, hard_gluon, lam, tol):
    sqrt_s, n = 1000.0, 6
    masses = tuple(float(m) for m in parse_process(reduced).masses[2:])
    p1, p2 = _beams(sqrt_s)
    q = lam * p1[0] * np.concatenate([[1.0], _unit(1.1, 0.4)])
    rest = p1 + p2 - q
    red = central_events(n, math.sqrt(dot(rest, rest)), masses, seed=5)
    p = _stack(p1, p2, boost_between(red[:, 2:], red[0, 0] + red[0, 1], rest), q)

    def w(a, b):
        return dot(a, b) / (dot(a, q) * dot(b, q))

    if hard_gluon is None:  # q qbar: -2 Tq.Tqbar = 2 CF
        eikonal = 2 * CF * w(p1, p2)
    else:
        k = p[:, hard_gluon]
        eikonal = -2 * ((CA - 2 * CF) / 2 * w(p1, p2) - CA / 2 * (w(p1, k) + w(p2, k)))
    ratio = _raw(full, p) / (GS2 * eikonal * _raw(reduced, red))
    assert np.max(np.abs(ratio - 1)) < tol, ratio


# --- Couplings: processes that differ only by the quark's Z charge ---------------------------


@pytest.mark.parametrize(("up", "down"), [("u u~ > z g", "d d~ > z g"),
                                          ("u u~ > z g g", "d d~ > z g g"),
                                          ("c c~ > z g g", "s s~ > z g g")])
def test_up_down_ratio_is_the_z_coupling_ratio(up, down):
    # Only the Z-quark coupling differs (massless quarks, no photon diagram with a final Z).
    p = events(up)
    ratio = engine(down)(p) / engine(up)(p)
    expected = sum(g**2 for g in chiral(*DOWN)) / sum(g**2 for g in chiral(*UP))
    np.testing.assert_allclose(ratio, expected, rtol=1e-12)


def test_photon_ratio_is_the_charge_ratio():
    p = events("u u~ > a g g")
    np.testing.assert_allclose(engine("d d~ > a g g")(p) / engine("u u~ > a g g")(p), 1 / 4,
                               rtol=1e-12)


# --- Coupling orders ------------------------------------------------------------------------


def test_default_orders_are_the_lowest_qed_order():
    p = events("u u~ > t t~ h")
    np.testing.assert_allclose(engine("u u~ > t t~ h")(p), engine("u u~ > t t~ h QED<=1")(p),
                               rtol=1e-14)


def test_qcd_and_electroweak_ttbar_h_do_not_interfere():
    # The QCD diagrams exchange a colour octet, the electroweak ones a singlet between the
    # u and t lines: their interference vanishes by Tr(T^a) = 0, so |M|^2 adds up.
    p = events("u u~ > t t~ h")
    both = engine("u u~ > t t~ h QCD<=2 QED<=3")(p)
    qcd = engine("u u~ > t t~ h")(p)
    ew = engine("u u~ > t t~ h QCD<=0 QED<=3")(p)
    assert np.all(ew > 0) and np.all(np.abs(both / qcd - 1) > 1e-6)
    np.testing.assert_allclose(both, qcd + ew, rtol=1e-10)


def test_ttbar_h_scales_with_the_top_yukawa_squared():
    # Every default-order diagram has exactly one ttH vertex, -i ymt / v (MadGraph takes the
    # Yukawa from ymt, not MT): doubling ymt at fixed MT multiplies |M|^2 by 4.
    p = events("u u~ > t t~ h")
    doubled = matrix_element("u u~ > t t~ h", {"ymt": 2 * 173.0})(p)
    np.testing.assert_allclose(doubled / engine("u u~ > t t~ h")(p), 4.0, rtol=1e-12)


@pytest.mark.parametrize("process", ["e+ e- > mu+ mu- QED<=1", "u u~ > g g QCD<=1"])
def test_process_without_diagrams_is_a_clear_error(process):
    with pytest.raises(UsageError) as err:
        matrix_element(process)(two_to_two(100.0, np.array([0.3]), np.array([0.1])))
    assert "\n" not in str(err.value)


# --- Gauge cancellations: |M|^2 stays bounded at high energy --------------------------------
#
# In W/Z pair production the s- and t-channel diagrams grow like s/MW^2 each and cancel only
# if the gauge couplings are exactly related (e.g. g_ZWW = g cw, g_Zff with sw2 = 1 - MW^2/MZ^2).
# At fixed angles a renormalisable 2 -> n amplitude (mass dimension 2 - n) scales like
# s^((2-n)/2), so
# s^(n-2) |M|^2 tends to a constant; a broken cancellation makes it grow like (s/MW^2)^2.


@pytest.mark.parametrize("process", ["e+ e- > w+ w-", "u d~ > w+ z", "u u~ > w+ w- z",
                                     "u d~ > w+ z g"])
def test_gauge_cancellation_keeps_high_energy_behaviour_bounded(process):
    masses = tuple(float(m) for m in parse_process(process).masses[2:])
    energies = (2000.0, 20000.0)
    # the same random numbers at both energies: the same angular configurations
    low, high = (rambo(64, sqrt_s, masses, seed=21) for sqrt_s in energies)
    keep = np.ones(64, dtype=bool)
    for p, sqrt_s in ((low, energies[0]), (high, energies[1])):
        for i in np.flatnonzero(np.array(masses) == 0.0) + 2:
            keep &= np.hypot(p[:, i, 1], p[:, i, 2]) > 0.1 * sqrt_s
    scaled = [engine(process)(p[keep][:8]) * sqrt_s ** (2 * (len(masses) - 2))
              for p, sqrt_s in ((low, energies[0]), (high, energies[1]))]
    growth = scaled[1] / scaled[0]
    assert np.all(growth < 5.0), f"{process}: s^(n-2)|M|^2 grew by up to {growth.max():.3g}"


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("process", ["u u~ > zz", "u u~ > w+ g", "e+ e- > u g", "e+ e- > u c~",
                                     "u u~ z g", ""])
def test_bad_process_is_a_one_line_usage_error(process):
    with pytest.raises(UsageError) as err:
        matrix_element(process)
    assert "\n" not in str(err.value)


def _ee_mumu() -> np.ndarray:
    return two_to_two(100.0, np.array([0.3, -0.5]), np.array([0.1, 2.0]))


@pytest.mark.parametrize(("name", "momenta"), [
    ("wrong shape", _ee_mumu()[:, :3]),
    ("flat", _ee_mumu().reshape(2, 16)),
    ("off shell", _ee_mumu() * np.array([1.0, 1.0, 1.0, 1.1])),
    ("not conserving", np.concatenate([_ee_mumu()[:, :3], _ee_mumu()[:, 3:] * 1.2], axis=1)),
    ("nan", np.where(np.arange(16).reshape(1, 4, 4) == 5, np.nan, _ee_mumu())),
    # crossed kinematics (mu+ and e- swapped with sign flips) is on shell and conserves
    # momentum, but negative energies are not physical momenta: no silent |M|^2 = 0
    ("negative energy", _ee_mumu()[:, [0, 2, 1, 3]] * np.array([1, -1, -1, 1])[None, :, None]),
])
def test_bad_momenta_are_a_one_line_usage_error(name, momenta):
    with pytest.raises(UsageError) as err:
        engine("e+ e- > mu+ mu-")(momenta)
    assert "\n" not in str(err.value), name
