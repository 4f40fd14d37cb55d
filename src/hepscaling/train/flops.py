"""Compute accounting: analytic training FLOPs per sample and the resolved run length.

Convention (also in DESIGN.md): a model's forward pass costs ``model.forward_flops()`` per
sample (2 x multiply-accumulates of its matmuls); a training step costs
``TRAIN_FLOPS_FACTOR = 3`` forward passes (forward + backward with respect to activations and
weights). C = steps x batch x training FLOPs per sample.
"""

from __future__ import annotations

import math
from typing import Any

from hepscaling.models.base import build_model
from hepscaling.tasks.base import task_class
from hepscaling.train.config import RunConfig, TrainConfig, load_config

__all__ = ["TRAIN_FLOPS_FACTOR", "effective_batch_size", "resolve_steps",
           "training_flops_per_sample"]

TRAIN_FLOPS_FACTOR = 3.0


def training_flops_per_sample(config: RunConfig | dict[str, Any]) -> float:
    """Analytic training FLOPs (forward + backward) per sample of ``config``'s model.

    Works from the config alone: the model is built on the meta device (no memory, no data);
    only the dataset's metadata (particles per event) is read.
    """
    cfg = load_config(config)
    spec = task_class(cfg.task.kind).spec_from_config(cfg.task, cfg.loss)
    model = build_model(cfg.model, spec, device="meta")
    return TRAIN_FLOPS_FACTOR * model.forward_flops()


def effective_batch_size(train: TrainConfig, n_train: int) -> int:
    """Events per step: ``train.batch_size``, or all D events if D is smaller."""
    return min(train.batch_size, n_train)


def resolve_steps(train: TrainConfig, n_train: int, flops_per_sample: float) -> int:
    """Planned optimiser steps from exactly one of ``train.steps / epochs / flops``.

    ``epochs``: ``ceil(epochs x D / batch)``; ``flops``: ``floor(flops / (batch x
    flops_per_sample))``, at least 1.
    """
    batch = effective_batch_size(train, n_train)
    if train.steps is not None:
        return train.steps
    if train.epochs is not None:
        return max(1, math.ceil(train.epochs * n_train / batch))
    return max(1, math.floor(train.flops / (batch * flops_per_sample)))
