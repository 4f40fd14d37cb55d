"""The fit objective and optimiser: summed Huber loss on log residuals, multi-start L-BFGS-B.

This is the estimator of Hoffmann et al. (Chinchilla, approach 3) as replicated by Besiroglu et
al. (2024): residuals ``r_i = log L_pred(x_i) - log L_i``, objective ``sum_i huber_delta(r_i)``
with ``delta = 1e-3``, minimised with L-BFGS (here scipy's L-BFGS-B, with the analytic
gradient and loose bounds on the exponents) from a grid of starting points, keeping the best
optimum. With ``delta = 1e-3`` the objective is quadratic only for sub-permille residuals and
absolute-value-like beyond, which makes the fit robust to outlying runs.

To keep the multi-start affordable the objective is first evaluated on the whole grid and
L-BFGS-B is started from the ``n_starts`` best grid points. Bootstrap replicates start from
the full-data optimum and the best full-data grid point (only from the optimum when the
objective is convex, i.e. for the floor-free power law).

L-BFGS-B makes many tiny BLAS calls; a multi-threaded OpenBLAS makes them ~10x slower on a
busy machine, so fits run inside :func:`single_threaded_blas` (a no-op without the optional
``threadpoolctl`` package).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from hepscaling.errors import WorkFailed
from hepscaling.laws.forms import Form, logsumexp_with_grad

__all__ = ["HUBER_DELTA", "Objective", "Optimum", "best_grid_points", "huber",
           "huber_objective", "minimize_huber", "single_threaded_blas"]

HUBER_DELTA = 1e-3


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Limit BLAS to one thread inside the block (if ``threadpoolctl`` is installed)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def huber(r: np.ndarray, delta: float = HUBER_DELTA) -> np.ndarray:
    """Huber function: ``r^2 / 2`` for ``|r| <= delta``, else ``delta (|r| - delta / 2)``."""
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


class Objective:
    """Summed Huber loss of the log residuals of one data set, and its gradient.

    Parameters
    ----------
    form : Form
    u : float64 (n, k)
        Centred log-coordinates of the ``n`` points (see :mod:`hepscaling.laws.forms`).
    log_y : float64 (n,)
        Log of the measured losses.
    delta : float
        Huber threshold on the log residual.
    """

    def __init__(self, form: Form, u: np.ndarray, log_y: np.ndarray,
                 delta: float = HUBER_DELTA) -> None:
        self.form, self.u, self.log_y, self.delta = form, u, log_y, delta
        self.jac = form.terms(np.zeros(form.n_theta), u)[1] if form.linear else None

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """``(objective, d objective / d theta (p,))`` at ``theta`` float64 (p,)."""
        if self.jac is None:
            pred, grad = self.form.log_predict(theta, self.u)
        else:
            pred, grad = logsumexp_with_grad(self.jac @ theta, self.jac)
        r = pred - self.log_y
        psi = np.clip(r, -self.delta, self.delta)
        return float(huber(r, self.delta).sum()), psi @ grad


def huber_objective(theta: np.ndarray, form: Form, u: np.ndarray, log_y: np.ndarray,
                    delta: float = HUBER_DELTA) -> tuple[float, np.ndarray]:
    """Summed Huber loss of the log residuals and its gradient at ``theta`` float64 (p,);
    arguments as in :class:`Objective`."""
    return Objective(form, u, log_y, delta)(theta)


def best_grid_points(form: Form, u: np.ndarray, log_y: np.ndarray, n: int,
                     delta: float = HUBER_DELTA) -> np.ndarray:
    """The ``n`` points of the form's starting grid with the lowest objective, float64 (n, p)."""
    lows, highs = np.array(form.bounds).T
    grid = np.clip(form.start_grid(log_y), lows, highs)
    objective = Objective(form, u, log_y, delta)
    values = np.array([objective(g)[0] for g in grid])
    return grid[np.argsort(values)[:n]]


@dataclass(frozen=True)
class Optimum:
    """Best multi-start optimum: ``theta`` float64 (p,), ``objective`` and convergence flag."""

    theta: np.ndarray
    objective: float
    converged: bool


def minimize_huber(form: Form, u: np.ndarray, log_y: np.ndarray, *, n_starts: int = 8,
                   starts: np.ndarray | None = None, delta: float = HUBER_DELTA) -> Optimum:
    """Minimise :func:`huber_objective` from a grid of starting points with L-BFGS-B.

    Parameters
    ----------
    form : Form
    u : float64 (n, k)
        Centred log-coordinates.
    log_y : float64 (n,)
        Log of the measured losses.
    n_starts : int
        Number of best grid points L-BFGS-B is started from.
    starts : float64 (s, p), optional
        Use these starting points instead of the grid (e.g. for a bootstrap replicate: the
        full-data optimum and the best full-data grid points).
    delta : float
        Huber threshold.

    Raises
    ------
    WorkFailed
        If no start gives a finite optimum.
    """
    if starts is None:
        starts = best_grid_points(form, u, log_y, n_starts, delta)
    lows, highs = np.array(form.bounds).T
    starts = np.clip(np.atleast_2d(starts), lows, highs)
    objective = Objective(form, u, log_y, delta)
    best: Optimum | None = None
    for x0 in starts:
        res = minimize(objective, x0, jac=True,
                       method="L-BFGS-B", bounds=form.bounds,
                       options={"maxiter": 500, "ftol": 1e-11, "gtol": 1e-9})
        if np.isfinite(res.fun) and (best is None or res.fun < best.objective):
            best = Optimum(np.asarray(res.x, dtype=float), float(res.fun), bool(res.success))
    if best is None:
        raise WorkFailed(f"{form.name} fit did not converge from any of {len(starts)} starting "
                         "points (check the data for outliers or use another --law)")
    return best
