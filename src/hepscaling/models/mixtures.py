"""Per-coordinate mixture densities of autoregressive generators: Gaussian mixtures on the real
line, von Mises mixtures on the circle, with exact normalised log densities and seeded sampling.

A network emits ``3 K`` numbers per coordinate, read by :func:`mixture_parameters` as ``K``
component logits, locations ``mu`` and log widths ``log sigma`` (clamped to
``[LOG_SIGMA_MIN, LOG_SIGMA_MAX]``). A *linear* coordinate ``x`` in ``R`` has the density

    p(x) = sum_k w_k N(x; mu_k, sigma_k^2),

a *periodic* one (an angle in radians, ``[-pi, pi)``) the von Mises mixture

    p(x) = sum_k w_k exp(kappa_k cos(x - mu_k)) / (2 pi I_0(kappa_k)),   kappa_k = 1 / sigma_k^2,

so that a narrow von Mises component approaches the Gaussian of the same ``sigma``. Both are
normalised exactly (over ``R`` and over one period); ``log I_0(kappa)`` is evaluated as
``log i0e(kappa) + kappa``, stable for large ``kappa``.

:func:`sample_mixture` draws from either with a :class:`torch.Generator` (component, then
Gaussian noise, or the Best-Fisher rejection sampler of :func:`sample_von_mises`), so a draw
depends only on the generator and the parameters.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

__all__ = ["LOG_SIGMA_MAX", "LOG_SIGMA_MIN", "mixture_log_prob", "mixture_parameters",
           "sample_mixture", "sample_von_mises", "von_mises_log_prob"]

#: clamp of the components' log widths (features are standardised, angles in radians):
#: sigma in [3e-4, 20]; von Mises kappa = 1 / sigma^2 in [2.5e-3, 8.9e6]
LOG_SIGMA_MIN, LOG_SIGMA_MAX = -8.0, 3.0
_LOG_2PI = math.log(2.0 * math.pi)


def mixture_parameters(raw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Split network outputs ``raw`` float ``(..., 3 K)`` into log mixture weights
    (log-softmax of the first ``K``), locations and clamped log widths, each ``(..., K)``."""
    logits, mu, log_sigma = raw.chunk(3, dim=-1)
    return (F.log_softmax(logits, dim=-1), mu,
            log_sigma.clamp(LOG_SIGMA_MIN, LOG_SIGMA_MAX))


def von_mises_log_prob(x: torch.Tensor, mu: torch.Tensor, kappa: torch.Tensor) -> torch.Tensor:
    """Log density of the von Mises distribution on one period,
    ``kappa cos(x - mu) - log(2 pi I_0(kappa))``; broadcasting float tensors, radians.

    >>> round(float(von_mises_log_prob(torch.tensor(0.3), torch.tensor(1.0),
    ...                                torch.tensor(1e-9)).exp() * 2 * math.pi), 6)
    1.0
    """
    return kappa * (torch.cos(x - mu) - 1.0) - torch.log(torch.special.i0e(kappa)) - _LOG_2PI


def mixture_log_prob(x: torch.Tensor, log_weights: torch.Tensor, mu: torch.Tensor,
                     log_sigma: torch.Tensor, periodic: torch.Tensor | bool) -> torch.Tensor:
    """Exact log density of the mixture at ``x``.

    Parameters
    ----------
    x : float ``(...)``, the coordinate values (radians in ``[-pi, pi)`` where periodic).
    log_weights, mu, log_sigma : float ``(..., K)`` from :func:`mixture_parameters`.
    periodic : bool, or a bool tensor broadcastable to ``x``: von Mises (true) or Gaussian
        components.

    Returns
    -------
    float ``(...)``, nats.
    """
    x = x.unsqueeze(-1)
    gauss = -0.5 * ((x - mu) * torch.exp(-log_sigma)) ** 2 - log_sigma - 0.5 * _LOG_2PI
    if isinstance(periodic, bool):
        component = (von_mises_log_prob(x, mu, torch.exp(-2.0 * log_sigma)) if periodic
                     else gauss)
    else:
        circle = von_mises_log_prob(x, mu, torch.exp(-2.0 * log_sigma))
        component = torch.where(periodic.unsqueeze(-1), circle, gauss)
    return torch.logsumexp(log_weights + component, dim=-1)


def sample_von_mises(mu: torch.Tensor, kappa: torch.Tensor,
                     generator: torch.Generator) -> torch.Tensor:
    """Draws from von Mises distributions with locations ``mu`` and concentrations ``kappa``
    (float ``(n,)``) -> float ``(n,)`` in ``[-pi, pi)``, in the dtype of ``mu``.

    Best and Fisher's rejection sampler (Appl. Statist. 28 (1979) 152), in float64 as in
    :class:`torch.distributions.VonMises` (which cannot take a generator); at least 66% of the
    proposals are accepted for any ``kappa``.
    """
    loc, k = mu.double(), kappa.double()
    tau = 1.0 + torch.sqrt(1.0 + 4.0 * k**2)
    rho = (tau - torch.sqrt(2.0 * tau)) / (2.0 * k)
    r = torch.where(k < 1e-5, 1.0 / k + k, (1.0 + rho**2) / (2.0 * rho))  # Taylor at small k
    x = torch.zeros_like(loc)
    done = torch.zeros_like(loc, dtype=torch.bool)
    while not bool(done.all()):
        u1, u2, u3 = torch.rand((3, *loc.shape), dtype=loc.dtype, device=loc.device,
                                generator=generator)
        z = torch.cos(math.pi * u1)
        f = (1.0 + r * z) / (r + z)
        c = k * (r - f)
        accept = ~done & (((c * (2.0 - c) - u2) > 0) | (torch.log(c / u2) + 1.0 - c >= 0))
        x = torch.where(accept, torch.sign(u3 - 0.5) * torch.acos(f.clamp(-1.0, 1.0)), x)
        done |= accept
    return ((x + loc + math.pi) % (2.0 * math.pi) - math.pi).to(mu.dtype)


def sample_mixture(log_weights: torch.Tensor, mu: torch.Tensor, log_sigma: torch.Tensor,
                   periodic: bool, generator: torch.Generator) -> torch.Tensor:
    """One draw per row from mixtures with parameters float ``(n, K)`` (see
    :func:`mixture_parameters`) -> float ``(n,)``; von Mises components if ``periodic``
    (draws in ``[-pi, pi)``), else Gaussian ones."""
    component = torch.multinomial(log_weights.exp(), 1, generator=generator)  # (n, 1)
    loc = mu.gather(1, component)[:, 0]
    sigma = log_sigma.gather(1, component)[:, 0].exp()
    if periodic:
        return sample_von_mises(loc, sigma ** -2, generator)
    noise = torch.randn(loc.shape, dtype=loc.dtype, device=loc.device, generator=generator)
    return loc + sigma * noise
