"""The plain ``transformer`` family: lack of Lorentz invariance, token order, FLOPs, training
(shapes and size knob: ``test_token_families.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.invariance import apply_lorentz, assert_lorentz_invariant, random_lorentz
from helpers.token_models import (
    as_invariant_function,
    build,
    events,
    flop_count,
)
from hepscaling.errors import UsageError

TINY = {"family": "transformer", "width": 16, "depth": 2, "heads": 2}






def test_outputs_depend_on_the_frame():
    """The baseline is not Lorentz invariant: the check used for lloca / lgatr can fail."""
    func = as_invariant_function(build(TINY))
    with pytest.raises(AssertionError, match="not Lorentz invariant"):
        assert_lorentz_invariant(func, events(8, seed=2), seed=3, rtol=1e-3)


def test_tokens_carry_particle_order():
    """Swapping two momenta with different types changes the output (types are embedded)."""
    func = as_invariant_function(build(TINY))
    p = events(4, seed=4)
    swapped = p[:, [0, 1, 3, 2, 4]]
    assert np.max(np.abs(func(p) - func(swapped))) > 1e-6


def test_forward_flops_match_flop_counter():
    model = build(TINY)
    assert flop_count(model, 3) == pytest.approx(3 * model.forward_flops(), rel=1e-12)


def test_rotation_changes_output_but_batch_is_consistent():
    """Per-event processing: transforming one event leaves the others' outputs unchanged."""
    func = as_invariant_function(build(TINY))
    p = events(4, seed=6)
    q = p.copy()
    q[:1] = apply_lorentz(p[:1], random_lorentz(1, seed=7))
    before, after = func(p), func(q)
    np.testing.assert_allclose(after[1:], before[1:], rtol=1e-12)
    assert abs(after[0] - before[0]) > 1e-6


def test_width_not_divisible_by_heads_is_a_usage_error():
    with pytest.raises(UsageError, match="width 10 does not split into 4 heads"):
        build({"family": "transformer", "width": 10, "heads": 4})
