"""The live sweep view: progress of running runs from their records, and the table built from it
(rendered to text, no terminal)."""

import pytest
from rich.console import Console

from helpers.sweep_fakes import fake_spec
from hepscaling.records import RunRecord, write_record
from hepscaling.sweeps import make_plan
from hepscaling.sweeps.results import run_dir
from hepscaling.sweeps.watch import progress_view, run_progress, sweep_progress


def _record(run, status, **extra) -> RunRecord:
    return RunRecord(run_id=run.run_id, status=status, config=run.config, code_version="t",
                     seed=run.config["seed"], n_train=run.config["task"]["n_train"], **extra)


# 10 planned steps (tiny_base), evaluated at steps 2 and 6 after 1 s and 3 s: 2 steps/s
CURVES = {"step": [2, 6], "wall_time": [1.0, 3.0], "train_loss": [0.9, 0.5],
          "val_loss": [1.0, None]}


@pytest.fixture
def sweep(tmp_path):
    """4 planned runs: 1 done, 2 running (one with two evaluation points, one just started),
    1 pending."""
    plan = make_plan(fake_spec(), tmp_path)
    plan.save(tmp_path)
    done, measured, started, _ = plan.runs
    write_record(_record(done, "done", steps=10), run_dir(tmp_path, done.run_id))
    write_record(_record(measured, "running", steps=6, curves=CURVES),
                 run_dir(tmp_path, measured.run_id))
    write_record(_record(started, "running"), run_dir(tmp_path, started.run_id))
    return tmp_path, plan


def test_progress_rate_eta_and_latest_losses(sweep):
    out, plan = sweep
    progress = sweep_progress(out)
    assert progress.active
    assert progress.status.counts == {"done": 1, "diverged": 0, "failed": 0, "running": 2,
                                      "pending": 1}
    measured, started = progress.running
    assert (measured.run_id, measured.step, measured.planned) == (plan.runs[1].run_id, 6, 10)
    assert measured.rate == pytest.approx(2.0) and measured.eta == pytest.approx(2.0)
    assert measured.losses == {"train_loss": 0.5, "val_loss": 1.0}  # the latest finite value
    assert (started.step, started.planned, started.rate, started.eta) == (0, 10, None, None)
    assert started.losses == {"train_loss": None, "val_loss": None}


def test_flops_length_is_unknown_before_the_first_evaluation(sweep):
    _, plan = sweep
    config = {**plan.runs[1].config, "train": {**plan.runs[1].config["train"], "steps": None,
                                               "flops": 1.6e6}}
    record = _record(plan.runs[1], "running").model_copy(update={"config": config})
    assert run_progress(record).planned is None
    counted = record.model_copy(update={"flops_per_sample": 1e4})  # batch 16: 1.6e5 per step
    assert run_progress(counted).planned == 10


def test_the_view_lists_counts_and_running_runs(sweep):
    out, plan = sweep
    console = Console(width=120)
    with console.capture() as captured:
        console.print(progress_view(sweep_progress(out)))
    text = captured.get()
    assert "sweep t: planned 4  done 1  diverged 0  failed 0  running 2  pending 1  live: no" \
        in text
    row = next(line for line in text.splitlines() if plan.runs[1].run_id in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    assert cells == [plan.runs[1].run_id, "6/10", "60%", "2", "0:02", "0.5", "1"]


def test_no_table_once_nothing_runs(tmp_path):
    plan = make_plan(fake_spec(), tmp_path)
    plan.save(tmp_path)
    for run in plan.runs:
        write_record(_record(run, "done"), run_dir(tmp_path, run.run_id))
    progress = sweep_progress(tmp_path)
    assert not progress.active and progress.running == []
    console = Console(width=120)
    with console.capture() as captured:
        console.print(progress_view(progress))
    assert "running runs" not in captured.get()
