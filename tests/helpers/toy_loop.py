"""A toy task and toy models for the training loop's extension points.

``toy_regression``: ``y = x . w_true`` for ``x ~ N(0, 1)`` in 4 dimensions, generated in memory
(no files); with ``two_inputs`` the model gets the inputs as a tuple ``(x[:, :2], x[:, 2:])``.
Model ``toy_linear``: ``y = x . w`` on one input, with an extra loss ``penalty x |w|^2``
(zero penalty: no extra loss). Model ``toy_pair``: the same linear map on two inputs.
Register them for one test with :func:`register_toys`.
"""

from __future__ import annotations

from typing import Literal

import pytest
import torch

from hepscaling.models import base as models_base
from hepscaling.models.base import InputsSpec, Model, ModelConfig
from hepscaling.tasks import base as tasks_base
from hepscaling.tasks.base import Task, TaskConfig
from hepscaling.tasks.losses import mse

W_TRUE = (1.0, -2.0, 0.5, 3.0)


class ToyConfig(TaskConfig):
    kind: Literal["toy_regression"] = "toy_regression"
    n_train: int = 256
    two_inputs: bool = False


class ToyTask(Task):
    """Linear regression on 4 features; 256 fixed validation and test events."""

    @classmethod
    def spec_from_config(cls, cfg: ToyConfig, loss: str) -> InputsSpec:
        return InputsSpec(n_features=4)

    def __init__(self, cfg: ToyConfig, *, loss, input_kind, device) -> None:
        self.cfg, self.device, self.n_train = cfg, device, cfg.n_train
        self.inputs_spec = self.spec_from_config(cfg, loss)
        generator = torch.Generator().manual_seed(123)
        sizes = {"train": cfg.n_train, "val": 256, "test": 256}
        self._x = {s: torch.randn(n, 4, generator=generator) for s, n in sizes.items()}
        self._y = {s: x @ torch.tensor(W_TRUE) for s, x in self._x.items()}

    def inputs(self, split):
        x = self._x[split]
        return (x[:, :2], x[:, 2:]) if self.cfg.two_inputs else x

    def train_batch(self, index, generator):
        x = self.inputs("train")
        x = tuple(p[index] for p in x) if isinstance(x, tuple) else x[index]
        return x, self._y["train"][index]

    def loss(self, output, target):
        return mse(output[:, 0], target)

    def evaluate(self, model, split, batch_size=8192):
        return {"loss": self.loss(self.predict(model, split, batch_size), self._y[split]).item()}

    def final_metrics(self, model, split, batch_size=8192):
        """The mean output and a two-bin histogram of the outputs' signs."""
        out = self.predict(model, split, batch_size)[:, 0]
        counts = [float((out < 0).sum()), float((out >= 0).sum())]
        return {"mean_output": out.mean().item()}, {"sign": {"edges": [-1, 0, 1],
                                                             "counts": counts}}


class ToyLinearConfig(ModelConfig):
    family: Literal["toy_linear"] = "toy_linear"
    penalty: float = 0.0


class ToyLinear(Model):
    """``x (B, 4) -> x . w (B, 1)``; extra loss ``penalty |w|^2`` unless the penalty is 0."""

    def __init__(self, cfg: ToyLinearConfig, spec: InputsSpec) -> None:
        super().__init__()
        self.penalty = cfg.penalty
        self.layer = torch.nn.Linear(spec.need("n_features", cfg.family), 1, bias=False)

    def forward(self, x):
        return self.layer(x)

    def forward_flops(self):
        return 8.0

    def extra_loss(self):
        return self.penalty * self.layer.weight.square().sum() if self.penalty else None


class ToyPairConfig(ModelConfig):
    family: Literal["toy_pair"] = "toy_pair"


class ToyPair(Model):
    """``(a (B, 2), b (B, 2)) -> [a, b] . w (B, 1)``: a model taking two inputs."""

    def __init__(self, cfg: ToyPairConfig, spec: InputsSpec) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(spec.need("n_features", cfg.family), 1, bias=False)

    def forward(self, a, b):
        return self.layer(torch.cat([a, b], dim=1))

    def forward_flops(self):
        return 8.0


def register_toys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register ``toy_regression``, ``toy_linear`` and ``toy_pair`` for the current test."""
    monkeypatch.setitem(tasks_base._REGISTRY, "toy_regression", (ToyTask, ToyConfig))
    monkeypatch.setitem(models_base._REGISTRY, "toy_linear", (ToyLinear, ToyLinearConfig))
    monkeypatch.setitem(models_base._REGISTRY, "toy_pair", (ToyPair, ToyPairConfig))


def toy_run_config(model: dict, task: dict | None = None, **train) -> dict:
    """A run config of the toy task (seed 0, cpu, constant lr 0.05, 100 steps of 32)."""
    return {"seed": 0, "device": "cpu", "loss": "mse",
            "task": {"kind": "toy_regression", **(task or {})}, "model": model,
            "train": {"batch_size": 32, "steps": 100, "lr": 0.05, "schedule": "constant",
                      "warmup_steps": 0, "eval_every": 50, **train}}
