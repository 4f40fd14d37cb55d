"""One run in a worker: its log file, and a failed record whatever goes wrong."""

import os

from helpers.sweep_fakes import RAISES, fake_run, tiny_base
from hepscaling.records import config_hash, read_record
from hepscaling.sweeps.job import RunTask, execute_run, record_failure


def _task(tmp_path, seed=0, run_id=None):
    config = {**tiny_base(tmp_path / "toy.h5"), "seed": seed}
    return RunTask(run_id or config_hash(config), config, str(tmp_path / "run"), fake_run)


def test_a_finished_run(tmp_path):
    outcome = execute_run(_task(tmp_path))
    assert (outcome.status, outcome.error, outcome.crashed) == ("done", None, False)
    assert read_record(tmp_path / "run").status == "done"


def test_output_of_the_run_goes_to_its_log(tmp_path):
    def noisy(config, run_dir):
        os.write(1, b"from a C library\n")
        return fake_run(config, run_dir)

    task = _task(tmp_path)
    execute_run(RunTask(task.run_id, task.config, task.run_dir, noisy))
    log = (tmp_path / "run" / "run.log").read_text()
    assert "from a C library" in log
    assert f"run {task.run_id} done" in log


def test_an_exception_becomes_a_failed_record_with_the_traceback_in_the_log(tmp_path):
    task = _task(tmp_path, seed=RAISES)
    outcome = execute_run(task, capture_fds=False)
    assert (outcome.status, outcome.error) == ("failed", "RuntimeError: fake failure")
    record = read_record(tmp_path / "run")
    assert record.status == "failed" and record.error == "RuntimeError: fake failure"
    assert record.steps == 10  # what the run had recorded is kept
    assert "Traceback" in (tmp_path / "run" / "run.log").read_text()


def test_a_run_function_hashing_another_config_fails_the_run(tmp_path):
    outcome = execute_run(_task(tmp_path, run_id="0123456789abcdef"), capture_fds=False)
    assert outcome.status == "failed" and "planned 0123456789abcdef" in outcome.error
    assert read_record(tmp_path / "run").run_id == "0123456789abcdef"


def test_record_failure_without_a_record(tmp_path):
    config = tiny_base("x.h5")
    record = record_failure("abc", config, tmp_path, "worker crashed (exit code -9)")
    assert read_record(tmp_path) == record
    assert (record.status, record.n_train, record.seed) == ("failed", 100, 0)
