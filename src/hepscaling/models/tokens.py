"""Particle tokens and FLOP accounting shared by the transformer families on momenta.

The ``transformer``, ``lloca`` and ``lgatr`` families all see an event as ``k`` tokens, one per
particle in process order, with the four-momentum ``(E, px, py, pz)`` (divided by the task's
scale) and a one-hot particle type. This module owns

- :func:`type_one_hot`: the ``(k, n_types)`` one-hot table built from
  :attr:`~hepscaling.models.base.InputsSpec.particle_types`;
- :func:`check_heads`: the one-line :class:`~hepscaling.errors.UsageError` for a width that
  does not split into the requested attention heads;
- :func:`transformer_flops`: the analytic forward FLOPs of the pre-norm transformer backbone
  used by ``transformer`` and ``lloca`` (dense layers plus the two attention matmuls);
- :func:`counted_flops_per_sample`: forward FLOPs measured with
  :class:`torch.utils.flop_counter.FlopCounterMode` as the slope between batch sizes 1 and 2,
  so batch-independent work (L-GATr folds its equivariant weights once per call) is excluded.

FLOPs are ``2 x`` multiply-accumulates of matmul-like ops only; normalisations, softmax,
activations, residual additions and elementwise tensor algebra are not counted (they are not
matmuls, and ``FlopCounterMode`` does not count them either).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from hepscaling.errors import UsageError

__all__ = ["check_heads", "counted_flops_per_sample", "transformer_flops", "type_one_hot"]


def type_one_hot(particle_types: Sequence[int]) -> torch.Tensor:
    """One-hot particle types, float32 ``(k, n_types)`` with ``n_types = max(types) + 1``.

    Parameters
    ----------
    particle_types : ``k`` non-negative integer type ids in process order.
    """
    types = [int(t) for t in particle_types]
    if not types or min(types) < 0:
        raise UsageError(
            f"particle_types must be a non-empty list of non-negative ids, got {types}"
            " (use the ids the task puts in InputsSpec.particle_types)"
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


def transformer_flops(n_tokens: int, d_in: int, width: int, depth: int, mlp_ratio: int,
                      n_out: int) -> float:
    """Forward FLOPs per event of the pre-norm transformer backbone on ``n_tokens`` tokens.

    Per token: input projection ``d_in -> width``; per block the ``q, k, v`` projections
    ``width -> 3 width``, attention output ``width -> width``, MLP
    ``width -> mlp_ratio width -> width``; output projection ``width -> n_out``. Per block the
    attention matmuls ``Q K^T`` and ``A V`` cost ``2 n_tokens^2 width`` each (summed over heads).

    Returns
    -------
    FLOPs per event (``2 x`` multiply-accumulates; biases, norms and softmax excluded).
    """
    per_token = d_in * width + width * n_out
    per_token += depth * (4 * width * width + 2 * mlp_ratio * width * width)
    attention = depth * 2 * n_tokens * n_tokens * width
    return float(2 * (n_tokens * per_token + attention))


def counted_flops_per_sample(forward: Callable[[int], object]) -> float:
    """Matmul FLOPs per event counted by ``FlopCounterMode``: ``count(B=2) - count(B=1)``.

    Parameters
    ----------
    forward : runs the model on a batch of the given number of events (any valid inputs; the
        count depends on shapes only). Called twice, under ``torch.no_grad`` and with the math
        attention kernel, which ``FlopCounterMode`` can see (the fused CPU kernel it cannot).
    """
    counts = []
    for batch in (1, 2):
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), counter:
            forward(batch)
        counts.append(counter.get_total_flops())
    return float(counts[1] - counts[0])
