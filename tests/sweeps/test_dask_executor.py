"""The Dask executor on a LocalCluster of 2 worker processes: same records as the local one."""

import pytest
import yaml
from typer.testing import CliRunner

from helpers.sweep_fakes import CRASHES, RAISES, fake_run, fake_spec, tiny_base
from hepscaling import cli
from hepscaling.errors import UsageError
from hepscaling.records import load_records
from hepscaling.sweeps import DaskExecutor, dask_client, parse_spec, run_sweep


@pytest.fixture(scope="module")
def dask_executor():
    with dask_client(workers=2) as client:
        yield DaskExecutor(client)


def test_dask_and_local_executors_give_the_same_records(tmp_path, toy_dataset, trainer,
                                                        dask_executor):
    spec = parse_spec({"base": tiny_base(toy_dataset),
                       "axes": {"model.width": [4, 8]}})
    run_sweep(spec, tmp_path / "local", executor=trainer)
    run_sweep(spec, tmp_path / "dask", executor=dask_executor)
    local_records = load_records(tmp_path / "local")
    dask_records = load_records(tmp_path / "dask")
    assert [r.run_id for r in dask_records] == [r.run_id for r in local_records]
    assert len(dask_records) == 2
    for a, b in zip(local_records, dask_records, strict=True):
        assert a.status == b.status == "done"
        assert a.metrics == b.metrics
        assert a.curves["val_loss"] == b.curves["val_loss"]


def test_dask_records_failures_and_crashes(tmp_path, dask_executor):
    spec = fake_spec(tmp_path / "toy.h5", seed=[0, RAISES, CRASHES])
    result = run_sweep(spec, tmp_path, executor=dask_executor, run_fn=fake_run)
    errors = {r.seed: r.error for r in load_records(tmp_path)}
    assert errors[0] is None
    assert errors[RAISES] == "RuntimeError: fake failure"
    assert errors[CRASHES].startswith("worker crashed (KilledWorker")
    assert result.counts["done"] == 1 and result.failed == 2


def test_unreachable_scheduler_is_a_usage_error():
    with pytest.raises(UsageError, match="cannot connect to the Dask scheduler"), \
            dask_client(scheduler="tcp://127.0.0.1:9", timeout="1s"):
        pass


def test_cli_runs_on_an_existing_scheduler(tmp_path, toy_dataset, dask_executor):
    spec = {"base": tiny_base(toy_dataset), "axes": {"model.width": [4, 8]}}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(spec))
    address = dask_executor.client.scheduler.address
    result = CliRunner().invoke(cli.app, ["sweep", "run", str(tmp_path / "s.yaml"), "--out",
                                          str(tmp_path / "out"), "--scheduler", address,
                                          "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "planned 2  done 2" in result.stdout
    assert "to run on the dask executor" in result.stderr


def test_convergence_ladders_climb_on_dask_as_on_the_local_pool(tmp_path, dask_executor):
    # follow-up rungs are submitted while the cluster runs: same plan, same verdicts
    from hepscaling.sweeps import LocalExecutor, load_plan

    spec = parse_spec({"name": "ladder", "base": tiny_base(tmp_path / "toy.h5"),
                       "converge": {"factor": 2, "max_steps": 80},
                       "axes": {"task.n_train": [100, 10000], "seed": [0, 1]}})
    run_sweep(spec, tmp_path / "dask", executor=dask_executor, run_fn=fake_run)
    run_sweep(spec, tmp_path / "local", executor=LocalExecutor(2), run_fn=fake_run)
    dask, local = load_plan(tmp_path / "dask"), load_plan(tmp_path / "local")
    assert sorted(dask.run_ids) == sorted(local.run_ids) and len(dask.runs) == 14
    assert dask.ladders == local.ladders
    assert {r.status for r in load_records(tmp_path / "dask")} == {"done"}
