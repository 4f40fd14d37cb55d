"""correlate: Spearman rho (agreeing with scipy), its bootstrap interval, the isotonic fit."""

import numpy as np
import pytest
from scipy.stats import spearmanr

from hepscaling.errors import UsageError
from hepscaling.laws.correlation import correlate, spearman


def test_spearman_rows_match_scipy_with_ties():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, size=(4, 12)).astype(float)
    y = rng.normal(size=(4, 12))
    expected = [spearmanr(a, b).statistic for a, b in zip(x, y, strict=True)]
    assert spearman(x, y) == pytest.approx(expected)
    assert np.isnan(spearman(np.ones((1, 5)), y[:1, :5]))[0]


def test_monotone_noisy_relation_is_resolved_and_fit_is_monotone():
    rng = np.random.default_rng(1)
    loss = rng.uniform(6.0, 7.0, 30)
    swd = 0.02 + 0.5 * (loss - 6.0) ** 2 + 0.02 * rng.normal(size=30)
    c = correlate(loss, swd, x_name="val_loss", y_name="test_swd", bootstrap=300)
    assert c.rho.value == pytest.approx(spearmanr(loss, swd).statistic)
    assert c.rho.low > 0.7 and c.verdict.startswith("monotone increasing")
    assert c.monotone.increasing and np.all(np.diff(c.monotone.y) >= 0)
    assert c.monotone.r2 > 0.8
    assert c.monotone.predict([6.0, 7.0])[1] > c.monotone.predict([6.0, 7.0])[0]
    assert c.to_dict()["monotone"]["increasing"] is True


def test_unrelated_metrics_are_not_called_monotone():
    rng = np.random.default_rng(2)
    c = correlate(rng.normal(size=25), rng.normal(size=25), bootstrap=300)
    assert c.rho.low < 0 < c.rho.high
    assert c.verdict.startswith("no monotone relation")


def test_decreasing_relation_gives_a_non_increasing_fit_independent_of_run_order():
    x = np.array([1.0, 2.0, 2.0, 3.0, 4.0, 5.0])
    y = np.array([5.0, 4.0, 4.5, 3.0, 3.2, 1.0])
    c = correlate(x, y, bootstrap=50)
    assert not c.monotone.increasing and np.all(np.diff(c.monotone.y) <= 0)
    perm = np.array([5, 2, 0, 4, 1, 3])
    assert correlate(x[perm], y[perm], bootstrap=0).monotone.y == pytest.approx(c.monotone.y)


@pytest.mark.parametrize(("x", "y", "match"), [
    ([1.0, 2.0], [1.0, 2.0], "at least 3 runs"),
    ([1.0, 1.0, 1.0], [1.0, 2.0, 3.0], "same in every run"),
    ([1.0, np.nan, 2.0], [1.0, 2.0, 3.0], "NaN"),
])
def test_bad_input_gets_one_line_errors(x, y, match):
    with pytest.raises(UsageError, match=match):
        correlate(x, y)
