"""Functional forms: hand-checkable values and analytic gradients of the fit parametrisations."""

import numpy as np
import pytest

from hepscaling.laws.forms import (
    JOINT,
    POWER,
    POWER_NO_FLOOR,
    ceiling_law,
    joint_law,
    logsumexp_with_grad,
    power_law,
)
from hepscaling.laws.repetition import REPETITION


def test_formulas_by_hand():
    assert power_law(np.array([100.0]), x_c=10.0, alpha=0.5, k=0.01)[0] == pytest.approx(
        np.sqrt(0.1) + 0.01)
    assert joint_law(1e4, 1e2, e=1.0, a=100.0, alpha=0.5, b=10.0, beta=1.0) == pytest.approx(
        1.0 + 1.0 + 0.1)
    assert ceiling_law(np.array([4.0]), a_inf=0.9, a=0.2, b=0.5)[0] == pytest.approx(0.8)


def test_logsumexp_is_stable_for_large_terms():
    terms = np.array([[1000.0, 1000.0], [-1000.0, 0.0]])
    value, grad = logsumexp_with_grad(terms, np.eye(2)[None].repeat(2, axis=0))
    assert value == pytest.approx([1000.0 + np.log(2.0), 0.0])
    assert grad == pytest.approx(np.array([[0.5, 0.5], [0.0, 1.0]]))


@pytest.mark.parametrize(("form", "theta", "k"), [
    (POWER, [0.3, 0.7, -2.0], 1),
    (POWER_NO_FLOOR, [0.3, 0.7], 1),
    (JOINT, [-1.0, 0.2, 0.4, 0.5, 0.3], 2),
    (REPETITION, [0.3, 0.5, -3.0, np.log(4.0)], 2),
])
def test_gradient_matches_finite_differences(form, theta, k):
    rng = np.random.default_rng(0)
    u = rng.normal(size=(7, k))
    if form is REPETITION:
        u[:, 1] = rng.uniform(0.0, 20.0, size=7)  # repetitions R >= 0
    theta = np.array(theta)
    _, grad = form.log_predict(theta, u)
    eps = 1e-6
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        numeric = (form.log_predict(theta + step, u)[0] - form.log_predict(theta - step, u)[0])
        assert grad[:, i] == pytest.approx(numeric / (2 * eps), rel=1e-6, abs=1e-8)


def test_power_parameters_round_trip_to_the_formula():
    x = np.array([10.0, 1e3, 1e5])
    mu = np.array([np.log(x).mean()])
    theta = np.array([0.4, 0.6, np.log(0.02)])
    params = POWER.to_params(theta, mu)
    log_l, _ = POWER.log_predict(theta, np.log(x)[:, None] - mu)
    assert np.exp(log_l) == pytest.approx(power_law(x, **params), rel=1e-12)


def test_joint_parameters_round_trip_to_the_formula():
    n, d = np.array([1e4, 1e6, 1e5]), np.array([1e7, 1e5, 1e6])
    mu = np.array([np.log(n).mean(), np.log(d).mean()])
    theta = np.array([np.log(1.5), 0.1, 0.35, 0.7, 0.28])
    p = JOINT.to_params(theta, mu)
    log_l, _ = JOINT.log_predict(theta, np.stack([np.log(n), np.log(d)], axis=1) - mu)
    assert np.exp(log_l) == pytest.approx(
        joint_law(n, d, p["E"], p["A"], p["alpha"], p["B"], p["beta"]), rel=1e-12)
