"""fit_log_law: recovery of a known log law, hold-out, solve, bounds and bad input."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.laws import fit_log_law, holdout_check, log_law


def _noisy(y, sigma, seed):
    return y * np.exp(sigma * np.random.default_rng(seed).normal(size=np.shape(y)))


def test_recovers_a_and_b_with_intervals_covering_them():
    x = np.repeat(np.logspace(3, 5.5, 6), 3)
    fit = fit_log_law(x, _noisy(log_law(x, 8.0, 0.3), 0.005, seed=1), bootstrap=100)
    assert fit.law == "log" and fit.undetermined == ()
    assert fit.params["a"] == pytest.approx(8.0, abs=0.05)
    assert fit.params["b"] == pytest.approx(0.3, abs=0.005)
    iv = fit.intervals["b"]
    assert iv.low < iv.value < iv.high and iv.high - iv.low < 0.01


def test_holdout_predicts_the_largest_size_and_solve_inverts_predict():
    x = np.repeat(np.logspace(3, 5, 5), 2)
    fit = fit_log_law(x, _noisy(log_law(x, 6.0, 0.2), 0.002, seed=2), bootstrap=50)
    check = holdout_check(fit)
    assert all(r.scale["x"] == 1e5 for r in check.rows)
    assert all(abs(r.ratio - 1) < 0.01 for r in check.rows)
    target = 4.0
    found = fit.solve(target)
    assert found.value == pytest.approx(np.exp((6.0 - target) / 0.2), rel=0.05)
    assert fit.predict(found.value).value[0] == pytest.approx(target)


def test_flat_data_leave_the_slope_undetermined_and_solve_refuses():
    x = np.repeat(np.logspace(2, 4, 4), 2)
    y = _noisy(np.full(x.size, 3.0), 0.01, seed=3) * (x / 1e2) ** 0.01  # slightly rising
    fit = fit_log_law(x, y, bootstrap=40)
    assert "b" in fit.undetermined
    with pytest.raises(UsageError, match="not positive"):
        fit.solve(2.0)


def test_bad_input_gets_one_line_errors():
    with pytest.raises(UsageError, match="distinct x"):
        fit_log_law([10.0, 10.0, 10.0], [1.0, 1.1, 1.2], bootstrap=0)
    with pytest.raises(UsageError, match="> 0"):
        fit_log_law([10.0, 100.0, 1e3], [1.0, -1.0, 0.5], bootstrap=0)
