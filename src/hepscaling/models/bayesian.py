"""Variational Bayesian layers: a linear layer with Gaussian weights, its KL term, and weight
draws for posterior bands.

:class:`BayesianLinear` (the ``VBLinear`` of arXiv:2305.10475 and 2412.12074) holds a
factorised Gaussian posterior ``q(W) = prod N(W_ij; mu_ij, s_ij^2)`` over its weights (the bias
is an ordinary parameter) and a prior ``N(0, prior_width^2)`` per weight.

- Training mode: the local reparameterisation trick (Kingma, Salimans, Welling 2015): the
  pre-activations ``y = x W^T + b`` are Gaussian given ``x``, with mean ``x mu^T + b`` and
  variance ``x^2 (s^2)^T``; one draw per sample, from the generator passed to
  :meth:`~BayesianLinear.forward` (event generators get the loop's seeded generator, so a
  resumed run draws the same noise) or torch's global one; the gradient noise is per sample
  rather than per batch.
- Evaluation mode: the posterior mean ``mu`` (deterministic validation losses), or one fixed
  weight draw set by :meth:`BayesianLinear.draw` and kept until :meth:`BayesianLinear.use_mean`
  (so a whole sample set comes from one network, as VBLinear's cached draw).
- :meth:`BayesianLinear.kl`: ``KL(q || prior)`` in closed form,
  ``sum_ij [ (s_ij^2 + mu_ij^2) / p^2 - 1 - log(s_ij^2 / p^2) ] / 2``; a model returns the sum
  over its layers divided by the training-set size ``D`` from
  :meth:`~hepscaling.models.base.Model.extra_loss`, so loss + KL / D is the negative ELBO per
  training sample.

:func:`weight_draws` iterates over posterior draws of every Bayesian layer of a model (bands:
one histogram of generated events per draw), restoring the mean afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["BayesianLinear", "bayesian_kl", "weight_draws"]

#: initial log variance of the weights (VBLinear's N(-9, 0.001^2)): nearly deterministic at
#: the start, the data widen what they do not constrain
LOG_VAR_INIT = -9.0
#: clamp of the log variance (VBLinear's +-11)
LOG_VAR_MAX = 11.0


class BayesianLinear(nn.Module):
    """Linear layer ``(..., n_in) -> (..., n_out)`` with Gaussian weights (module docstring).

    Parameters
    ----------
    n_in, n_out : input and output channels.
    prior_width : standard deviation ``p`` of the zero-mean Gaussian prior of every weight.
    """

    def __init__(self, n_in: int, n_out: int, *, prior_width: float = 1.0) -> None:
        super().__init__()
        if not prior_width > 0:
            raise ValueError(f"prior_width must be positive, got {prior_width}")
        self.prior_width = prior_width
        self.in_features, self.out_features = n_in, n_out  # as nn.Linear (FLOP counting)
        reference = nn.Linear(n_in, n_out)  # torch's initialisation of the means and bias
        self.mu = nn.Parameter(reference.weight.detach().clone())
        self.bias = nn.Parameter(reference.bias.detach().clone())
        self.log_var = nn.Parameter(LOG_VAR_INIT + 1e-3 * torch.randn(n_out, n_in))
        self._draw: torch.Tensor | None = None

    def _variance(self) -> torch.Tensor:
        return self.log_var.clamp(-LOG_VAR_MAX, LOG_VAR_MAX).exp()

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """``x`` float ``(..., n_in)`` -> ``(..., n_out)`` (module docstring for the modes);
        ``generator`` draws the training-mode noise (None: torch's global generator)."""
        if self.training:
            mean = F.linear(x, self.mu, self.bias)
            variance = F.linear(x * x, self._variance())
            noise = torch.randn(mean.shape, dtype=mean.dtype, device=mean.device,
                                generator=generator)
            return mean + torch.sqrt(variance + 1e-16) * noise
        return F.linear(x, self.mu if self._draw is None else self._draw, self.bias)

    def kl(self) -> torch.Tensor:
        """``KL(q || prior)`` summed over the weights, a scalar (nats)."""
        ratio = self._variance() / self.prior_width**2
        return 0.5 * torch.sum(ratio + (self.mu / self.prior_width) ** 2 - 1.0 - torch.log(ratio))

    @torch.no_grad()
    def draw(self, generator: torch.Generator) -> None:
        """Fix one weight draw ``W ~ q`` (from ``generator``) for evaluation mode."""
        noise = torch.randn(self.mu.shape, dtype=self.mu.dtype, device=self.mu.device,
                            generator=generator)
        self._draw = self.mu + self._variance().sqrt() * noise

    def use_mean(self) -> None:
        """Evaluate with the posterior mean weights again (the default)."""
        self._draw = None

    def extra_repr(self) -> str:
        return (f"n_in={self.in_features}, n_out={self.out_features}, "
                f"prior_width={self.prior_width:g}")


def bayesian_kl(module: nn.Module) -> torch.Tensor | None:
    """Sum of :meth:`BayesianLinear.kl` over the Bayesian layers of ``module``, or None if it
    has none."""
    terms = [m.kl() for m in module.modules() if isinstance(m, BayesianLinear)]
    return torch.stack(terms).sum() if terms else None


def weight_draws(module: nn.Module, n_draws: int,
                 generator: torch.Generator) -> Iterator[int]:
    """Iterate ``n_draws`` times, each time with a fresh posterior draw (from ``generator``)
    fixed in every Bayesian layer of ``module`` (use it in evaluation mode); yields the draw
    index and restores the posterior means at the end. A module without Bayesian layers
    yields once, unchanged (its one "draw" is the network itself).

    >>> layer = BayesianLinear(3, 2).eval()
    >>> g = torch.Generator().manual_seed(0)
    >>> outs = [layer(torch.ones(3)) for _ in weight_draws(layer, 2, g)]
    >>> bool((outs[0] != outs[1]).any()), layer._draw is None
    (True, True)
    """
    layers = [m for m in module.modules() if isinstance(m, BayesianLinear)]
    if not layers:
        yield 0
        return
    try:
        for i in range(n_draws):
            for layer in layers:
                layer.draw(generator)
            yield i
    finally:
        for layer in layers:
            layer.use_mean()

