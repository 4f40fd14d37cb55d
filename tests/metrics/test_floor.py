"""The truth-vs-truth floor split: disjoint equal halves, the sizes of the measurement, the
caller's seed, and the excess of a measurement over its floor."""

import math

import numpy as np
import pytest

from hepscaling.metrics.floor import excess, floor_split


@pytest.mark.parametrize(("n_truth", "n_candidate", "cap", "n"),
                         [(1000, 300, None, 300), (1000, 900, None, 500), (1001, 900, 40, 40),
                          (1, 5, None, 0)])
def test_halves_are_disjoint_and_sized_like_the_measurement(n_truth, n_candidate, cap, n):
    split = floor_split(n_truth, n_candidate, seed=3, max_events=cap)
    assert split.n == n and split.half == n_truth // 2
    assert split.reference.size == split.floor.size == split.candidate.size == n
    assert not set(split.reference) & set(split.floor)
    assert len(set(split.candidate)) == n and split.candidate.max(initial=0) < n_candidate
    assert max(split.reference.max(initial=0), split.floor.max(initial=0)) < n_truth


def test_same_seed_same_rows_other_seed_other_rows():
    a, b, c = (floor_split(500, 500, seed=s) for s in (1, 1, 2))
    assert np.array_equal(a.reference, b.reference) and np.array_equal(a.candidate, b.candidate)
    assert not np.array_equal(a.reference, c.reference)


def test_excess_subtracts_the_floor_and_keeps_the_sign():
    out = excess({"auc": 0.49, "log_w_std": 0.3}, {"auc": 0.51, "log_w_std": 0.1},
                 ("auc", "log_w_std", "frac"))
    assert out["auc"] == pytest.approx(-0.02) and out["log_w_std"] == pytest.approx(0.2)
    assert math.isnan(out["frac"])
