"""The ``part`` family: a Particle-Transformer-style tagger on jet constituents.

After Qu, Li, Qian, "Particle Transformer for Jet Tagging" (arXiv:2202.03772): each
constituent is a token; self-attention between the constituents gets a per-head bias computed
from the pairwise interaction features of their four-momenta,

    U_ij = (ln Delta, ln k_T, ln z, ln m^2),
    Delta = sqrt((y_i - y_j)^2 + (phi_i - phi_j)^2),  k_T = min(pT_i, pT_j) Delta,
    z = min(pT_i, pT_j) / (pT_i + pT_j),  m^2 = (p_i + p_j)^2,

(rapidity ``y``, GeV; :func:`pair_features`), mapped to ``heads`` numbers by a pointwise MLP
evaluated once per unordered pair (``U_ij = U_ji``, as in ParT).
A readout of class-attention blocks (a learned class token attends to the constituents, as in
ParT and CaiT) or a masked mean over the constituents gives the class logits. There is no
positional encoding, so the output is invariant under permutations of the constituents, and
padded slots are masked as attention keys and in the readout, so extra padding does not change
the output.

Input (``input_kind = "constituents"``, built by the ``jet_tagging`` task): float32
``(B, P, 5 + F)`` with channel 0 the mask (1 real, 0 padding), channels 1-4 the four-momentum
``(E, px, py, pz)`` in GeV and channels ``5:`` the ``F = spec.n_particle_features``
standardised per-particle features. Output: float32 ``(B, spec.n_outputs)`` class logits.

Config (``model:`` section)::

    family: part
    width: 64                  # channels per token (the size knob; N ~ (4 + 2 mlp_ratio)
                               #   (depth + class_depth) width^2)
    depth: 2                   # particle-attention blocks (ParT: 8)
    heads: 4                   # attention heads (width must be a multiple; ParT: 8)
    mlp_ratio: 2               # MLP hidden channels = mlp_ratio x width (ParT: 4)
    readout: class_attention   # class_attention | mean
    class_depth: 1             # class-attention blocks (readout class_attention; ParT: 2)
    interaction: true          # add the U_ij attention bias (false: a plain transformer)
    pair_width: 32             # hidden channels of the pair-feature MLP (ParT: 64)

Sizes (F = 13, 5 classes): width 16 / depth 1 / heads 2 has 5.3e3 parameters, width 64 /
depth 2 1.1e5, width 192 / depth 6 / heads 8 2.1e6 (forward 2.2e6 to 2.6e8 FLOPs at P = 64).
Memory: the pair MLP holds about ``B x P^2 / 2 x (2 pair_width + heads)`` activations per step
(0.3 GB for B = 128, P = 64, pair_width = 32, float32); lower ``max_particles`` of the task or
the batch size on small machines.

FLOPs (:meth:`ParticleTransformer.forward_flops`): ``2 x`` multiply-accumulates of the
matmuls per jet, counting all ``P`` slots (padding costs compute as well); the elementwise
pair-feature kinematics, norms and softmax are not counted (as in ``FlopCounterMode``).
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field
from torch import nn
from torch.nn import functional as F

from hepscaling.models.base import InputsSpec, Model, ModelConfig, register_model
from hepscaling.models.blocks import Block, ClassAttentionBlock, check_heads
from hepscaling.models.flops import transformer_flops

__all__ = ["N_PAIR_FEATURES", "ParticleTransformer", "ParticleTransformerConfig",
           "pair_features"]

N_PAIR_FEATURES = 4
EPS = 1e-8  # floor of Delta, k_T, z and m^2 before the logarithm (as in ParT)


class ParticleTransformerConfig(ModelConfig):
    """``model:`` section of the ``part`` family (see the module docstring)."""

    family: Literal["part"] = "part"
    width: int = Field(64, ge=1, description="channels per token")
    depth: int = Field(2, ge=0, description="particle-attention blocks")
    heads: int = Field(4, ge=1, description="attention heads")
    mlp_ratio: int = Field(2, ge=1, description="MLP hidden channels / width")
    readout: Literal["class_attention", "mean"] = "class_attention"
    class_depth: int = Field(1, ge=1, description="class-attention blocks")
    interaction: bool = Field(True, description="pairwise U_ij attention bias")
    pair_width: int = Field(32, ge=1, description="hidden channels of the pair MLP")


def pair_features(p4: torch.Tensor) -> torch.Tensor:
    """ParT's pairwise interaction features ``U_ij = (ln Delta, ln k_T, ln z, ln m^2)``.

    Parameters
    ----------
    p4 : float ``(B, P, 4)``, ``(E, px, py, pz)`` in GeV (padding: zeros).

    Returns
    -------
    float ``(B, P, P, 4)`` in the dtype of ``p4``; ``k_T`` in GeV, ``m^2`` in GeV^2. Each
    quantity is floored at ``EPS`` before the log, so padded slots give finite values. The pair
    mass uses the cancellation-free form ``m^2 = m_i^2 + m_j^2 + 2 (mT_i mT_j cosh dy -
    pT_i pT_j cos dphi)`` with ``cosh dy - cos dphi = 2 sinh^2(dy/2) + 2 sin^2(dphi/2)``.
    """
    p = p4.double()  # per-particle kinematics in float64: cheap, and masses survive
    e, px, py, pz = p.unbind(-1)
    pt = torch.hypot(px, py)
    m2 = (e * e - px * px - py * py - pz * pz).clamp(min=0.0)
    mt = torch.sqrt(pt * pt + m2)
    y = 0.5 * torch.log((e + pz).clamp(min=EPS) / (e - pz).clamp(min=EPS))
    phi = torch.atan2(py, px)
    pt, m2, mt, y, phi = (v.to(p4.dtype) for v in (pt, m2, mt, y, phi))

    dy = y[:, :, None] - y[:, None, :]  # (B, P, P)
    dphi = torch.remainder(phi[:, :, None] - phi[:, None, :] + torch.pi, 2 * torch.pi) - torch.pi
    delta = torch.sqrt(dy * dy + dphi * dphi)
    pt_i, pt_j = pt[:, :, None], pt[:, None, :]
    pt_min = torch.minimum(pt_i, pt_j)
    # mT_i mT_j - pT_i pT_j without cancellation (>= 0, zero for massless particles)
    m2_i, m2_j = m2[:, :, None], m2[:, None, :]
    mt_i, mt_j = mt[:, :, None], mt[:, None, :]
    excess = (m2_i * pt_j**2 + m2_j * pt_i**2 + m2_i * m2_j) / (mt_i * mt_j + pt_i * pt_j).clamp(
        min=EPS)
    angular = 2 * torch.sinh(dy / 2) ** 2 + 2 * torch.sin(dphi / 2) ** 2
    pair_m2 = m2_i + m2_j + 2 * (pt_i * pt_j * angular + excess * torch.cosh(dy))
    features = (delta, pt_min * delta, pt_min / (pt_i + pt_j).clamp(min=EPS), pair_m2)
    return torch.stack([torch.log(v.clamp(min=EPS)) for v in features], dim=-1)


@register_model("part", ParticleTransformerConfig)
class ParticleTransformer(Model):
    """ParT-style tagger: constituents ``(B, P, 5 + F)`` -> class logits ``(B, n_outputs)``.

    Parameters
    ----------
    cfg : the ``model:`` section.
    spec : input shapes; needs ``n_particles`` (P slots) and ``n_particle_features`` (F), as
        set by the ``jet_tagging`` task.
    """

    input_kind = "constituents"

    def __init__(self, cfg: ParticleTransformerConfig, spec: InputsSpec) -> None:
        super().__init__()
        n_features = spec.need("n_particle_features", cfg.family)
        self.n_particles = spec.need("n_particles", cfg.family)
        self.n_outputs = spec.need("n_outputs", cfg.family)
        check_heads("part", cfg.width, cfg.heads)
        self.cfg, self.n_features = cfg, n_features
        w = cfg.width
        self.embed = nn.Sequential(nn.LayerNorm(n_features), nn.Linear(n_features, w),
                                   nn.GELU(), nn.Linear(w, w))
        self.pair_embed = nn.Sequential(
            nn.Linear(N_PAIR_FEATURES, cfg.pair_width), nn.GELU(),
            nn.Linear(cfg.pair_width, cfg.heads)) if cfg.interaction else None
        self.blocks = nn.ModuleList(Block(w, cfg.heads, cfg.mlp_ratio, causal=False)
                                    for _ in range(cfg.depth))
        if cfg.readout == "class_attention":
            self.cls = nn.Parameter(torch.zeros(1, 1, w))
            nn.init.trunc_normal_(self.cls, std=0.02)
            self.class_blocks = nn.ModuleList(ClassAttentionBlock(w, cfg.heads, cfg.mlp_ratio)
                                              for _ in range(cfg.class_depth))
        self.norm = nn.LayerNorm(w)
        self.head = nn.Linear(w, self.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: float ``(B, P, 5 + F)`` (mask, E, px, py, pz in GeV, features) -> float
        ``(B, n_outputs)`` logits."""
        mask = x[..., 0] > 0.5  # (B, P)
        batch, k = mask.shape
        h = self.embed(x[..., 5:])  # (B, P, width)
        key_bias = torch.zeros(batch, 1, 1, k, dtype=x.dtype, device=x.device)
        key_bias = key_bias.masked_fill(~mask[:, None, None, :], float("-inf"))
        bias = key_bias.expand(batch, self.cfg.heads, k, k)
        if self.pair_embed is not None:  # U_ij = U_ji: embed the pairs i <= j only
            i, j = torch.triu_indices(k, k, device=x.device)  # (n_pairs,) each
            slot = torch.empty(k, k, dtype=torch.long, device=x.device)
            slot[i, j] = slot[j, i] = torch.arange(i.numel(), device=x.device)
            u = self.pair_embed(pair_features(x[..., 1:5])[:, i, j])  # (B, n_pairs, heads)
            bias = bias + u[:, slot].permute(0, 3, 1, 2)  # (B, heads, P, P)
        for block in self.blocks:
            h = block(h, attn_mask=bias)
        if self.cfg.readout == "mean":
            weights = mask.to(h.dtype)[..., None]  # (B, P, 1)
            pooled = (h * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        else:
            cls_bias = F.pad(key_bias, (1, 0))  # the class token itself is always a key
            cls = self.cls.repeat(batch, 1, 1)  # a copy, not a view (FlopCounterMode)
            for block in self.class_blocks:
                cls = block(cls, h, cls_bias)
            pooled = cls[:, 0]
        return self.head(self.norm(pooled))

    def forward_flops(self) -> float:
        """Analytic forward FLOPs per jet (see the module docstring)."""
        c, p, w = self.cfg, self.n_particles, self.cfg.width
        flops = 2.0 * p * (self.n_features * w + w * w)  # particle embedding
        flops += transformer_flops(p, 0, w, c.depth, c.mlp_ratio, 0)  # particle blocks
        if c.interaction:  # the pair MLP on the P (P + 1) / 2 pairs i <= j
            n_pairs = p * (p + 1) // 2
            flops += 2.0 * n_pairs * (N_PAIR_FEATURES * c.pair_width + c.pair_width * c.heads)
        if c.readout == "class_attention":
            per_block = (p + 1) * 2 * w * w + (2 + 2 * c.mlp_ratio) * w * w + 2 * (p + 1) * w
            flops += 2.0 * c.class_depth * per_block
        return flops + 2.0 * w * self.n_outputs
