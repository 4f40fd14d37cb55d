"""The learnable window on synthetic runs whose window is known."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.laws import power_law
from hepscaling.laws.window import loss_window, position_losses, position_window
from hepscaling.records import RunRecord

REF, FLOOR = 7.0, 5.0


def test_loss_window_recovers_width_and_fractions():
    x = np.repeat(np.logspace(3, 6, 7), 2)
    rng = np.random.default_rng(0)
    loss = power_law(x, 3e3, 0.6, FLOOR) * np.exp(0.001 * rng.normal(size=x.size))
    window = loss_window(x, loss, np.full(x.size, REF), bootstrap=50)
    assert window.determined
    assert window.floor.value == pytest.approx(FLOOR, abs=0.02)
    assert window.width.value == pytest.approx(REF - FLOOR, abs=0.02)
    expected = (REF - power_law(x, 3e3, 0.6, FLOOR)) / (REF - FLOOR)
    assert window.fraction == pytest.approx(expected, abs=0.01)
    _, mean = window.by_scale()
    assert np.all(np.diff(mean) > 0) and mean[-1] > 0.95
    assert np.all(window.low <= window.fraction + 1e-9)
    assert "realised fraction" in window.summary()


def test_loss_window_not_determined_without_a_plateau():
    x = np.repeat(np.logspace(3, 6, 6), 2)
    loss = power_law(x, 1e2, 0.5) * np.exp(0.002 * np.random.default_rng(1).normal(size=x.size))
    window = loss_window(x, loss, np.full(x.size, 3.0), bootstrap=30)
    assert not window.determined
    assert window.summary().startswith("loss window not determined")


def _curves(n_values, seeds, noise, rng):
    """Per-position losses: positions 0-3 improve with N until N = 1e4, others never."""
    positions = 10
    rows, xs = [], []
    for n in n_values:
        gain = np.zeros(positions)
        gain[:4] = 1.0 - (1e2 / min(n, 1e4)) ** 0.5
        for _ in range(seeds):
            rows.append(6.0 - gain + noise * rng.normal(size=positions))
            xs.append(n)
    curves = np.array(rows)
    curves[:, -1] = np.nan  # a position without targets
    return np.array(xs, dtype=float), curves


def test_position_window_finds_the_improving_positions_and_its_end():
    x, curves = _curves([1e2, 1e3, 1e4, 1e5], 4, 0.01, np.random.default_rng(2))
    window = position_window(x, curves, z=3.0)
    assert window.positions(0).tolist() == [0, 1, 2, 3]
    assert window.positions(1).tolist() == [0, 1, 2, 3]
    assert window.sizes.tolist() == [4, 4, 0]  # saturated beyond 1e4
    assert window.noise[:-1] == pytest.approx(0.01, rel=0.4)
    assert "[0-3]" in window.summary()


def test_position_window_needs_seed_noise_and_two_scales():
    x, curves = _curves([1e2, 1e3], 1, 0.0, np.random.default_rng(3))
    with pytest.raises(UsageError, match="2 seeds"):
        position_window(x, curves)
    with pytest.raises(UsageError, match="2 distinct scales"):
        position_window(np.full(3, 10.0), np.zeros((3, 4)))


def _record(n_params, counts, run_id):
    return RunRecord(run_id=run_id, status="done", config={}, code_version="t", seed=0,
                     n_params=n_params, n_train=100,
                     histograms={"test_position_loss": {"edges": list(range(len(counts) + 1)),
                                                        "counts": counts}})


def test_position_losses_reads_records_and_refuses_mixed_lengths():
    records = [_record(10, [1.0, 2.0], "a"), _record(20, [0.5, 1.5], "b"),
               RunRecord(run_id="c", status="done", config={}, code_version="t", seed=0)]
    x, curves = position_losses(records, "N")
    assert x.tolist() == [10.0, 20.0] and curves.tolist() == [[1.0, 2.0], [0.5, 1.5]]
    with pytest.raises(UsageError, match="different lengths"):
        position_losses([*records, _record(30, [1.0], "d")], "N")
    with pytest.raises(UsageError, match="no run record"):
        position_losses(records[2:], "N")
