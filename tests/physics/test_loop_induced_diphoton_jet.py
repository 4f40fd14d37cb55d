"""Loop-induced g g > a a g [noborn=QCD] (quark loop, photons summed) against independent truths.

The truths are written out here, not taken from the library:

- U(1) decoupling: the 1/eps poles and the mu dependence of the primitives (proportional to
  their trees) cancel in the sum over photon insertions, while a single primitive keeps them;
- the all-plus primitive equals the n-point formula of Bern, Chalmers, Dixon, Kosower
  (hep-ph/9312333) and Mahlon (hep-ph/9312276), sum over four of the five legs of
  ``<ab>[bc]<cd>[da]`` over ``<12><23><34><45><51>`` (a different representation from BDK's
  five-point eq. 4 used by the library);
- the soft-gluon limit: every one of the 32 helicity amplitudes tends to the eikonal factor
  times the Bern-Dixon-Schmidt g g > a a amplitude of the same helicities (among them the
  rational all-plus and one-minus values ``M(++++) = M(-+++) = 1``), and the summed
  ``|M|^2`` to ``2 g^2 C_A (p1.p2) / ((p1.q)(p2.q))`` times g g > a a's, at rate O(lambda);
- Bose symmetry (photons; incoming gluons), crossing (outgoing gluon <-> incoming gluon in the
  all-outgoing amplitude), parity, Lorentz invariance, to 1e-12;
- the stability check: points whose smallest ``s_ij / s_hat`` (computed here) is above the
  risk threshold are evaluated once and agree with 40-digit mpmath to the documented 1e-11;
  points below it are re-evaluated on a rotated copy; every point is counted.
"""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest

from helpers.invariance import assert_lorentz_invariant
from helpers.kinematics import dot, rambo
from helpers.sm_inputs import ALPHA_S
from hepscaling.errors import UsageError
from hepscaling.physics import matrix_element
from hepscaling.physics.loop_induced import (
    AT_RISK_BELOW,
    diphoton_helicity_amplitudes,
    diphoton_jet_helicity_amplitudes,
    smallest_invariant_ratio,
)
from hepscaling.physics.loop_induced.diphoton_jet import ORDERINGS, diphoton_jet_summed, primitive
from hepscaling.physics.loop_induced.matrix_element import exact_kinematics
from hepscaling.physics.loop_induced.precision import DIGITS
from hepscaling.physics.loop_induced.spinors import spinor_products

PROCESS = "g g > a a g [noborn=QCD]"


def points(n: int = 150, seed: int = 4, sqrt_s: float = 800.0) -> np.ndarray:
    """g g -> a a g momenta ``(n, 5, 4)``, every pair invariant above 1% of ``s``."""
    p = rambo(4 * n, sqrt_s, (0.0, 0.0, 0.0), seed=seed)
    k = p * np.where(np.arange(5) < 2, -1.0, 1.0)[None, :, None]
    pairs = [2 * dot(k[:, i], k[:, j]) for i, j in itertools.combinations(range(5), 2)]
    keep = np.min(np.abs(pairs), axis=0) > 0.01 * sqrt_s**2
    assert keep.sum() >= n
    return p[keep][:n]


def outgoing(p: np.ndarray) -> np.ndarray:
    """All-outgoing momenta: the incoming ones negated."""
    return p * np.where(np.arange(p.shape[1]) < 2, -1.0, 1.0)[None, :, None]


def summed(k: np.ndarray) -> np.ndarray:
    """``sum_h |S_h|^2`` of all-outgoing momenta."""
    return np.sum(np.abs(diphoton_jet_helicity_amplitudes(k)) ** 2, axis=(0, 1, 2, 3, 4))


def test_poles_and_scale_cancel_in_the_photon_sum():
    k = outgoing(points(60))
    base = diphoton_jet_helicity_amplitudes(k)
    shifted = diphoton_jet_helicity_amplitudes(k, eps_inverse=5.0, mu2=3.0e4)
    scale = np.max(np.abs(base), axis=(0, 1, 2, 3, 4))
    assert np.max(np.abs(shifted - base) / scale) < 1e-12
    # a single insertion keeps its pole (the test can fail): 5/(2 eps) * (2/3) * tree
    one = diphoton_jet_helicity_amplitudes(k, orderings=ORDERINGS[:1])
    one_shifted = diphoton_jet_helicity_amplitudes(k, orderings=ORDERINGS[:1], eps_inverse=1.0)
    za = spinor_products(k)[0]
    tree = za[0, 1] ** 3 / (za[1, 2] * za[2, 3] * za[3, 4] * za[4, 0])  # legs 0, 1 negative
    np.testing.assert_allclose(one_shifted[0, 0, 1, 1, 1] - one[0, 0, 1, 1, 1],
                               2.5 * 2 / 3 * tree, rtol=1e-10)


