"""Data repetition: limits of the effective data size and recovery of R* from synthetic runs."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.laws import effective_data_size, fit_repetition, power_law


def test_effective_data_size_limits():
    u = 1000.0
    assert effective_data_size(u, 1.0, 5.0) == pytest.approx(u)  # one pass: no repetition
    assert effective_data_size(u, 1.001, 5.0) == pytest.approx(u * 1.001, rel=1e-6)  # R << R*
    assert effective_data_size(u, 1e4, 5.0) == pytest.approx(u * 6.0)  # R -> inf: U (1 + R*)
    r = 3.0
    assert effective_data_size(u, 1 + r, 5.0) == pytest.approx(u + u * 5 * (1 - np.exp(-r / 5)))


def test_fit_recovers_r_star_and_exponent():
    u = np.repeat(np.logspace(3, 5, 5), 5)
    epochs = np.tile([1.0, 2.0, 4.0, 8.0, 32.0], 5)
    loss = power_law(effective_data_size(u, epochs, 6.0), 200.0, 0.5, 1e-3)
    loss = loss * np.exp(0.01 * np.random.default_rng(0).normal(size=loss.size))
    fit = fit_repetition(u, epochs, loss, bootstrap=0)
    assert fit.params["r_star"] == pytest.approx(6.0, rel=0.25)
    assert fit.params["alpha"] == pytest.approx(0.5, abs=0.03)
    d_eff = fit.effective_data([1e4], [1e3]).value[0]
    assert d_eff == pytest.approx(1e4 * (1 + fit.params["r_star"]), rel=1e-6)


def test_fit_needs_repeated_runs():
    with pytest.raises(UsageError, match="epochs > 1"):
        fit_repetition(np.logspace(3, 5, 6), np.ones(6), np.logspace(0, -1, 6), bootstrap=0)
