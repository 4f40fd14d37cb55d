"""The training loop: learning, reproducibility, divergence, resume, early stopping, accounting."""

import json
import math

import pytest
import torch

from helpers.amplitude_files import toy_config, write_toy_amplitudes
from helpers.toy_loop import register_toys, toy_run_config
from hepscaling.errors import UsageError
from hepscaling.locks import directory_lock
from hepscaling.models.base import InputsSpec, build_model
from hepscaling.records import read_record
from hepscaling.train.flops import training_flops_per_sample
from hepscaling.train.loop import RUN_LOCK_NAME, run_training


class Interrupt(Exception):
    """Raised by a callback to simulate a killed process."""


def _stable(record) -> dict:
    """Record fields that must not depend on timing."""
    curves = {k: v for k, v in record.curves.items() if k != "wall_time"}
    return {"metrics": record.metrics, "curves": curves, "steps": record.steps,
            "flops": record.flops, "n_params": record.n_params}


@pytest.mark.parametrize(("family", "loss"), [("mlp", "mse"), ("mlp_mup", "mse"),
                                              ("mlp", "heteroscedastic"),
                                              ("mlp_mup", "heteroscedastic")])
def test_each_family_learns(toy_h5, tmp_path, family, loss):
    cfg = toy_config(toy_h5, model={"family": family}, loss=loss)
    record = run_training(cfg, tmp_path)
    assert record.status == "done" and record.stop_reason == "completed"
    train = record.curves["train_loss"]
    assert train[-1] < train[0] - 0.1
    assert record.metrics["test_mse"] < 0.5  # the standardised target has variance 1
    assert (tmp_path / "checkpoint.pt").exists() and (tmp_path / "run.log").exists()
    assert read_record(tmp_path) == record
    if loss == "heteroscedastic":
        assert {"test_pull_mean", "test_pull_std", "test_coverage_1sigma"} <= set(record.metrics)
        assert sum(record.histograms["test_pull"]["counts"]) == cfg["task"]["n_test"]
    else:
        assert record.histograms == {}


def test_accounting(toy_h5, tmp_path):
    cfg = toy_config(toy_h5, train={"epochs": 8, "steps": None, "batch_size": 100})
    record = run_training(cfg, tmp_path)
    assert record.steps == 32 and record.metrics["planned_steps"] == 32  # 8 x 400 / 100
    assert record.samples_seen == 3200 and record.epochs == pytest.approx(8.0)
    assert record.flops_per_sample == training_flops_per_sample(cfg)
    assert record.flops == pytest.approx(3200 * record.flops_per_sample)
    assert record.curves["step"] == [20, 32]
    lengths = {len(v) for v in record.curves.values()}
    assert lengths == {2}
    assert record.curves["flops"][-1] == pytest.approx(record.flops)
    assert record.n_train == 400 and record.device == "cpu"
    assert record.config["train"]["epochs"] == 8
    assert record.cpu_time > 0 and record.wall_time > 0


def test_threads_are_restored(toy_h5, tmp_path):
    threads = torch.get_num_threads()
    run_training(toy_config(toy_h5, train={"steps": 2, "eval_every": 2, "warmup_steps": 0}),
                 tmp_path,
                 threads=threads + 1)
    assert torch.get_num_threads() == threads


def test_flops_budget_sets_steps(toy_h5, tmp_path):
    per_sample = training_flops_per_sample(toy_config(toy_h5))
    cfg = toy_config(toy_h5, train={"flops": 25.5 * 64 * per_sample, "steps": None})
    assert run_training(cfg, tmp_path).steps == 25


def test_same_seed_same_record(toy_h5, tmp_path):
    cfg = toy_config(toy_h5, train={"steps": 30, "eval_every": 10})
    a, b = run_training(cfg, tmp_path / "a"), run_training(cfg, tmp_path / "b")
    assert _stable(a) == _stable(b) and a.run_id == b.run_id
    c = run_training({**cfg, "seed": 1}, tmp_path / "c")
    assert c.metrics["test_mse"] != a.metrics["test_mse"]


def test_resume_matches_uninterrupted(toy_h5, tmp_path):
    cfg = toy_config(toy_h5, model={"family": "mlp_mup"}, loss="heteroscedastic",
                     train={"eval_every": 20, "steps": 60})
    reference = run_training(cfg, tmp_path / "whole")

    def stop_at_40(step, metrics):
        if step == 40:
            raise Interrupt

    with pytest.raises(Interrupt):
        run_training(cfg, tmp_path / "parts", callback=stop_at_40)
    interrupted = read_record(tmp_path / "parts")
    assert interrupted.status == "failed" and interrupted.cpu_time > 0
    resumed = run_training(cfg, tmp_path / "parts")
    assert resumed.cpu_time > interrupted.cpu_time  # the time of both parts
    assert resumed.status == "done"
    assert _stable(resumed) == _stable(reference)
    assert "resumed from step 40" in (tmp_path / "parts" / "run.log").read_text()


