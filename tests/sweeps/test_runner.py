"""Running and resuming sweeps: failures recorded, finished runs skipped, kill -9 survived."""

import os
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from helpers.amplitude_files import write_toy_amplitudes
from helpers.kill import kill_when
from helpers.sweep_fakes import (
    CRASHES,
    DIVERGES,
    RAISES,
    fake_metric,
    fake_run,
    fake_spec,
    tiny_base,
)
from hepscaling.data.amplitudes import read_amplitudes
from hepscaling.errors import UsageError
from hepscaling.records import load_records, read_record, write_record
from hepscaling.sweeps import (
    LocalExecutor,
    load_plan,
    load_spec,
    make_plan,
    parse_spec,
    run_sweep,
    sweep_status,
    sweep_table,
)
from hepscaling.sweeps.job import available_cores
from hepscaling.sweeps.lock import sweep_lock
from hepscaling.sweeps.runner import make_datasets


def ledger(files) -> Counter:
    path = files["ledger"]
    return Counter(line.split()[0] for line in path.read_text().splitlines()) \
        if path.exists() else Counter()


def test_failures_are_recorded_and_the_other_runs_finish(tmp_path, fake_env):
    spec = fake_spec(fake_env["dataset"], **{"model.width": [8, 16],
                                                "seed": [0, RAISES, CRASHES, DIVERGES]})
    result = run_sweep(spec, tmp_path, executor=LocalExecutor(2), run_fn=fake_run)
    assert result.counts == {"done": 2, "diverged": 2, "failed": 4, "running": 0, "pending": 0}
    records = {r.run_id: r for r in load_records(tmp_path / "runs")}
    assert set(records) == set(load_plan(tmp_path).run_ids)
    for record in records.values():
        expected = {0: "done", DIVERGES: "diverged", RAISES: "failed", CRASHES: "failed"}
        assert record.status == expected[record.seed]
        if record.seed == RAISES:
            assert record.error == "RuntimeError: fake failure"
        if record.seed == CRASHES:
            assert record.error == "worker crashed (exit code 3)"
            log = (tmp_path / "runs" / record.run_id / "run.log").read_text()
            assert "fake training" in log and "worker crashed (exit code 3)" in log
        if record.status == "done":
            assert record.metrics["mse"] == fake_metric(record.config)
    assert sorted(result.failures) == sorted(r for r, rec in records.items()
                                             if rec.status == "failed")


def test_rerun_skips_finished_runs_and_retries_failed_only_on_request(tmp_path, fake_env):
    spec = fake_spec(fake_env["dataset"], **{"model.width": [8], "seed": [0, RAISES, DIVERGES]})
    first = run_sweep(spec, tmp_path, executor=LocalExecutor(1), run_fn=fake_run)
    assert first.ran == 3 and sum(ledger(fake_env).values()) == 2
    again = run_sweep(spec, tmp_path, executor=LocalExecutor(1), run_fn=fake_run)
    assert again.ran == 0 and again.counts == first.counts
    retried = run_sweep(spec, tmp_path, executor=LocalExecutor(1), run_fn=fake_run,
                        retry_failed=True)
    assert retried.ran == 1 and retried.failed == 1
    assert sum(ledger(fake_env).values()) == 2  # done and diverged ran once each


def test_a_running_record_left_by_a_killed_sweep_is_run_again(tmp_path, fake_env):
    spec = fake_spec(fake_env["dataset"], seed=[0, 1])
    run_sweep(spec, tmp_path, executor=LocalExecutor(1), run_fn=fake_run)
    victim = load_plan(tmp_path).run_ids[1]
    record = read_record(tmp_path / "runs" / victim)
    write_record(record.model_copy(update={"status": "running", "metrics": {}}),
                 tmp_path / "runs" / victim)
    result = run_sweep(spec, tmp_path, executor=LocalExecutor(1), run_fn=fake_run)
    assert result.ran == 1 and result.counts["done"] == 2
    assert ledger(fake_env) == Counter({victim: 2, load_plan(tmp_path).run_ids[0]: 1})


