"""The variational linear layer: KL against torch's Gaussian KL, the local reparameterisation
against explicit weight draws, and posterior draws for bands."""

from __future__ import annotations

import math

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from hepscaling.models.bayesian import BayesianLinear, bayesian_kl, weight_draws


def layer(seed: int = 0, prior_width: float = 0.7) -> BayesianLinear:
    torch.manual_seed(seed)
    out = BayesianLinear(5, 3, prior_width=prior_width).double()
    with torch.no_grad():  # posterior widths far from the initial ones
        out.log_var.uniform_(-6.0, 1.0)
    return out


@pytest.mark.parametrize("prior_width", [0.1, 1.0, 3.0])
def test_kl_is_the_analytic_gaussian_kl(prior_width):
    bl = layer(prior_width=prior_width)
    q = Normal(bl.mu, torch.exp(0.5 * bl.log_var))
    expected = kl_divergence(q, Normal(torch.zeros_like(bl.mu), prior_width)).sum()
    assert bl.kl().item() == pytest.approx(expected.item(), rel=1e-12)
    other = layer(seed=1, prior_width=prior_width)
    assert bayesian_kl(torch.nn.Sequential(bl, torch.nn.ReLU(), other)).item() == pytest.approx(
        expected.item() + other.kl().item(), rel=1e-12)
    assert bayesian_kl(torch.nn.Linear(2, 2)) is None


def test_kl_vanishes_when_the_posterior_is_the_prior():
    bl = layer(prior_width=0.5)
    with torch.no_grad():
        bl.mu.zero_()
        bl.log_var.fill_(2 * math.log(0.5))
    assert abs(bl.kl().item()) < 1e-12


def test_local_reparameterisation_has_the_moments_of_weight_draws():
    """Training-mode outputs for one input are Gaussian with mean x mu^T + b and variance
    x^2 s^2; explicit weight draws (evaluation mode) give the same two moments."""
    bl = layer(1)
    x = torch.randn(1, 5, dtype=torch.float64).expand(20_000, -1)
    torch.manual_seed(2)
    local = bl.train()(x).detach()
    g = torch.Generator().manual_seed(3)
    bl.eval()
    drawn = torch.stack([bl(x[:1])[0] for _ in weight_draws(bl, 4_000, g)]).detach()
    mean = (x[:1] @ bl.mu.T + bl.bias).detach()[0]
    variance = (x[:1] ** 2 @ bl.log_var.exp().T).detach()[0]
    for sample in (local, drawn):
        n = sample.shape[0]
        assert torch.all((sample.mean(0) - mean).abs() < 4 * torch.sqrt(variance / n))
        assert torch.allclose(sample.var(0), variance, rtol=6 / math.sqrt(n))


def test_evaluation_uses_the_mean_unless_a_draw_is_fixed():
    bl = layer(4).eval()
    x = torch.randn(3, 5, dtype=torch.float64)
    mean_out = bl(x)
    assert torch.equal(bl(x), mean_out)
    g = torch.Generator().manual_seed(0)
    outs = [bl(x) for _ in weight_draws(bl, 3, g)]
    assert all(not torch.allclose(o, mean_out) for o in outs)
    assert not torch.allclose(outs[0], outs[1])
    assert torch.equal(bl(x), mean_out)  # the means are back
    again = [bl(x) for _ in weight_draws(bl, 3, torch.Generator().manual_seed(0))]
    assert all(torch.equal(a, b) for a, b in zip(outs, again, strict=True))


def test_a_network_without_bayesian_layers_is_its_one_draw():
    assert list(weight_draws(torch.nn.Linear(2, 2), 5, torch.Generator())) == [0]


def test_the_prior_width_must_be_positive():
    with pytest.raises(ValueError, match="prior_width"):
        BayesianLinear(2, 2, prior_width=0.0)


@pytest.mark.parametrize("backbone", ["mlp", "transformer"])
def test_the_cfm_family_takes_a_bayesian_last_layer(backbone):
    from hepscaling.models.base import InputsSpec, build_model

    spec = InputsSpec(n_features=3, periodic=(False, True, False), coordinate_objects=(0, 0, 1),
                      n_train=50)
    cfg = {"family": "cfm", "backbone": backbone, "width": 16, "depth": 1, "heads": 2,
           "steps": 4}
    torch.manual_seed(0)
    model = build_model({**cfg, "bayesian": True, "prior_width": 0.3}, spec).eval()
    layers = [m for m in model.modules() if isinstance(m, BayesianLinear)]
    assert len(layers) == 1 and layers[0].prior_width == 0.3
    extra = model.extra_loss()
    assert extra is not None and extra.item() == pytest.approx(layers[0].kl().item() / 50)
    plain = build_model(cfg, spec)
    assert plain.extra_loss() is None
    assert model.forward_flops() == plain.forward_flops()  # the readout is counted
    samples = [model.sample(20, generator=torch.Generator().manual_seed(1))
               for _ in weight_draws(model, 2, torch.Generator().manual_seed(2))]
    assert not torch.allclose(samples[0], samples[1])  # one network per draw
    again = model.sample(20, generator=torch.Generator().manual_seed(1))
    assert torch.equal(again, model.sample(20, generator=torch.Generator().manual_seed(1)))
