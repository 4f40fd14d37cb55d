"""Export of run records to MLflow, read back with MLflow's own client from a real store."""

import json
import math
import os
import sys
import threading
import time

import pytest

from helpers.curved_record import RUN_ID, curved_record
from helpers.synthetic_sweep import write_sweep
from hepscaling.errors import UsageError
from hepscaling.export.mlflow import (
    STORE_DIR,
    LiveExport,
    default_tracking_uri,
    export_mlflow,
)
from hepscaling.records import load_records, read_record, write_record

mlflow = pytest.importorskip("mlflow", reason="the 'mlflow' extra is not installed")

@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A synthetic sweep (4 done, 1 diverged, 1 failed), one running record with curves and a
    report, exported once to the default SQLite store; returns (root, result, client)."""
    root = write_sweep(tmp_path_factory.mktemp("mlflow") / "synth", seeds=1, sizes=(100, 300))
    write_record(curved_record(2), root / "runs" / RUN_ID)
    (root / "report").mkdir()
    (root / "report" / "index.html").write_text("<html><img src='loss_D.png'></html>")
    (root / "report" / "loss_D.png").write_bytes(b"\x89PNG")
    result = export_mlflow(root)
    return root, result, mlflow.MlflowClient(tracking_uri=result.tracking_uri)


def _runs(client, result, filter_string: str = "") -> list:
    return client.search_runs([result.experiment_id], filter_string=filter_string)


def test_one_mlflow_run_per_record_plus_the_sweep(exported):
    root, result, client = exported
    assert result.tracking_uri == default_tracking_uri(root)
    assert (root / STORE_DIR / "mlflow.db").is_file()
    assert result.experiment == "synth" and (result.created, result.updated) == (7, 0)
    runs = _runs(client, result, "tags.`hepscaling.run_id` != ''")
    assert sorted(r.data.tags["hepscaling.run_id"] for r in runs) == sorted(result.runs)
    assert {r.data.tags["mlflow.parentRunId"] for r in runs} == {result.sweep_run}
    # the exported record.json copies live in a hidden directory: still 7 runs, not 14
    assert len(load_records(root)) == 7


def test_params_metrics_tags_and_status_of_a_finished_run(exported):
    root, result, client = exported
    record = next(r for r in load_records(root) if r.status == "done")
    run = client.get_run(result.runs[record.run_id])
    assert run.data.params["model.width"] == "64"
    assert run.data.params["task.process"] == record.config["task"]["process"]
    assert run.data.metrics["N"] == record.n_params and run.data.metrics["D"] == record.n_train
    assert run.data.metrics["C"] == pytest.approx(record.flops)
    assert run.data.metrics["test_mse"] == pytest.approx(record.metrics["test_mse"])
    assert run.data.tags["hepscaling.status"] == "done"
    assert run.data.tags["hepscaling.code_version"] == "test"
    assert run.data.tags["hepscaling.sweep"] == "synth"
    assert run.info.status == "FINISHED"
    saved = json.loads(mlflow.artifacts.load_text(f"{run.info.artifact_uri}/record.json"))
    assert saved["run_id"] == record.run_id


def test_failed_runs_carry_their_error(exported):
    root, result, client = exported
    failed = next(r for r in load_records(root) if r.status == "failed")
    run = client.get_run(result.runs[failed.run_id])
    assert run.info.status == "FAILED"
    assert run.data.tags["hepscaling.error"] == "RuntimeError: out of memory"


def test_curves_become_metric_histories_by_step(exported):
    _, result, client = exported
    run_id = result.runs[RUN_ID]
    history = client.get_metric_history(run_id, "curve/train_loss")
    assert [(m.step, m.value) for m in history] == [(10, 1.0), (20, 0.5)]
    start = client.get_run(run_id).info.start_time
    assert [m.timestamp - start for m in history] == [1000, 2000]  # started_at + wall_time
    assert client.get_run(run_id).info.status == "RUNNING"


def test_the_report_is_attached_to_the_sweep_run(exported):
    _, result, client = exported
    files = [f.path for f in client.list_artifacts(result.sweep_run, "report")]
    assert files == ["report/index.html", "report/loss_D.png"]
    assert client.get_run(result.sweep_run).info.status == "RUNNING"  # one record runs


def test_reexport_updates_in_place_and_never_duplicates(exported):
    root, result, client = exported
    again = export_mlflow(root)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert again.runs == result.runs and again.sweep_run == result.sweep_run

    write_record(curved_record(3, status="done"), root / "runs" / RUN_ID)
    third = export_mlflow(root)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 6)
    run_id = result.runs[RUN_ID]
    history = client.get_metric_history(run_id, "curve/train_loss")
    assert [m.step for m in history] == [10, 20, 30]  # only the new point was added
    assert math.isnan(history[-1].value)  # a non-finite point stays a point
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED" and run.data.metrics["test_mse"] == 0.25
    assert len(_runs(client, result, "tags.`hepscaling.run_id` != ''")) == 7
    assert len(_runs(client, result, "tags.`hepscaling.kind` = 'sweep'")) == 1
    assert client.get_run(result.sweep_run).info.status == "FINISHED"


def test_a_changed_config_replaces_the_mlflow_run(exported):
    root, result, client = exported
    record = read_record(root / "runs" / RUN_ID)
    record.config["model"]["family"] = "transformer"
    write_record(record, root / "runs" / RUN_ID)
    again = export_mlflow(root)
    assert (again.created, again.updated) == (1, 0)
    runs = _runs(client, result, f"tags.`hepscaling.run_id` = '{RUN_ID}'")
    assert [r.info.run_id for r in runs] == [again.runs[RUN_ID]]
    assert runs[0].data.params["model.family"] == "transformer"


def test_a_file_store_and_a_named_experiment(tmp_path):
    write_record(curved_record(3), tmp_path / "run")
    result = export_mlflow(tmp_path / "run", f"file:{tmp_path / 'mlruns'}", "mine")
    client = mlflow.MlflowClient(tracking_uri=result.tracking_uri)
    assert result.experiment == "mine" and result.created == 1
    run = client.get_run(result.runs[RUN_ID])
    assert run.data.params["model.hidden"] == "[4, 4]"
    assert [m.step for m in client.get_metric_history(run.info.run_id, "curve/val_loss")] == \
        [10, 20, 30]
    assert export_mlflow(tmp_path / "run", f"file:{tmp_path / 'mlruns'}", "mine").unchanged == 1


def test_a_store_whose_artifacts_would_count_as_runs_is_refused(tmp_path):
    write_record(curved_record(), tmp_path / "s" / "runs" / "a")
    with pytest.raises(UsageError, match="inside the sweep directory"):
        export_mlflow(tmp_path / "s", f"sqlite:///{tmp_path / 's' / 'm.db'}")


def test_no_records_and_a_missing_report_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="no run records"):
        export_mlflow(tmp_path)
    write_record(curved_record(), tmp_path / "run")
    with pytest.raises(UsageError, match="no report in"):
        export_mlflow(tmp_path, report=tmp_path / "nowhere")


def test_without_mlflow_the_extra_is_named(tmp_path, monkeypatch):
    write_record(curved_record(), tmp_path / "run")
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(UsageError, match=r"pip install 'hepscaling\[mlflow\]'"):
        export_mlflow(tmp_path / "run")


def test_live_export_follows_the_records_while_they_are_written(tmp_path):
    store = f"file:{tmp_path / 'mlruns'}"
    warnings = []
    with LiveExport(tmp_path / "sweep", store, interval=0.05, warn=warnings.append) as live:
        live.export_once()  # no records yet: nothing to do, no failure
        for steps in (1, 2, 3):
            write_record(curved_record(steps), tmp_path / "sweep" / "runs" / RUN_ID)
            time.sleep(0.3)
    assert warnings == []
    client = mlflow.MlflowClient(tracking_uri=store)
    (run,) = client.search_runs([client.get_experiment_by_name("sweep").experiment_id],
                                "tags.`hepscaling.run_id` != ''")
    history = client.get_metric_history(run.info.run_id, "curve/val_loss")
    assert [m.step for m in history] == [10, 20, 30]


def test_a_failing_store_is_reported_once_and_never_stops_the_block(tmp_path):
    # MLflow's defaults would retry the refused connection 7 times with backoff (minutes)
    names = ("MLFLOW_HTTP_REQUEST_TIMEOUT", "MLFLOW_HTTP_REQUEST_MAX_RETRIES",
             "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT")
    environment = {name: os.environ.get(name) for name in names}
    write_record(curved_record(), tmp_path / "runs" / "r")
    warnings = []
    started = time.perf_counter()
    with LiveExport(tmp_path, "http://127.0.0.1:9", interval=0.05, warn=warnings.append,
                    final_timeout=5):
        time.sleep(0.5)  # several passes, all failing
    assert time.perf_counter() - started < 10
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith("MLflow export to http://127.0.0.1:9 failed (")
    assert "the runs go on and the export is retried every 0.05 s" in warnings[0]
    assert warnings[1].endswith(f"'hepscaling export mlflow {tmp_path} --tracking-uri "
                                "http://127.0.0.1:9'")
    assert {name: os.environ.get(name) for name in names} == environment  # set only inside


def test_each_record_is_logged_in_one_batch_within_mlflows_limits(tmp_path, monkeypatch):
    calls = []
    log_batch = mlflow.MlflowClient.log_batch

    def counted(self, run_id, metrics=(), params=(), tags=(), **kwargs):
        calls.append((len(params), len(metrics), len(tags)))
        return log_batch(self, run_id, metrics=metrics, params=params, tags=tags, **kwargs)

    monkeypatch.setattr(mlflow.MlflowClient, "log_batch", counted)
    write_record(curved_record(3, status="done"), tmp_path / "s" / "runs" / RUN_ID)
    wide = curved_record(3, status="done").model_copy(
        update={"run_id": "wide000000000000", "config": {f"p{i:03d}": i for i in range(250)}})
    write_record(wide, tmp_path / "s" / "runs" / wide.run_id)
    result = export_mlflow(tmp_path / "s", f"file:{tmp_path / 'mlruns'}")
    # the curved record: 4 params, 3 curves x 3 points + 7 summary values, 10 tags in one call
    assert calls[0] == (4, 16, 10)
    # 250 params: 100 per call, the tags (last: the exported state) with the last params
    assert [c[0] for c in calls[1:]] == [100, 100, 50] and calls[-1][2] == 10
    client = mlflow.MlflowClient(tracking_uri=result.tracking_uri)
    assert len(client.get_run(result.runs[wide.run_id]).data.params) == 250


def test_live_export_runs_one_pass_at_a_time(tmp_path, monkeypatch):
    write_record(curved_record(), tmp_path / "runs" / RUN_ID)
    inside, most = [], []

    def slow_export(*args, **kwargs):
        inside.append(1)
        most.append(len(inside))
        time.sleep(0.2)
        inside.pop()

    monkeypatch.setattr("hepscaling.export.mlflow.export_mlflow", slow_export)
    with LiveExport(tmp_path, f"file:{tmp_path / 'mlruns'}", interval=0.01) as live:
        callers = [threading.Thread(target=live.export_once) for _ in range(3)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join()
    assert len(most) >= 4 and max(most) == 1  # two passes at once would both create the run
