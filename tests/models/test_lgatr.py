"""The ``lgatr`` family: FLOPs vs FlopCounterMode, training (shapes, size knob, Lorentz
invariance: ``test_token_families.py``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from lgatr.layers.linear import EquiLinear

from helpers.token_models import (
    as_invariant_function,
    build,
    events,
    flop_count,
)

TINY = {"family": "lgatr", "width": 8, "depth": 2, "heads": 2, "mlp_ratio": 2}








def test_output_depends_on_the_event():
    """Invariance is not bought by a constant output."""
    func = as_invariant_function(build(TINY))
    assert np.ptp(func(events(6, seed=4))) > 1e-6


def test_forward_flops_are_per_event_counts():
    """The counted per-event FLOPs predict a 3-event count up to the batch-independent part.

    L-GATr folds its equivariant weights with the (10, 16, 16) basis once per call: the count
    of B events is ``intercept + B x forward_flops``.
    """
    model = build(TINY)
    intercept = flop_count(model, 1) - model.forward_flops()
    assert intercept > 0
    assert flop_count(model, 3) == pytest.approx(intercept + 3 * model.forward_flops(), rel=1e-12)


def test_forward_flops_dominated_by_dense_equivariant_linears():
    """Independent analytic estimate: every equivariant linear map applies a dense
    ``(c_out, c_in, 16, 16)`` weight per token (2 x 256 c_in c_out FLOPs), every scalar
    ``nn.Linear`` 2 x in x out; attention, norms and the geometric product come on top.
    """
    model = build(TINY)
    k = model.n_particles
    dense = 0
    for module in model.modules():
        if isinstance(module, EquiLinear):
            c_out, c_in, _ = module.weight.shape
            dense += 2 * 256 * c_in * c_out * k
        elif isinstance(module, torch.nn.Linear):
            dense += 2 * module.in_features * module.out_features * k
    assert 0.9 * model.forward_flops() < dense <= model.forward_flops()
