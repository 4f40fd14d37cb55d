"""Bootstrap: resampling schemes, percentile intervals, and the empirical coverage of the
intervals over repeated synthetic experiments."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.laws import fit_power_law, power_law
from hepscaling.laws.bootstrap import (
    choose_scheme,
    percentile_interval,
    replicate_log_y,
    resample_indices,
    residual_scale,
)


def test_scheme_choice():
    assert choose_scheme(np.array([0, 1, 2, 3])) == "residuals"
    assert choose_scheme(np.array([0, 1, 2, 3]), "runs") == "runs"
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


def test_stratified_replicates_spread_seeds_by_sqrt_m_over_m_minus_1():
    """Two seeds (log losses 0 and 2, mean 1): a replicate drawing the first seed twice gets
    1 - sqrt(2) twice, so the group mean varies as much as that of two fresh seeds."""
    groups, log_y = np.array([0, 0, 1]), np.array([0.0, 2.0, 5.0])
    out = replicate_log_y(groups, log_y, np.array([0, 0, 2]), "stratified")
    assert out == pytest.approx([1 - np.sqrt(2), 1 - np.sqrt(2), 5.0])
    assert replicate_log_y(groups, log_y, np.array([1, 1, 0]), "runs") == pytest.approx(
        [2.0, 2.0, 0.0])


def test_residual_replicates_keep_the_fit_and_widen_the_residuals_by_student_t():
    """Residuals (+1, -1, 0) about a fitted line: a replicate picking the first residual twice
    and the third once gets the fit plus (1 - 0) * scale twice and (0 - 0) * scale; the scale is
    sqrt(n / (n - p)) t_{n-p}(q) / z(q); with one degree of freedom t is Cauchy, whose
    quantile is tan(pi (q - 1/2)), and z(0.84) = 0.99446."""
    fitted = np.array([1.0, 2.0, 3.0])
    log_y = fitted + np.array([1.0, -1.0, 0.0])
    scale = residual_scale(3, 2, 0.68)
    assert scale == pytest.approx(np.sqrt(3) * np.tan(np.pi * 0.34) / 0.99446, rel=1e-4)
    out = replicate_log_y(np.arange(3), log_y, np.array([0, 0, 2]), "residuals", fitted, scale)
    assert out == pytest.approx(fitted + scale * np.array([1.0, 1.0, 0.0]))


def test_paired_seed_intervals_cover_at_their_nominal_rate():
    """200 synthetic sweeps (8 D values x 2 seeds, log noise 2-4 % growing with D, a law bent
    by 2 % from a power law): the 68 % interval of alpha holds the value the law takes on the
    noise-free data in 58-78 % of them, every central value lies inside its interval, and alpha
    is recovered to 10 %."""
    d = np.repeat(np.logspace(2, 5, 8), 2)
    truth = power_law(d, 300.0, 0.5) * (1 + 0.02 * np.sin(np.log(d)))
    spread = 0.02 * (1 + (np.log(d) - np.log(d).min()) / np.ptp(np.log(d)))
    target = fit_power_law(d, truth, floor=False, bootstrap=0).params["alpha"]
    covered = inside = 0
    for trial in range(200):
        y = truth * np.exp(spread * np.random.default_rng(trial).normal(size=d.size))
        fit = fit_power_law(d, y, floor=False, bootstrap=20, seed=trial)
        alpha = fit.intervals["alpha"]
        covered += alpha.contains(target)
        inside += alpha.contains(alpha.value)
        assert alpha.value == pytest.approx(0.5, rel=0.1)
    assert 116 <= covered <= 156
    assert inside >= 190
