"""The loss-compute envelope of training curves: against a brute-force oracle, and its fit."""

from __future__ import annotations

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.laws.envelope import curve_points, envelope_sweep, lower_envelope
from hepscaling.laws.sweep import load_sweep
from hepscaling.records import RunRecord, config_hash, write_record


def test_lower_envelope_matches_a_brute_force_oracle():
    rng = np.random.default_rng(3)
    c, loss = rng.uniform(1, 100, 300), rng.uniform(1, 10, 300)
    oracle = [i for i in range(c.size) if loss[i] < loss[c < c[i]].min(initial=np.inf)]
    found = lower_envelope(c, loss)
    assert sorted(found.tolist()) == oracle
    assert np.all(np.diff(c[found]) > 0) and np.all(np.diff(loss[found]) < 0)


def test_equal_compute_keeps_the_lower_loss_once():
    assert lower_envelope([1.0, 1.0, 1.0], [3.0, 2.0, 2.0]).tolist() == [1]


def test_mismatched_shapes_are_a_one_line_error():
    with pytest.raises(UsageError, match="one length") as info:
        lower_envelope([1.0, 2.0], [1.0])
    assert "\n" not in str(info.value)


def _write(root, name, flops, loss, *, extra=None):
    config = {"seed": 0, "task": {"kind": "jet_generation", "n_train": 100},
              "model": {"family": "jet_gpt", "width": name}}
    curves = {"step": list(range(1, len(flops) + 1)), "flops": list(flops), "val_loss": list(loss)}
    record = RunRecord(run_id=config_hash(config), status="done", config=config,
                       code_version="t", seed=0, n_params=name, n_train=100,
                       flops=float(flops[-1]), metrics={"test_loss": float(loss[-1])},
                       curves=curves | (extra or {}))
    write_record(record, root / record.run_id)


def test_the_envelope_of_staggered_runs_recovers_their_log_law(tmp_path):
    """Runs on one curve L = 9 - 0.25 ln C over overlapping compute ranges, plus a worse run
    (0.5 nats above): the envelope is the law's points only, and the log law is preferred
    with the generating slope."""
    law = lambda c: 9.0 - 0.25 * np.log(c)  # noqa: E731
    for i, start in enumerate((1e8, 2e8, 5e8, 1.3e9)):
        c = np.geomspace(start, start * 30, 7)
        _write(tmp_path, 16 * (i + 1), c, law(c))
    worse = np.geomspace(1e8, 1e11, 9)
    _write(tmp_path, 999, worse, law(worse) + 0.5, extra={"flops": [None, *worse[1:]]})
    (group,) = envelope_sweep(load_sweep(tmp_path, "test_loss"), bootstrap=0)
    assert group.c.size == 4 * 7 + 8  # the worse run's None point is left out
    on = group.envelope
    np.testing.assert_allclose(group.loss[on], law(group.c[on]))
    assert len(group.run_ids) == 5 and on.size == 4 * 7  # every point of the law, none worse
    fit = group.fit
    assert not isinstance(fit, str) and "log" in fit.close
    assert fit.candidate("log").fit.params["b"] == pytest.approx(0.25, rel=1e-3)


def test_curve_points_skip_missing_values():
    record = RunRecord(run_id="a", status="done", config={}, code_version="t", seed=0,
                       curves={"flops": [1.0, None, 3.0], "val_loss": [2.0, 1.0, None]})
    c, loss, run = curve_points([record])
    assert c.tolist() == [1.0] and loss.tolist() == [2.0] and run.tolist() == [0]