def test_all_plus_primitive_equals_the_n_point_formula():
    k = outgoing(points(40))
    za, zb, _ = spinor_products(k)
    for legs in [(0, 1, 2, 3, 4), (2, 0, 3, 1, 4), (4, 3, 1, 0, 2)]:
        value, flipped = primitive("+++++", k, legs)
        for angle, square, result in ((za, zb, value), (zb, za, flipped)):
            traces = sum(angle[a, b] * square[b, c] * angle[c, d] * square[d, a]
                         for a, b, c, d in itertools.combinations(legs, 4))
            cyclic = np.prod([angle[legs[i], legs[(i + 1) % 5]] for i in range(5)], axis=0)
            # (16 pi^2)(-i) A^[1/2] with A^[1/2] = -A^[0], A^[0] = -i/(48 pi^2) sum / cyclic
            np.testing.assert_allclose(result, traces / cyclic / 3.0, rtol=1e-12)


def _soft_configuration(lam: float, sqrt_s: float = 500.0) -> np.ndarray:
    """g g -> a a g with a gluon of energy ``lam sqrt_s / 2``; as ``lam -> 0`` the photons
    go back to back along a fixed direction. ``(1, 5, 4)``."""
    direction = np.array([0.3, 0.5, 0.81]) / np.linalg.norm([0.3, 0.5, 0.81])
    soft = np.array([-0.6, 0.2, 0.3]) / np.linalg.norm([-0.6, 0.2, 0.3])
    q = 0.5 * lam * sqrt_s * np.array([1.0, *soft])
    total = np.array([sqrt_s, 0.0, 0.0, 0.0]) - q
    mass = np.sqrt(total[0] ** 2 - total[1:] @ total[1:])
    beta = total[1:] / total[0]
    gamma = 1.0 / np.sqrt(1.0 - beta @ beta)
    along = (gamma - 1.0) / (beta @ beta) if lam > 0 else 0.0

    def boosted(v: np.ndarray) -> np.ndarray:  # photon of the diphoton rest frame, boosted
        e, vec = 0.5 * mass, 0.5 * mass * v
        bv = beta @ vec
        return np.array([gamma * (e + bv), *(vec + (along * bv + gamma * e) * beta)])

    beams = 0.5 * sqrt_s * np.array([[1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, -1.0]])
    return np.array([[*beams, boosted(direction), boosted(-direction), q]])


def test_soft_gluon_limit_of_the_summed_matrix_element():
    me5, me4 = matrix_element(PROCESS), matrix_element("g g > a a [noborn=QCD]")
    limit = me4(_soft_configuration(0.0)[:, :4])
    deviations = []
    for lam in (1e-2, 1e-3, 1e-4):
        p = _soft_configuration(lam)
        p1, p2, q = p[:, 0], p[:, 1], p[:, 4]
        eikonal = 2 * (4 * np.pi * ALPHA_S) * 3 * dot(p1, p2) / (dot(p1, q) * dot(p2, q))
        deviations.append(abs(me5(p)[0] / (eikonal[0] * limit[0]) - 1.0))
    assert deviations[-1] < 1e-3
    for coarse, fine in itertools.pairwise(deviations):  # O(lambda): ~10x per decade
        assert 4.0 < coarse / fine < 25.0


def test_soft_gluon_limit_of_every_helicity_amplitude():
    p0 = _soft_configuration(0.0)[:, :4]
    s = 2 * dot(p0[:, 0], p0[:, 1])
    box = diphoton_helicity_amplitudes(s, -2 * dot(p0[:, 0], p0[:, 2]),
                                       -2 * dot(p0[:, 0], p0[:, 3]))[..., 0]
    assert np.abs(box[1, 1, 1, 1]) == 1.0 and np.abs(box[0, 1, 1, 1]) == 1.0  # rational
    worst = []
    for lam in (1e-3, 1e-4):
        k = outgoing(_soft_configuration(lam))
        amp = diphoton_jet_helicity_amplitudes(k)[..., 0]
        s12, s15, s25 = (2 * dot(k[:, i], k[:, j])[0] for i, j in ((0, 1), (0, 4), (1, 4)))
        eikonal = s12 / (s15 * s25)  # |<12> / (<25><51>)|^2, either soft helicity
        # the g g a a amplitude in S's normalisation is 2 M_h (fixed by the summed limit)
        worst.append(max(abs(np.abs(amp[h]) ** 2 / (eikonal * 4 * np.abs(box[h[:4]]) ** 2) - 1)
                         for h in itertools.product((0, 1), repeat=5)))
    assert worst[1] < 1e-3 and 4.0 < worst[0] / worst[1] < 25.0  # all 32 converge, O(lambda)


