"""The ``transformer`` family: a plain (not Lorentz-equivariant) transformer on particle tokens.

The baseline for the equivariant families ``lloca`` and ``lgatr``: the same pre-norm backbone as
the LLoCa transformer (:func:`~hepscaling.models.flops.transformer_flops`), fed the momenta as
they come, so it has to learn Lorentz invariance from the data.

Each of the ``k`` particles is a token ``[E, px, py, pz, one_hot(type)]`` (momenta divided by the
task's scale, see :mod:`hepscaling.models.base`). ``depth`` blocks of multi-head self-attention
and a GELU MLP (each ``x + f(LayerNorm(x))``) act on the tokens; a final LayerNorm and linear
map give ``n_outputs`` numbers per token, averaged over the tokens.

Config (``model:`` section)::

    family: transformer
    width: 64        # channels per token (the size knob; N ~ 8 depth width^2)
    depth: 2         # transformer blocks
    heads: 4         # attention heads (width must be a multiple)
    mlp_ratio: 2     # MLP hidden channels = mlp_ratio x width
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field
from torch import nn

from hepscaling.models.base import InputsSpec, Model, ModelConfig, register_model
from hepscaling.models.blocks import Block, check_heads, type_one_hot
from hepscaling.models.flops import transformer_flops

__all__ = ["Transformer", "TransformerConfig"]


class TransformerConfig(ModelConfig):
    """``model:`` section of the ``transformer`` family (see the module docstring)."""

    family: Literal["transformer"] = "transformer"
    width: int = Field(64, ge=1)
    depth: int = Field(2, ge=0)
    heads: int = Field(4, ge=1)
    mlp_ratio: int = Field(2, ge=1)


@register_model("transformer", TransformerConfig)
class Transformer(Model):
    """Plain transformer: momenta ``(B, k, 4)`` -> ``(B, n_outputs)``, mean over particle tokens.

    Parameters
    ----------
    cfg : the ``model:`` section.
    spec : input shapes; ``spec.particle_types`` (``k`` ids) sets the one-hot type channels.
    """

    input_kind = "momenta"

    def __init__(self, cfg: TransformerConfig, spec: InputsSpec) -> None:
        super().__init__()
        check_heads("transformer", cfg.width, cfg.heads)
        self.cfg = cfg
        self.n_particles = spec.need("n_particles", cfg.family)
        self.n_outputs = spec.need("n_outputs", cfg.family)
        types = type_one_hot(spec.need("particle_types", cfg.family),
                             self.n_particles)  # (k, n_types)
        self.register_buffer("types", types, persistent=False)
        self.embed = nn.Linear(4 + types.shape[1], cfg.width)
        self.blocks = nn.ModuleList(
            Block(cfg.width, cfg.heads, cfg.mlp_ratio, causal=False) for _ in range(cfg.depth)
        )
        self.norm = nn.LayerNorm(cfg.width)
        self.head = nn.Linear(cfg.width, self.n_outputs)

    def forward(self, momenta: torch.Tensor) -> torch.Tensor:
        """``momenta``: float ``(B, k, 4)`` (E, px, py, pz) / scale -> float ``(B, n_outputs)``."""
        batch, k, _ = momenta.shape
        types = self.types.to(momenta.dtype).expand(batch, k, -1)  # (B, k, n_types)
        h = self.embed(torch.cat([momenta, types], dim=-1))  # (B, k, width)
        for block in self.blocks:
            h = block(h)
        return self.head(self.norm(h)).mean(dim=1)

    def forward_flops(self) -> float:
        """Analytic forward FLOPs per event, see :func:`.flops.transformer_flops`."""
        return transformer_flops(
            self.n_particles, self.embed.in_features, self.cfg.width, self.cfg.depth,
            self.cfg.mlp_ratio, self.n_outputs,
        )
