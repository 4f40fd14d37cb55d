"""The cfm family: training through the loop on a toy with a known density, exact likelihoods
of known flows, sample layout, periodic angles, FLOP counts; every backbone where it applies
(lgatr: the four-momentum embedding against the numpy inverse is in
tests/tasks/test_event_momenta.py)."""

import math

import pytest
import torch
from pydantic import ValidationError

from helpers.toy_events import TOY_ENTROPY, register_toy_events
from hepscaling.errors import UsageError
from hepscaling.models.base import InputsSpec, build_model
from hepscaling.models.cfm import CFMConfig
from hepscaling.models.flops import counted_flops_per_sample
from hepscaling.models.object_momenta import ObjectMomenta
from hepscaling.train.config import load_config
from hepscaling.train.loop import run_training

BACKBONES = ["mlp", "transformer", "lgatr"]
# two objects: (log_pt, eta) and (dphi, log_pt, a second angle the momenta do not use)
SPEC = InputsSpec(n_features=5, n_particles=2, particle_types=(0, 1),
                  periodic=(False, False, True, False, True), coordinate_objects=(0, 0, 1, 1, 1),
                  object_momenta=ObjectMomenta(
                      log_pt=(0, 3), eta=(1, -1), dphi=(-1, 2), log_m2=(-1, -1),
                      pt_shift=(0.0, 0.0), mass=(0.1, 0.1), m2_eps=0.0, mean=(0.0,) * 5,
                      std=(1.0,) * 5))


def _model(**cfg):
    torch.manual_seed(0)
    return build_model({"family": "cfm", "width": 32, "depth": 2, **cfg}, SPEC)


