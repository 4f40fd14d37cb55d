"""Multilayer perceptrons on invariant inputs: standard parametrisation and muP.

Families ``mlp`` (standard parametrisation, PyTorch default init) and ``mlp_mup``
(maximal-update parametrisation for Adam, Yang et al. 2022, "Tensor Programs V", Table 8,
implemented here instead of with the ``mup`` package):

- hidden ``width x width`` weights: default init (variance ~ 1/fan_in), Adam learning rate
  ``lr / m`` and weight decay ``wd * m`` (so the decoupled decay ``lr * wd`` per step is
  unchanged, as in ``mup.MuAdamW``), with ``m = width / base_width``;
- input layer, biases and readout: Adam learning rate ``lr``;
- readout: zero-initialised, its weight multiplied by ``1 / m`` in the forward pass.

At ``width == base_width`` the muP network equals the standard one except for the
zero-initialised readout. Size knob: ``width`` (N grows as ``depth x width^2``) and ``depth``.

FLOPs: forward = 2 x (number of weight-matrix entries) per sample; biases and activations are
not counted (they are O(width), not O(width^2)). A training step is counted as 3 x forward.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any, ClassVar, Literal

import torch
from pydantic import Field
from torch import nn
from torch.nn import functional as F

from hepscaling.models.base import InputsSpec, Model, ModelConfig, register_model

__all__ = ["MLP", "MLPConfig", "MuPMLP", "MuPMLPConfig"]

# leaky_relu: negative slope 0.1 (the discriminator-metric classifier of arXiv:2305.16774)
_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "gelu": nn.GELU, "relu": nn.ReLU, "silu": nn.SiLU, "tanh": nn.Tanh,
    "leaky_relu": functools.partial(nn.LeakyReLU, 0.1)}


class MLPConfig(ModelConfig):
    """``model:`` section of the ``mlp`` family (``dropout`` 0 is left out of the run id)."""

    QUIET_DEFAULTS: ClassVar[dict[str, Any]] = {"dropout": 0.0}

    family: Literal["mlp"] = "mlp"
    width: int = Field(128, gt=0, description="hidden units per layer")
    depth: int = Field(3, gt=0, description="number of hidden layers")
    activation: Literal["gelu", "relu", "silu", "tanh", "leaky_relu"] = "gelu"
    dropout: float = Field(0.0, ge=0, lt=1, description="dropout probability after each "
                                                        "hidden activation (training only)")


class MuPMLPConfig(MLPConfig):
    """``model:`` section of the ``mlp_mup`` family: the ``mlp`` fields plus ``base_width``."""

    # narrowing the family tag is how pydantic discriminates the two; mypy sees an override
    family: Literal["mlp_mup"] = "mlp_mup"  # type: ignore[assignment]
    base_width: int = Field(64, gt=0, description="width at which muP equals SP learning rates")


@register_model("mlp", MLPConfig)
class MLP(Model):
    """``depth`` hidden layers of ``width`` units, each followed by the activation and, when
    ``dropout > 0``, dropout (active in training mode only); ``(B, n_features) ->
    (B, n_outputs)``."""

    input_kind = "invariants"

    def __init__(self, cfg: MLPConfig, spec: InputsSpec) -> None:
        super().__init__()
        dims = [spec.need("n_features", cfg.family)] + [cfg.width] * cfg.depth
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(dims))
        self.readout = nn.Linear(cfg.width, spec.need("n_outputs", cfg.family))
        self.act = _ACTIVATIONS[cfg.activation]()
        self.dropout = nn.Dropout(cfg.dropout) if cfg.dropout > 0 else nn.Identity()
        self.readout_scale = 1.0

    def representation(self, inputs: torch.Tensor) -> torch.Tensor:
        """The last hidden layer's activations float32 ``(B, width)`` of ``inputs`` float32
        ``(B, n_features)``."""
        x = inputs
        for layer in self.hidden:
            x = self.dropout(self.act(layer(x)))  # (B, width)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: float32 ``(B, n_features)`` -> float32 ``(B, n_outputs)``."""
        features = self.representation(x)  # (B, width)
        return F.linear(features, self.readout.weight * self.readout_scale, self.readout.bias)

    def forward_flops(self) -> float:
        """``2 x`` weight-matrix entries (one multiply-accumulate each per sample)."""
        layers = [*self.hidden, self.readout]
        return 2.0 * sum(layer.in_features * layer.out_features for layer in layers)


@register_model("mlp_mup", MuPMLPConfig)
class MuPMLP(MLP):
    """The MLP in muP: zero readout scaled by ``base_width / width``, hidden lr ``/ m``."""

    def __init__(self, cfg: MuPMLPConfig, spec: InputsSpec) -> None:
        super().__init__(cfg, spec)
        self.width_mult = cfg.width / cfg.base_width
        self.readout_scale = 1.0 / self.width_mult
        nn.init.zeros_(self.readout.weight)
        nn.init.zeros_(self.readout.bias)

    def param_groups(self, lr: float, weight_decay: float) -> list[dict[str, Any]]:
        """Hidden matrices: ``lr / m``, ``wd * m``; input and readout matrices: ``lr``, ``wd``;
        biases: ``lr``, no decay."""
        hidden = [layer.weight for layer in self.hidden[1:]]
        matrices = [self.hidden[0].weight, self.readout.weight]
        biases = [layer.bias for layer in [*self.hidden, self.readout]]
        groups = [
            {"params": hidden, "lr": lr / self.width_mult,
             "weight_decay": weight_decay * self.width_mult},
            {"params": matrices, "lr": lr, "weight_decay": weight_decay},
            {"params": biases, "lr": lr, "weight_decay": 0.0},
        ]
        return [g for g in groups if g["params"]]
