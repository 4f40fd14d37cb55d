"""The Task interface and registry: what to train on, which loss, what to measure.

The training loop (:mod:`hepscaling.train.loop`) knows nothing about physics; a task hands it

- the training data as tensors on the device, fetched by index (:meth:`Task.train_batch`),
- the loss of a model output against a target (:meth:`Task.loss`),
- the cheap evaluation of a model on the fixed validation / test sets (:meth:`Task.evaluate`,
  run every ``eval_every`` steps), and the expensive end-of-run metrics and histograms
  (:meth:`Task.final_metrics`, run once on the test set: e.g. sampling from a generator and
  distances between distributions).

The base class owns the plumbing every task shares: :meth:`Task.tensor` (numpy -> device
tensor), :meth:`Task.predict` (eval-mode forward over a whole split in chunks; a tuple of inputs
goes to the model as ``model(*inputs)``), and :func:`peek_cache` for reading file metadata once
per file version.

A task kind is a :class:`Task` subclass plus a pydantic :class:`TaskConfig` subclass (the
``task:`` section of a run config), registered under ``kind`` and imported lazily from
``TASK_MODULES``.
"""

from __future__ import annotations

import functools
import importlib
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable
from typing import Any, ClassVar, Literal, TypeVar

import numpy as np
import torch

from hepscaling.config_section import ConfigSection
from hepscaling.errors import UsageError
from hepscaling.models.base import InputKind, InputsSpec, Model, ModelConfig

__all__ = [
    "TASK_MODULES",
    "Precision",
    "Split",
    "Task",
    "TaskConfig",
    "build_task",
    "peek_cache",
    "register_task",
    "task_class",
    "task_config_class",
    "task_kinds",
]

Split = Literal["val", "test"]
#: the numeric precision of training steps (:mod:`hepscaling.train.mixed_precision`): float32,
#: or bfloat16 autocast over float32 weights
Precision = Literal["fp32", "bf16"]
#: per-split histograms: name -> {"edges": (n+1,), "counts": (n,)}
Histograms = dict[str, dict[str, list[float]]]
Inputs = torch.Tensor | tuple[torch.Tensor, ...]
#: a training batch's model inputs: a tensor, or a tuple of arguments (tensors, and for event
#: generators also None and the loop's generator, see hepscaling.models.base)
TrainInputs = torch.Tensor | tuple[Any, ...]
_K = TypeVar("_K", bound=Hashable)
_T = TypeVar("_T")

TASK_MODULES: dict[str, str] = {
    "amplitude_regression": "hepscaling.tasks.amplitudes",
    "jet_tagging": "hepscaling.tasks.jet_tagging",
    "jet_generation": "hepscaling.tasks.generation",
    "event_generation": "hepscaling.tasks.event_generation",
    "two_sample_classifier": "hepscaling.tasks.two_sample",
}

_REGISTRY: dict[str, tuple[type[Task], type[TaskConfig]]] = {}


class TaskConfig(ConfigSection):
    """Base of every task's ``task:`` config section: unknown keys fail, values are frozen;
    knobs added to a task after its runs were identified go in ``QUIET_DEFAULTS``
    (:class:`hepscaling.config_section.ConfigSection`)."""

    # the run-config ``loss`` values this task implements, checked when a config is loaded
    # (empty: not checked)
    LOSSES: ClassVar[tuple[str, ...]] = ()
    # the fields naming the data files the task trains on (their identity enters the run id,
    # see hepscaling.train.identity)
    DATA_FILES: ClassVar[tuple[str, ...]] = ("dataset",)

    kind: str
    n_train: int

    def check_model(self, model: ModelConfig) -> None:
        """Raise a one-line ``ValueError`` if this task cannot train the model of config
        ``model`` (checked when a run config is loaded); by default every model fits."""


