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
    ``logits``: float ``(B, L, V)``, ``target``: int64 ``(B, L)`` -> scalar (nats per token).

    The value of ``F.cross_entropy(..., ignore_index=ignore)`` with a cheaper gradient
    (:class:`_TokenCrossEntropy`): with a vocabulary of thousands of tokens the ``(B L, V)``
    logit gradient is the largest tensor of a jet GPT step.
    """
    return _TokenCrossEntropy.apply(logits.flatten(0, 1), target.flatten(), ignore)


class _TokenCrossEntropy(torch.autograd.Function):
    """Mean cross-entropy of logits ``(n, V)`` against targets ``(n,)`` skipping ``ignore``,
    differentiable in the logits.

    torch's ``cross_entropy`` is ``nll_loss(log_softmax(x))``; its backward zero-fills a fresh
    ``(n, V)`` gradient for ``nll_loss``, then writes another one for ``log_softmax``. The
    gradient is ``(softmax(x) - onehot(target)) w`` with ``w = [target != ignore] / count`` per
    row, so the backward here turns the saved log-softmax (which nothing else sees) into it in
    place: ``exp``, scale the rows by ``w``, subtract ``w`` at the targets. One ``(n, V)``
    tensor per step instead of three; the same loss and gradient up to rounding. The buffer is
    consumed, so the graph supports one backward pass (``retain_graph`` raises).
    """

    @staticmethod
    def forward(ctx, logits: torch.Tensor, target: torch.Tensor, ignore: int) -> torch.Tensor:
        log_p = torch.log_softmax(logits, dim=1)  # (n, V)
        keep = target != ignore  # (n,)
        picked = log_p.gather(1, torch.where(keep, target, 0)[:, None])[:, 0]  # (n,)
        weight = keep.to(log_p.dtype) / keep.sum()  # (n,), nan when every target is ignored
        ctx.save_for_backward(log_p, target, weight)
        ctx.consumed = False
        return -(picked * weight).sum()

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        if ctx.consumed:
            raise RuntimeError("token_cross_entropy supports one backward pass per forward "
                               "(its gradient reuses the forward's buffer); do not retain "
                               "the graph")
        ctx.consumed = True
        log_p, target, weight = ctx.saved_tensors
        w = weight * grad  # (n,)
        gradient = log_p.exp_().mul_(w[:, None])  # in place: softmax(x) w, (n, V)
        kept = torch.where(weight != 0, target, 0)[:, None]
        gradient.scatter_add_(1, kept, -w[:, None])
        return gradient, None, None


def weighted_mean(per_event: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``<weight x per_event>`` over the batch: ``per_event``, ``weight`` float ``(B,)`` ->
    scalar (the weights are normalised by the caller: 1 for unweighted events)."""
    return torch.mean(per_event * weight)
