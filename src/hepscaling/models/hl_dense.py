"""The ``hl_dense`` family: a dense residual network on high-level jet observables.

The high-level baseline of the jet-tagging scaling study: a fixed vector of engineered jet
observables (mass, soft-drop mass, N-subjettiness ratios, pT, multiplicity, ... as chosen by
the ``jet_tagging`` task) goes through an input layer, ``depth`` pre-norm residual MLP blocks
``x + W2 GELU(W1 LN(x))`` (hidden ``mlp_ratio x width``) and a final LayerNorm and linear map
to the class logits. The residual form keeps deep and wide nets trainable, so the size knob
can span several decades of N.

Input (``input_kind = "high_level"``): float32 ``(B, spec.n_features)`` standardised
observables. Output: float32 ``(B, spec.n_outputs)`` logits.

Config (``model:`` section)::

    family: hl_dense
    width: 64        # residual-stream channels (the size knob; N ~ 2 mlp_ratio depth width^2)
    depth: 2         # residual blocks
    mlp_ratio: 2     # hidden channels per block = mlp_ratio x width

Sizes (2 classes): width 16 / depth 1 has about 1.5e3 parameters, width 128 / depth 4 about
2.6e5.

FLOPs: ``2 x`` weight-matrix entries per sample (biases, norms and activations not counted).
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field
from torch import nn

from hepscaling.models.base import InputsSpec, Model, ModelConfig, register_model

__all__ = ["HighLevelDense", "HighLevelDenseConfig"]


class HighLevelDenseConfig(ModelConfig):
    """``model:`` section of the ``hl_dense`` family (see the module docstring)."""

    family: Literal["hl_dense"] = "hl_dense"
    width: int = Field(64, ge=1, description="residual-stream channels")
    depth: int = Field(2, ge=0, description="residual MLP blocks")
    mlp_ratio: int = Field(2, ge=1, description="hidden channels per block / width")


class _ResidualMLP(nn.Module):
    """``x + W2 GELU(W1 LN(x))`` on float ``(B, width)``."""

    def __init__(self, width: int, mlp_ratio: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, mlp_ratio * width), nn.GELU(),
                                 nn.Linear(mlp_ratio * width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mlp(self.norm(x))


@register_model("hl_dense", HighLevelDenseConfig)
class HighLevelDense(Model):
    """Residual MLP: observables ``(B, n_features)`` -> logits ``(B, n_outputs)``."""

    input_kind = "high_level"

    def __init__(self, cfg: HighLevelDenseConfig, spec: InputsSpec) -> None:
        super().__init__()
        self.cfg = cfg
        self.n_features = spec.need("n_features", cfg.family)
        self.n_outputs = spec.need("n_outputs", cfg.family)
        self.embed = nn.Linear(self.n_features, cfg.width)
        self.blocks = nn.Sequential(*(_ResidualMLP(cfg.width, cfg.mlp_ratio)
                                      for _ in range(cfg.depth)))
        self.norm = nn.LayerNorm(cfg.width)
        self.head = nn.Linear(cfg.width, self.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: float ``(B, n_features)`` -> float ``(B, n_outputs)``."""
        return self.head(self.norm(self.blocks(self.embed(x))))

    def forward_flops(self) -> float:
        """``2 x`` weight-matrix entries (one multiply-accumulate each per sample)."""
        w, c = self.cfg.width, self.cfg
        weights = self.n_features * w + c.depth * 2 * c.mlp_ratio * w * w
        return 2.0 * (weights + w * self.n_outputs)
