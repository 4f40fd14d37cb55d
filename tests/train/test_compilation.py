"""train.compile: run ids, the compiled run against the eager one, compile time, failures."""

import pytest
import torch
from torch._dynamo.exc import Unsupported

from helpers.amplitude_files import toy_config
from hepscaling.errors import UsageError
from hepscaling.records import read_record
from hepscaling.train import compilation
from hepscaling.train.compilation import CompileClock
from hepscaling.train.config import load_config, run_id
from hepscaling.train.loop import run_training

#: a config that does not set train.compile, and its run id computed on the code before the key
#: existed (as in test_mixed_precision): sweeps on disk must keep resuming as finished
FIXED = {"seed": 3, "task": {"kind": "amplitude_regression", "dataset": "no/such/file.h5",
                             "n_train": 500},
         "model": {"family": "mlp", "width": 32, "depth": 2},
         "train": {"steps": 200, "batch_size": 64}}
FIXED_ID = "409806fa5765104e"


def _compiled(config: dict, value: bool = True) -> dict:
    return {**config, "train": {**config["train"], "compile": value}}


def test_run_ids_change_only_when_compiling():
    assert run_id(FIXED) == FIXED_ID
    assert run_id(_compiled(FIXED, False)) == FIXED_ID
    assert "compile" not in load_config(_compiled(FIXED, False)).resolved()["train"]
    assert run_id(_compiled(FIXED)) != FIXED_ID
    assert load_config(_compiled(FIXED)).resolved()["train"]["compile"] is True
    with pytest.raises(UsageError, match=r"train\.compile"):
        load_config(_compiled(FIXED, "sometimes"))  # type: ignore[arg-type]


def test_a_compiled_run_matches_the_eager_one(toy_h5, tmp_path):
    """The one test that runs Inductor: a few seconds with a warm cache (the default cache
    directory, shared with every earlier run), up to minutes on a cold one."""
    cfg = toy_config(toy_h5, train={"steps": 20, "eval_every": 10, "warmup_steps": 2})
    eager = run_training(cfg, tmp_path / "eager")
    compiled = run_training(_compiled(cfg), tmp_path / "compiled")
    assert eager.compile_time == 0 and compiled.compile_time > 0
    assert compiled.compile_time < compiled.wall_time
    assert read_record(tmp_path / "compiled").compile_time == compiled.compile_time
    assert compiled.metrics.keys() == eager.metrics.keys()
    for key, value in eager.metrics.items():
        assert compiled.metrics[key] == pytest.approx(value, rel=1e-5, abs=1e-7), key
    assert compiled.curves["train_loss"] == pytest.approx(eager.curves["train_loss"], rel=1e-5)


def test_a_compile_failure_is_one_line_naming_the_fix(toy_h5, tmp_path, monkeypatch):
    def fails(*args, **kwargs):
        raise Unsupported("a made-up operation Dynamo cannot trace\nmore detail")

    monkeypatch.setattr(torch, "compile", lambda model: fails)
    with pytest.raises(UsageError) as info:
        run_training(_compiled(toy_config(toy_h5)), tmp_path)
    message = str(info.value)
    assert "\n" not in message and "made-up operation" in message
    assert "'mlp'" in message and message.endswith("set train.compile=false to train eagerly")
    assert read_record(tmp_path).status == "failed"


def test_torch_compile_refusing_the_setup_names_the_fix(monkeypatch):
    def refuses(model):
        raise RuntimeError("torch.compile is not supported on this Python")

    monkeypatch.setattr(torch, "compile", refuses)
    with pytest.raises(UsageError, match=r"not supported on this Python.*train\.compile=false"):
        compilation.training_forward(torch.nn.Linear(2, 2), True)
    eager = torch.nn.Linear(2, 2)
    assert compilation.training_forward(eager, False) is eager


def test_the_clock_counts_the_first_step_beyond_the_second(monkeypatch):
    now = iter([0.0, 5.0, 5.0, 5.5, 6.0, 6.5])
    clock = CompileClock(torch.device("cpu"), enabled=True)
    monkeypatch.setattr(clock, "_now", lambda: next(now))
    assert clock.seconds == 0
    clock.start()
    clock.stop()
    assert clock.seconds == 5.0  # one step: all of it
    for _ in range(3):
        clock.start()
        clock.stop()
    assert clock.seconds == pytest.approx(4.5)  # later steps are not timed
    off = CompileClock(torch.device("cpu"), enabled=False)
    off.start()
    off.stop()
    assert off.seconds == 0 and off.steps == []
