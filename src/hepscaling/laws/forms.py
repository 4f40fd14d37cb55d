"""The scaling-law functional forms: plain formulas and their log-space fitting parametrisations.

Forms (all inputs positive floats; losses in the metric's own unit):

- single-axis power law with floor  ``L(X) = (X_c / X)^alpha + K``  (``K = 0``: no floor,
  e.g. noise-free amplitude regression);
- joint law  ``L(N, D) = E + A / N^alpha + B / D^beta``  (Chinchilla approach 3);
- accuracy ceiling  ``A(X) = A_inf - a X^(-b)``  (saturating metrics such as accuracy or AUC);
- logarithmic law  ``L(X) = a - b ln X``  (a straight line in ``ln X``: the "logarithmic"
  model-size scaling of jet generation; the ``alpha -> 0`` limit of the floor-free power law,
  ``c (X / X_0)^(-alpha) ~ c (1 - alpha ln(X / X_0))``);
- data repetition: the power law in the effective data size ``D'`` of
  :mod:`hepscaling.laws.repetition`.

The ceiling form is fitted as a power law with floor on the shortfall ``1 - A`` (see
:func:`hepscaling.laws.fit.fit_ceiling`), so it needs no parametrisation of its own.

For fitting, every form is written as ``log L = logsumexp_j t_j(theta, X)``: a sum of positive
terms, each ``t_j`` linear in the fit parameters ``theta`` (log amplitudes and exponents) and in
the centred log-coordinates ``u = log X - mu`` (``mu`` = mean of ``log X`` over the fitted
points, which keeps the log amplitudes O(1) whatever the unit of ``X``). A :class:`Form` turns
``theta`` into the named physical parameters and back.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "JOINT",
    "LOG",
    "POWER",
    "POWER_NO_FLOOR",
    "Form",
    "ceiling_law",
    "joint_law",
    "log_form",
    "log_law",
    "power_law",
]

#: Exponents are searched in ``[EXPONENT_MIN, EXPONENT_MAX]``.
EXPONENT_MIN, EXPONENT_MAX = 1e-4, 5.0
_LOG_BOUND = 60.0  # |log amplitude| bound (e^60 ~ 1e26), keeps L-BFGS-B away from overflow


def power_law(x: np.ndarray, x_c: float, alpha: float, k: float = 0.0) -> np.ndarray:
    """``L = (x_c / x)^alpha + k``; ``x``: float64 (n,) positive -> float64 (n,)."""
    return (x_c / np.asarray(x, dtype=float)) ** alpha + k


def joint_law(n: np.ndarray, d: np.ndarray, e: float, a: float, alpha: float, b: float,
              beta: float) -> np.ndarray:
    """``L = e + a / n^alpha + b / d^beta``; ``n`` parameters, ``d`` samples, float64 (m,)."""
    n, d = np.asarray(n, dtype=float), np.asarray(d, dtype=float)
    return e + a * n ** -alpha + b * d ** -beta


def log_law(x: np.ndarray, a: float, b: float) -> np.ndarray:
    """``L = a - b ln x``; ``x``: float64 (n,) positive -> float64 (n,) (negative where the line
    crosses zero: the law has no floor)."""
    return a - b * np.log(np.asarray(x, dtype=float))


def ceiling_law(x: np.ndarray, a_inf: float, a: float, b: float) -> np.ndarray:
    """``A = a_inf - a x^(-b)``; ``x``: float64 (n,) positive -> float64 (n,)."""
    return a_inf - a * np.asarray(x, dtype=float) ** -b


def logsumexp_with_grad(terms: np.ndarray, jac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log sum_j exp(t_j)`` and its gradient.

    Parameters
    ----------
    terms : float64 (n, m)
        The log terms ``t_j`` for each of ``n`` points.
    jac : float64 (n, m, p)
        ``d t_j / d theta``.

    Returns
    -------
    value : float64 (n,)
    grad : float64 (n, p)
    """
    if terms.shape[1] == 1:
        return terms[:, 0], jac[:, 0, :]
    top = terms.max(axis=1, keepdims=True)
    w = np.exp(terms - top)
    total = w.sum(axis=1, keepdims=True)
    value = (top + np.log(total))[:, 0]
    grad = np.matmul((w / total)[:, None, :], jac)[:, 0, :]
    return value, grad


