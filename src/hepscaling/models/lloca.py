"""The ``lloca`` family: a Lorentz-equivariant transformer by Lorentz Local Canonicalization.

Built from the PyPI package ``lloca`` (Spinner et al., arXiv:2505.20280, 2508.14898), as in its
amplitude experiments:

1. Frames-Net (:class:`lloca.LearnedPDFrames` on :class:`lloca.MLPVectors`): a small equivariant
   edge network predicts three four-vectors per particle from the momenta and the one-hot types;
   a polar decomposition turns them into a local frame ``L_i`` (a Lorentz transformation).
2. Canonicalisation: each particle's momentum is expressed in its own frame, ``L_i p_i``, which
   is Lorentz invariant; tokens are ``[L_i p_i, one_hot(type_i)]``.
3. Backbone (:class:`lloca.backbone.Transformer`): the pre-norm transformer of the ``transformer``
   family, whose attention moves queries, keys and values between the particles' frames
   (tensorial message passing: each head carries ``n_s`` scalars and ``n_v`` four-vectors).
   ``preserve_variance`` rescales by the Lorentz factor of the event momentum in each frame.

The per-token outputs are scalars; their mean over particles is the prediction, so the network
is exactly invariant under proper orthochronous Lorentz transformations of all momenta (up to
rounding). No Lorentz-breaking reference vectors (beam, time) are added: amplitudes are Lorentz
invariant. Massless momenta are used as they are (no ``mass_reg``, which would break exactness).

Config (``model:`` section)::

    family: lloca
    width: 64          # backbone channels per token (the size knob; N ~ 8 depth width^2)
    depth: 2           # transformer blocks
    heads: 4           # width / heads must be a multiple of 4
    mlp_ratio: 2       # backbone MLP hidden channels = mlp_ratio x width
    frames_width: 32   # hidden channels of the Frames-Net edge MLP
    frames_layers: 2   # hidden layers of the Frames-Net edge MLP

Each head of ``d = width / heads`` channels carries ``n_v = max(1, d // 8)`` four-vectors and
``d - 4 n_v`` scalars (the LLoCa default ``8x0n+2x1n`` for ``d = 16``).
"""

from __future__ import annotations

from functools import partial
from typing import Literal

import torch
from lloca import LearnedPDFrames, MLPVectors, TensorReps, TensorRepsTransform
from lloca.backbone import Transformer as LLoCaBackbone
from pydantic import Field

from hepscaling.errors import UsageError
from hepscaling.models.base import InputsSpec, Model, ModelConfig, register_model
from hepscaling.models.blocks import check_heads, type_one_hot
from hepscaling.models.flops import transformer_flops

__all__ = ["LLoCaConfig", "LLoCaTransformer", "head_reps"]


class LLoCaConfig(ModelConfig):
    """``model:`` section of the ``lloca`` family (see the module docstring)."""

    family: Literal["lloca"] = "lloca"
    width: int = Field(64, ge=4)
    depth: int = Field(2, ge=0)
    heads: int = Field(4, ge=1)
    mlp_ratio: int = Field(2, ge=1)
    frames_width: int = Field(32, ge=1)
    frames_layers: int = Field(2, ge=1)


