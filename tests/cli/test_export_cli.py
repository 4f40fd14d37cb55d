"""``hepscaling export mlflow`` as a user runs it: exit codes, stdout, stderr."""

import sys

import pytest

from helpers.cli import run_main
from hepscaling.records import RunRecord, write_record


def _record(root):
    write_record(RunRecord(run_id="r0", status="done", config={"seed": 0}, code_version="t",
                           seed=0, metrics={"test_mse": 0.5}), root / "runs" / "r0")
    return root


def test_export_prints_the_store_and_counts(tmp_path, monkeypatch, capsys):
    pytest.importorskip("mlflow", reason="the 'mlflow' extra is not installed")
    store = f"file:{tmp_path / 'mlruns'}"
    code, out, err = run_main(monkeypatch, capsys, "export", "mlflow", str(_record(tmp_path / "s")),
                              "--tracking-uri", store, "--experiment", "cli")
    assert code == 0, err
    assert out == f"{store}\n"
    assert "created 1, updated 0, unchanged 0 MLflow runs in experiment 'cli'" in err


def test_without_mlflow_one_line_names_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "mlflow", None)
    code, out, err = run_main(monkeypatch, capsys, "export", "mlflow", str(_record(tmp_path)))
    assert code == 2 and out == ""
    assert err.strip() == "error: MLflow is not installed; pip install 'hepscaling[mlflow]'"
