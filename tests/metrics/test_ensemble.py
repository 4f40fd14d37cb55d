"""Ensemble bands: the spread of K histograms of independent samples matches the multinomial
truth; normalisation and edge checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from hepscaling.metrics.ensemble import histogram_band


def test_the_band_of_independent_samples_has_the_multinomial_spread():
    """K members, each a histogram of n draws from a known density: the band's mean is the
    bin probability / width and its std the multinomial sqrt(p (1 - p) / n) / width."""
    rng = np.random.default_rng(0)
    edges = np.linspace(-3, 3, 13)
    k, n = 400, 2000
    members = [{"edges": edges.tolist(),
                "counts": np.histogram(rng.standard_normal(n), edges)[0].tolist()}
               for _ in range(k)]
    band = histogram_band(members)
    p = np.diff(stats.norm.cdf(edges))
    p = p / p.sum()  # members count only draws inside the edges
    width = np.diff(edges)
    sigma = np.sqrt(p * (1 - p) / n) / width
    assert np.all(np.abs(np.array(band["mean"]) - p / width) < 4 * sigma / math.sqrt(k))
    # the sample std of K normal-ish values has a relative error ~ 1 / sqrt(2 K)
    assert np.allclose(band["std"], sigma, rtol=5 / math.sqrt(2 * k))
    assert np.allclose(band["error"], np.array(band["std"]) / math.sqrt(k))
    assert np.all(np.array(band["low"]) < band["mean"]) and np.all(
        np.array(band["high"]) > band["mean"])
    assert band["members"] == [float(k)]


def test_density_normalises_members_of_different_sizes():
    a = {"edges": [0.0, 0.5, 2.0], "counts": [10.0, 30.0]}
    b = {"edges": [0.0, 0.5, 2.0], "counts": [1.0, 3.0]}
    band = histogram_band([a, b])
    assert band["std"] == [0.0, 0.0]
    assert np.allclose(band["mean"], [0.25 / 0.5, 0.75 / 1.5])
    assert histogram_band([a])["std"] == [0.0, 0.0]


def test_members_must_share_edges():
    with pytest.raises(ValueError, match="other edges"):
        histogram_band([{"edges": [0, 1], "counts": [1]}, {"edges": [0, 2], "counts": [1]}])
    with pytest.raises(ValueError, match="at least one"):
        histogram_band([])
