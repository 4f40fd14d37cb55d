"""The ``transformer`` family: a plain (not Lorentz-equivariant) transformer on particle tokens.

The baseline for the equivariant families ``lloca`` and ``lgatr``: the same pre-norm backbone as
the LLoCa transformer (:func:`~hepscaling.models.tokens.transformer_flops`), fed the momenta as
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

from hepscaling.errors import UsageError
from hepscaling.models.base import InputsSpec, Model, ModelConfig, register_model
from hepscaling.models.tokens import check_heads, transformer_flops, type_one_hot

__all__ = ["Transformer", "TransformerConfig"]


class TransformerConfig(ModelConfig):
    """``model:`` section of the ``transformer`` family (see the module docstring)."""

    family: Literal["transformer"] = "transformer"
    width: int = Field(64, ge=1)
    depth: int = Field(2, ge=0)
    heads: int = Field(4, ge=1)
    mlp_ratio: int = Field(2, ge=1)


class Block(nn.Module):
    """Pre-norm transformer block: ``x + Attn(LN(x))`` then ``x + MLP(LN(x))``."""

    def __init__(self, width: int, heads: int, mlp_ratio: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(
            nn.Linear(width, mlp_ratio * width), nn.GELU(), nn.Linear(mlp_ratio * width, width)
        )

    def forward(self, h: torch.Tensor, attn_mask: torch.Tensor | None = None) -> torch.Tensor:
        """``h``: float ``(B, k, width)`` -> ``(B, k, width)``.

        ``attn_mask``: optional float ``(B, heads, k, k)`` (or broadcastable to it) added to the
        attention logits, e.g. ``-inf`` for padded keys plus an interaction bias.
        """
        batch, k, width = h.shape
        qkv = self.qkv(self.norm1(h)).view(batch, k, 3, self.heads, width // self.heads)
        q, key, v = qkv.permute(2, 0, 3, 1, 4)  # each (B, heads, k, width // heads)
        att = nn.functional.scaled_dot_product_attention(
            q, key, v, attn_mask=attn_mask)  # (B, heads, k, width // heads)
        h = h + self.out(att.transpose(1, 2).reshape(batch, k, width))
        return h + self.mlp(self.norm2(h))


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
        self.cfg, self.spec = cfg, spec
        types = type_one_hot(spec.particle_types)  # (k, n_types)
        if types.shape[0] != spec.n_particles:
            raise UsageError(
                f"InputsSpec has {spec.n_particles} particles but {types.shape[0]} particle types"
                " (give one type id per particle)"
            )
        self.register_buffer("types", types, persistent=False)
        self.embed = nn.Linear(4 + types.shape[1], cfg.width)
        self.blocks = nn.ModuleList(
            Block(cfg.width, cfg.heads, cfg.mlp_ratio) for _ in range(cfg.depth)
        )
        self.norm = nn.LayerNorm(cfg.width)
        self.head = nn.Linear(cfg.width, spec.n_outputs)

    def forward(self, momenta: torch.Tensor) -> torch.Tensor:
        """``momenta``: float ``(B, k, 4)`` (E, px, py, pz) / scale -> float ``(B, n_outputs)``."""
        batch, k, _ = momenta.shape
        types = self.types.to(momenta.dtype).expand(batch, k, -1)  # (B, k, n_types)
        h = self.embed(torch.cat([momenta, types], dim=-1))  # (B, k, width)
        for block in self.blocks:
            h = block(h)
        return self.head(self.norm(h)).mean(dim=1)

    def forward_flops(self) -> float:
        """Analytic forward FLOPs per event, see :func:`.tokens.transformer_flops`."""
        return transformer_flops(
            self.spec.n_particles, self.embed.in_features, self.cfg.width, self.cfg.depth,
            self.cfg.mlp_ratio, self.spec.n_outputs,
        )
