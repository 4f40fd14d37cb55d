"""FLOP accounting of the transformer families (forward FLOPs per sample).

- :func:`transformer_flops`: the analytic forward FLOPs of the pre-norm transformer backbone
  (:class:`~hepscaling.models.blocks.Block`) used by ``transformer``, ``part`` and ``lloca``
  (dense layers plus the two attention matmuls);
- :func:`counted_flops_per_sample`: forward FLOPs measured with
  :class:`torch.utils.flop_counter.FlopCounterMode` as the slope between batch sizes 1 and 2,
  so batch-independent work (L-GATr folds its equivariant weights once per call) is excluded.

FLOPs are ``2 x`` multiply-accumulates of matmul-like ops only; normalisations, softmax,
activations, residual additions and elementwise tensor algebra are not counted (they are not
matmuls, and ``FlopCounterMode`` does not count them either).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

__all__ = ["counted_flops_per_sample", "transformer_flops"]


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