def test_finished_run_is_returned_not_retrained(toy_h5, tmp_path):
    cfg = toy_config(toy_h5, train={"steps": 20})
    first = run_training(cfg, tmp_path)
    assert run_training(cfg, tmp_path) == first


def test_checkpoint_of_another_config_is_refused(toy_h5, tmp_path):
    run_training(toy_config(toy_h5, train={"steps": 20}), tmp_path)
    (tmp_path / "record.json").unlink()
    with pytest.raises(UsageError, match="fresh --out"):
        run_training(toy_config(toy_h5, train={"steps": 20, "lr": 1e-3}), tmp_path)


def test_record_of_another_config_is_left_alone(toy_h5, tmp_path):
    first = run_training(toy_config(toy_h5, train={"steps": 20}), tmp_path)
    with pytest.raises(UsageError, match="another config"):
        run_training(toy_config(toy_h5, train={"steps": 21}), tmp_path)
    assert read_record(tmp_path) == first


def test_a_moved_run_and_dataset_stay_finished(tmp_path):
    (tmp_path / "a").mkdir()
    data = write_toy_amplitudes(tmp_path / "a" / "toy.h5", n=800)
    first = run_training(toy_config(data, train={"steps": 20}), tmp_path / "a" / "run")
    assert first.data_digest and first.threads == torch.get_num_threads()
    (tmp_path / "a").rename(tmp_path / "b")
    moved = toy_config(tmp_path / "b" / "toy.h5", train={"steps": 20})
    assert run_training(moved, tmp_path / "b" / "run") == first  # returned, not retrained


def test_a_run_on_regenerated_data_is_not_done(tmp_path):
    data = write_toy_amplitudes(tmp_path / "toy.h5", n=800, seed=0)
    cfg = toy_config(data, train={"steps": 20})
    first = run_training(cfg, tmp_path / "run")
    write_toy_amplitudes(data, n=800, seed=1)  # deleted and made again with other settings
    with pytest.raises(UsageError, match=r"holds run .* of this config trained on other data: "
                                         r".*toy.h5 has changed since .*; use a fresh --out"):
        run_training(cfg, tmp_path / "run")
    assert read_record(tmp_path / "run") == first
    assert run_training(cfg, tmp_path / "fresh").run_id != first.run_id


@pytest.mark.parametrize("mistake", [{"device": "cuda"}, {"dataset": "missing.h5"}])
def test_a_failed_attempt_without_a_checkpoint_gives_way(toy_h5, tmp_path, monkeypatch, mistake):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    cfg = toy_config(toy_h5, train={"steps": 20})
    wrong = ({**cfg, **mistake} if "device" in mistake else
             toy_config(tmp_path / mistake["dataset"], train={"steps": 20}))
    with pytest.raises(UsageError):
        run_training(wrong, tmp_path / "run")
    assert read_record(tmp_path / "run").status == "failed"
    assert run_training(cfg, tmp_path / "run").status == "done"


def test_a_failed_run_with_a_checkpoint_is_kept(toy_h5, tmp_path):
    def stop(step, metrics):
        raise Interrupt

    with pytest.raises(Interrupt):
        run_training(toy_config(toy_h5, train={"steps": 40}), tmp_path, callback=stop)
    with pytest.raises(UsageError, match="another config"):
        run_training(toy_config(toy_h5, train={"steps": 41}), tmp_path)


def test_temporaries_of_a_killed_write_are_removed(toy_h5, tmp_path):
    left = [tmp_path / ".checkpoint.pt.x1y2.tmp", tmp_path / ".record.json.z3.tmp"]
    for path in left:
        path.write_bytes(b"half a write")
    run_training(toy_config(toy_h5, train={"steps": 20}), tmp_path)
    assert not any(path.exists() for path in left)


def test_one_process_per_run_directory(toy_h5, tmp_path):
    with directory_lock(tmp_path, RUN_LOCK_NAME, what="run directory", fix="wait"), \
            pytest.raises(UsageError, match=r"run directory .* is in use by pid \d+"):
        run_training(toy_config(toy_h5, train={"steps": 20}), tmp_path)
    assert not (tmp_path / "record.json").exists()
    assert run_training(toy_config(toy_h5, train={"steps": 20}), tmp_path).status == "done"


