"""The autoregressive event generator: an exactly normalised density (numerical integration,
with and without a learned multiplicity), causality, KV-cache sampling equal to recomputation,
conditioning, the Bayesian head's KL, and N and FLOPs."""

from __future__ import annotations

import math

import pytest
import torch

from hepscaling.models.base import InputsSpec, build_model, model_families
from hepscaling.models.bayesian import BayesianLinear, weight_draws
from hepscaling.models.event_gpt import EventGPT
from hepscaling.models.flops import counted_flops_per_sample

TINY = {"family": "event_gpt", "width": 16, "depth": 2, "heads": 2, "components": 3}
SPEC = InputsSpec(n_features=5, periodic=(False, False, True, False, True), n_train=1000)


def build(spec: InputsSpec = SPEC, seed: int = 0, **extra) -> EventGPT:
    torch.manual_seed(seed)
    model = build_model({**TINY, **extra}, spec)
    assert isinstance(model, EventGPT)
    with torch.no_grad():  # an untrained but far from trivial density
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return model.double().eval()


def grid(n_line: int, n_circle: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Midpoint rule on R x [-pi, pi): the line through x = 5 tan(u), u in (-pi/2, pi/2), so
    wide components are covered. Returns the points ``(n_line n_circle, 2)``, the line points
    ``(n_line,)`` and their weights ``(n_line,)`` (dx per point; multiply by 2 pi / n_circle
    for the 2-d cells)."""
    u = -math.pi / 2 + math.pi * (torch.arange(n_line, dtype=torch.float64) + 0.5) / n_line
    line = 5.0 * torch.tan(u)
    dx = 5.0 / torch.cos(u) ** 2 * math.pi / n_line
    phi = -math.pi + 2 * math.pi * (torch.arange(n_circle, dtype=torch.float64) + 0.5) / n_circle
    xx, pp = torch.meshgrid(line, phi, indexing="ij")
    return torch.stack([xx.flatten(), pp.flatten()], dim=1), line, dx


def test_registered_and_shapes():
    assert "event_gpt" in model_families()
    model = build()
    x = torch.randn(4, 5, dtype=torch.float64)
    assert model.log_prob(x).shape == (4,)
    assert torch.equal(model(x), -model.log_prob(x))
    assert model.all_multiplicities and model.input_kind == "events"
    sample = model.sample(6, generator=torch.Generator().manual_seed(0))
    assert sample.shape == (6, 5)
    assert sample[:, [2, 4]].abs().max() <= math.pi


def test_the_density_integrates_to_one():
    """A linear coordinate then an angle: the integral of exp(log_prob) over R x [-pi, pi)."""
    model = build(InputsSpec(n_features=2, periodic=(False, True), n_train=10))
    points, _, dx = grid(240, 96)
    with torch.no_grad():
        density = model.log_prob(points).exp().view(240, 96)
    total = (density.sum(1) * dx).sum().item() * 2 * math.pi / 96
    assert total == pytest.approx(1.0, abs=2e-3)


def test_the_multiplicity_model_is_normalised_over_classes_and_coordinates():
    """Class 0 has one coordinate (the second padded with 0), class 1 two:
    sum_m P(m) integral p(x | m) dx = 1, and each class's marginal is its learned P(m)."""
    model = build(InputsSpec(n_features=2, periodic=(False, True), lengths=(1, 2),
                             n_train=10))
    points, line, dx = grid(240, 96)
    with torch.no_grad():
        one = torch.stack([line, torch.zeros_like(line)], dim=1)
        zero, one_class = (torch.full((n,), c, dtype=torch.long)
                           for n, c in ((line.shape[0], 0), (points.shape[0], 1)))
        p0 = model.log_prob(one, multiplicity=zero).exp()
        p1 = model.log_prob(points, multiplicity=one_class).exp()
        fractions = model.multiplicity_probabilities(1)[0]
    mass0 = (p0 * dx).sum().item()
    mass1 = (p1.view(240, 96).sum(1) * dx).sum().item() * 2 * math.pi / 96
    assert mass0 + mass1 == pytest.approx(1.0, abs=2e-3)
    assert mass0 == pytest.approx(fractions[0].item(), abs=2e-3)


def test_the_past_does_not_see_the_future():
    """Changing the last coordinate changes only the last factor of the density: the
    difference of log densities equals that of the last conditional alone."""
    model = build()
    x = torch.randn(3, 5, dtype=torch.float64)
    y = x.clone()
    y[:, 3] += 0.7  # coordinate 3: factors 3 and 4 change, 0..2 not
    z = x.clone()
    z[:, 4] += 0.7  # only factor 4 changes
    with torch.no_grad():
        hidden_x = model._hidden(model._tokens(x, None, None))
        hidden_y = model._hidden(model._tokens(y, None, None))
    assert torch.allclose(hidden_x[:, :4], hidden_y[:, :4])
    assert not torch.allclose(hidden_x[:, 4], hidden_y[:, 4])
    assert not torch.allclose(model.log_prob(x), model.log_prob(z))


@pytest.mark.parametrize("variant", ["plain", "conditional", "multiplicity", "bayesian_draw"])
def test_kv_cache_sampling_equals_recomputation(variant):
    spec, extra, condition = SPEC, {}, None
    if variant == "conditional":
        spec = InputsSpec(n_features=5, periodic=SPEC.periodic, n_condition=2, n_train=10)
        condition = torch.randn(40, 2, dtype=torch.float64)
    if variant == "multiplicity":
        spec = InputsSpec(n_features=5, periodic=SPEC.periodic, lengths=(1, 3, 5), n_train=10)
    if variant == "bayesian_draw":
        extra = {"bayesian": True}
    model = build(spec, **extra)
    draws = []
    for use_cache in (True, False):
        g = torch.Generator().manual_seed(11)
        for _ in weight_draws(model, 1, torch.Generator().manual_seed(5)):
            draws.append(model._sample(40, condition, g, use_cache))
    (a, la), (b, lb) = draws
    assert torch.allclose(a, b, atol=1e-10)
    assert (la is None and lb is None) or torch.equal(la, lb)
    if variant == "multiplicity":
        assert la is not None and set(la.tolist()) == {0, 1, 2}
        lengths = torch.tensor([1, 3, 5])[la]
        assert torch.all(a[torch.arange(5) >= lengths[:, None]] == 0)


def test_conditioning_changes_the_density_and_is_checked():
    model = build(InputsSpec(n_features=5, periodic=SPEC.periodic, n_condition=2, n_train=10))
    x = torch.randn(3, 5, dtype=torch.float64)
    c = torch.randn(3, 2, dtype=torch.float64)
    assert not torch.allclose(model.log_prob(x, c), model.log_prob(x, c + 1.0))
    with pytest.raises(ValueError, match="condition of 2 floats"):
        model.log_prob(x)
    with pytest.raises(ValueError, match="unconditional"):
        build().log_prob(x, c)


def test_bayesian_head_kl_per_training_event():
    model = build(bayesian=True, prior_width=0.5)
    assert isinstance(model.head, BayesianLinear)
    extra = model.extra_loss()
    assert extra is not None
    assert extra.item() == pytest.approx(model.head.kl().item() / SPEC.n_train)
    assert build().extra_loss() is None
    with pytest.raises(Exception, match="n_train"):
        build_model({**TINY, "bayesian": True}, InputsSpec(n_features=2, periodic=(0, 1)))


@pytest.mark.parametrize("spec", [
    SPEC,
    InputsSpec(n_features=5, periodic=SPEC.periodic, lengths=(1, 3, 5), n_condition=3),
])
def test_flops_match_the_counter(spec):
    model = build(spec)

    def forward(batch: int) -> None:
        x = torch.randn(batch, 5, dtype=torch.float64)
        condition = torch.randn(batch, 3, dtype=torch.float64) if spec.n_condition else None
        multiplicity = torch.zeros(batch, dtype=torch.long) if spec.lengths else None
        model(x, condition, None, multiplicity)

    assert counted_flops_per_sample(forward) == pytest.approx(model.forward_flops())
