"""Training precision: the train.precision key, run ids, records, auto per task, bf16 training."""

import math

import numpy as np
import pytest
import torch
from scipy.stats import norm

from helpers.amplitude_files import toy_config
from hepscaling.errors import UsageError
from hepscaling.metrics import classifier_weights
from hepscaling.records import read_record
from hepscaling.tasks.base import task_class, task_kinds
from hepscaling.train import mixed_precision
from hepscaling.train.checkpoint import load_checkpoint
from hepscaling.train.config import load_config, run_id
from hepscaling.train.device import resolve_device
from hepscaling.train.loop import run_training
from hepscaling.train.mixed_precision import autocast, resolve_precision

#: a config that does not set train.precision, and its run id computed on the code before the
#: key existed (commit 5e11b92): sweeps on disk must keep resuming as finished
FIXED = {"seed": 3, "task": {"kind": "amplitude_regression", "dataset": "no/such/file.h5",
                             "n_train": 500},
         "model": {"family": "mlp", "width": 32, "depth": 2},
         "train": {"steps": 200, "batch_size": 64}}
FIXED_ID = "409806fa5765104e"
CPU = torch.device("cpu")


def _with_precision(config: dict, precision: str) -> dict:
    return {**config, "train": {**config["train"], "precision": precision}}


def test_run_ids_without_precision_are_unchanged():
    assert run_id(FIXED) == FIXED_ID
    assert run_id(_with_precision(FIXED, "fp32")) == FIXED_ID  # the default, left out
    assert "precision" not in load_config(FIXED).resolved()["train"]
    ids = {run_id(_with_precision(FIXED, p)) for p in ("bf16", "auto")}
    assert len(ids) == 2 and FIXED_ID not in ids
    assert load_config(_with_precision(FIXED, "bf16")).resolved()["train"]["precision"] == "bf16"


def test_a_bad_precision_names_the_key():
    with pytest.raises(UsageError, match=r"train\.precision"):
        load_config(_with_precision(FIXED, "fp16"))


def test_auto_follows_the_task_where_the_device_has_bf16(monkeypatch):
    monkeypatch.setattr(mixed_precision, "native_bf16", lambda device: True)
    expected = {"amplitude_regression": "fp32", "jet_tagging": "bf16", "jet_generation": "bf16",
                "two_sample_classifier": "bf16", "event_generation": "fp32"}
    assert set(expected) == set(task_kinds())
    for kind, precision in expected.items():
        assert resolve_precision("auto", task_class(kind), CPU) == precision
        for explicit in ("fp32", "bf16"):
            assert resolve_precision(explicit, task_class(kind), CPU) == explicit
    monkeypatch.setattr(mixed_precision, "native_bf16", lambda device: False)
    assert resolve_precision("auto", task_class("jet_tagging"), CPU) == "fp32"


def test_device_auto_and_autocast_on_a_mocked_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: True)
    device = resolve_device("auto")
    assert device == torch.device("cuda")
    assert mixed_precision.native_bf16(device)
    context = autocast(device, "bf16")
    assert (context.device, context.fast_dtype, context._enabled) == (
        "cuda", torch.bfloat16, True)
    assert not autocast(device, "fp32")._enabled
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: False)
    assert not mixed_precision.native_bf16(device)
    with pytest.raises(UsageError, match=r"train\.precision=fp32"):
        autocast(device, "bf16")
    cpu = autocast(CPU, "bf16")
    assert (cpu.device, cpu.fast_dtype) == ("cpu", torch.bfloat16)


def test_precision_is_recorded_and_bf16_keeps_float32_state(toy_h5, tmp_path):
    auto = run_training(toy_config(toy_h5, train={"precision": "auto"}), tmp_path / "auto")
    assert auto.precision == "fp32" and auto.config["train"]["precision"] == "auto"
    fp32 = run_training(toy_config(toy_h5), tmp_path / "fp32")
    assert fp32.precision == "fp32" and "precision" not in fp32.config["train"]
    cfg = toy_config(toy_h5, train={"precision": "bf16"})
    bf16 = run_training(cfg, tmp_path / "bf16")
    assert bf16.precision == "bf16" and read_record(tmp_path / "bf16").precision == "bf16"
    # the bf16 steps differ from the float32 ones (autocast is on), by bfloat16 rounding only
    assert bf16.curves["train_loss"] != fp32.curves["train_loss"]
    assert bf16.metrics["test_mse"] == pytest.approx(fp32.metrics["test_mse"], rel=0.3)
    state = load_checkpoint(tmp_path / "bf16", bf16.run_id, CPU)
    assert state is not None
    assert {t.dtype for t in state["model"].values()} == {torch.float32}
    moments = [v for s in state["optimizer"]["state"].values() for k, v in s.items()
               if k in ("exp_avg", "exp_avg_sq")]
    assert moments and {t.dtype for t in moments} == {torch.float32}


def test_bf16_classifier_reaches_the_float32_auc():
    """Two unit Gaussians 1 apart in one of two features: the optimal AUC is Phi(1 / sqrt 2);
    bfloat16 steps reach it like float32 steps (both well inside the test set's spread)."""
    rng = np.random.default_rng(1)
    reference = rng.normal(size=(4000, 2))
    candidate = rng.normal(size=(4000, 2)) + np.array([1.0, 0.0])
    truth = norm.cdf(1 / math.sqrt(2))  # 0.760
    aucs = {}
    for precision in ("fp32", "bf16"):
        result = classifier_weights(reference, candidate, model={"width": 32, "depth": 2},
                                    train={"epochs": 4, "precision": precision})
        assert result.record.precision == precision
        aucs[precision] = result.auc
    # 800 test events per class: the AUC's standard error is about 0.012
    assert aucs["fp32"] == pytest.approx(truth, abs=0.035)
    assert aucs["bf16"] == pytest.approx(aucs["fp32"], abs=0.01)