@pytest.mark.parametrize(("model", "steps"), [
    ({"backbone": "mlp", "width": 64, "depth": 2, "steps": 10}, 300),
    # about 20 times the transformer's time per step: smaller, shorter (measured KL 0.009 +- 0.006)
    ({"backbone": "lgatr", "width": 16, "depth": 1, "heads": 2, "steps": 5}, 200),
], ids=["mlp", "lgatr"])
def test_trains_through_the_loop_to_the_toy_entropy(monkeypatch, tmp_path, model, steps):
    register_toy_events(monkeypatch)
    cfg = {"seed": 0, "device": "cpu", "loss": "generative",
           "task": {"kind": "toy_events", "n_train": 4000},
           "model": {"family": "cfm", **model},
           "train": {"steps": steps, "batch_size": 256, "eval_every": steps // 2, "lr": 5e-3}}
    record = run_training(cfg, tmp_path / "run", progress=False)
    m = record.metrics
    assert record.status == "done" and m["val_loss"] < record.curves["val_loss"][0]
    # cross-entropy = entropy + KL >= entropy; the paired estimate of KL >= 0 within noise
    assert m["test_nll"] > TOY_ENTROPY - 3 * m["test_nll_error"]
    assert m["test_kl"] > -3 * m["test_kl_error"]
    assert m["test_kl"] < 0.1  # and close: within 0.1 nats after 300 steps (measured 0.02)


@pytest.mark.parametrize("backbone", BACKBONES)
def test_log_prob_of_a_zero_velocity_is_the_base_density(backbone):
    model = _model(backbone=backbone, steps=3)
    for p in model.parameters():
        torch.nn.init.zeros_(p)  # v = 0: the flow is the identity
    x = torch.randn(7, 5)
    x[:, [2, 4]] = torch.rand(7, 2) * 2 * math.pi - math.pi
    expected = (-0.5 * x[:, [0, 1, 3]] ** 2).sum(1) - 1.5 * math.log(2 * math.pi) \
        - 2 * math.log(2 * math.pi)
    torch.testing.assert_close(model.log_prob(x), expected)


@pytest.mark.parametrize("solver", ["rk4", "dopri5"])
def test_log_prob_of_an_exponential_flow_is_exact(monkeypatch, solver):
    """v(x, t) = a x on the non-periodic coordinates: x1 = x0 exp(a), divergence 3 a, so
    log p(x1) = log N(x1 exp(-a)) - 3 a (the angles stay uniform)."""
    model = _model(solver=solver, steps=20, rtol=1e-10, atol=1e-10).double()
    a = 0.7
    mask = ~model.periodic
    monkeypatch.setattr(model, "velocity", lambda x, t, c: a * x * mask)
    x = torch.randn(50, 5, dtype=torch.float64)
    x0 = x * math.exp(-a)
    expected = (-0.5 * x0[:, mask] ** 2).sum(1) - 1.5 * math.log(2 * math.pi) - 3 * a \
        - 2 * math.log(2 * math.pi)
    torch.testing.assert_close(model.log_prob(x), expected, atol=1e-6, rtol=0)
    drawn = model.sample(20000, generator=torch.Generator().manual_seed(0))
    assert drawn[:, 0].std().item() == pytest.approx(math.exp(a), rel=0.03)


@pytest.mark.parametrize("backbone", BACKBONES)
def test_samples_have_the_layout_and_are_seeded(backbone):
    model = _model(backbone=backbone, steps=4)
    first = model.sample(64, generator=torch.Generator().manual_seed(3))
    again = model.sample(64, generator=torch.Generator().manual_seed(3))
    assert first.shape == (64, 5) and first.dtype == torch.float32
    torch.testing.assert_close(first, again)
    angles = first[:, model.periodic]
    assert (angles >= -math.pi).all() and (angles < math.pi).all()
    assert torch.isfinite(first).all()


@pytest.mark.parametrize("backbone", ["transformer", "lgatr"])
def test_velocity_is_periodic_in_the_angles_and_the_loss_per_event(backbone):
    model = _model(backbone=backbone)
    x = torch.randn(8, 5)
    shifted = x.clone()
    shifted[:, [2, 4]] += 2 * math.pi
    t = torch.rand(8)
    torch.testing.assert_close(model.velocity(shifted, t, None), model.velocity(x, t, None),
                               atol=1e-5, rtol=1e-5)
    loss = model(x, None, torch.Generator().manual_seed(0))
    assert loss.shape == (8,) and (loss >= 0).all()


def test_conditioned_model_needs_its_condition():
    spec = InputsSpec(n_features=3, periodic=(False, True, False), n_condition=1,
                      coordinate_objects=(0, 0, 1))
    model = build_model({"family": "cfm", "width": 16, "depth": 1}, spec)
    with pytest.raises(ValueError, match="pass condition"):
        model.sample(2, generator=torch.Generator())
    drawn = model.sample(2, condition=torch.ones(2, 1), generator=torch.Generator())
    assert drawn.shape == (2, 3)


@pytest.mark.parametrize("backbone", BACKBONES)
def test_forward_flops_are_the_counted_matmuls_and_width_spans_a_decade(backbone):
    model = _model(backbone=backbone)
    counted = counted_flops_per_sample(
        lambda b: model.velocity(torch.randn(b, 5), torch.rand(b), None))
    assert model.forward_flops() == pytest.approx(counted, rel=1e-9)
    small, large = (_model(backbone=backbone, width=w, heads=4).n_params() for w in (16, 256))
    assert large / small > 10


def test_angles_follow_the_shortest_arc():
    """Data angles at 3.1 rad, uniform base draws: the wrapped target velocity is uniform on
    [-pi, pi) (mean square pi^2 / 3), not 3.1 - x0 (mean square 3.1^2 + pi^2 / 3)."""
    model = _model()
    seen = {}

    def velocity(x, t, c):
        seen["x"] = x
        return torch.zeros_like(x)

    model.velocity = velocity
    x = torch.zeros(20000, 5)
    x[:, [2, 4]] = 3.1
    loss = model.loss(x, generator=torch.Generator().manual_seed(0))  # mean_i delta_i^2
    assert (seen["x"][:, [2, 4]].abs() <= math.pi).all()  # x_t wrapped too
    assert loss.mean().item() == pytest.approx((3 + 2 * math.pi**2 / 3) / 5, abs=0.04)


def test_lgatr_backbone_refuses_inputs_without_object_momenta_in_one_line():
    spec = InputsSpec(n_features=2, periodic=(False, True), coordinate_objects=(0, 1))
    with pytest.raises(UsageError) as info:
        build_model({"family": "cfm", "backbone": "lgatr", "width": 8}, spec)
    assert str(info.value).endswith("; set task.coordinates: objects or model.backbone: "
                                    "transformer")
    assert "\n" not in str(info.value)


def test_a_bayesian_lgatr_backbone_is_refused_when_the_config_loads():
    message = ("cfm backbone lgatr has no Bayesian readout; set model.bayesian: false or "
               "model.backbone: transformer")
    with pytest.raises(ValidationError, match=message):
        CFMConfig(backbone="lgatr", bayesian=True)
    assert CFMConfig(backbone="transformer", bayesian=True).bayesian
    config = {"loss": "generative", "train": {"steps": 1},
              "task": {"kind": "event_generation", "dataset": "z.h5"},
              "model": {"family": "cfm", "backbone": "lgatr", "bayesian": True}}
    with pytest.raises(UsageError) as info:
        load_config(config)
    assert str(info.value) == f"invalid config: model: {message}"
