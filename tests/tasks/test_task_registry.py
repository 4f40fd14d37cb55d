"""Task interface and registry (hepscaling.tasks.base): lookup by kind, clear errors."""

import pytest
import torch

from hepscaling.errors import UsageError
from hepscaling.tasks.amplitudes import AmplitudeTask
from hepscaling.tasks.base import build_task, task_class, task_config_class, task_kinds


def test_kinds_and_lookup():
    assert "amplitude_regression" in task_kinds()
    assert task_class("amplitude_regression") is AmplitudeTask
    assert task_config_class("amplitude_regression")(dataset="x.h5").n_train == 1000


def test_unknown_kind_lists_choices():
    with pytest.raises(UsageError, match="choose one of amplitude_regression"):
        task_class("jet_tagging_v0")


def test_build_task_from_dict(toy_h5):
    task = build_task({"kind": "amplitude_regression", "dataset": str(toy_h5), "n_train": 100,
                       "n_val": 50, "n_test": 50}, loss="mse", input_kind="invariants",
                      device=torch.device("cpu"))
    assert task.n_train == 100 and task.inputs_spec.n_outputs == 1
    x, y = task.train_batch(torch.arange(8), torch.Generator())
    assert x.shape == (8, 10) and y.shape == (8,) and x.dtype == torch.float32
