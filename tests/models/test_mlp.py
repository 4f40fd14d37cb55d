"""MLP families: parameter counts, FLOPs against FlopCounterMode, muP parametrisation,
dropout (and the run ids it leaves unchanged when off)."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from hepscaling.errors import UsageError
from hepscaling.models.base import InputsSpec, build_model
from hepscaling.models.mlp import MLP, MuPMLP
from hepscaling.train.config import load_config, run_id

SPEC = InputsSpec(n_features=10, n_particles=5, particle_types=(0, 1, 2, 2, 2), n_outputs=1)
HET = InputsSpec(n_features=10, n_particles=5, particle_types=(0, 1, 2, 2, 2), n_outputs=2)


def _weights(n_in: int, width: int, depth: int, n_out: int) -> int:
    return n_in * width + (depth - 1) * width * width + width * n_out


@pytest.mark.parametrize("family", ["mlp", "mlp_mup"])
@pytest.mark.parametrize(("width", "depth", "spec"), [(16, 1, SPEC), (64, 3, HET), (256, 4, SPEC)])
def test_n_params_and_forward_flops(family, width, depth, spec):
    model = build_model({"family": family, "width": width, "depth": depth}, spec)
    weights = _weights(spec.n_features, width, depth, spec.n_outputs)
    biases = depth * width + spec.n_outputs
    assert model.n_params() == weights + biases
    assert model.forward_flops() == 2 * weights
    x = torch.randn(32, spec.n_features)
    with FlopCounterMode(display=False) as counter:
        out = model(x)
    assert out.shape == (32, spec.n_outputs)
    assert counter.get_total_flops() == 32 * model.forward_flops()
    with FlopCounterMode(display=False) as counter:
        model(x).sum().backward()
    # backward: weight gradients everywhere, input gradients except into the first layer
    expected = 32 * (3 * model.forward_flops() - 2 * spec.n_features * width)
    assert counter.get_total_flops() == expected
    if depth >= 3:  # hidden layers dominate: the "3 x forward" rule holds to a few per cent
        assert 0.95 < expected / (32 * 3 * model.forward_flops()) <= 1.0


def test_size_knob_spans_two_decades():
    sizes = [build_model({"family": "mlp", "width": w, "depth": 3}, SPEC, device="meta")
             .n_params() for w in (16, 512)]
    assert sizes[1] / sizes[0] > 100


def test_meta_device_counts_without_memory():
    model = build_model({"family": "mlp_mup", "width": 4096, "depth": 8}, SPEC, device="meta")
    assert model.readout.weight.is_meta
    assert model.forward_flops() == 2 * _weights(10, 4096, 8, 1)


def test_mup_readout_zero_and_learning_rates():
    torch.manual_seed(0)
    model = build_model({"family": "mlp_mup", "width": 256, "depth": 3, "base_width": 64}, HET)
    assert isinstance(model, MuPMLP)
    assert torch.count_nonzero(model(torch.randn(8, 10))) == 0  # zero-initialised readout
    groups = model.param_groups(lr=1e-3, weight_decay=0.1)
    hidden = {id(layer.weight) for layer in model.hidden[1:]}
    for group in groups:
        ids = {id(p) for p in group["params"]}
        if ids & hidden:
            assert ids == hidden and group["lr"] == pytest.approx(1e-3 / 4)
            assert group["weight_decay"] == pytest.approx(0.4)
        else:
            assert group["lr"] == 1e-3
    n_grouped = sum(p.numel() for g in groups for p in g["params"])
    assert n_grouped == model.n_params()


def test_mup_update_size_is_width_independent():
    """One Adam step changes a muP network's output by a width-independent amount; the
    standard parametrisation's change grows with width (Yang et al. 2022)."""

    def output_change(family: str, width: int) -> float:
        torch.manual_seed(0)
        extra = {"base_width": 64} if family == "mlp_mup" else {}
        model = build_model({"family": family, "width": width, "depth": 3, "activation": "relu",
                             **extra}, SPEC)
        x = torch.randn(256, 10)
        before = model(x).detach()
        opt = torch.optim.Adam(model.param_groups(1e-2, 0.0))
        model(x).sum().backward()
        opt.step()
        return (model(x).detach() - before).abs().mean().item()

    mup = output_change("mlp_mup", 1024) / output_change("mlp_mup", 64)
    sp = output_change("mlp", 1024) / output_change("mlp", 64)
    assert 0.5 < mup < 2.0
    assert sp > 4.0