def test_divergence_is_recorded(toy_h5, tmp_path):
    cfg = toy_config(toy_h5, train={"lr": 1e6, "grad_clip": None, "schedule": "constant",
                                    "warmup_steps": 0})
    record = run_training(cfg, tmp_path)
    assert record.status == "diverged" and record.stop_reason == "diverged"
    assert "lower the learning rate" in record.error
    assert record.steps < 60
    assert "test_mse" not in record.metrics
    assert json.loads((tmp_path / "record.json").read_text())["status"] == "diverged"


def test_early_stopping_is_recorded(toy_h5, tmp_path):
    # lr so large that validation stops improving after the first evaluations
    cfg = toy_config(toy_h5, train={"lr": 0.3, "steps": 400, "eval_every": 10,
                                    "early_stopping_patience": 2, "schedule": "constant"})
    record = run_training(cfg, tmp_path)
    assert record.stop_reason == "early_stopping" and record.status == "done"
    assert record.steps < 400
    best = record.metrics["best_step"]
    val = dict(zip(record.curves["step"], record.curves["val_loss"], strict=True))
    assert record.steps == best + 20  # two evaluations without improvement
    assert val[best] == min(v for v in val.values() if v is not None)
    # the test metrics come from the best model: its validation loss is the best one
    assert record.metrics["val_loss"] == pytest.approx(val[best], rel=1e-6)


def test_nan_in_data_fails_clearly(tmp_path):
    path = write_toy_amplitudes(tmp_path / "bad.h5", n=800, nan_row=17)
    with pytest.raises(UsageError, match="NaN"):
        run_training(toy_config(path), tmp_path / "run")
    record = read_record(tmp_path / "run")
    assert record.status == "failed" and "NaN" in record.error


def test_schedule_reaches_zero_at_last_step(toy_h5, tmp_path):
    cfg = toy_config(toy_h5, train={"steps": 40, "eval_every": 10, "warmup_steps": 0})
    lr = run_training(cfg, tmp_path).curves["lr"]
    # lr of the update before each evaluation: cosine over 40 steps, evaluated at s = 9, 19, ...
    expected = [3e-3 * 0.5 * (1 + math.cos(math.pi * s / 40)) for s in (9, 19, 29, 39)]
    assert lr == pytest.approx(expected)



@pytest.fixture
def toys(monkeypatch):
    register_toys(monkeypatch)


def test_a_model_with_two_inputs_gets_the_tuple_unpacked(toys, tmp_path):
    cfg = toy_run_config({"family": "toy_pair"}, {"two_inputs": True})
    record = run_training(cfg, tmp_path)
    assert record.status == "done"
    assert record.metrics["test_loss"] < 1e-3 < record.curves["train_loss"][0]
    assert record.metrics["test_mean_output"] == pytest.approx(0.0, abs=0.5)  # final_metrics
    assert sum(record.histograms["test_sign"]["counts"]) == 256
    with pytest.raises(TypeError, match="positional argument"):  # one input, not unpacked
        run_training(toy_run_config({"family": "toy_pair"}), tmp_path / "single")


def test_the_extra_loss_enters_the_training_loss(toys, tmp_path):
    # one step with a vanishing learning rate: the recorded training loss is that of the
    # initial weights, with the penalty added; the validation loss does not include it
    runs = {p: run_training(toy_run_config({"family": "toy_linear", "penalty": p}, steps=1,
                                           lr=1e-12), tmp_path / str(p)) for p in (0.0, 2.0)}
    torch.manual_seed(0)
    w0 = build_model({"family": "toy_linear"}, InputsSpec(n_features=4)).layer.weight
    difference = runs[2.0].curves["train_loss"][0] - runs[0.0].curves["train_loss"][0]
    assert difference == pytest.approx(2.0 * w0.square().sum().item(), rel=1e-5)
    assert runs[2.0].curves["val_loss"] == runs[0.0].curves["val_loss"]


def test_the_extra_loss_shrinks_the_weights(toys, tmp_path):
    norms = {}
    for penalty in (0.0, 1.0):
        run_training(toy_run_config({"family": "toy_linear", "penalty": penalty}),
                     tmp_path / str(penalty))
        state = torch.load(tmp_path / str(penalty) / "checkpoint.pt", weights_only=True)
        norms[penalty] = state["model"]["layer.weight"].norm().item()
    # no penalty: w -> w_true (|w_true| = 3.8); ridge penalty 1 on unit-variance inputs:
    # w -> w_true / 2
    assert norms[0.0] == pytest.approx(3.7749, rel=1e-2)
    assert norms[1.0] == pytest.approx(norms[0.0] / 2, rel=0.1)
