"""Learning-rate schedules against closed forms and torch's own cosine schedule."""

import math

import pytest
import torch

from hepscaling.train.schedules import schedule_factor


def test_cosine_matches_torch_and_ends_at_exactly_zero():
    total = 50
    f = schedule_factor("cosine", total, warmup=0)
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)
    torch_lrs = []
    for _ in range(total + 1):
        torch_lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert [f(s) for s in range(total + 1)] == pytest.approx(torch_lrs, abs=1e-12)
    assert f(total) == 0.0 and f(total - 1) > 0


def test_warmup_is_linear_then_cosine():
    f = schedule_factor("cosine", 100, warmup=9)
    assert [f(s) for s in range(9)] == pytest.approx([(s + 1) / 10 for s in range(9)])
    assert f(9) == 1.0
    assert f(9 + 91 // 2) == pytest.approx(0.5 * (1 + math.cos(math.pi * 45 / 91)))
    assert all(f(s) >= f(s + 1) for s in range(9, 100))
    assert f(100) == 0.0


def test_wsd_and_constant():
    f = schedule_factor("wsd", 100, warmup=10, decay_fraction=0.2)
    assert [f(s) for s in (10, 50, 79)] == [1.0, 1.0, 1.0]
    assert [f(s) for s in (80, 90, 99, 100)] == pytest.approx([1.0, 0.5, 0.05, 0.0])
    g = schedule_factor("constant", 100, warmup=4)
    assert [g(s) for s in (0, 3, 4, 99)] == pytest.approx([0.2, 0.8, 1.0, 1.0])


def test_warmup_longer_than_run_is_capped():
    f = schedule_factor("cosine", 5, warmup=100)
    assert f(0) > 0 and f(5) == 0.0 and max(f(s) for s in range(5)) <= 1.0
    with pytest.raises(ValueError, match="unknown schedule"):
        schedule_factor("linear", 5, 0)


@pytest.mark.parametrize("scale", [0.5, 0.8, 1.0, 1.5, 3.0])
def test_cosine_horizon_is_the_cosine_of_a_run_of_scaled_length(scale):
    # "decaying too early / too late": the factor of a run of `total` steps is the cosine of a
    # run of H = scale * total steps (closed form), cut at `total` or held at 0 after H
    total, warmup = 200, 10
    horizon = round(scale * total)
    f = schedule_factor("cosine", total, warmup, horizon_scale=scale)
    for s in range(warmup, total + 1):
        expected = 0.5 * (1 + math.cos(math.pi * (s - warmup) / (horizon - warmup))) \
            if s < horizon else 0.0
        assert f(s) == pytest.approx(expected, abs=1e-12)
    assert (f(total) == 0.0) == (scale <= 1.0)
    if scale > 1:  # stops above 0: the lr at the last step is the closed form's value
        assert f(total) == pytest.approx(
            0.5 * (1 + math.cos(math.pi * (total - warmup) / (horizon - warmup))))


def test_wsd_horizon_moves_the_decay_and_constant_ignores_it():
    early = schedule_factor("wsd", 100, warmup=0, decay_fraction=0.2, horizon_scale=0.5)
    # horizon 50: stable to 40, linear 1 -> 0 over 40..50, then 0
    assert [early(s) for s in (39, 40, 45, 50, 99)] == pytest.approx([1, 1, 0.5, 0, 0])
    late = schedule_factor("wsd", 100, warmup=0, decay_fraction=0.2, horizon_scale=2.0)
    # horizon 200: decay from 160 on, so a run of 100 never leaves the stable phase
    assert [late(s) for s in (0, 99, 100)] == [1.0, 1.0, 1.0]
    const = schedule_factor("constant", 100, warmup=0, horizon_scale=0.3)
    assert [const(s) for s in (0, 50, 99, 100)] == [1.0, 1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="horizon_scale"):
        schedule_factor("cosine", 10, 0, horizon_scale=0.0)