def test_standard_mlp_is_the_mlp_class():
    model = build_model({"family": "mlp"}, SPEC)
    assert type(model) is MLP and model.input_kind == "invariants"
    assert len(model.param_groups(1e-3, 0.1)) == 2  # matrices with decay, vectors without


def test_mup_matches_the_mup_package():
    """Same learning rates, matrix weight decays and outputs as ``mup.MuReadout`` +
    ``mup.set_base_shapes`` + ``mup.MuAdamW`` (the reference implementation)."""
    mup = pytest.importorskip("mup")

    class Reference(torch.nn.Module):
        def __init__(self, width: int):
            super().__init__()
            self.hidden = torch.nn.ModuleList([torch.nn.Linear(10, width),
                                               torch.nn.Linear(width, width),
                                               torch.nn.Linear(width, width)])
            self.readout = mup.MuReadout(width, 2, readout_zero_init=True)

        def forward(self, x):
            for layer in self.hidden:
                x = torch.nn.functional.gelu(layer(x))
            return self.readout(x)

    reference = Reference(256)
    mup.set_base_shapes(reference, Reference(64), delta=Reference(128))
    ours = build_model({"family": "mlp_mup", "width": 256, "depth": 3, "base_width": 64}, HET)
    with torch.no_grad():
        for p, q in zip(reference.parameters(), ours.parameters(), strict=True):
            p.copy_(torch.randn_like(q))
            q.copy_(p)
    x = torch.randn(16, 10)
    assert torch.allclose(reference(x), ours(x), atol=1e-5)

    lr_ref, wd_ref = {}, {}
    for group in mup.MuAdamW(reference.parameters(), lr=1e-3, weight_decay=0.1).param_groups:
        for p in group["params"]:
            lr_ref[id(p)], wd_ref[id(p)] = group["lr"], group["weight_decay"]
    lr_ours, wd_ours = {}, {}
    for group in ours.param_groups(1e-3, 0.1):
        for p in group["params"]:
            lr_ours[id(p)], wd_ours[id(p)] = group["lr"], group["weight_decay"]
    for p, q in zip(reference.parameters(), ours.parameters(), strict=True):
        assert lr_ours[id(q)] == pytest.approx(lr_ref[id(p)])
        if q.ndim == 2:  # we do not decay biases; mup decays every parameter
            assert wd_ours[id(q)] == pytest.approx(wd_ref[id(p)])


def test_leaky_relu_has_slope_one_tenth():
    model = build_model({"family": "mlp", "activation": "leaky_relu"}, SPEC)
    assert model.act(torch.tensor([-2.0, 3.0])).tolist() == pytest.approx([-0.2, 3.0])


def test_dropout_acts_in_training_only_and_keeps_the_parameters():
    plain = build_model({"family": "mlp", "width": 64, "depth": 2}, SPEC)
    dropped = build_model({"family": "mlp", "width": 64, "depth": 2, "dropout": 0.5}, SPEC)
    assert dropped.n_params() == plain.n_params()
    dropped.load_state_dict(plain.state_dict())
    x = torch.randn(256, 10)
    dropped.eval()
    assert torch.equal(dropped(x), plain(x))  # eval: dropout off
    dropped.train()
    torch.manual_seed(0)
    hidden = dropped.dropout(dropped.act(dropped.hidden[0](x)))  # (256, 64)
    zeros = (hidden == 0).float().mean().item()
    assert 0.45 < zeros < 0.6  # half the units dropped (GELU itself is rarely exactly 0)
    with pytest.raises(UsageError, match=r"model\.dropout"):
        load_config({"task": {"kind": "amplitude_regression", "dataset": "x.h5"},
                     "model": {"family": "mlp", "dropout": 1.0}, "train": {"steps": 10}})


@pytest.mark.parametrize(("family", "expected"), [("mlp", "0d9282f9679a42d7"),
                                                  ("mlp_mup", "238b665a3b878458")])
def test_dropout_zero_or_unset_keeps_the_run_ids_of_main(family, expected):
    """The ids were computed on main before the dropout knob existed (commit 5e11b92)."""
    cfg = {"seed": 0, "task": {"kind": "amplitude_regression", "dataset": "nothere.h5"},
           "model": {"family": family, "width": 64}, "train": {"steps": 200}}
    assert run_id(cfg) == expected
    assert run_id({**cfg, "model": {**cfg["model"], "dropout": 0.0}}) == expected
    with_dropout = {**cfg, "model": {**cfg["model"], "dropout": 0.1}}
    assert run_id(with_dropout) != expected
    assert load_config(with_dropout).resolved()["model"]["dropout"] == 0.1  # recorded
