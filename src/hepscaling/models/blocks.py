"""Building blocks shared by the transformer families: attention blocks and particle tokens.

- :class:`Block`: the pre-norm transformer block (``transformer``, ``part``, ``jet_gpt``),
  bidirectional or causal (position ``i`` attends to ``j <= i`` only, for autoregressive
  models), with a key/value cache for token-by-token generation (:meth:`Block.forward_cached`);
- :class:`ClassAttentionBlock`: a class token attending to the particles (``part``'s readout);
- :func:`attend`: multi-head attention with an optional additive bias or causal mask: batched
  matmuls while training (faster than PyTorch's fused kernel on CPU), the fused kernel without
  gradients;
- :func:`type_one_hot`: the ``(k, n_types)`` one-hot table built from
  :attr:`~hepscaling.models.base.InputsSpec.particle_types`, with the check that there is one
  type id per particle;
- :func:`check_heads`: the one-line :class:`~hepscaling.errors.UsageError` for a width that
  does not split into the requested attention heads.

FLOP counting lives in :mod:`hepscaling.models.flops`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from hepscaling.errors import UsageError

__all__ = ["Block", "ClassAttentionBlock", "KVCache", "attend", "check_heads", "type_one_hot"]

#: keys and values of the tokens seen so far, each float ``(B, heads, t, width // heads)``
KVCache = tuple[torch.Tensor, torch.Tensor]


def attend(q: torch.Tensor, key: torch.Tensor, v: torch.Tensor,
           bias: torch.Tensor | None = None, *, causal: bool = False) -> torch.Tensor:
    """``softmax(q key^T / sqrt(d) + bias) v`` per head.

    Parameters
    ----------
    q : float ``(B, heads, t, d)``; ``key``, ``v``: ``(B, heads, s, d)``.
    bias : optional float ``(B, heads, t, s)`` or broadcastable to it, added to the logits
        (``-inf`` hides a key), or a bool mask (true: attend).
    causal : query ``i`` attends to keys ``j <= i`` only (``bias`` must be None).

    Returns float ``(B, heads, t, d)``. When autograd records (training), the attention runs as
    two batched matmuls and a softmax: on CPU PyTorch's fused kernel is slower there, most of
    all in bfloat16 and for short sequences, and cannot differentiate a mask at all (a learned
    bias sends it to an unfused path); see ``benchmarks/results/step_profile.md``. Without
    gradients (evaluation, sampling) the fused kernel runs.
    """
    if not (torch.is_grad_enabled() and any(
            t is not None and t.requires_grad for t in (q, key, v, bias))):
        return F.scaled_dot_product_attention(q, key, v, attn_mask=bias, is_causal=causal)
    batch, heads, t, d = q.shape
    s = key.shape[2]
    scaled_q = q.reshape(batch * heads, t, d) * d**-0.5
    key_t = key.reshape(batch * heads, s, d).transpose(1, 2)
    if bias is not None and bias.dtype != torch.bool:
        flat_bias = bias.expand(batch, heads, t, s).reshape(batch * heads, t, s)
        logits = torch.baddbmm(flat_bias, scaled_q, key_t)  # (B heads, t, s)
    else:
        logits = torch.bmm(scaled_q, key_t)
    if causal:
        future = torch.ones(t, s, dtype=torch.bool, device=q.device).triu(1)  # j > i
        logits = logits.masked_fill(future, float("-inf"))
    elif bias is not None and bias.dtype == torch.bool:
        hidden = ~bias.expand(batch, heads, t, s).reshape(batch * heads, t, s)
        logits = logits.masked_fill(hidden, float("-inf"))
    att = torch.bmm(torch.softmax(logits, dim=-1), v.reshape(batch * heads, s, d))
    return att.view(batch, heads, t, d)


class Block(nn.Module):
    """Pre-norm transformer block: ``x + Attn(LN(x))`` then ``x + MLP(LN(x))``.

    Parameters
    ----------
    width : channels per token.
    heads : attention heads (``width`` must be a multiple, see :func:`check_heads`).
    mlp_ratio : MLP hidden channels = ``mlp_ratio x width``.
    causal : if true, token ``i`` attends to tokens ``j <= i`` only.
    """

    def __init__(self, width: int, heads: int, mlp_ratio: int, *, causal: bool) -> None:
        super().__init__()
        self.heads, self.causal = heads, causal
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
        attention logits, e.g. ``-inf`` for padded keys plus an interaction bias; a causal
        block adds ``-inf`` above the diagonal to it.
        """
        batch, k, width = h.shape
        q, key, v = self._qkv(h)
        causal = self.causal and attn_mask is None
        if self.causal and attn_mask is not None:
            future = torch.ones(k, k, dtype=torch.bool, device=h.device).triu(1)  # j > i
            attn_mask = attn_mask.masked_fill(future, float("-inf"))
        att = attend(q, key, v, attn_mask, causal=causal)  # (B, heads, k, width // heads)
        h = h + self.out(att.transpose(1, 2).reshape(batch, k, width))
        return h + self.mlp(self.norm2(h))

    def _qkv(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Queries, keys, values of ``h`` ``(B, k, width)``, each ``(B, heads, k, w // heads)``."""
        batch, k, width = h.shape
        qkv = self.qkv(self.norm1(h)).view(batch, k, 3, self.heads, width // self.heads)
        q, key, v = qkv.permute(2, 0, 3, 1, 4)
        return q, key, v

    def forward_cached(self, h: torch.Tensor,
                       past: KVCache | None) -> tuple[torch.Tensor, KVCache]:
        """Causal block on new tokens ``h`` float ``(B, t, width)`` that follow the ``t0``
        tokens whose keys and values are ``past`` (None: ``t0 = 0``); new token ``i`` attends
        to the past and to new tokens ``j <= i``. Returns the new tokens' output
        ``(B, t, width)`` and the cache of all ``t0 + t`` tokens. Equals :meth:`forward` on
        the whole sequence, restricted to the new tokens."""
        batch, t, width = h.shape
        q, key, v = self._qkv(h)
        if past is not None:
            key, v = torch.cat([past[0], key], dim=2), torch.cat([past[1], v], dim=2)
        t0 = key.shape[2] - t
        mask = torch.ones(t, t0 + t, dtype=torch.bool, device=h.device).tril(t0)  # j <= t0 + i
        att = attend(q, key, v, mask)  # (B, heads, t, width // heads)
        h = h + self.out(att.transpose(1, 2).reshape(batch, t, width))
        return h + self.mlp(self.norm2(h)), (key, v)


class ClassAttentionBlock(nn.Module):
    """Class attention (CaiT, ParT): the class token attends to itself and the particles.

    ``cls + Attn(q = LN(cls), kv = LN([cls, h]))``, then ``cls + MLP(LN(cls))``; only the class
    token is updated.
    """

    def __init__(self, width: int, heads: int, mlp_ratio: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.q = nn.Linear(width, width)
        self.kv = nn.Linear(width, 2 * width)
        self.out = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(
            nn.Linear(width, mlp_ratio * width), nn.GELU(), nn.Linear(mlp_ratio * width, width)
        )

    def forward(self, cls: torch.Tensor, h: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """``cls``: float ``(B, 1, width)``; ``h``: ``(B, P, width)``; ``bias``: float
        ``(B, 1, 1, P + 1)`` (0, or ``-inf`` for padded keys) -> updated ``cls`` ``(B, 1, width)``.
        """
        batch, k, width = h.shape
        z = self.norm1(torch.cat([cls, h], dim=1))  # (B, P + 1, width)
        q = self.q(z[:, :1]).view(batch, 1, self.heads, width // self.heads).transpose(1, 2)
        kv = self.kv(z).view(batch, k + 1, 2, self.heads, width // self.heads)
        key, v = kv.permute(2, 0, 3, 1, 4)  # each (B, heads, P + 1, width // heads)
        att = attend(q, key, v, bias)  # (B, heads, 1, width // heads)
        cls = cls + self.out(att.transpose(1, 2).reshape(batch, 1, width))
        return cls + self.mlp(self.norm2(cls))


def type_one_hot(particle_types: Sequence[int], n_particles: int) -> torch.Tensor:
    """One-hot particle types, float32 ``(k, n_types)`` with ``n_types = max(types) + 1``.

    Parameters
    ----------
    particle_types : ``k`` non-negative integer type ids in process order.
    n_particles : the particle slots of the input; must equal ``k`` (one id per particle).
    """
    types = [int(t) for t in particle_types]
    if not types or min(types) < 0:
        raise UsageError(
            f"particle_types must be a non-empty list of non-negative ids, got {types}"
            " (use the ids the task puts in InputsSpec.particle_types)"
        )
    if len(types) != n_particles:
        raise UsageError(
            f"InputsSpec has {n_particles} particles but {len(types)} particle types"
            " (give one type id per particle)"
        )
    n_types = max(types) + 1
    return torch.tensor([[float(t == j) for j in range(n_types)] for t in types])


def check_heads(family: str, width: int, heads: int, multiple: int = 1) -> int:
    """Return the per-head width ``width // heads``; UsageError unless it is a positive multiple.

    ``multiple`` is the granularity a head needs (4 for LLoCa, whose heads carry four-vectors).
    """
    if heads < 1 or width % heads or (width // heads) % multiple or width // heads < multiple:
        raise UsageError(
            f"model {family}: width {width} does not split into {heads} heads of a positive "
            f"multiple of {multiple} channels (choose width = heads x {multiple} x n)"
        )
    return width // heads
