"""Huber objective and the multi-start L-BFGS-B optimiser."""

import numpy as np
import pytest

from hepscaling.laws.forms import JOINT, POWER, POWER_NO_FLOOR, power_law
from hepscaling.laws.optimize import (
    CHINCHILLA_DELTA,
    Objective,
    huber,
    huber_objective,
    minimize_huber,
    single_threaded_blas,
)


def test_huber_values():
    d = 0.1
    assert huber(np.array([0.05]), d)[0] == pytest.approx(0.5 * 0.05**2)
    assert huber(np.array([-0.3]), d)[0] == pytest.approx(d * (0.3 - d / 2))
    assert CHINCHILLA_DELTA == 1e-3  # the Chinchilla / Besiroglu et al. choice


def test_objective_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    u = rng.normal(size=(9, 1))
    log_y = rng.normal(size=9)
    theta = np.array([0.2, 0.5, -1.0])
    _, grad = huber_objective(theta, POWER, u, log_y, 0.5)
    eps = 1e-7
    for i in range(3):
        step = np.eye(3)[i] * eps
        numeric = (huber_objective(theta + step, POWER, u, log_y, 0.5)[0]
                   - huber_objective(theta - step, POWER, u, log_y, 0.5)[0]) / (2 * eps)
        assert grad[i] == pytest.approx(numeric, rel=1e-5)


@pytest.mark.parametrize("form", [POWER, POWER_NO_FLOOR, JOINT])
def test_precomputed_jacobian_path_equals_the_direct_evaluation(form):
    rng = np.random.default_rng(4)
    k = 2 if form is JOINT else 1
    u, log_y = rng.normal(size=(6, k)), rng.normal(size=6)
    theta = rng.normal(size=form.n_theta)
    objective = Objective(form, u, log_y, 0.3)
    assert objective.jac is not None
    pred, grad = form.log_predict(theta, u)
    r = pred - log_y
    value, gradient = objective(theta)
    assert value == pytest.approx(huber(r, 0.3).sum(), rel=1e-12)
    assert gradient == pytest.approx(np.clip(r, -0.3, 0.3) @ grad, rel=1e-12)


def test_noise_free_power_law_is_recovered_exactly():
    x = np.logspace(1, 6, 10)
    y = power_law(x, 300.0, 0.45, 2e-3)
    mu = np.array([np.log(x).mean()])
    with single_threaded_blas():
        best = minimize_huber(POWER, np.log(x)[:, None] - mu, np.log(y))
    p = POWER.to_params(best.theta, mu)
    assert p["alpha"] == pytest.approx(0.45, rel=1e-5)
    assert p["x_c"] == pytest.approx(300.0, rel=1e-4)
    assert p["k"] == pytest.approx(2e-3, rel=1e-4)
    assert best.objective < 1e-12
