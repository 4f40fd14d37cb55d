"""The numeric precision of training steps: float32, or bfloat16 autocast over float32 weights.

``train.precision`` (:class:`hepscaling.train.config.TrainConfig`):

- ``fp32`` (the default): everything in float32.
- ``bf16``: the model's forward pass runs under ``torch.autocast(device.type,
  dtype=torch.bfloat16)``, so matrix products (linear layers, attention) run in bfloat16 on
  the bfloat16 units of the device (AVX512-BF16 / AMX on CPUs, tensor cores on CUDA GPUs) and
  their gradients in the backward pass too; the weights ("master weights"), their gradients and
  the AdamW state stay float32, and the loss is computed in float32 from the upcast model
  output. bfloat16 has float32's exponent range, so no loss scaling is needed.
- ``auto``: the task's :attr:`~hepscaling.tasks.base.Task.auto_precision` (``bf16`` for
  classification and generation, ``fp32`` for amplitude regression, whose test MSEs of
  log |M|^2 fall below the floor bfloat16 steps reach) where the device has bfloat16 units
  (:func:`native_bf16`), else ``fp32`` (emulated bfloat16 is slower than float32).

Evaluation (validation curves, test metrics) always runs in float32: the precision changes how
a model is trained, never how it is measured. The precision a run trained at is recorded in
:attr:`hepscaling.records.RunRecord.precision`.
"""

from __future__ import annotations

from typing import Literal

import torch

from hepscaling.errors import UsageError
from hepscaling.tasks.base import Precision, Task

__all__ = ["PrecisionSetting", "autocast", "native_bf16", "resolve_precision"]

#: the values of ``train.precision``
PrecisionSetting = Literal["fp32", "bf16", "auto"]


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` multiplies bfloat16 matrices in hardware: a CUDA GPU that supports
    bfloat16 (Ampere and later), a CPU with AVX512-BF16 or AMX tiles."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # torch >= 2.3 names
    return any(getattr(torch.cpu, probe, lambda: False)() for probe in probes)


def resolve_precision(setting: PrecisionSetting, task: type[Task],
                      device: torch.device) -> Precision:
    """The precision of a run on ``device``: ``setting``, or for ``"auto"`` the ``task``'s
    :attr:`~hepscaling.tasks.base.Task.auto_precision` where ``device`` has bfloat16 units
    (:func:`native_bf16`), else ``"fp32"``.

    >>> from hepscaling.tasks.base import task_class
    >>> cpu = torch.device("cpu")
    >>> resolve_precision("auto", task_class("amplitude_regression"), cpu)
    'fp32'
    >>> resolve_precision("bf16", task_class("amplitude_regression"), cpu)
    'bf16'
    """
    if setting != "auto":
        return setting
    return task.auto_precision if native_bf16(device) else "fp32"


def autocast(device: torch.device, precision: Precision) -> torch.autocast:
    """The autocast context of a training forward pass on ``device`` (its type, ``"cpu"`` or
    ``"cuda"``, selects torch's autocast backend): bfloat16 for ``"bf16"``, disabled (plain
    float32) for ``"fp32"``.

    Raises :class:`UsageError` for ``"bf16"`` on a CUDA GPU without bfloat16 (before Ampere).
    """
    if precision == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise UsageError("train.precision bf16: this GPU has no bfloat16 arithmetic; set "
                         "train.precision=fp32 (or auto, which then trains in float32)")
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
