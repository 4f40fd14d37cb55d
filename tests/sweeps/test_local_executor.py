"""The local process pool: crash attribution, persistent workers, thread shares."""

from helpers.sweep_fakes import CRASHES, fake_run, tiny_base
from hepscaling.records import config_hash, read_record
from hepscaling.sweeps.job import RunTask, available_cores
from hepscaling.sweeps.local_executor import LocalExecutor


def _tasks(tmp_path, seeds):
    tasks = []
    for seed in seeds:
        config = {**tiny_base(tmp_path / "toy.h5"), "seed": seed}
        tasks.append(RunTask(config_hash(config), config, str(tmp_path / str(seed)), fake_run))
    return tasks


def _pids(tmp_path):
    return [int(p) for p in (tmp_path / "pids.txt").read_text().split()]


def test_a_crash_fails_exactly_its_own_run(tmp_path):
    (tmp_path / "fake.json").write_text('{"sleep": 0.2}')
    with LocalExecutor(2) as executor:
        outcomes = {o.run_id: o for o in executor.run(_tasks(tmp_path, [0, CRASHES, 1, 2]))}
    by_seed = {t.config["seed"]: outcomes[t.run_id] for t in _tasks(tmp_path, [0, CRASHES, 1, 2])}
    assert by_seed[CRASHES].crashed and by_seed[CRASHES].error == "worker crashed (exit code 3)"
    assert [by_seed[s].status for s in (0, 1, 2)] == ["done"] * 3


def test_workers_are_kept_between_runs_and_get_their_share_of_cores(tmp_path):
    with LocalExecutor(1) as executor:
        assert executor.threads == available_cores()
        list(executor.run(_tasks(tmp_path, [0])))
        list(executor.run(_tasks(tmp_path, [1])))
    assert len(set(_pids(tmp_path))) == 1
    assert LocalExecutor(2).threads == max(1, available_cores() // 2)


def test_each_worker_sees_its_own_gpu(tmp_path):
    (tmp_path / "fake.json").write_text('{"sleep": 0.3}')
    with LocalExecutor(2, gpus=2) as executor:
        list(executor.run(_tasks(tmp_path, [0, 1])))
    devices = {read_record(tmp_path / str(seed)).environment["CUDA_VISIBLE_DEVICES"]
               for seed in (0, 1)}
    assert devices == {"0", "1"}