@dataclass(frozen=True)
class Form:
    """A fitting parametrisation ``log L = logsumexp_j t_j(theta, u)``.

    Attributes
    ----------
    name : str
        e.g. ``power``, ``power_no_floor``, ``joint``.
    theta_names : tuple of str
        Names of the raw fit parameters (log amplitudes ``a, b, e`` and exponents).
    param_names : tuple of str
        Names of the physical parameters reported to users.
    bounds : tuple of (low, high)
        L-BFGS-B bounds for ``theta``.
    terms : callable
        ``(theta (p,), u (n, k)) -> (t (n, m), dt/dtheta (n, m, p))``; ``u`` are the centred
        log-coordinates, one column per axis.
    to_params : callable
        ``(theta (p,), mu (k,)) -> dict`` of physical parameters.
    grid : callable
        ``log_y (n,) -> list of theta`` starting points for the multi-start fit.
    convex : bool
        Whether the Huber objective is convex in ``theta`` (a single log-linear term), so one
        start suffices.
    linear : bool
        Whether every term is linear in ``theta`` without offset (``t = J theta`` with the
        constant Jacobian ``J``), which lets the optimiser precompute ``J`` once per data set.
    """

    name: str
    theta_names: tuple[str, ...]
    param_names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    terms: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
    to_params: Callable[[np.ndarray, np.ndarray], dict[str, float]]
    grid: Callable[[np.ndarray], list[tuple[float, ...]]]
    convex: bool = False
    linear: bool = False

    @property
    def n_theta(self) -> int:
        """Number of fit parameters."""
        return len(self.theta_names)

    def log_predict(self, theta: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``log L`` (n,) and its gradient (n, p) at centred log-coordinates ``u`` (n, k)."""
        t, j = self.terms(np.asarray(theta, dtype=float), u)
        return logsumexp_with_grad(t, j)

    def start_grid(self, log_y: np.ndarray) -> np.ndarray:
        """Starting points for the multi-start fit, float64 (g, p), from the data's scale."""
        return np.array(self.grid(log_y), dtype=float)


EXP_RANGE = (EXPONENT_MIN, EXPONENT_MAX)
LOG_RANGE = (-_LOG_BOUND, _LOG_BOUND)


def _power_terms(theta: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, alpha, e = theta
    x = u[:, 0]
    n = x.size
    t = np.stack([a - alpha * x, np.full(n, e)], axis=1)
    j = np.zeros((n, 2, 3))
    j[:, 0, 0], j[:, 0, 1], j[:, 1, 2] = 1.0, -x, 1.0
    return t, j


def _power_no_floor_terms(theta: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, alpha = theta
    x = u[:, 0]
    t = (a - alpha * x)[:, None]
    j = np.stack([np.ones_like(x), -x], axis=1)[:, None, :]
    return t, j


def _joint_terms(theta: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    e, a, alpha, b, beta = theta
    un, ud = u[:, 0], u[:, 1]
    n = un.size
    t = np.stack([np.full(n, e), a - alpha * un, b - beta * ud], axis=1)
    j = np.zeros((n, 3, 5))
    j[:, 0, 0] = 1.0
    j[:, 1, 1], j[:, 1, 2] = 1.0, -un
    j[:, 2, 3], j[:, 2, 4] = 1.0, -ud
    return t, j


def _log_terms(theta: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c, s = theta
    x = u[:, 0]
    line = 1.0 - s * x
    t = (c + np.log(line))[:, None]
    j = np.stack([np.ones_like(x), -x / line], axis=1)[:, None, :]
    return t, j


def _power_params(theta: np.ndarray, mu: np.ndarray) -> dict[str, float]:
    a, alpha = theta[0], theta[1]
    out = {"x_c": float(np.exp(mu[0] + a / alpha)), "alpha": float(alpha)}
    out["k"] = float(np.exp(theta[2])) if theta.size == 3 else 0.0
    return out


def _joint_params(theta: np.ndarray, mu: np.ndarray) -> dict[str, float]:
    e, a, alpha, b, beta = theta
    return {"E": float(np.exp(e)), "A": float(np.exp(a + alpha * mu[0])), "alpha": float(alpha),
            "B": float(np.exp(b + beta * mu[1])), "beta": float(beta)}


def _log_params(theta: np.ndarray, mu: np.ndarray) -> dict[str, float]:
    c, s = theta
    level = float(np.exp(c))
    return {"a": level * (1.0 + float(s) * float(mu[0])), "b": level * float(s)}


def data_scale_grid(log_y: np.ndarray) -> tuple[list[float], list[float], list[float]]:
    """Candidate log amplitudes, exponents and log floors around the data's scale.

    ``log_y``: float64 (n,), log of the observed losses. The grid is centred on the data
    instead of Besiroglu et al.'s absolute one (``a, b`` in 0..25, exponents 0..2 step 0.5,
    ``e`` in -1..1), because the centred coordinates ``u`` make a term's log amplitude its log
    loss at the middle of the data, whatever the unit of ``X``:

    - log amplitudes ``mid - 2, mid - 0.5, mid + 0.5``: the scaling term carries from ~1/7 of
      the median loss to all of it (plus headroom);
    - exponents ``0.1, 0.3, 0.7, 1.5``: roughly log-spaced over the range seen in scaling
      studies (0.05-0.1 for language models' data terms, ~0.3 Chinchilla, ~1 for
      noise-free regression);
    - log floors ``lo - 4, lo - 1.5, lo - 0.3``: 2 %, 22 % and 74 % of the smallest loss (no
      plateau, an emerging one, a reached one).

    From the best 8 of these L-BFGS-B reproduces Besiroglu et al.'s E, alpha and beta
    (found from their 4500-point grid) to 1e-3 (tests/laws/test_fit.py).
    """
    lo, mid = float(np.min(log_y)), float(np.median(log_y))
    return [mid - 2.0, mid - 0.5, mid + 0.5], [0.1, 0.3, 0.7, 1.5], [lo - 4.0, lo - 1.5, lo - 0.3]


def _power_grid(log_y: np.ndarray) -> list[tuple[float, ...]]:
    amps, exps, floors = data_scale_grid(log_y)
    return list(itertools.product(amps, exps, floors))


def _power_no_floor_grid(log_y: np.ndarray) -> list[tuple[float, ...]]:
    amps, exps, _ = data_scale_grid(log_y)
    return list(itertools.product(amps, exps))


def _log_grid(log_y: np.ndarray) -> list[tuple[float, ...]]:
    mid = float(np.median(log_y))
    return list(itertools.product([mid - 0.2, mid, mid + 0.2], [0.01, 0.05, 0.2, 0.5, 2.0]))


def _joint_grid(log_y: np.ndarray) -> list[tuple[float, ...]]:
    amps, exps, floors = data_scale_grid(log_y)
    return list(itertools.product(floors, amps[::2], exps[1:3], amps[::2], exps[1:3])) + list(
        itertools.product(floors[:1], amps, exps, amps, exps[::3]))


POWER = Form("power", ("a", "alpha", "e"), ("x_c", "alpha", "k"), (LOG_RANGE, EXP_RANGE, LOG_RANGE),
             _power_terms, _power_params, _power_grid, linear=True)
POWER_NO_FLOOR = Form("power_no_floor", ("a", "alpha"), ("x_c", "alpha", "k"),
                      (LOG_RANGE, EXP_RANGE), _power_no_floor_terms, _power_params,
                      _power_no_floor_grid, convex=True, linear=True)
JOINT = Form("joint", ("e", "a", "alpha", "b", "beta"), ("E", "A", "alpha", "B", "beta"),
             (LOG_RANGE, LOG_RANGE, EXP_RANGE, LOG_RANGE, EXP_RANGE), _joint_terms, _joint_params,
             _joint_grid, linear=True)

#: Largest relative slope, as a fraction of ``1 / max u``: the line stays above zero at every
#: fitted point (its log is the fitted quantity).
_LOG_SLOPE_MARGIN = 1.0 - 1e-6

#: ``L = exp(c) (1 - s u)`` with ``u = ln X - mu``: ``c`` the log loss at the centre of the data,
#: ``s >= 0`` the relative slope per e-fold (comparable to a power law's ``alpha``); reported as
#: ``a = exp(c) (1 + s mu)``, ``b = exp(c) s``. Its slope bound depends on the data: use
#: :func:`log_form`.
LOG = Form("log", ("c", "s"), ("a", "b"), (LOG_RANGE, (0.0, np.inf)), _log_terms, _log_params,
           _log_grid)


def log_form(u: np.ndarray) -> Form:
    """:data:`LOG` with the relative slope bounded so that the line is positive at every centred
    coordinate ``u`` float64 (n, 1) (and at every subset of them: bootstrap replicates and
    hold-out refits stay feasible)."""
    top = float(np.max(u[:, 0]))
    return dataclasses.replace(LOG, bounds=(LOG_RANGE, (0.0, _LOG_SLOPE_MARGIN / top)))
