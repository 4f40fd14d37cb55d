"""Extrapolation check: a true power law extrapolates, a broken one is caught."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.laws import fit_power_law, holdout_check, power_law


def test_power_law_data_extrapolate_within_the_interval():
    x = np.logspace(2, 6, 9)
    y = power_law(x, 300.0, 0.5) * np.exp(0.01 * np.random.default_rng(2).normal(size=9))
    check = holdout_check(fit_power_law(x, y, floor=False, bootstrap=30), n_holdout=2)
    assert [r.scale["x"] for r in check.rows] == pytest.approx(x[-2:])
    for row in check.rows:
        assert row.ratio == pytest.approx(1.0, abs=0.05)
        assert row.measured == pytest.approx(y[x == row.scale["x"]][0])
        assert row.prediction.contains(row.measured) == row.inside
        assert (row.prediction.value, row.prediction.low, row.prediction.high) == (
            row.predicted, row.low, row.high)
    assert check.fit.data["x"].size == 7


def test_a_bend_beyond_the_fitted_range_is_flagged():
    x = np.logspace(2, 6, 9)
    y = np.where(x < 3e5, power_law(x, 300.0, 0.5), power_law(3e5, 300.0, 0.5))  # plateau
    check = holdout_check(fit_power_law(x, y, floor=False, bootstrap=20), n_holdout=1)
    (row,) = check.rows
    assert row.ratio > 1.5 and not row.inside and check.fraction_inside == 0.0


def test_holdout_needs_points_left():
    x = np.logspace(2, 4, 4)
    fit = fit_power_law(x, power_law(x, 10.0, 0.5, 1e-3), bootstrap=0)
    with pytest.raises(UsageError, match="holding out 4 of 4 scale points leaves none"):
        holdout_check(fit, n_holdout=4)
    with pytest.raises(UsageError, match=r"largest of 4 scale points leaves too few to refit "
                                         r"\(.*\); hold out fewer \(--holdout\)"):
        holdout_check(fit, n_holdout=1)
