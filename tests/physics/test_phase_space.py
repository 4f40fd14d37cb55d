"""RAMBO phase space: kinematics, reproducibility, cuts, and weights against analytic volumes."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from hepscaling.errors import UsageError
from hepscaling.physics.lorentz import check_momenta, delta_r, eta, mass_squared, pt, rapidity
from hepscaling.physics.phase_space import (
    Cuts,
    incoming_momenta,
    massless_volume,
    phase_space,
    rambo,
    sample,
)

MT, MH = 173.0, 125.0


@pytest.mark.parametrize(
    "masses",
    [[0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0], [0, 0, MT, MT, MH], [MT, MT, 10.0, 20.0],
     [0.0, 5.0, 80.0, 0.0, 0.0]],
)
def test_conservation_and_mass_shells(masses):
    ps = sample(masses, 2, 2000, 1000.0, np.random.default_rng(3))
    assert ps.momenta.shape == (2000, len(masses), 4)
    check_momenta(ps.momenta, masses, 2, rtol=1e-9)
    incoming = ps.momenta[:, :2]
    assert np.allclose(incoming[:, :, 1:3], 0.0)
    assert np.all(incoming[:, 0, 3] > 0) and np.all(incoming[:, 1, 3] < 0)
    np.testing.assert_allclose(mass_squared(incoming.sum(axis=1)), 1000.0**2, rtol=1e-12)


def test_incoming_massive_and_decay():
    p = incoming_momenta(500.0, [MT, 0.0])
    np.testing.assert_allclose(mass_squared(p), [MT**2, 0.0], atol=1e-9)
    np.testing.assert_allclose(p.sum(axis=0), [500.0, 0, 0, 0], atol=1e-12)
    np.testing.assert_allclose(incoming_momenta(MH, [MH]), [[MH, 0, 0, 0]])
    with pytest.raises(UsageError, match="parent mass"):
        incoming_momenta(200.0, [MH])


def test_same_seed_same_points_other_seed_differs():
    masses = [0, 0, MT, MT, MH]
    cuts = Cuts(pt_min=5.0)
    a = sample(masses, 2, 500, 1000.0, np.random.default_rng(7), cuts)
    b = sample(masses, 2, 500, 1000.0, np.random.default_rng(7), cuts)
    c = sample(masses, 2, 500, 1000.0, np.random.default_rng(8), cuts)
    np.testing.assert_array_equal(a.momenta, b.momenta)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert not np.allclose(a.momenta[:, 2:], c.momenta[:, 2:])


def test_cuts_are_honoured_on_massless_particles_only():
    masses = [0, 0, 0, 0, 0, MT]
    cuts = Cuts(pt_min=40.0, eta_max=2.0, m_min=60.0, delta_r_min=0.5)
    ps = sample(masses, 2, 3000, 1000.0, np.random.default_rng(1), cuts)
    assert ps.momenta.shape == (3000, 6, 4)
    assert 0 < ps.efficiency < 1
    light = ps.momenta[:, 2:5]
    assert np.all(pt(light) >= 40.0)
    assert np.all(np.abs(eta(light)) <= 2.0)
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        assert np.all(mass_squared(light[:, i] + light[:, j]) >= 60.0**2)
        assert np.all(delta_r(light[:, i], light[:, j]) >= 0.5)
    assert np.min(pt(ps.momenta[:, 5])) < 40.0  # the massive top is not cut


def test_cut_efficiency_matches_analytic_two_body_eta_cut():
    # 2 -> 2 massless, flat in cos(theta): |eta| < 1 keeps |cos| < tanh(1)
    ps = sample([0, 0, 0, 0], 2, 20000, 100.0, np.random.default_rng(2), Cuts(eta_max=1.0))
    expected = math.tanh(1.0)
    sigma = math.sqrt(expected * (1 - expected) / ps.n_tried)
    assert abs(ps.efficiency - expected) < 5 * sigma


def test_tiny_cut_efficiency_is_a_clear_error():
    with pytest.raises(UsageError, match="loosen the cuts"):
        sample([0, 0, 0, 0, 0], 2, 100, 100.0, np.random.default_rng(0), Cuts(pt_min=49.0),
               min_efficiency=1e-2)


def test_below_threshold_is_an_error():
    with pytest.raises(UsageError, match="threshold"):
        sample([0, 0, MT, MT, MH], 2, 10, 400.0, np.random.default_rng(0))


def test_unknown_cut_is_rejected():
    with pytest.raises(ValueError, match="extra"):
        Cuts(ptmin=3.0)


@pytest.mark.parametrize("n_final", [2, 3, 4, 6])
def test_massless_weight_is_the_analytic_volume(n_final):
    s = 1000.0**2
    _, w = rambo(10, math.sqrt(s), np.zeros(n_final), np.random.default_rng(0))
    expected = {2: 1 / (8 * math.pi), 3: s / (256 * math.pi**3)}.get(
        n_final, massless_volume(n_final, s))
    np.testing.assert_allclose(w, expected, rtol=1e-14)


def test_massive_two_body_weight_is_exact_per_event():
    sqrt_s, m1, m2 = 300.0, 80.0, 120.0
    s = sqrt_s**2
    lam = (s - (m1 + m2) ** 2) * (s - (m1 - m2) ** 2)
    _, w = rambo(100, sqrt_s, [m1, m2], np.random.default_rng(0))
    np.testing.assert_allclose(w, math.sqrt(lam) / (8 * math.pi * s), rtol=1e-12)


def _dalitz_volume(sqrt_s: float, m1: float, m2: float, m3: float) -> float:
    """Three-body volume: Dalitz-plot area / (16 (2 pi)^3 s), by quadrature."""
    s = sqrt_s**2

    def width(m12sq):
        m12 = math.sqrt(m12sq)
        e2 = (m12sq - m1**2 + m2**2) / (2 * m12)
        e3 = (s - m12sq - m3**2) / (2 * m12)
        return 4 * math.sqrt(max(e2**2 - m2**2, 0)) * math.sqrt(max(e3**2 - m3**2, 0))

    area, _ = integrate.quad(width, (m1 + m2) ** 2, (sqrt_s - m3) ** 2, epsabs=0, epsrel=1e-11)
    return area / (16 * (2 * math.pi) ** 3 * s)


def test_massive_three_body_mean_weight_is_the_dalitz_volume():
    sqrt_s, masses = 1000.0, [MT, MT, MH]
    _, w = rambo(200_000, sqrt_s, masses, np.random.default_rng(4))
    expected = _dalitz_volume(sqrt_s, *masses)
    assert abs(w.mean() - expected) < 5 * w.std() / math.sqrt(w.size)
    assert w.std() / w.mean() > 0.01  # massive weights genuinely vary


def test_two_body_is_isotropic():
    ps = sample([0, 0, 0, 0], 2, 20000, 91.0, np.random.default_rng(5))
    p3 = ps.momenta[:, 2]
    cos_theta = p3[:, 3] / np.linalg.norm(p3[:, 1:], axis=1)
    phi_ = np.arctan2(p3[:, 2], p3[:, 1])
    assert stats.kstest(cos_theta, stats.uniform(-1, 2).cdf).pvalue > 1e-3
    assert stats.kstest(phi_, stats.uniform(-np.pi, 2 * np.pi).cdf).pvalue > 1e-3
    np.testing.assert_allclose(ps.momenta[:, 2, 0], 45.5, rtol=1e-9)


def test_longitudinal_boost_keeps_invariants_and_spreads_rapidity():
    masses = [0, 0, 0, 0, MT]
    rest = sample(masses, 2, 4000, 800.0, np.random.default_rng(6))
    moved = sample(masses, 2, 4000, 800.0, np.random.default_rng(6), boost_rapidity=2.0)
    check_momenta(moved.momenta, masses, 2, rtol=1e-9)
    total = moved.momenta[:, :2].sum(axis=1)
    np.testing.assert_allclose(mass_squared(total), 800.0**2, rtol=1e-10)
    y = rapidity(total)
    assert y.min() >= -2.0 and y.max() <= 2.0 and y.std() > 1.0
    np.testing.assert_allclose(pt(moved.momenta), pt(rest.momenta), atol=1e-9)


def test_phase_space_of_a_process_string():
    p = phase_space("u u~ > t t~ h", 300, 1000.0, seed=11, cuts=Cuts(pt_min=20.0))
    check_momenta(p, [0, 0, MT, MT, MH], 2, rtol=1e-9)
    np.testing.assert_array_equal(p, phase_space("u u~ > t t~ h", 300, 1000.0, seed=11,
                                                 cuts=Cuts(pt_min=20.0)))
    jets = phase_space("u u~ > g g g", 300, 500.0, seed=11, cuts=Cuts(pt_min=20.0))
    assert np.all(pt(jets[:, 2:]) >= 20.0)
    with pytest.raises(UsageError, match="unknown particle"):
        phase_space("u u~ > t t~ x", 3, 1000.0, seed=0)
