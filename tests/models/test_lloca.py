"""The ``lloca`` family: frame standardisation, head layout, FLOPs vs FlopCounterMode, training
(shapes, size knob, Lorentz invariance: ``test_token_families.py``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.token_models import (
    SCALE,
    as_invariant_function,
    build,
    events,
    flop_count,
)
from hepscaling.errors import UsageError
from hepscaling.models.lloca import head_reps

TINY = {"family": "lloca", "width": 16, "depth": 2, "heads": 2, "frames_width": 16}








def test_first_forward_standardises_the_frame_inputs():
    model = build(TINY, n_outputs=2)
    model(torch.from_numpy(events(3, seed=1) / SCALE).float())
    assert bool(model.frames_standardized)


def test_frame_standardisation_travels_with_the_state_dict():
    """A resumed model (fresh build + checkpoint) gives the same outputs on a new batch."""
    x = torch.from_numpy(events(8, seed=9) / SCALE).float()
    trained = build(TINY)
    trained(x[:4])  # first batch fixes the Frames-Net edge standardisation
    resumed = build(TINY, seed=1)
    resumed.load_state_dict(trained.state_dict())
    torch.testing.assert_close(resumed(x[4:]), trained(x[4:]), rtol=0, atol=0)


def test_output_depends_on_the_event():
    """Invariance is not bought by a constant output."""
    func = as_invariant_function(build(TINY))
    out = func(events(6, seed=4))
    assert np.ptp(out) > 1e-6


def test_forward_flops_match_flop_counter():
    model = build(TINY)
    assert flop_count(model, 3) == pytest.approx(3 * model.forward_flops(), rel=1e-12)


def test_head_representations():
    assert head_reps(16) == "8x0n+2x1n"  # the LLoCa amplitude default
    assert head_reps(8) == "4x0n+1x1n"
    assert head_reps(4) == "1x1n"


def test_head_width_must_hold_four_vectors():
    with pytest.raises(UsageError, match="multiple of 4"):
        build({"family": "lloca", "width": 12, "heads": 2})