def test_bose_symmetry_crossing_and_parity():
    p = points()
    k = outgoing(p)
    reference = summed(k)
    for permutation in ([0, 1, 3, 2, 4], [1, 0, 2, 3, 4], [4, 1, 2, 3, 0], [0, 4, 2, 3, 1]):
        np.testing.assert_allclose(summed(k[:, permutation]), reference, rtol=1e-12)
    # parity: each helicity amplitude of the mirrored event is, up to a phase, the one with
    # all helicities flipped
    mirrored = diphoton_jet_helicity_amplitudes(k * np.array([1.0, -1.0, -1.0, -1.0]))
    flipped = diphoton_jet_helicity_amplitudes(k)[::-1, ::-1, ::-1, ::-1, ::-1]
    scale = np.max(np.abs(flipped), axis=(0, 1, 2, 3, 4))
    assert np.max(np.abs(np.abs(mirrored) - np.abs(flipped)) / scale) < 1e-12


def test_lorentz_invariance():
    me = matrix_element(PROCESS)
    assert_lorentz_invariant(me, points(), seed=11, rtol=1e-12)


def test_normalisation_couplings_and_flavours():
    p = points(10)
    me = matrix_element(PROCESS)
    expected = (1.5 * np.pi * (1 / 132.507) ** 2 * ALPHA_S**3 * (11 / 9) ** 2
                * summed(outgoing(p)))
    np.testing.assert_allclose(me(p), expected, rtol=1e-12)
    doubled = matrix_element(PROCESS, {"aS": 2 * ALPHA_S})(p)
    np.testing.assert_allclose(doubled, 8 * me(p), rtol=1e-12)  # alpha_s^3


def _collinear_configuration(angle: float) -> np.ndarray:
    """g g -> a a g with the gluon at ``angle`` (rad) to the first photon, built in the
    final state's rest frame (boosted there with explicit formulas), ``(1, 5, 4)``."""
    def massless(energy: float, theta: float, phi: float) -> np.ndarray:
        return energy * np.array([1.0, np.sin(theta) * np.cos(phi),
                                  np.sin(theta) * np.sin(phi), np.cos(theta)])

    final = np.array([massless(150.0, 1.1, 0.4), massless(210.0, 2.2, 3.0),
                      massless(60.0, 1.1 + angle, 0.4)])
    total = final.sum(axis=0)
    beta = total[1:] / total[0]
    gamma = 1.0 / np.sqrt(1.0 - beta @ beta)
    bp = final[:, 1:] @ beta
    boosted = np.empty_like(final)  # to the rest frame of the total: velocity -beta
    boosted[:, 0] = gamma * (final[:, 0] - bp)
    boosted[:, 1:] = final[:, 1:] + ((gamma**2 / (gamma + 1)) * bp - gamma * final[:, 0])[
        :, None] * beta
    e = boosted[:, 0].sum() / 2
    return np.array([[[e, 0.0, 0.0, e], [e, 0.0, 0.0, -e], *boosted]])


def test_unstable_points_are_repaired_in_multiprecision_and_counted():
    me = matrix_element(PROCESS)
    p = _collinear_configuration(3e-6)  # s(a, g) / s ~ 1e-12: double precision loses digits
    rotated = p.copy()
    rotated[..., 1:] = p[..., 1:] @ np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0],
                                              [0.0, 0.0, 1.0]]).T
    plain = type(me)(me.process, check_stability=False)
    spread = abs(plain(p)[0] / plain(rotated)[0] - 1.0)
    assert spread > 1e-9  # the two double evaluations disagree
    first, second = me.evaluate(p), me.evaluate(rotated)
    assert first.unstable.all() and second.unstable.all() and me.unstable_points == 2
    assert abs(first.me2[0] / second.me2[0] - 1.0) < 1e-12 < spread / 1e3  # repaired


