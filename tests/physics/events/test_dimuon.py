"""The muon pair as a system: hand-checkable pairs, the exact inverse, and the two-body
phase-space Jacobian against finite differences."""

import math

import numpy as np
import pytest

from hepscaling.physics import lorentz
from hepscaling.physics.events import MUON_MASS
from hepscaling.physics.events.dimuon import (
    DimuonSystem,
    dimuon_log_abs_det_jacobian,
    dimuon_momenta,
    dimuon_system,
    rest_momentum,
)


def _random_systems(n: int, seed: int) -> DimuonSystem:
    rng = np.random.default_rng(seed)
    return DimuonSystem(mass=rng.uniform(20, 200, n), pt=rng.exponential(30, n),
                        rapidity=rng.uniform(-5, 5, n), phi=rng.uniform(-np.pi, np.pi, n),
                        cos_theta=rng.uniform(-1, 1, n), phi_star=rng.uniform(-np.pi, np.pi, n))


def test_pair_at_rest_along_x_is_hand_checkable():
    e = 45.0
    p = math.sqrt(e**2 - MUON_MASS**2)
    mu_plus, mu_minus = np.array([[e, 0.0, p, 0.0]]), np.array([[e, 0.0, -p, 0.0]])
    pair = dimuon_system(mu_plus, mu_minus)
    assert pair.mass[0] == pytest.approx(90.0, rel=1e-14)
    assert pair.pt[0] == 0 and pair.rapidity[0] == 0
    assert pair.cos_theta[0] == pytest.approx(0.0, abs=1e-15)
    assert pair.phi_star[0] == pytest.approx(math.pi / 2)  # mu+ along +y, pair phi = 0


def test_longitudinally_boosted_pair_matches_a_boost_along_z():
    """A pair with pT = 0: the rest frame is one boost along z (lorentz.boost_z)."""
    system = _random_systems(50, seed=3)._replace(pt=np.zeros(50), phi=np.zeros(50))
    mu_plus, mu_minus = dimuon_momenta(system)
    rest = lorentz.boost_z(mu_plus, -system.rapidity)
    np.testing.assert_allclose(rest[:, 0], system.mass / 2, rtol=1e-10)
    np.testing.assert_allclose(rest[:, 3] / np.linalg.norm(rest[:, 1:], axis=1),
                               system.cos_theta, atol=1e-10)
    np.testing.assert_allclose(lorentz.mass(mu_plus + mu_minus), system.mass, rtol=1e-12)
    np.testing.assert_allclose(lorentz.rapidity(mu_plus + mu_minus), system.rapidity,
                               atol=1e-12)


def test_momenta_invert_the_system_to_1e_10():
    system = _random_systems(2000, seed=1)
    mu_plus, mu_minus = dimuon_momenta(system)
    for muon in (mu_plus, mu_minus):  # on shell, to the precision of E^2 - p^2
        assert (np.abs(lorentz.mass_squared(muon) - MUON_MASS**2) < 1e-13 * muon[:, 0]**2).all()
    back = dimuon_system(mu_plus, mu_minus)
    for name, value, again in zip(system._fields, system, back, strict=True):
        np.testing.assert_allclose(again, value, atol=1e-10, rtol=1e-10, err_msg=name)
    # and momenta -> system -> momenta
    again_plus, again_minus = dimuon_momenta(back)
    scale = mu_plus[:, :1] + mu_minus[:, :1]
    assert (np.abs(again_plus - mu_plus) / scale).max() < 1e-10
    assert (np.abs(again_minus - mu_minus) / scale).max() < 1e-10


def _coordinates(x: np.ndarray) -> np.ndarray:
    """The six pair coordinates of the muon three-momenta x (6,)."""
    p = [np.array([[math.sqrt(v @ v + MUON_MASS**2), *v]]) for v in (x[:3], x[3:])]
    return np.array([c[0] for c in dimuon_system(*p)])


def test_log_abs_det_jacobian_is_two_body_phase_space():
    system = _random_systems(8, seed=2)._replace(phi_star=np.linspace(-2.5, 2.5, 8),
                                                 rapidity=np.linspace(-2.5, 2.5, 8))
    mu_plus, mu_minus = dimuon_momenta(system)
    analytic = dimuon_log_abs_det_jacobian(mu_plus, mu_minus)
    for event in range(8):
        x = np.concatenate([mu_plus[event, 1:], mu_minus[event, 1:]])
        step = 1e-6 * np.maximum(np.abs(x), 1.0)
        jac = np.stack([(_coordinates(x + np.eye(6)[j] * step[j])
                         - _coordinates(x - np.eye(6)[j] * step[j])) / (2 * step[j])
                        for j in range(6)], axis=1)
        sign, numeric = np.linalg.slogdet(jac)
        assert sign != 0 and numeric == pytest.approx(analytic[event], abs=1e-5)
    # the closed form: 1 / (E1 E2 |p*| pT)
    expected = -np.log(mu_plus[:, 0] * mu_minus[:, 0] * rest_momentum(system.mass) * system.pt)
    np.testing.assert_allclose(analytic, expected, rtol=1e-9)
