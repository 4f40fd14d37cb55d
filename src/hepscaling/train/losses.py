"""Regression losses on standardised targets: MSE and the heteroscedastic Gaussian NLL."""

from __future__ import annotations

import torch

__all__ = ["heteroscedastic_nll", "mse"]


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
