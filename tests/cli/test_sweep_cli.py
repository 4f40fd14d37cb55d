"""``hepscaling sweep run / status / table`` as a user runs them: exit codes, stdout, stderr."""

import contextlib
import io
import json
import subprocess
import sys
from unittest import mock

import pandas as pd
import pytest
import yaml

from helpers.amplitude_files import write_toy_amplitudes
from hepscaling import cli


def invoke(*args: str) -> subprocess.CompletedProcess:
    """``hepscaling ARGS`` in this process through ``cli.main`` (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with mock.patch.object(sys, "argv", ["hepscaling", *args]), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.main()
        except SystemExit as stop:
            code = stop.code or 0
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A 3-run sweep (tiny real trainings) with one run failing on a missing dataset."""
    root = tmp_path_factory.mktemp("cli")
    toy = write_toy_amplitudes(root / "toy.h5", n=300)
    spec = {
        "name": "cli",
        "base": {"device": "cpu",
                 "task": {"kind": "amplitude_regression", "dataset": str(toy), "n_train": 100,
                          "n_val": 50, "n_test": 50},
                 "model": {"family": "mlp", "width": 4, "depth": 2},
                 "train": {"steps": 6, "batch_size": 16, "warmup_steps": 1, "eval_every": 3}},
        "mode": "list",
        "axes": {"model.width": [4, 8, 4], "task.dataset": [str(toy), str(toy),
                                                             str(root / "missing.h5")]},
    }
    (root / "spec.yaml").write_text(yaml.safe_dump(spec))
    result = invoke("sweep", "run", str(root / "spec.yaml"), "--out", str(root / "out"),
                    "--workers", "2", "--no-progress")
    return root, result


def test_run_reports_failures_with_exit_code_1(swept):
    result = swept[1]
    assert result.returncode == 1, result.stderr
    assert result.stdout.strip() == ("sweep cli: planned 3  done 2  diverged 0  failed 1  "
                                     "running 0  pending 0")
    assert "error: 1 of 3 runs failed" in result.stderr
    assert "--retry-failed" in result.stderr


def test_rerun_skips_finished_runs(swept):
    root, _ = swept
    again = invoke("sweep", "run", str(root / "spec.yaml"), "--out", str(root / "out"),
                    "--no-progress")
    assert again.returncode == 1
    assert "3 runs planned: 2 finished, 1 failed before (kept; --retry-failed reruns it), 0 " \
        "to run" in again.stderr


def test_status(swept):
    root, _ = swept
    text = invoke("sweep", "status", str(root / "out"))
    assert text.returncode == 0 and text.stderr == ""
    assert text.stdout.startswith("sweep cli: planned 3  done 2")
    assert "failed " in text.stdout and "missing.h5" in text.stdout
    data = json.loads(invoke("sweep", "status", str(root / "out"), "--json").stdout)
    assert (data["planned"], data["done"], data["failed"], data["pending"]) == (3, 2, 1, 0)


@pytest.mark.parametrize("name", ["runs.csv", "runs.parquet"])
def test_table(swept, name):
    root, _ = swept
    result = invoke("sweep", "table", str(root / "out"), "--out", str(root / name))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(root / name)
    frame = pd.read_csv(root / name) if name.endswith("csv") else pd.read_parquet(root / name)
    assert len(frame) == 3
    assert {"run_id", "N", "D", "C", "epochs", "metric.test_mse", "config.model.width"} <= set(
        frame.columns)
    assert sorted(frame["status"]) == ["done", "done", "failed"]