class Task(ABC):
    """A training problem whose data already sits on ``device`` as tensors.

    Subclasses take ``(cfg, *, loss, input_kind, device)`` in ``__init__`` and set
    ``inputs_spec``, ``n_train`` (D, the training-set size) and ``device``.

    ``auto_precision`` is the precision ``train.precision: auto`` trains at: ``"bf16"`` where
    the task's metrics tolerate bfloat16 steps (classification, generation), ``"fp32"`` (the
    default) where they do not. Evaluation always runs in float32.
    """

    auto_precision: ClassVar[Precision] = "fp32"
    inputs_spec: InputsSpec
    n_train: int
    device: torch.device

    @classmethod
    @abstractmethod
    def spec_from_config(cls, cfg: TaskConfig, loss: str) -> InputsSpec:
        """The :class:`InputsSpec` without loading the data (reads file metadata at most)."""

    @abstractmethod
    def train_batch(self, index: torch.Tensor,
                    generator: torch.Generator) -> tuple[TrainInputs, torch.Tensor]:
        """Inputs and targets of the training events ``index`` (int64 ``(B,)``, on device).

        ``generator`` (on the device) drives any random augmentation. Returns the model input
        (shape per the model's input kind; a tuple of tensors for a model taking several
        inputs, called as ``model(*inputs)``) and the target tensor, both on the device.
        """

    @abstractmethod
    def inputs(self, split: Split | Literal["train"]) -> Inputs:
        """The model inputs of a whole split on the device: one tensor, or a tuple of tensors
        for a model taking several inputs (each with the events along dim 0)."""

    @abstractmethod
    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean training loss, a scalar tensor (no host sync)."""

    @abstractmethod
    def evaluate(self, model: Model, split: Split, batch_size: int = 8192) -> dict[str, float]:
        """Metrics of ``model`` on the fixed ``split`` (forward passes of ``batch_size``
        events, no gradients); must contain ``"loss"``. Syncs with the host once."""

    def final_metrics(self, model: Model, split: Split,
                      batch_size: int = 8192) -> tuple[dict[str, float], Histograms]:
        """Expensive metrics of ``model`` on ``split``, computed once at the end of a run (the
        loop records them as ``<split>_<name>``): numbers, and histograms each
        ``{"edges": (n+1,), "counts": (n,)}``. None unless the task defines some."""
        return {}, {}

    def tensor(self, a: np.ndarray, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """``a`` as a contiguous tensor of ``dtype`` on the task's device."""
        return torch.as_tensor(np.ascontiguousarray(a), dtype=dtype, device=self.device)

    @torch.no_grad()
    def predict(self, model: Model, split: Split | Literal["train"],
                batch_size: int = 8192) -> torch.Tensor:
        """Model outputs on a whole split, ``(n, ...)`` (e.g. float32 ``(n, n_outputs)``), in
        eval mode and chunks of ``batch_size`` events; the model's train mode is restored."""
        x = self.inputs(split)
        parts = x if isinstance(x, tuple) else (x,)
        was_training = model.training
        model.eval()
        out = torch.cat([model(*(p[i:i + batch_size] for p in parts))
                         for i in range(0, parts[0].shape[0], batch_size)])
        model.train(was_training)
        return out


def peek_cache(read: Callable[[_K], _T]) -> Callable[[_K, Iterable[str | os.PathLike]], _T]:
    """Decorator caching ``read(key)`` (metadata read from data files) per file version.

    The decorated function is called as ``peek(key, files)``: the result is cached under
    ``key`` and the latest modification time of ``files``, so a rewritten file is read again.
    A file that cannot be read (not HDF5, truncated, missing arrays) raises a one-line
    :class:`UsageError` naming it.
    """
    cached = functools.cache(lambda key, mtime_ns: read(key))

    @functools.wraps(read)
    def peek(key: _K, files: Iterable[str | os.PathLike]) -> _T:
        files = list(files)
        try:
            return cached(key, max(os.stat(f).st_mtime_ns for f in files))
        except (OSError, KeyError, ValueError, IndexError) as exc:
            names = ", ".join(str(f) for f in files)
            raise UsageError(f"cannot read {names}: {exc} (give a dataset file that hepscaling "
                             "wrote, e.g. with 'hepscaling data')") from None

    return peek


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
