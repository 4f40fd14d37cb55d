"""Four-vector helpers against hand-checkable values."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.physics.lorentz import (
    boost,
    boost_by_momentum,
    boost_z,
    check_momenta,
    delta_phi,
    delta_r,
    eta,
    mass,
    minkowski_dot,
    phi,
    pt,
    rapidity,
    wrap_phi,
)


def test_hand_values():
    p = np.array([5.0, 3.0, 0.0, 0.0])
    q = np.array([10.0, 0.0, 0.0, 6.0])
    assert minkowski_dot(p, q) == 50.0
    assert mass(p) == 4.0
    assert mass(q) == 8.0
    assert pt(p) == 3.0
    assert phi(np.array([1.0, 0.0, 1.0, 0.0])) == pytest.approx(np.pi / 2)
    assert eta(np.array([5.0, 3.0, 0.0, 4.0])) == pytest.approx(np.arcsinh(4 / 3))


def test_boost_of_rest_mass_gives_velocity():
    rest = np.array([2.0, 0.0, 0.0, 0.0])
    beta = np.array([0.0, 0.6, 0.0])
    moving = boost(rest, beta)
    np.testing.assert_allclose(moving, [2.5, 0.0, 1.5, 0.0])
    np.testing.assert_allclose(boost(moving, -beta), rest, atol=1e-15)


def test_boost_preserves_products():
    rng = np.random.default_rng(1)
    p, q = rng.normal(size=(2, 100, 4))
    beta = rng.uniform(-0.5, 0.5, size=(100, 3))
    np.testing.assert_allclose(
        minkowski_dot(boost(p, beta), boost(q, beta)), minkowski_dot(p, q), rtol=1e-10, atol=1e-10
    )


def at_phi(angle) -> np.ndarray:
    """Unit-pT massless momenta ``(..., 4)`` at azimuths ``angle`` and eta = 0."""
    angle = np.asarray(angle, dtype=float)
    return np.stack([np.ones_like(angle), np.cos(angle), np.sin(angle), np.zeros_like(angle)],
                    axis=-1)


def test_delta_r_wraps_phi():
    a, b = at_phi(3.1), at_phi(-3.1)
    assert delta_phi(a, b) == pytest.approx(6.2 - 2 * np.pi)
    assert delta_phi(b, a) == pytest.approx(2 * np.pi - 6.2)
    assert delta_r(a, b) == pytest.approx(2 * np.pi - 6.2)


def test_delta_phi_is_wrapped_to_minus_pi_inclusive_pi_exclusive():
    # phi = +-pi exactly (py = +-0.0, px < 0), and a difference of exactly +-pi
    back, back_below = np.array([1.0, -1.0, 0.0, 0.0]), np.array([1.0, -1.0, -0.0, 0.0])
    assert (phi(back), phi(back_below)) == (np.pi, -np.pi)
    front = np.array([1.0, 1.0, 0.0, 0.0])
    assert delta_phi(back, front) == -np.pi and delta_phi(front, back) == -np.pi
    assert delta_phi(back, back_below) == 0.0  # the same direction
    assert delta_phi(back_below, back) == 0.0
    # just inside and just outside +-pi
    for eps in (1e-12, 1e-6):
        assert delta_phi(at_phi(np.pi - eps), front) == pytest.approx(np.pi - eps, abs=1e-15)
        assert delta_phi(at_phi(-np.pi + eps), front) == pytest.approx(-np.pi + eps, abs=1e-15)
        outside = delta_phi(at_phi(np.pi / 2), at_phi(-np.pi / 2 - eps))
        assert outside == pytest.approx(-np.pi + eps, abs=1e-15)
    # both particles near the +-pi seam: a small difference, whichever side each lies on
    near = at_phi([np.pi - 1e-9, -np.pi + 1e-9])
    assert delta_phi(near[0], near[1]) == pytest.approx(-2e-9, abs=1e-15)
    assert delta_phi(near[1], near[0]) == pytest.approx(2e-9, abs=1e-15)


def test_delta_phi_stays_below_pi_when_mod_rounds_up():
    # phi(p) - phi(q) = -pi - 1 ulp: np.mod(-1 ulp, 2 pi) rounds to 2 pi, i.e. the naive
    # wrap gives +pi; the one-ulp difference from -pi is below resolution, so -pi it is
    p = np.array([1.0, 1.0, -4.440892098500626e-16, 0.0])
    q = np.array([1.0, -1.0, 0.0, 0.0])  # phi = pi exactly
    assert np.mod(phi(p) - phi(q) + np.pi, 2 * np.pi) == 2 * np.pi
    assert delta_phi(p, q) == -np.pi
    rng = np.random.default_rng(3)
    x = rng.uniform(-np.pi, np.pi, 100_000)
    d = delta_phi(at_phi(x), at_phi(np.where(x > 0, x - np.pi, x + np.pi)))  # ~ +-pi apart
    assert np.all((d >= -np.pi) & (d < np.pi))


def test_eta_on_the_beam_and_of_the_zero_vector():
    beam = np.array([[5.0, 0.0, 0.0, 5.0], [5.0, 0.0, 0.0, -5.0], [0.0, 0.0, 0.0, 0.0]])
    assert eta(beam).tolist() == [np.inf, -np.inf, 0.0]
    assert rapidity(beam[:2]).tolist() == [np.inf, -np.inf]
    massive = np.array([5.0, 0.0, 0.0, 3.0])  # m = 4: y = 0.5 log(8 / 2)
    assert rapidity(massive) == pytest.approx(np.log(2.0))


def test_boost_z_is_the_longitudinal_boost():
    rng = np.random.default_rng(2)
    p = rng.normal(size=(5, 3, 4))
    y = rng.uniform(-2, 2, 5)
    beta = np.zeros((5, 1, 3))
    beta[:, 0, 2] = np.tanh(y)
    np.testing.assert_allclose(boost_z(p, y), boost(p, beta), rtol=1e-12, atol=1e-12)
    massless = np.array([[[10.0, 3.0, 4.0, 2.0]]])
    np.testing.assert_allclose(rapidity(boost_z(massless, np.array([0.7]))),
                               rapidity(massless) + 0.7, rtol=1e-12)


def two_body(m_out: float = 0.0) -> np.ndarray:
    e = 50.0
    pz = np.sqrt(e**2 - m_out**2)
    return np.array([[[e, 0, 0, e], [e, 0, 0, -e], [e, 0, 0, pz], [e, 0, 0, -pz]]])


def test_check_momenta_accepts_good_event():
    out = check_momenta(two_body(10.0).astype(np.float32), np.array([0, 0, 10.0, 10.0]))
    assert out.dtype == np.float64


@pytest.mark.parametrize(
    ("momenta", "masses", "message"),
    [
        (np.zeros((3, 4)), np.zeros(4), "shape"),
        (two_body()[:, :3], np.zeros(4), "shape"),
        (np.where(np.arange(4) == 1, np.nan, two_body()), np.zeros(4), "NaN"),
        (two_body(), np.array([0, 0, 10.0, 10.0]), "mass shell"),
        (two_body() * np.array([1, 1, 1, 1.01]), np.zeros(4), "mass shell"),
    ],
)
def test_check_momenta_errors(momenta, masses, message):
    with pytest.raises(UsageError, match=message):
        check_momenta(momenta, masses)


def test_check_momenta_conservation():
    event = two_body()
    event[0, 2] = [60.0, 0, 0, 60.0]
    event[0, 3] = [40.0, 0, 0, -40.0]
    event[0, 0] = [55.0, 0, 0, 55.0]
    with pytest.raises(UsageError, match="conserve momentum"):
        check_momenta(event, np.zeros(4))


def test_boost_by_momentum_is_boost_by_its_velocity_and_reaches_the_rest_frame():
    rng = np.random.default_rng(7)
    space = rng.normal(0, 300, (20, 3))
    frame = np.concatenate([np.sqrt(np.sum(space**2, axis=1, keepdims=True) + 90.0**2), space],
                           axis=1)
    p = np.concatenate([np.full((20, 1), 50.0), rng.normal(0, 20, (20, 3))], axis=1)
    np.testing.assert_allclose(boost_by_momentum(p, frame), boost(p, frame[:, 1:] / frame[:, :1]),
                               rtol=1e-9, atol=1e-9)
    rest = boost_by_momentum(frame, frame, -1.0)
    np.testing.assert_allclose(rest[:, 0], 90.0, rtol=1e-12)
    np.testing.assert_allclose(rest[:, 1:], 0.0, atol=1e-9)
    # a large longitudinal boost (rapidity 6, gamma ~ 200) agrees with boost_z
    along_z = np.array([[np.cosh(6.0), 0.0, 0.0, np.sinh(6.0)]]) * 90.0
    np.testing.assert_allclose(boost_by_momentum(p[:1], along_z), boost_z(p[:1], np.array([6.0])),
                               rtol=1e-12)


def test_wrap_phi():
    np.testing.assert_allclose(wrap_phi(np.array([0.5, 3 * np.pi / 2, -np.pi, np.pi, 7.0])),
                               [0.5, -np.pi / 2, -np.pi, -np.pi, 7.0 - 2 * np.pi])
