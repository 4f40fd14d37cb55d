"""Export to a real MLflow tracking server (``mlflow server`` from the 'mlflow' extra), read
back with MLflow's own client over HTTP."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.cli import run_main
from helpers.curved_record import RUN_ID, curved_record
from helpers.synthetic_sweep import write_sweep
from hepscaling.export.mlflow import LiveExport, export_mlflow
from hepscaling.records import RunRecord, load_records, write_record

mlflow = pytest.importorskip("mlflow", reason="the 'mlflow' extra is not installed")
pytest.importorskip("flask", reason="the MLflow server needs flask (the 'mlflow' extra)")

STARTUP = 300.0  # s; about 10 s on an idle machine, minutes on a loaded one


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(uri: str) -> bool:
    try:
        with urllib.request.urlopen(f"{uri}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """A tracking server (SQLite backend, artifacts proxied to a local directory) on a free
    port, one worker, no job runner; returns its URI; always stopped after the module."""
    root = tmp_path_factory.mktemp("mlflow-server")
    uri = f"http://127.0.0.1:{_free_port()}"
    command = [sys.executable, "-m", "mlflow", "server",
               "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
               "--artifacts-destination", str(root / "artifacts"),
               "--host", "127.0.0.1", "--port", uri.rsplit(":", 1)[1], "--workers", "1"]
    log = open(root / "server.log", "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True,
                               env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"})
    try:
        deadline = time.monotonic() + STARTUP
        while not _healthy(uri) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        if not _healthy(uri):
            pytest.fail(f"mlflow server did not come up: {(root / 'server.log').read_text()}")
        yield uri
    finally:
        # the server and its uvicorn worker (a graceful stop waits seconds for our idle
        # keep-alive connections; the store is a temporary directory, nothing to save)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log.close()


@pytest.fixture(scope="module")
def exported(server, tmp_path_factory):
    """A synthetic sweep (4 done, 1 diverged, 1 failed) and one running record with curves,
    exported once to the server; returns (root, result, client)."""
    root = write_sweep(tmp_path_factory.mktemp("mlflow") / "synth", seeds=1, sizes=(100, 300))
    write_record(curved_record(2), root / "runs" / RUN_ID)
    result = export_mlflow(root, server)
    return root, result, mlflow.MlflowClient(tracking_uri=server)


def _record_runs(client, result) -> list:
    return client.search_runs([result.experiment_id], "tags.`hepscaling.run_id` != ''")


def test_params_metrics_tags_and_artifacts_read_back_over_http(exported, tmp_path):
    root, result, client = exported
    assert (result.created, result.updated) == (7, 0)
    assert sorted(r.data.tags["hepscaling.run_id"] for r in _record_runs(client, result)) == \
        sorted(r.run_id for r in load_records(root))
    record = next(r for r in load_records(root) if r.status == "done")
    run = client.get_run(result.runs[record.run_id])
    assert run.data.params["model.width"] == str(record.config["model"]["width"])
    assert run.data.params["task.process"] == record.config["task"]["process"]
    assert run.data.metrics["N"] == record.n_params and run.data.metrics["D"] == record.n_train
    assert run.data.metrics["test_mse"] == pytest.approx(record.metrics["test_mse"])
    assert run.data.tags["hepscaling.status"] == "done" and run.info.status == "FINISHED"
    assert run.data.tags["mlflow.parentRunId"] == result.sweep_run
    saved = Path(client.download_artifacts(run.info.run_id, "record.json", str(tmp_path)))
    assert json.loads(saved.read_text())["run_id"] == record.run_id
    history = client.get_metric_history(result.runs[RUN_ID], "curve/train_loss")
    assert [(m.step, m.value) for m in history] == [(10, 1.0), (20, 0.5)]


def test_reexport_is_keyed_by_run_id_and_never_duplicates(exported):
    root, result, client = exported
    again = export_mlflow(root, result.tracking_uri)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    write_record(curved_record(3, status="done"), root / "runs" / RUN_ID)
    third = export_mlflow(root, result.tracking_uri)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 6)
    assert third.runs == result.runs and third.sweep_run == result.sweep_run
    history = client.get_metric_history(result.runs[RUN_ID], "curve/val_loss")
    assert [m.step for m in history] == [10, 20, 30]
    assert len(_record_runs(client, result)) == 7
    assert client.get_run(result.runs[RUN_ID]).info.status == "FINISHED"


def test_a_param_longer_than_the_server_takes_is_cut_once_not_exported_afresh(server, tmp_path):
    record = RunRecord(run_id="long000000000000", status="done", config={"note": "x" * 7000},
                       code_version="t", seed=0, metrics={"test_mse": 0.5})
    write_record(record, tmp_path / "runs" / record.run_id)
    first = export_mlflow(tmp_path, server, "long-param")
    write_record(record.model_copy(update={"steps": 5}), tmp_path / "runs" / record.run_id)
    second = export_mlflow(tmp_path, server, "long-param")
    assert (second.created, second.updated) == (0, 1) and second.runs == first.runs
    run = mlflow.MlflowClient(tracking_uri=server).get_run(first.runs[record.run_id])
    assert run.data.params["note"] == "x" * 6000


def test_the_cli_prints_only_its_own_lines(server, tmp_path, monkeypatch, capsys):
    write_record(curved_record(3, status="done"), tmp_path / "s" / "runs" / RUN_ID)
    code, out, err = run_main(monkeypatch, capsys, "export", "mlflow", str(tmp_path / "s"),
                              "--tracking-uri", server, "--experiment", "cli")
    assert code == 0, err
    assert out == f"{server}\n"  # MLflow prints run URLs to stdout when talking to a server
    assert "created 1, updated 0, unchanged 0 MLflow runs in experiment 'cli'" in err
    assert "View run" not in err


def _history_steps(client, experiment: str, key: str) -> list[int]:
    found = client.get_experiment_by_name(experiment)
    runs = client.search_runs([found.experiment_id], "tags.`hepscaling.run_id` != ''") \
        if found else []
    assert len(runs) <= 1, "one record, one MLflow run"
    return [m.step for m in client.get_metric_history(runs[0].info.run_id, key)] if runs else []


def test_live_export_logs_evaluation_points_as_they_are_written(server, tmp_path):
    client = mlflow.MlflowClient(tracking_uri=server)
    warnings: list[str] = []
    with LiveExport(tmp_path / "live", server, interval=0.1, warn=warnings.append):
        for steps in (1, 2, 3):
            write_record(curved_record(steps), tmp_path / "live" / "runs" / RUN_ID)
            deadline = time.monotonic() + 60
            while _history_steps(client, "live", "curve/val_loss") != [10, 20, 30][:steps]:
                assert time.monotonic() < deadline, f"point {steps} never reached the server"
                time.sleep(0.1)
    assert warnings == []


def test_a_server_that_never_answers_costs_one_timeout_per_pass(tmp_path):
    write_record(curved_record(), tmp_path / "runs" / RUN_ID)
    warnings: list[str] = []
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        uri = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.perf_counter()
        with LiveExport(tmp_path, uri, interval=0.05, warn=warnings.append, final_timeout=10,
                        request_timeout=1):
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
    assert elapsed < 5, elapsed  # a pass in flight plus the final pass, 1 s each
    assert len(warnings) == 2 and "failed (" in warnings[0], warnings
