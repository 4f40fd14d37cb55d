"""1-d and sliced Wasserstein distances: POT's definition, a sort-based oracle, properties."""

from __future__ import annotations

import numpy as np
import ot
import pytest
import scipy.stats

from hepscaling.metrics import sliced_wasserstein, wasserstein_1d
from hepscaling.metrics.wasserstein import random_directions, sliced_wasserstein_batches


def oracle_swd(a: np.ndarray, b: np.ndarray, directions: np.ndarray, p: int) -> float:
    """Equal-size samples: W_p^p on a slice is the mean |sorted(a theta) - sorted(b theta)|^p."""
    pa, pb = np.sort(a @ directions, axis=0), np.sort(b @ directions, axis=0)
    return float(np.mean(np.abs(pa - pb) ** p)) ** (1 / p)


def samples(n: int, seed: int, d: int = 5, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) * np.arange(1, d + 1) + shift


def test_wasserstein_1d_matches_scipy():
    a, b = samples(301, 0, d=1)[:, 0], samples(157, 1, d=1, shift=0.3)[:, 0]
    assert wasserstein_1d(a, b) == pytest.approx(scipy.stats.wasserstein_distance(a, b),
                                                 rel=1e-12)
    assert wasserstein_1d(a, a) == 0.0


@pytest.mark.parametrize("p", [1, 2])
def test_sliced_wasserstein_equals_pot_and_the_sort_oracle(p):
    a, b = samples(200, 2), samples(200, 3, shift=0.2)
    value = sliced_wasserstein(a, b, n_projections=64, p=p, seed=7)
    pot = ot.sliced_wasserstein_distance(a, b, n_projections=64, p=p, seed=7)
    assert value == pytest.approx(pot, rel=1e-12)
    assert value == pytest.approx(oracle_swd(a, b, random_directions(5, 64, 7), p), rel=1e-12)


def test_p1_is_the_mean_1d_w1_over_slices():
    a, b = samples(120, 4), samples(90, 5, shift=0.5)
    directions = random_directions(5, 16, 3)
    w1 = [scipy.stats.wasserstein_distance(a @ t, b @ t) for t in directions.T]
    assert sliced_wasserstein(a, b, n_projections=16, seed=3) == pytest.approx(np.mean(w1))


def test_zero_on_itself_and_invariant_to_row_order():
    a, b = samples(150, 6), samples(150, 7, shift=0.1)
    assert sliced_wasserstein(a, a) == 0.0
    rng = np.random.default_rng(0)
    shuffled = sliced_wasserstein(a[rng.permutation(150)], b[rng.permutation(150)])
    assert shuffled == pytest.approx(sliced_wasserstein(a, b), rel=1e-12)


def test_truth_vs_truth_falls_like_one_over_sqrt_n():
    """Two independent samples of one distribution: SWD ~ c / sqrt(n). The fitted log-log
    slope over n = 100 ... 6400 (mean of 8 repeats each) lies near -1/2."""
    sizes = np.array([100, 400, 1600, 6400])
    means = [np.mean([sliced_wasserstein(samples(n, 2 * r), samples(n, 2 * r + 1), seed=r)
                      for r in range(8)]) for n in sizes]
    slope = np.polyfit(np.log(sizes), np.log(means), 1)[0]
    assert -0.6 < slope < -0.4


def test_batches_give_mean_and_error():
    a, b = samples(400, 8), samples(400, 9, shift=1.0)
    mean, error = sliced_wasserstein_batches(a, b, 4, seed=1)
    singles = [sliced_wasserstein(a[i:i + 100], b[i:i + 100], seed=1) for i in range(0, 400, 100)]
    assert mean == pytest.approx(np.mean(singles))
    assert error == pytest.approx(np.std(singles, ddof=1) / 2)
    assert sliced_wasserstein_batches(a, b, 1)[1] == 0.0
    with pytest.raises(ValueError, match="n_batches"):
        sliced_wasserstein_batches(a, b, 0)


def test_shape_errors():
    with pytest.raises(ValueError, match="same"):
        sliced_wasserstein(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="1-d"):
        wasserstein_1d(np.zeros((3, 2)), np.zeros(3))