@pytest.mark.parametrize(("args", "message"), [
    (["sweep", "status", "."], "no sweep plan"),
    (["sweep", "table", ".", "--out", "x.xlsx"], "no sweep plan"),
    (["sweep", "run", "nope.yaml", "--out", "o"], "sweep spec not found"),
    (["sweep", "run", "nope.yaml", "--out", "o", "--executor", "local", "--scheduler",
      "tcp://h:1"], "needs the Dask executor"),
])
def test_usage_errors_exit_2_with_one_line(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_spec_errors_name_the_key(tmp_path):
    (tmp_path / "s.yaml").write_text("base: {}\naxis: {seed: [0]}\n")
    result = invoke("sweep", "run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "axis: unknown key; allowed keys here: name, datasets, base" in result.stderr


def test_set_changes_the_spec_before_it_is_read(tmp_path):
    (tmp_path / "s.yaml").write_text("scale: {factor: 1, exponents: {train.steps: 1}}\n"
                                     "axes: {seed: [0]}\n")
    result = invoke("sweep", "run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "o"),
                    "--set", "scale.factor=-1")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "--set scale.factor=-1: scale: factor" in result.stderr


@pytest.mark.parametrize("command", ["run", "status", "table"])
def test_help_ends_with_a_runnable_example(command):
    result = invoke("sweep", command, "--help")
    assert result.returncode == 0
    assert f"Example: hepscaling sweep {command} " in result.stdout


@pytest.fixture
def watched(tmp_path):
    """A planned 4-run sweep: 3 done, 1 running (its record rewritten as done by the test)."""
    from helpers.sweep_fakes import fake_spec
    from hepscaling.records import RunRecord, write_record
    from hepscaling.sweeps import make_plan

    plan = make_plan(fake_spec(), tmp_path)
    plan.save(tmp_path)

    def write(run, status):
        record = RunRecord(run_id=run.run_id, status=status, config=run.config,
                           code_version="t", seed=0, n_train=100, steps=4,
                           curves={"step": [2, 4], "wall_time": [1.0, 2.0],
                                   "train_loss": [0.7, 0.6], "val_loss": [0.8, 0.7]})
        write_record(record, tmp_path / "runs" / run.run_id)

    for run in plan.runs[:3]:
        write(run, "done")
    write(plan.runs[3], "running")
    return tmp_path, lambda: write(plan.runs[3], "done")


def test_watch_refreshes_until_nothing_runs(watched):
    import threading

    out, finish = watched
    timer = threading.Timer(0.5, finish)
    timer.start()
    try:
        result = invoke("sweep", "status", str(out), "--watch", "--interval", "0.05")
    finally:
        timer.join()
    assert result.returncode == 0, result.stderr
    assert "done 4  diverged 0  failed 0  running 0  pending 0  live: no" in result.stdout
    assert result.stderr == ""


def test_watch_stops_on_ctrl_c_with_one_line(watched):
    out, _ = watched
    with mock.patch("hepscaling.cli.sweep.time.sleep", side_effect=KeyboardInterrupt):
        result = invoke("sweep", "status", str(out), "--watch")
    assert result.returncode == 0
    assert result.stderr == "stopped watching; the sweep itself goes on\n"
    assert "running 1" in result.stdout
    assert "4/10" in result.stdout  # the running run's progress row


def test_watch_and_json_exclude_each_other(watched):
    result = invoke("sweep", "status", str(watched[0]), "--watch", "--json")
    assert result.returncode == 2 and result.stdout == ""
    assert "drop --json" in result.stderr


def test_run_with_mlflow_logs_the_records(swept):
    mlflow = pytest.importorskip("mlflow", reason="the 'mlflow' extra is not installed")
    root, _ = swept
    store = f"file:{root / 'mlruns'}"
    result = invoke("sweep", "run", str(root / "spec.yaml"), "--out", str(root / "out"),
                    "--no-progress", "--mlflow", store)
    assert result.returncode == 1  # the failed run stays failed (no --retry-failed)
    assert "warning" not in result.stderr
    client = mlflow.MlflowClient(tracking_uri=store)
    runs = client.search_runs([client.get_experiment_by_name("cli").experiment_id],
                              "tags.`hepscaling.run_id` != ''")
    assert sorted(r.data.tags["hepscaling.status"] for r in runs) == ["done", "done", "failed"]


def test_a_converge_sweep_climbs_and_its_fit_uses_the_same_verdicts(tmp_path):
    # real tiny trainings: the verdicts are not known in advance, but the fit must leave out
    # exactly the points whose ladder the runner found not converged, and use one length each
    toy = write_toy_amplitudes(tmp_path / "toy.h5", n=1000)
    spec = {"name": "ladder",
            "base": {"device": "cpu",
                     "task": {"kind": "amplitude_regression", "dataset": str(toy),
                              "n_val": 100, "n_test": 100},
                     "model": {"family": "mlp", "width": 8, "depth": 2},
                     "train": {"steps": 8, "batch_size": 32, "warmup_steps": 1,
                               "eval_every": 4, "lr": 3e-3}},
            "converge": {"factor": 2, "max_steps": 16},
            "axes": {"task.n_train": [100, 400]}}
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    out = tmp_path / "out"
    run = invoke("sweep", "run", str(tmp_path / "spec.yaml"), "--out", str(out), "--workers",
                 "2", "--no-progress")
    assert run.returncode == 0, run.stderr
    status = invoke("sweep", "status", str(out)).stdout
    ladders = [line for line in status.splitlines() if line.startswith("ladder ")]
    assert len(ladders) == 2
    not_converged = set()
    for line in ladders:
        point, steps, state = line.split(": ", 2)
        assert steps == "steps 8, 16", line
        assert state.startswith(("converged", "lowest at", "not converged")), line
        if state.startswith("not converged"):
            not_converged.add(point.removeprefix("ladder task.n_train="))
    fit = invoke("fit", str(out), "--bootstrap", "0", "--holdout", "0")
    notes = {line.split(":")[1].strip().removeprefix("n_train=")
             for line in fit.stderr.splitlines() if line.startswith("note: ")}
    assert notes == not_converged, (status, fit.stderr)
    assert fit.returncode == 2  # two D points at most: too few for a law, said in one line
    assert fit.stderr.strip().splitlines()[-1].startswith("error: ")
