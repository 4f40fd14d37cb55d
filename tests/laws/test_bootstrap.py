"""Bootstrap: resampling schemes, percentile intervals, and the empirical coverage of the
intervals over repeated synthetic experiments."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.laws import fit_power_law, power_law
from hepscaling.laws.bootstrap import choose_scheme, percentile_interval, resample_indices


def test_scheme_choice():
    assert choose_scheme(np.array([0, 1, 2, 3])) == "runs"
    assert choose_scheme(np.array([0, 0, 1, 1, 2, 2])) == "stratified"
    assert choose_scheme(np.array([0, 0, 1, 2]), "stratified") == "stratified"
    with pytest.raises(UsageError, match="scheme"):
        choose_scheme(np.array([0, 1]), "jackknife")


def test_stratified_replicates_keep_every_scale_point_and_its_seed_count():
    groups = np.repeat(np.arange(5), 3)
    rng = np.random.default_rng(0)
    for _ in range(20):
        idx = resample_indices(groups, rng, "stratified", min_distinct=5)
        assert np.array_equal(np.bincount(groups[idx]), np.full(5, 3))


def test_run_replicates_have_enough_distinct_points():
    groups = np.arange(6)
    rng = np.random.default_rng(1)
    for _ in range(50):
        idx = resample_indices(groups, rng, "runs", min_distinct=4)
        assert idx.size == 6 and np.unique(idx).size >= 4


def test_percentile_interval_of_known_samples():
    samples = np.arange(101, dtype=float)  # 0..100: quantiles are the values themselves
    assert percentile_interval(samples, 0.9) == pytest.approx((5.0, 95.0))
    with_inf = np.concatenate([np.arange(10.0), [np.inf] * 10])
    lo, hi = percentile_interval(with_inf, 0.5)
    assert lo == 4.0 and hi == np.inf
    assert np.isnan(percentile_interval(np.array([np.nan]), 0.68)[0])


def test_intervals_cover_the_truth_at_about_their_nominal_rate():
    """40 synthetic experiments (8 points, 5 % log-normal noise, floor-free law, 40 bootstrap
    replicates each): the count of 68 % and 90 % intervals containing the true exponent must
    lie in the central 99 % binomial range of the nominal rate ([20, 34] and [31, 40])."""
    x = np.logspace(2, 5, 8)
    hits68 = hits90 = 0
    for trial in range(40):
        noise = np.random.default_rng(1000 + trial).normal(size=x.size)
        y = power_law(x, 100.0, 0.6) * np.exp(0.05 * noise)
        fit = fit_power_law(x, y, floor=False, bootstrap=40, seed=trial, level=0.68)
        hits68 += fit.intervals["alpha"].contains(0.6)
        lo, hi = percentile_interval(fit.samples[:, 1], 0.90)
        hits90 += lo <= 0.6 <= hi
    assert 20 <= hits68 <= 34
    assert 31 <= hits90 <= 40
