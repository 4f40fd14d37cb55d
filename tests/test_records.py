"""Run records: identity hash, atomic writes, reading back, and the flat table."""

import json
import math
import os

import pytest

from hepscaling.errors import UsageError
from hepscaling.records import (
    RunRecord,
    atomic_write_text,
    config_hash,
    load_records,
    read_record,
    records_frame,
    write_record,
)


def make_record(run_id: str, **overrides) -> RunRecord:
    fields = dict(
        run_id=run_id, status="done", config={"model": {"width": 64}, "seed": 1},
        code_version="0.1.0", seed=1, n_params=100, n_train=1000, flops=3e9,
        metrics={"test_mse": 0.01}, curves={"step": [0, 10], "val_mse": [1.0, 0.1]},
    )
    fields.update(overrides)
    return RunRecord(**fields)


def test_config_hash_ignores_key_order_and_sees_values():
    a = {"model": {"width": 64, "depth": 3}, "seed": 0}
    b = {"seed": 0, "model": {"depth": 3, "width": 64}}
    assert config_hash(a) == config_hash(b)
    assert config_hash(a) != config_hash({**a, "seed": 1})
    assert len(config_hash(a)) == 16


def test_write_read_round_trip(tmp_path):
    record = make_record("abc", metrics={"test_mse": 0.01, "pull_std": math.nan})
    path = write_record(record, tmp_path / "run")
    assert path.name == "record.json"
    back = read_record(tmp_path / "run")
    assert back.metrics["test_mse"] == 0.01
    assert math.isnan(back.metrics["pull_std"])
    assert back.model_dump(exclude={"metrics"}) == record.model_dump(exclude={"metrics"})
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "f.json"
    atomic_write_text(target, "old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_load_records_and_frame(tmp_path):
    write_record(make_record("b", n_train=10), tmp_path / "runs" / "b")
    write_record(make_record("a", n_train=20, status="diverged"), tmp_path / "runs" / "a")
    records = load_records(tmp_path)
    assert [r.run_id for r in records] == ["a", "b"]
    frame = records_frame(records)
    assert list(frame["D"]) == [20, 10]
    assert list(frame["config.model.width"]) == [64, 64]
    assert list(frame["metric.test_mse"]) == [0.01, 0.01]
    assert list(frame["status"]) == ["diverged", "done"]


def test_bad_inputs_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        load_records(tmp_path / "missing")
    with pytest.raises(UsageError, match="not found"):
        read_record(tmp_path)
    (tmp_path / "record.json").write_text(json.dumps({"run_id": "x"}))
    with pytest.raises(UsageError, match="malformed run record"):
        read_record(tmp_path)


def test_logging_to_writes_each_line_once_and_only_this_threads(tmp_path):
    import logging
    import threading

    from hepscaling.records import LOG_NAME, logging_to

    log = logging.getLogger("hepscaling.test")
    path = tmp_path / LOG_NAME
    with logging_to(path), logging_to(tmp_path / "." / LOG_NAME):  # nested: the same file
        log.info("outer and inner")
        other = threading.Thread(target=lambda: log.warning("from another thread"))
        other.start()
        other.join()
    log.warning("after the block")
    lines = path.read_text().splitlines()
    assert len(lines) == 1 and lines[0].endswith("INFO hepscaling.test: outer and inner")
    assert not logging.getLogger().handlers or all(
        getattr(h, "baseFilename", None) != str(path) for h in logging.getLogger().handlers)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_atomic_write_gives_the_umask_permissions(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        path = atomic_write_text(tmp_path / "index.html", "<html></html>")
        plain = tmp_path / "plain.png"
        plain.write_text("written the ordinary way")
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == mode == plain.stat().st_mode & 0o777


def test_records_below_hidden_directories_are_copies_not_runs(tmp_path):
    record = RunRecord(run_id="r", status="done", config={}, code_version="t", seed=0)
    write_record(record, tmp_path / "runs" / "r")
    write_record(record, tmp_path / ".mlflow" / "artifacts" / "x")
    assert [r.run_id for r in load_records(tmp_path)] == ["r"]
    assert len(load_records(tmp_path / ".mlflow")) == 1  # unless asked for directly
