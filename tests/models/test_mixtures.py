"""Mixture densities of the autoregressive generators: exact normalisation (numerical
integration), von Mises against scipy and its Gaussian limit, and the samplers against the
densities (Kolmogorov-Smirnov, analytic moments)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import special, stats

from hepscaling.models.mixtures import (
    mixture_log_prob,
    mixture_parameters,
    sample_mixture,
    sample_von_mises,
    von_mises_log_prob,
)


def raw_parameters(k: int, seed: int, log_sigma_shift: float = 0.0) -> torch.Tensor:
    """Network-like outputs ``(1, 3 K)`` in float64: logits, locations, log widths."""
    g = torch.Generator().manual_seed(seed)
    raw = torch.randn(1, 3 * k, generator=g, dtype=torch.float64)
    raw[:, 2 * k:] = 0.7 * raw[:, 2 * k:] + log_sigma_shift
    return raw


@pytest.mark.parametrize("shift", [-3.0, 0.0, 1.5])
def test_gaussian_mixture_integrates_to_one(shift):
    log_w, mu, log_sigma = mixture_parameters(raw_parameters(5, 0, shift))
    x = torch.linspace(-80.0, 80.0, 400_001, dtype=torch.float64)
    density = mixture_log_prob(x, log_w, mu, log_sigma, periodic=False).exp()
    assert torch.trapezoid(density, x).item() == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("shift", [-4.0, -1.0, 0.0, 2.5])
def test_von_mises_mixture_integrates_to_one_over_a_period(shift):
    """From kappa ~ 1e-2 (nearly uniform) to kappa ~ 1e4 (sigma 1e-2); locations anywhere on
    the real line (the density is periodic in them)."""
    log_w, mu, log_sigma = mixture_parameters(raw_parameters(6, 1, shift))
    mu = 3.0 * mu
    x = torch.linspace(-math.pi, math.pi, 400_001, dtype=torch.float64)
    density = mixture_log_prob(x, log_w, mu, log_sigma, periodic=True).exp()
    assert torch.trapezoid(density, x).item() == pytest.approx(1.0, abs=1e-6)


def test_a_mask_selects_the_density_per_coordinate():
    log_w, mu, log_sigma = mixture_parameters(raw_parameters(3, 2).expand(4, -1))
    x = torch.tensor([0.3, -2.0, 1.0, 3.0], dtype=torch.float64)
    mask = torch.tensor([True, False, True, False])
    mixed = mixture_log_prob(x, log_w, mu, log_sigma, mask)
    assert torch.allclose(mixed[mask], mixture_log_prob(x, log_w, mu, log_sigma, True)[mask])
    assert torch.allclose(mixed[~mask], mixture_log_prob(x, log_w, mu, log_sigma, False)[~mask])


@pytest.mark.parametrize("kappa", [1e-6, 0.3, 4.0, 250.0, 1e5])
def test_von_mises_matches_scipy_and_approaches_the_gaussian(kappa):
    x = np.linspace(-math.pi, math.pi, 101)
    ours = von_mises_log_prob(torch.tensor(x), torch.tensor(0.4, dtype=torch.float64),
                              torch.tensor(kappa, dtype=torch.float64)).numpy()
    reference = stats.vonmises.logpdf(x, kappa, loc=0.4)
    peak = np.abs(x - 0.4) < 5 / math.sqrt(kappa)  # where the density is not negligible
    assert np.allclose(ours[peak], reference[peak], rtol=1e-9, atol=1e-9)
    if kappa > 1e4:  # narrow: the Gaussian of sigma = 1 / sqrt(kappa) near the peak
        gauss = stats.norm.logpdf(x, 0.4, 1 / math.sqrt(kappa))
        assert np.allclose(ours[peak], gauss[peak], atol=2e-3)


@pytest.mark.parametrize("kappa", [1e-3, 0.8, 30.0])
def test_von_mises_sampler_follows_the_density(kappa):
    g = torch.Generator().manual_seed(3)
    n = 20_000
    draws = sample_von_mises(torch.full((n,), 2.5, dtype=torch.float64),
                             torch.full((n,), kappa, dtype=torch.float64), g).numpy()
    assert draws.min() >= -math.pi and draws.max() < math.pi
    # the wrapped density on [-pi, pi): KS against scipy's CDF of the same wrapped variable
    shifted = (draws - 2.5 + math.pi) % (2 * math.pi) - math.pi  # centred at 0
    assert stats.kstest(shifted, stats.vonmises(kappa).cdf).pvalue > 1e-3
    # mean resultant length I1(k) / I0(k)
    resultant = np.mean(np.cos(draws - 2.5))
    expected = special.i1e(kappa) / special.i0e(kappa)
    assert abs(resultant - expected) < 4 * math.sqrt(0.5 / n)


def test_gaussian_mixture_sampler_has_the_mixture_moments():
    log_w, mu, log_sigma = mixture_parameters(raw_parameters(3, 4))
    n = 40_000
    g = torch.Generator().manual_seed(5)
    draws = sample_mixture(log_w.expand(n, -1), mu.expand(n, -1), log_sigma.expand(n, -1),
                           False, g).numpy()
    w, m, s = (t[0].numpy() for t in (log_w.exp(), mu, log_sigma.exp()))
    mean = np.sum(w * m)
    variance = np.sum(w * (s**2 + m**2)) - mean**2
    assert abs(draws.mean() - mean) < 4 * math.sqrt(variance / n)
    assert draws.var() == pytest.approx(variance, rel=0.05)
    cdf = lambda x: np.sum(w * stats.norm.cdf((x[:, None] - m) / s), axis=1)  # noqa: E731
    assert stats.kstest(draws, cdf).pvalue > 1e-3


def test_sampling_depends_only_on_the_generator():
    log_w, mu, log_sigma = (t.expand(50, -1) for t in mixture_parameters(raw_parameters(4, 6)))
    a = sample_mixture(log_w, mu, log_sigma, True, torch.Generator().manual_seed(7))
    b = sample_mixture(log_w, mu, log_sigma, True, torch.Generator().manual_seed(7))
    c = sample_mixture(log_w, mu, log_sigma, True, torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)
