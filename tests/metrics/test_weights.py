"""Classifier-weight summaries against hand-computed values and synthetic calibrated scores."""

import math

import numpy as np
import pytest

from hepscaling.metrics.weights import (
    calibration_curve,
    deviation_fraction,
    log_weight_spread,
    quantile_edges,
    tail_fractions,
    weight_histogram,
    weighted_histogram,
    weights_from_probabilities,
)


def test_weights_are_odds_and_clipped():
    w = weights_from_probabilities(np.array([0.0, 0.2, 0.5, 0.75, 1.0]))
    assert w[1:4] == pytest.approx([0.25, 1.0, 3.0])
    assert w[0] == pytest.approx(1e-6 / (1 - 1e-6)) and w[-1] == pytest.approx((1 - 1e-6) / 1e-6)
    assert weights_from_probabilities(np.array([1.0]), clip=0.1)[0] == pytest.approx(9.0)
    with pytest.raises(ValueError, match="clip"):
        weights_from_probabilities(np.array([0.5]), clip=0.5)


def test_weight_histogram_log_bins_and_end_bins():
    h = weight_histogram(np.array([1e-5, 0.15, 1.0, 1.5, 5e4]), low=0.1, high=10,
                         bins_per_decade=2)
    assert h["edges"] == pytest.approx([0.1, 10**-0.5, 1, 10**0.5, 10])
    assert h["counts"] == [2.0, 0.0, 2.0, 1.0]  # 1e-5 -> first bin, 5e4 -> last bin
    with pytest.raises(ValueError, match="low < high"):
        weight_histogram(np.ones(3), low=1, high=1)


def test_tail_fractions_and_spread():
    w = np.array([0.05, 0.3, 1.0, 1.0, 3.0, 20.0, 1.0, 1.0])
    assert tail_fractions(w) == {"frac_w_lt_0p1": 1 / 8, "frac_w_lt_0p5": 2 / 8,
                                 "frac_w_gt_2": 2 / 8, "frac_w_gt_10": 1 / 8}
    assert tail_fractions(w, low=(0.01,), high=()) == {"frac_w_lt_0p01": 0.0}
    assert math.isnan(tail_fractions(np.array([]))["frac_w_gt_2"])
    assert log_weight_spread(np.ones(5)) == 0.0
    assert log_weight_spread(np.array([math.e, 1 / math.e])) == pytest.approx(1.0)


def test_calibration_curve_of_calibrated_and_overconfident_scores():
    rng = np.random.default_rng(0)
    p = rng.random(200_000)
    label = rng.random(p.size) < p  # calibrated by construction
    curve, ece = calibration_curve(p, label, n_bins=5)
    assert curve["counts"] == pytest.approx([40_000] * 5, rel=0.02)
    assert curve["predicted"] == pytest.approx([0.1, 0.3, 0.5, 0.7, 0.9], abs=0.005)
    assert curve["observed"] == pytest.approx(curve["predicted"], abs=0.01)
    assert ece < 0.01
    sharp = np.where(p > 0.5, 0.99, 0.01)  # same ranking, overconfident
    assert calibration_curve(sharp, label, n_bins=5)[1] == pytest.approx(0.24, abs=0.01)
    empty, _ = calibration_curve(np.array([0.05, 0.95]), np.array([False, True]), n_bins=4)
    assert empty["counts"] == [1.0, 0.0, 0.0, 1.0] and math.isnan(empty["observed"][1])
    with pytest.raises(ValueError, match="non-empty"):
        calibration_curve(np.ones(3), np.ones(2, dtype=bool))


def test_deviation_fraction_counts_weights_off_by_more_than_the_tolerance():
    w = np.array([0.5, 0.95, 1.0, 1.09, 1.2, 3.0])
    assert deviation_fraction(w) == pytest.approx(3 / 6)
    assert deviation_fraction(w, tolerance=0.6) == pytest.approx(1 / 6)
    assert math.isnan(deviation_fraction(np.array([])))


def test_weighted_histogram_sums_weights_and_their_squares():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=10_000), rng.exponential(size=10_000)
    edges = quantile_edges(x, bins=20, coverage=0.9)
    assert edges[0] == pytest.approx(np.quantile(x, 0.05)) and len(edges) == 21
    h = weighted_histogram(x, edges, w)
    assert sum(h["counts"]) == pytest.approx(w.sum())  # overflow lands in the end bins
    inside = (x >= edges[3]) & (x < edges[4])
    assert h["counts"][3] == pytest.approx(w[inside].sum())
    assert h["errors"][3] == pytest.approx(np.sqrt((w[inside] ** 2).sum()))
    plain = weighted_histogram(x, edges)
    assert plain["errors"] == pytest.approx(np.sqrt(plain["counts"]))
    assert quantile_edges(np.full(5, 2.0), bins=2).tolist() == [1.5, 2.0, 2.5]
