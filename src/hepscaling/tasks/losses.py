"""The training losses of every task: MSE and the heteroscedastic Gaussian NLL (regression on
standardised targets), the cross-entropy of class logits (classification), the binary
cross-entropy of one logit (two-sample classifiers) and the next-token cross-entropy of token
sequences (generation), and the weighted mean of per-event losses that event generators
compute themselves (:func:`weighted_mean`).

One place for losses: tasks import them from here; the training loop only calls
:meth:`hepscaling.tasks.base.Task.loss`.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

__all__ = ["binary_cross_entropy", "cross_entropy", "heteroscedastic_nll", "mse",
           "token_cross_entropy", "weighted_mean"]


def mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error; ``pred``, ``target``: float ``(B,)`` -> scalar."""
    return torch.mean((pred - target) ** 2)


def heteroscedastic_nll(mean: torch.Tensor, log_sigma: torch.Tensor,
                        target: torch.Tensor) -> torch.Tensor:
    """Gaussian negative log-likelihood without its constant,
    ``<(y - mu)^2 / (2 sigma^2) + log sigma>``.

    ``mean``, ``log_sigma``, ``target``: float ``(B,)`` -> scalar. The network predicts
    ``log sigma`` so that ``sigma > 0`` without a constraint.
    """
    return torch.mean(0.5 * (target - mean) ** 2 * torch.exp(-2.0 * log_sigma) + log_sigma)


def cross_entropy(logits: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy ``<-log softmax(logits)[label]>``; ``logits``: float ``(B, K)``,
    ``label``: int64 ``(B,)`` in ``[0, K)`` -> scalar."""
    return F.cross_entropy(logits, label)


def binary_cross_entropy(logit: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy ``<-y log sigmoid(z) - (1 - y) log sigmoid(-z)>`` of logits
    ``z`` float ``(B,)`` against labels ``y`` float ``(B,)`` in ``{0, 1}`` -> scalar (nats)."""
    return F.binary_cross_entropy_with_logits(logit, label)


def token_cross_entropy(logits: torch.Tensor, target: torch.Tensor, ignore: int) -> torch.Tensor:
    """Mean next-token cross-entropy over the targets that are not ``ignore`` (padding);
    ``logits``: float ``(B, L, V)``, ``target``: int64 ``(B, L)`` -> scalar (nats per token)."""
    return F.cross_entropy(logits.flatten(0, 1), target.flatten(), ignore_index=ignore)


def weighted_mean(per_event: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``<weight x per_event>`` over the batch: ``per_event``, ``weight`` float ``(B,)`` ->
    scalar (the weights are normalised by the caller: 1 for unweighted events)."""
    return torch.mean(per_event * weight)