def test_stable_points_are_not_flagged_and_repairs_agree_with_double():
    p = points(2)
    me = matrix_element(PROCESS)
    result = me.evaluate(p)
    assert me.checked and not result.at_risk.any() and me.unstable_points == 0
    strict = type(me)(me.process, tolerance=1e-300,  # rounding alone now disagrees
                      at_risk_below=math.inf)  # the full check: every point re-evaluated
    repaired = strict.evaluate(p)
    assert repaired.at_risk.all() and repaired.unstable.all() and strict.unstable_points == 2
    np.testing.assert_allclose(repaired.me2, result.me2, rtol=1e-13)


def smallest_ratio(p: np.ndarray) -> np.ndarray:
    """``min_{i<j} |2 k_i.k_j| / (2 k_0.k_1)`` of momenta ``(n, 5, 4)``, written out here."""
    k = outgoing(p)
    pairs = [np.abs(2 * dot(k[:, i], k[:, j])) for i, j in itertools.combinations(range(5), 2)]
    return np.min(pairs, axis=0) / (2 * dot(k[:, 0], k[:, 1]))


def points_with_ratio(low: float, high: float, n: int, seed: int) -> np.ndarray:
    """``n`` flat g g -> a a g points at 1 TeV with ``low <= smallest_ratio < high``."""
    p = rambo(20_000, 1000.0, (0.0, 0.0, 0.0), seed=seed)
    keep = (smallest_ratio(p) >= low) & (smallest_ratio(p) < high)
    assert keep.sum() >= n
    return p[keep][:n]


def test_the_risk_indicator_is_the_smallest_normalised_invariant():
    p = rambo(500, 1000.0, (0.0, 0.0, 0.0), seed=3)
    np.testing.assert_allclose(smallest_invariant_ratio(p), smallest_ratio(p), rtol=1e-12)
    collinear = _collinear_configuration(1e-2)  # photon 2 and gluon 4 at 0.01 rad
    e2, e4 = collinear[0, 2, 0], collinear[0, 4, 0]
    cos = collinear[0, 2, 1:] @ collinear[0, 4, 1:] / (e2 * e4)
    expected = 2 * e2 * e4 * (1 - cos) / (2 * collinear[0, 0, 0]) ** 2
    np.testing.assert_allclose(smallest_invariant_ratio(collinear), [expected], rtol=1e-6)
    with pytest.raises(UsageError, match="at_risk_below"):
        type(matrix_element(PROCESS))(matrix_element(PROCESS).process, at_risk_below=0.0)


def test_points_above_the_risk_threshold_agree_with_mpmath_to_the_documented_bound():
    p = points_with_ratio(AT_RISK_BELOW, 2 * AT_RISK_BELOW, 4, seed=21)  # the worst unchecked
    me = matrix_element(PROCESS)
    result = me.evaluate(p)
    assert not result.at_risk.any() and not result.unstable.any()
    assert (me.checked_points, me.at_risk_points, me.unstable_points) == (4, 0, 0)
    with mpmath.workdps(DIGITS):
        exact = np.array([float(v) for v in diphoton_jet_summed(exact_kinematics(p))])
    norm = 1.5 * np.pi * (1 / 132.507) ** 2 * ALPHA_S**3 * (11 / 9) ** 2
    np.testing.assert_allclose(result.me2, norm * exact, rtol=1e-11, atol=0)


def test_points_below_the_risk_threshold_are_re_evaluated_and_counted():
    above = points_with_ratio(AT_RISK_BELOW, 3 * AT_RISK_BELOW, 2, seed=22)
    below = points_with_ratio(AT_RISK_BELOW / 3, AT_RISK_BELOW, 2, seed=22)
    p = np.concatenate([above, below, above])
    me = matrix_element(PROCESS)
    result = me.evaluate(p)
    np.testing.assert_array_equal(result.at_risk, smallest_ratio(p) < AT_RISK_BELOW)
    assert not result.unstable.any()  # below the threshold double precision still holds here
    assert (me.checked_points, me.at_risk_points, me.unstable_points) == (6, 2, 0)
    strict = type(me)(me.process, tolerance=1e-300)  # any rotated re-evaluation now disagrees
    repaired = strict.evaluate(p)
    np.testing.assert_array_equal(repaired.unstable, result.at_risk)  # only those re-evaluated
    assert (strict.checked_points, strict.at_risk_points, strict.unstable_points) == (6, 2, 2)
    np.testing.assert_array_equal(repaired.me2[~result.at_risk], result.me2[~result.at_risk])
    np.testing.assert_allclose(repaired.me2, result.me2, rtol=1e-11)
