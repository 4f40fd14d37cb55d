"""compare_laws: AICc, hold-out errors and the verdict on synthetic laws with known shape."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.laws import compare_laws, log_law, power_law
from hepscaling.laws.compare import aicc


def _noisy(y, sigma, seed):
    return y * np.exp(sigma * np.random.default_rng(seed).normal(size=np.shape(y)))


def _sizes(low, high):
    return np.repeat(np.logspace(low, high, 6), 3)


def test_aicc_matches_the_formula_and_needs_enough_runs():
    r = np.array([0.1, -0.2, 0.05, 0.0, 0.15, -0.1])
    n, k = 6, 3
    expected = n * np.log(np.mean(r ** 2)) + 2 * k + 2 * k * (k + 1) / (n - k - 1)
    assert aicc(r, 2) == pytest.approx(expected)
    assert np.isnan(aicc(r[:4], 2))


def test_log_law_preferred_over_two_decades():
    x = _sizes(3, 5)
    comparison = compare_laws(x, _noisy(log_law(x, 6.0, 0.4), 0.01, seed=1), bootstrap=20)
    assert comparison.distinguishable and comparison.preferred == "log"
    assert comparison.verdict.startswith("log preferred")
    assert comparison.best_holdout == "log"
    deltas = {c.law: c.delta for c in comparison.candidates}
    assert deltas["log"] == 0.0 and min(deltas["power"], deltas["power_no_floor"]) > 10
    assert comparison.candidate("log").holdout_error < comparison.candidate(
        "power_no_floor").holdout_error


def test_power_law_with_floor_preferred_when_the_data_have_one():
    x = _sizes(3, 5)
    comparison = compare_laws(x, _noisy(power_law(x, 1e2, 0.5, 0.5), 0.01, seed=2),
                              bootstrap=20)
    assert comparison.preferred == "power"


def test_log_and_power_cannot_be_told_apart_over_a_third_of_a_decade():
    x = _sizes(4, 4.3)
    comparison = compare_laws(x, _noisy(log_law(x, 6.0, 0.4), 0.01, seed=1), bootstrap=20)
    assert not comparison.distinguishable and comparison.preferred is None
    assert {"log", "power_no_floor"} <= set(comparison.close)
    assert comparison.verdict.startswith("cannot tell apart")
    assert "alpha ln(X_max / X_min)" in " ".join(comparison.notes)
    out = comparison.to_dict()
    assert out["distinguishable"] is False and len(out["candidates"]) == 3
    assert "verdict: cannot tell apart" in comparison.summary()


def test_too_few_runs_for_two_forms_is_a_usage_error():
    with pytest.raises(UsageError, match="fewer than two forms"):
        compare_laws([1e2, 1e3, 1e4], [3.0, 2.5, 2.0], bootstrap=0)
