"""The Task interface and registry: what to train on, which loss, what to measure.

The training loop (:mod:`hepscaling.train.loop`) knows nothing about physics; a task hands it

- the training data as tensors on the device, fetched by index (:meth:`Task.train_batch`),
- the loss of a model output against a target (:meth:`Task.loss`),
- the evaluation of a model on the fixed validation / test sets (:meth:`Task.evaluate`).

A task kind is a :class:`Task` subclass plus a pydantic :class:`TaskConfig` subclass (the
``task:`` section of a run config), registered under ``kind`` and imported lazily from
``TASK_MODULES``.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, Literal

import torch
from pydantic import BaseModel, ConfigDict

from hepscaling.errors import UsageError
from hepscaling.models.base import InputKind, InputsSpec, Model

__all__ = [
    "TASK_MODULES",
    "Split",
    "Task",
    "TaskConfig",
    "build_task",
    "register_task",
    "task_class",
    "task_config_class",
    "task_kinds",
]

Split = Literal["val", "test"]

TASK_MODULES: dict[str, str] = {
    "amplitude_regression": "hepscaling.tasks.amplitudes",
    "jet_tagging": "hepscaling.tasks.jet_tagging",
}

_REGISTRY: dict[str, tuple[type[Task], type[TaskConfig]]] = {}


class TaskConfig(BaseModel):
    """Base of every task's ``task:`` config section: unknown keys fail, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # the run-config ``loss`` values this task implements, checked when a config is loaded
    # (empty: not checked)
    LOSSES: ClassVar[tuple[str, ...]] = ()

    kind: str
    n_train: int


class Task(ABC):
    """A training problem whose data already sits on ``device`` as tensors.

    Subclasses take ``(cfg, *, loss, input_kind, device)`` in ``__init__`` and set
    ``inputs_spec`` and ``n_train`` (D, the training-set size).
    """

    inputs_spec: InputsSpec
    n_train: int

    @classmethod
    @abstractmethod
    def spec_from_config(cls, cfg: TaskConfig, loss: str) -> InputsSpec:
        """The :class:`InputsSpec` without loading the data (reads file metadata at most)."""

    @abstractmethod
    def train_batch(self, index: torch.Tensor,
                    generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs and targets of the training events ``index`` (int64 ``(B,)``, on device).

        ``generator`` (on the device) drives any random augmentation. Returns the model input
        (shape per the model's input kind) and the target tensor, both on the device.
        """

    @abstractmethod
    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean training loss, a scalar tensor (no host sync)."""

    @abstractmethod
    def evaluate(self, model: Model, split: Split, batch_size: int = 8192) -> dict[str, float]:
        """Metrics of ``model`` on the fixed ``split`` (forward passes of ``batch_size``
        events, no gradients); must contain ``"loss"``. Syncs with the host once."""

    def histograms(self, model: Model, split: Split,
                   batch_size: int = 8192) -> dict[str, dict[str, list[float]]]:
        """Named histograms of ``split`` for the run record, each ``{"edges": (n+1,),
        "counts": (n,)}``; none unless the task defines some."""
        return {}


def register_task(kind: str, config_cls: type[TaskConfig]) -> Callable[[type[Task]], type[Task]]:
    """Class decorator registering a :class:`Task` subclass under ``kind`` with its config."""

    def decorate(cls: type[Task]) -> type[Task]:
        _REGISTRY[kind] = (cls, config_cls)
        return cls

    return decorate


def task_kinds() -> list[str]:
    """Names of all known task kinds."""
    return sorted(set(TASK_MODULES) | set(_REGISTRY))


def _lookup(kind: str) -> tuple[type[Task], type[TaskConfig]]:
    if kind not in _REGISTRY and kind in TASK_MODULES:
        importlib.import_module(TASK_MODULES[kind])
    if kind not in _REGISTRY:
        raise UsageError(f"unknown task kind {kind!r}; choose one of {', '.join(task_kinds())}")
    return _REGISTRY[kind]


def task_class(kind: str) -> type[Task]:
    """The :class:`Task` subclass registered as ``kind`` (UsageError if unknown)."""
    return _lookup(kind)[0]


def task_config_class(kind: str) -> type[TaskConfig]:
    """The config class registered for ``kind`` (UsageError if unknown)."""
    return _lookup(kind)[1]


def build_task(cfg: TaskConfig | dict[str, Any], *, loss: str, input_kind: InputKind,
               device: torch.device) -> Task:
    """Load the data of ``cfg`` onto ``device``, preparing the inputs of ``input_kind``."""
    if isinstance(cfg, dict):
        cfg = task_config_class(str(cfg.get("kind"))).model_validate(cfg)
    return task_class(cfg.kind)(cfg, loss=loss, input_kind=input_kind, device=device)
