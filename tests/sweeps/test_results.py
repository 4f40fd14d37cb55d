"""Sweep status and tables, from hand-written records (no runs executed)."""

import json

import pandas as pd
import pytest

from helpers.sweep_fakes import fake_flops_per_step, fake_spec
from hepscaling.errors import UsageError
from hepscaling.records import RunRecord, write_record
from hepscaling.sweeps import make_plan, parse_spec, sweep_status, sweep_table, write_table
from hepscaling.sweeps.lock import sweep_lock
from hepscaling.sweeps.results import run_dir


def _record(run, status, **extra):
    return RunRecord(run_id=run.run_id, status=status, config=run.config, code_version="t",
                     seed=run.config["seed"], n_train=run.config["task"]["n_train"], **extra)


@pytest.fixture
def sweep(tmp_path):
    """A planned sweep of 6 runs: 2 done, 1 diverged, 1 failed, 1 running, 1 pending."""
    plan = make_plan(fake_spec(**{"model.width": [8, 16, 32], "seed": [0, 1]}), tmp_path)
    plan.save(tmp_path)
    states = ["done", "done", "diverged", "failed", "running"]
    for i, (run, state) in enumerate(zip(plan.runs, states, strict=False)):
        extra = {"error": "boom"} if state == "failed" else {}
        if state == "done":
            extra = {"metrics": {"test_mse": 0.1 * (i + 1)}, "n_params": 10 * (i + 1),
                     "flops": 1e6 * (i + 1), "epochs": 2.0}
        write_record(_record(run, state, **extra), run_dir(tmp_path, run.run_id))
    return tmp_path, plan


def test_status_counts_every_state(sweep):
    out, plan = sweep
    st = sweep_status(out)
    assert st.planned == 6
    assert st.counts == {"done": 2, "diverged": 1, "failed": 1, "running": 1, "pending": 1}
    assert st.failures == {plan.runs[3].run_id: "boom"}
    assert not st.live
    with sweep_lock(out):
        assert sweep_status(out).live
    assert json.loads(json.dumps(st.as_dict()))["pending"] == 1
    assert st.failed == 1 and st.as_dict()["out"] == str(out)


def test_table_has_one_row_per_record_in_plan_order(sweep):
    out, plan = sweep
    frame = sweep_table(out)
    assert list(frame["run_id"]) == plan.run_ids[:5]
    done = frame[frame["status"] == "done"]
    assert list(done["metric.test_mse"]) == [0.1, 0.2]
    assert list(done["N"]) == [10, 20] and list(done["C"]) == [1e6, 2e6]
    assert list(frame["config.model.width"]) == [8, 8, 16, 16, 32]
    assert "budget" not in frame


def test_isoflop_table_has_the_budget(tmp_path):
    spec = parse_spec({**fake_spec().model_dump(), "axes": {"model.width": [8, 16]},
                       "mode": "isoflop", "isoflop": {"budgets": [1e9, 2e9]}})
    plan = make_plan(spec, tmp_path, flops_per_step=fake_flops_per_step)
    plan.save(tmp_path)
    for run in plan.runs:
        write_record(_record(run, "done"), run_dir(tmp_path, run.run_id))
    frame = sweep_table(tmp_path)
    assert list(frame["budget"]) == [1e9, 1e9, 2e9, 2e9]


@pytest.mark.parametrize("name", ["runs.csv", "runs.parquet"])
def test_tables_round_trip(sweep, tmp_path, name):
    out, _ = sweep
    frame = sweep_table(out)
    path = write_table(frame, tmp_path / "tables" / name)
    back = pd.read_csv(path) if name.endswith(".csv") else pd.read_parquet(path)
    assert list(back["run_id"]) == list(frame["run_id"])
    assert back["metric.test_mse"].dropna().tolist() == [0.1, 0.2]


def test_unknown_table_format(sweep, tmp_path):
    with pytest.raises(UsageError, match=r"use a \.csv or \.parquet name"):
        write_table(sweep_table(sweep[0]), tmp_path / "runs.xlsx")


def test_status_of_a_directory_without_a_sweep(tmp_path):
    with pytest.raises(UsageError, match="no sweep plan"):
        sweep_status(tmp_path)