def test_workers_use_their_share_of_the_cores(tmp_path, fake_env):
    run_sweep(fake_spec(fake_env["dataset"], seed=[0, 1]), tmp_path, executor=LocalExecutor(2),
              run_fn=fake_run)
    threads = {r.environment["OMP_NUM_THREADS"] for r in load_records(tmp_path)}
    assert threads == {str(max(1, available_cores() // 2))}


def test_one_sweep_per_directory(tmp_path, fake_env):
    with sweep_lock(tmp_path), pytest.raises(UsageError, match="is in use by pid"):
        run_sweep(fake_spec(fake_env["dataset"]), tmp_path, executor=LocalExecutor(1),
                  run_fn=fake_run)


TESTS_DIR = Path(__file__).parents[1]
KILLABLE = """
import sys
sys.path.insert(0, {tests!r})
from hepscaling.sweeps import LocalExecutor, run_sweep
from helpers.sweep_fakes import fake_run, fake_spec
run_sweep(fake_spec({dataset!r}, **{{"model.width": [8, 16, 32], "seed": [0, 1]}}), {out!r},
          executor=LocalExecutor(2, gpus=0, preload=["helpers.sweep_fakes"]), run_fn=fake_run,
          progress=False)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_killed_sweep_resumes_with_nothing_lost_or_counted_twice(tmp_path, fake_env):
    # seed-0 runs finish at once, seed-1 runs hold their worker: the kill lands when both
    # workers hold a run, never while a run writes its record or ledger line (no race)
    fake_env["control"].write_text('{"hold": [1]}')
    out = tmp_path / "out"
    code = KILLABLE.format(tests=str(TESTS_DIR), out=str(out), dataset=str(fake_env["dataset"]))
    kill_when([sys.executable, "-c", code], lambda: len(_lines(fake_env["held"])) == 2,
              timeout=300)
    held = _lines(fake_env["held"])
    assert len(held) == 2, "the sweep was killed before each of its 2 workers held a run"
    # orphaned workers notice their sweep died and exit instead of finishing their runs
    pids = {int(p) for p in _lines(fake_env["pids"])}
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)
    before = ledger(fake_env)
    assert before and len(before) + len(held) < 6, "kill the sweep mid-way"
    assert {r.run_id: r.status for r in load_records(out)} == {
        **dict.fromkeys(before, "done"), **dict.fromkeys(held, "running")}

    fake_env["control"].unlink()
    result = run_sweep(fake_spec(fake_env["dataset"], **{"model.width": [8, 16, 32],
                                                         "seed": [0, 1]}), out,
                       executor=LocalExecutor(2), run_fn=fake_run)
    planned = load_plan(out).run_ids
    assert result.counts["done"] == len(planned) == 6
    assert sorted(r.run_id for r in load_records(out)) == sorted(planned)
    assert ledger(fake_env) == Counter(planned)  # every run finished exactly once
    assert result.ran == 6 - len(before)


def test_real_training_runs(tmp_path, toy_dataset, trainer):
    spec = parse_spec({"base": tiny_base(toy_dataset), "axes": {"model.width": [4, 8]}})
    result = run_sweep(spec, tmp_path, executor=trainer)
    assert result.counts["done"] == 2
    for record in load_records(tmp_path):
        assert record.steps == 10 and record.n_train == 100
        assert record.flops == 10 * 16 * record.flops_per_sample
        assert record.metrics["test_mse"] > 0
        log = (tmp_path / "runs" / record.run_id / "run.log").read_text()
        assert "step=10" in log and f"run {record.run_id} done" in log


def test_real_isoflop_runs_spend_their_budget(tmp_path, toy_dataset, trainer):
    budgets = [3.0e5, 1.0e6]
    spec = parse_spec({"base": tiny_base(toy_dataset), "mode": "isoflop",
                       "isoflop": {"budgets": budgets}, "axes": {"model.width": [4, 8]}})
    run_sweep(spec, tmp_path, executor=trainer)
    runs = {run.run_id: run for run in load_plan(tmp_path).runs}
    records = load_records(tmp_path)
    assert len(records) == 4
    for record in records:
        step_flops = 16 * record.flops_per_sample
        assert abs(record.flops - runs[record.run_id].budget) <= step_flops / 2


def test_datasets_are_generated_once_and_shared_by_all_runs(tmp_path, trainer):
    spec = parse_spec({
        "datasets": {"ee": {"process": "e+ e- > mu+ mu-", "n": 300, "sqrt_s": 91.0, "seed": 1}},
        "base": tiny_base("@ee"), "axes": {"model.width": [4, 8]}})
    run_sweep(spec, tmp_path, executor=trainer)
    path = tmp_path / "data" / "ee.h5"
    assert read_amplitudes(path).momenta.shape == (300, 4, 4)
    records = load_records(tmp_path / "runs")
    assert [r.status for r in records] == ["done", "done"]
    assert {r.config["task"]["dataset"] for r in records} == {str(path.resolve())}
    stamp = path.stat().st_mtime_ns
    assert run_sweep(spec, tmp_path, executor=trainer).ran == 0
    assert path.stat().st_mtime_ns == stamp


def _spec_using(tmp_path, entry: dict) -> Path:
    """``tmp_path/specs/s.yaml``: a sweep whose dataset ``ee`` is ``entry``."""
    path = tmp_path / "specs" / "s.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump({"datasets": {"ee": entry}, "base": tiny_base("@ee"),
                                    "axes": {"model.width": [4, 8]}}))
    return path


def test_a_dataset_of_another_sweep_is_used_by_path(tmp_path):
    ee = {"process": "e+ e- > mu+ mu-", "n": 300, "sqrt_s": 91.0, "seed": 1}
    other = make_datasets(parse_spec({"datasets": {"ee": ee}}), tmp_path / "other")["ee"]
    spec = load_spec(_spec_using(tmp_path, {**ee, "path": "../other/data/ee.h5"}))
    assert Path(spec.datasets["ee"].path) == tmp_path / "specs" / "../other/data/ee.h5"
    stamp = other.stat().st_mtime_ns
    assert make_datasets(spec, tmp_path / "out")["ee"].resolve() == other
    assert other.stat().st_mtime_ns == stamp and not (tmp_path / "out").exists()
    plan = make_plan(spec, tmp_path / "out")
    assert {run.config["task"]["dataset"] for run in plan.runs} == {str(other)}

    spec = load_spec(_spec_using(tmp_path, {"path": "../other/data/ee.h5"}))  # as is
    assert make_datasets(spec, tmp_path / "out")["ee"].resolve() == other

    spec = load_spec(_spec_using(tmp_path, {**ee, "seed": 2, "path": "../other/data/ee.h5"}))
    with pytest.raises(UsageError, match=r"^datasets.ee: .*ee.h5 was made with seed = 1, but "
                                         r"the settings ask for 2; change") as info:
        make_datasets(spec, tmp_path / "out")
    assert "\n" not in str(info.value)
    spec = load_spec(_spec_using(tmp_path, {**ee, "path": "../elsewhere/ee.h5"}))
    with pytest.raises(UsageError, match=r"^datasets.ee: amplitude file not found: .*"
                                         r"elsewhere/ee.h5 \(check path:"):
        run_sweep(spec, tmp_path / "out")


def _generated_sweep(**axes):
    """A sweep of the fake run over a dataset it generates into ``OUT/data/ee.h5`` (the fake's
    ledger lands next to it, so it moves with the sweep directory)."""
    return parse_spec({
        "datasets": {"ee": {"process": "e+ e- > mu+ mu-", "n": 300, "sqrt_s": 91.0, "seed": 1}},
        "base": tiny_base("@ee"), "axes": axes or {"model.width": [8, 16], "seed": [0, 1]}})


def test_a_moved_sweep_resumes_as_finished_and_is_read_as_one_record_set(tmp_path):
    first = run_sweep(_generated_sweep(), tmp_path / "a", executor=LocalExecutor(1),
                      run_fn=fake_run)
    assert first.counts["done"] == 4
    (tmp_path / "a").rename(tmp_path / "b")
    again = run_sweep(_generated_sweep(), tmp_path / "b", executor=LocalExecutor(1),
                      run_fn=fake_run)
    assert again.ran == 0 and again.counts["done"] == 4
    ledger = (tmp_path / "b" / "data" / "ledger.txt").read_text().split("\n")
    assert len([line for line in ledger if line]) == 4  # nothing trained twice
    records = load_records(tmp_path / "b")
    assert len(records) == len(sweep_table(tmp_path / "b")) == 4
    moved = str((tmp_path / "b" / "data" / "ee.h5").resolve())
    assert {r.config["task"]["dataset"] for r in records} == {moved}  # pointed at the new path


def test_a_regenerated_dataset_does_not_keep_the_finished_runs(tmp_path):
    data = write_toy_amplitudes(tmp_path / "toy.h5", n=300, seed=0)
    spec = parse_spec({"base": tiny_base(data), "axes": {"seed": [0, 1]}})
    run_sweep(spec, tmp_path / "out", executor=LocalExecutor(1), run_fn=fake_run)
    before = {r.run_id: r.data_digest for r in load_records(tmp_path / "out")}
    assert len(before) == 2 and all(before.values())
    write_toy_amplitudes(data, n=300, seed=5)  # deleted and made again with other settings
    with pytest.raises(UsageError, match=r"holds 2 runs this plan does not include \(trained "
                                         r"on other data: .*toy.h5 was regenerated since"):
        run_sweep(spec, tmp_path / "out", executor=LocalExecutor(1), run_fn=fake_run)
    assert not set(make_plan(spec, tmp_path / "out").run_ids) & set(before)
    write_toy_amplitudes(data, n=300, seed=0)  # the same settings: the same data again
    assert run_sweep(spec, tmp_path / "out", executor=LocalExecutor(1), run_fn=fake_run).ran == 0


def test_a_spec_dropping_finished_runs_is_refused_and_one_adding_runs_kept(tmp_path, fake_env,
                                                                            capsys):
    out = tmp_path / "out"
    run_sweep(fake_spec(fake_env["dataset"], **{"model.width": [8, 16], "seed": [0, 1, 2]}),
              out, executor=LocalExecutor(1), run_fn=fake_run)
    plan = load_plan(out)
    with pytest.raises(UsageError, match=r"holds 3 runs this plan does not include \(the spec "
                                         r"changed: axes.model.width\); use another --out"):
        run_sweep(fake_spec(fake_env["dataset"], **{"model.width": [8], "seed": [0, 1, 2]}),
                  out, executor=LocalExecutor(1), run_fn=fake_run)
    assert load_plan(out) == plan and sweep_status(out).planned == 6
    capsys.readouterr()
    more = run_sweep(fake_spec(fake_env["dataset"], **{"model.width": [8, 16, 32],
                                                       "seed": [0, 1, 2]}),
                     out, executor=LocalExecutor(1), run_fn=fake_run)
    assert "note: the spec changed" in capsys.readouterr().err
    assert more.ran == 3 and sweep_status(out).planned == len(load_records(out)) == 9


def test_a_failed_attempt_without_a_result_gives_way_to_the_corrected_spec(tmp_path,
                                                                           fake_env):
    out = tmp_path / "out"
    failed = run_sweep(fake_spec(fake_env["dataset"], seed=[RAISES]), out,
                       executor=LocalExecutor(1), run_fn=fake_run)
    assert failed.failed == 1
    fixed = run_sweep(fake_spec(fake_env["dataset"], seed=[0]), out,
                      executor=LocalExecutor(1), run_fn=fake_run)
    assert fixed.counts["done"] == 1 and [r.status for r in load_records(out)] == ["done"]
