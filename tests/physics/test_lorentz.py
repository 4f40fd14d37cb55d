"""Four-vector helpers against hand-checkable values."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.physics.lorentz import (
    boost,
    check_momenta,
    delta_r,
    eta,
    mass,
    minkowski_dot,
    phi,
    pt,
    to_vector_xyzt,
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


def test_delta_r_wraps_phi():
    a = np.array([1.0, np.cos(3.1), np.sin(3.1), 0.0])
    b = np.array([1.0, np.cos(-3.1), np.sin(-3.1), 0.0])
    assert delta_r(a, b) == pytest.approx(2 * np.pi - 6.2)


def test_vector_conversion():
    p = np.array([[5.0, 3.0, 0.0, 0.0]])
    v = to_vector_xyzt(p)
    assert v.mass[0] == pytest.approx(4.0)


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