def head_reps(head_width: int) -> str:
    """LLoCa representation string of one attention head of ``head_width`` (multiple of 4).

    >>> head_reps(16)
    '8x0n+2x1n'
    >>> head_reps(4)
    '1x1n'
    """
    n_vectors = max(1, head_width // 8)
    n_scalars = head_width - 4 * n_vectors
    return f"{n_scalars}x0n+{n_vectors}x1n" if n_scalars else f"{n_vectors}x1n"


@register_model("lloca", LLoCaConfig)
class LLoCaTransformer(Model):
    """LLoCa transformer: momenta ``(B, k, 4)`` -> ``(B, n_outputs)``, Lorentz invariant.

    Parameters
    ----------
    cfg : the ``model:`` section.
    spec : input shapes; ``spec.particle_types`` (``k`` ids) sets the one-hot type channels.

    The Frames-Net standardises its edge features (``log m_ij^2``) with the mean and standard
    deviation of the first batch it sees; they are buffers, saved with the checkpoint.
    """

    input_kind = "momenta"

    def __init__(self, cfg: LLoCaConfig, spec: InputsSpec) -> None:
        super().__init__()
        head_width = check_heads("lloca", cfg.width, cfg.heads, multiple=4)
        self.cfg = cfg
        self.n_particles = spec.need("n_particles", cfg.family)
        self.n_outputs = spec.need("n_outputs", cfg.family)
        if self.n_particles < 2:
            raise UsageError(f"lloca needs at least 2 particles, got {self.n_particles} (its "
                             "frames come from particle pairs); use family transformer")
        types = type_one_hot(spec.need("particle_types", cfg.family),
                             self.n_particles)  # (k, n_types)
        n_types = types.shape[1]
        self.register_buffer("types", types, persistent=False)
        self.register_buffer("frames_standardized", torch.tensor(False))
        self._standardized_seen = False
        # lloca reads flags with .item() while building, which meta tensors cannot do: build
        # on the CPU and move the finished modules to the meta device afterwards
        ambient = torch.empty(0).device
        with torch.device("cpu" if ambient.type == "meta" else ambient):
            self.framesnet = LearnedPDFrames(
                partial(MLPVectors, num_scalars=n_types, hidden_channels=cfg.frames_width,
                        num_layers_mlp=cfg.frames_layers),
            )
            self.to_local = TensorRepsTransform(TensorReps("1x1n"))
            self.backbone = LLoCaBackbone(
                in_channels=4 + n_types, attn_reps=head_reps(head_width),
                out_channels=self.n_outputs, num_blocks=cfg.depth, num_heads=cfg.heads,
                mlp_factor=cfg.mlp_ratio,
            )
        self.to(ambient)

    def forward(self, momenta: torch.Tensor) -> torch.Tensor:
        """``momenta``: float ``(B, k, 4)`` (E, px, py, pz) / scale -> float ``(B, n_outputs)``."""
        batch, k, _ = momenta.shape
        if not self._standardized_seen:  # read the buffer once, not a device sync per step
            if not self.frames_standardized:
                with torch.no_grad():
                    self.framesnet.equivectors.init_standardization(momenta)
                self.frames_standardized.fill_(True)
            self._standardized_seen = True
        types = self.types.to(momenta.dtype).expand(batch, k, -1)  # (B, k, n_types)
        frames = self.framesnet(momenta, scalars=types)  # Frames, matrices (B, k, 4, 4)
        local = self.to_local(momenta, frames)  # (B, k, 4), invariant
        tokens = torch.cat([local, types], dim=-1)  # (B, k, 4 + n_types)
        out = self.backbone(tokens, frames, p_ref=momenta.sum(dim=1))  # (B, k, n_outputs)
        return out.mean(dim=1)

    def forward_flops(self) -> float:
        """Analytic forward FLOPs per event: backbone, Frames-Net edge MLP and frame products.

        The edge MLP runs on the ``k (k - 1)`` ordered particle pairs with inputs
        ``2 n_types + 1`` (both types and the standardised ``log m_ij^2``) and 3 output vectors.
        Per particle the frame construction multiplies two 4x4 matrices (128 FLOPs) and boosts
        two reference vectors (64), and the variance-preserving Lorentz factor is one 4x4
        matrix-vector product (32). The elementwise frame-to-frame transformations of queries,
        keys and values are not matmuls and are not counted.
        """
        k, n_types, h = self.n_particles, self.types.shape[1], self.cfg.frames_width
        edge_mlp = 2 * ((2 * n_types + 1) * h + (self.cfg.frames_layers - 1) * h * h + h * 3)
        backbone = transformer_flops(
            k, 4 + n_types, self.cfg.width, self.cfg.depth, self.cfg.mlp_ratio,
            self.n_outputs,
        )
        return backbone + k * (k - 1) * edge_mlp + k * (128 + 64 + 32)
