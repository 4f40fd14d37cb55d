"""Properties every token family on momenta shares: output shape, the size knob spanning two
decades of N, training through the loop, and (for the equivariant ones) exact Lorentz
invariance in float64."""

from __future__ import annotations

import pytest
import torch

from helpers.invariance import assert_lorentz_invariant
from helpers.token_models import (
    SCALE,
    as_invariant_function,
    build,
    events,
    n_params_of_width,
    train_on_toy_amplitudes,
)
from hepscaling.models.lgatr import LGATr
from hepscaling.models.lloca import LLoCaTransformer
from hepscaling.models.transformer import Transformer

#: family -> (tiny config, model class, widths spanning two decades of N at heads=2)
FAMILIES = {
    "transformer": ({"family": "transformer", "width": 16, "depth": 2, "heads": 2},
                    Transformer, (8, 32, 128)),
    "lloca": ({"family": "lloca", "width": 16, "depth": 2, "heads": 2, "frames_width": 16},
              LLoCaTransformer, (8, 32, 256)),
    "lgatr": ({"family": "lgatr", "width": 8, "depth": 2, "heads": 2, "mlp_ratio": 2},
              LGATr, (4, 16, 64)),
}


@pytest.mark.parametrize("family", FAMILIES)
def test_forward_shape_and_registration(family):
    tiny, cls, _ = FAMILIES[family]
    model = build(tiny, n_outputs=2)
    assert isinstance(model, cls) and model.input_kind == "momenta"
    out = model(torch.from_numpy(events(3, seed=1) / SCALE).float())
    assert out.shape == (3, 2) and out.dtype == torch.float32
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("family", FAMILIES)
def test_width_spans_two_decades_of_parameters(family):
    sizes = [n_params_of_width(family, w, heads=2) for w in FAMILIES[family][2]]
    assert sizes == sorted(sizes)
    assert sizes[-1] / sizes[0] > 100


@pytest.mark.parametrize("family", ["lloca", "lgatr"])
def test_lorentz_invariant_in_float64(family):
    """Random boosts (rapidity up to 1.5) and rotations, one per event."""
    func = as_invariant_function(build(FAMILIES[family][0]))
    deviation = assert_lorentz_invariant(func, events(16, seed=2), seed=3, rtol=1e-9)
    assert deviation < 1e-9


@pytest.mark.parametrize(("family", "steps"), [("transformer", 90), ("lloca", 60), ("lgatr", 60)])
def test_trains_through_the_loop(family, steps, tmp_path):
    record = train_on_toy_amplitudes(FAMILIES[family][0], tmp_path, steps=steps)
    assert record.status == "done"
    val = record.curves["val_loss"]
    assert val[-1] < 0.85 * val[0]
    assert record.metrics["test_mse"] < 0.8  # predicting the mean scores about 1
