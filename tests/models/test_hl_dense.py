"""The ``hl_dense`` family: parameter count, FLOPs against FlopCounterMode, size knob."""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from hepscaling.models.base import InputsSpec, build_model
from hepscaling.models.hl_dense import HighLevelDense

SPEC = InputsSpec(n_features=11, n_particles=0, particle_types=(), n_outputs=5)


@pytest.mark.parametrize(("width", "depth", "ratio"), [(16, 1, 2), (32, 0, 2), (48, 3, 4)])
def test_n_params_and_flops(width, depth, ratio):
    model = build_model({"family": "hl_dense", "width": width, "depth": depth,
                         "mlp_ratio": ratio}, SPEC)
    assert isinstance(model, HighLevelDense) and model.input_kind == "high_level"
    hidden = ratio * width
    weights = 11 * width + depth * 2 * width * hidden + width * 5
    biases = width + depth * (hidden + width) + 5
    norms = 2 * width * (depth + 1)
    assert model.n_params() == weights + biases + norms
    assert model.forward_flops() == 2 * weights
    x = torch.randn(7, 11)
    with FlopCounterMode(display=False) as counter:
        out = model(x)
    assert out.shape == (7, 5) and torch.isfinite(out).all()
    assert counter.get_total_flops() == 7 * model.forward_flops()


def test_rows_are_independent():
    """Per-jet processing: changing one jet leaves the others' logits unchanged."""
    torch.manual_seed(0)
    model = build_model({"family": "hl_dense", "width": 16, "depth": 2}, SPEC).eval()
    x = torch.randn(6, 11)
    y = x.clone()
    y[2] += 1.0
    out_x, out_y = model(x), model(y)
    assert torch.equal(out_x[[0, 1, 3, 4, 5]], out_y[[0, 1, 3, 4, 5]])
    assert not torch.allclose(out_x[2], out_y[2])


def test_size_knob_spans_two_decades():
    sizes = [build_model({"family": "hl_dense", "width": w, "depth": d}, SPEC, device="meta")
             .n_params() for w, d in ((16, 1), (128, 4))]
    assert sizes[1] / sizes[0] > 100
