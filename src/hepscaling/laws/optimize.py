"""The fit objective and optimiser: summed Huber loss on log residuals, multi-start L-BFGS-B.

Residuals ``r_i = log L_pred(x_i) - log L_i``, objective ``sum_i huber_delta(r_i)``, minimised
with L-BFGS (scipy's L-BFGS-B, with the analytic gradient and loose bounds on the exponents)
from a grid of starting points, keeping the best optimum. This is the estimator of Hoffmann et
al. (Chinchilla, approach 3) as replicated by Besiroglu et al. (2024); scipy's
``least_squares(loss="huber")`` would do the same job, L-BFGS-B is kept because it is the
estimator of that replication.

The Huber threshold ``delta`` (:func:`huber_delta`):

- by default it comes from the data: ``delta = 1.345 s``, ``s`` the robust spread (scaled
  median absolute deviation) of the residuals of a least-squares fit. The loss is then
  quadratic for typical residuals and linear only for outlying runs (1.345: 95 % of the
  efficiency of least squares for Gaussian noise, Huber 1981). A fixed small ``delta`` would
  make the fit an L1 (median) fit whenever the residuals exceed it; with two seeds per scale
  point the L1 optimum is flat between the seeds, so the central fit becomes an arbitrary point
  of a degenerate set and lands outside its own bootstrap interval.
- ``delta = 1e-3`` (:data:`CHINCHILLA_DELTA`) is Hoffmann et al.'s fixed choice; pass it to
  reproduce their fit and its replication (Besiroglu et al.: E = 1.817, alpha = 0.348,
  beta = 0.366 on the 240 runs extracted from Chinchilla's figure 4). It suits many runs with
  one seed each, where it acts as a robust median fit.

To keep the multi-start affordable the objective is first evaluated on the whole grid and
L-BFGS-B is started from the ``n_starts`` best grid points. Bootstrap replicates start from
the full-data optimum and the best full-data grid point (only from the optimum when the
objective is convex, i.e. for the floor-free power law).

L-BFGS-B makes many tiny BLAS calls; a multi-threaded OpenBLAS makes them ~10x slower on a
busy machine, so fits run inside :func:`single_threaded_blas` (``threadpoolctl``, a dependency).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from hepscaling.errors import WorkFailed
from hepscaling.laws.forms import Form, logsumexp_with_grad

__all__ = ["CHINCHILLA_DELTA", "HUBER_K", "N_STARTS", "Objective", "Optimum", "best_grid_points",
           "fit_huber", "huber", "huber_delta", "huber_objective", "minimize_huber",
           "robust_spread", "single_threaded_blas"]

#: Hoffmann et al.'s (and Besiroglu et al.'s) fixed Huber threshold on log residuals.
CHINCHILLA_DELTA = 1e-3
#: ``delta = HUBER_K * spread``: 95 % Gaussian efficiency (Huber 1981).
HUBER_K = 1.345
#: Smallest data-derived ``delta``. Seed-to-seed scatter of trained networks is far above 0.1 %
#: in log; the floor keeps the objective quadratic around the optimum of (nearly) noise-free
#: data instead of letting ``delta`` collapse to zero with the residuals.
MIN_DELTA = 1e-3
#: L-BFGS-B settings: 500 iterations are ~10x what the 2-5 parameter fits here need from a grid
#: start; ``ftol``/``gtol`` far below the objective's noise (sub-permille residuals) so the
#: optimum is converged, not stopped early, and replicates differ by data, not by tolerance.
_LBFGS_OPTIONS = {"maxiter": 500, "ftol": 1e-11, "gtol": 1e-9}
#: L-BFGS-B starts from this many best grid points: on the grids of :mod:`~.forms` the best
#: optimum no longer changes beyond a handful of starts, and each start costs one local fit.
N_STARTS = 8


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Limit BLAS to one thread inside the block."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def huber(r: np.ndarray, delta: float = CHINCHILLA_DELTA) -> np.ndarray:
    """Huber function: ``r^2 / 2`` for ``|r| <= delta``, else ``delta (|r| - delta / 2)``
    (``delta = inf``: least squares)."""
    if np.isinf(delta):
        return 0.5 * r * r
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def robust_spread(r: np.ndarray) -> float:
    """Scaled median absolute deviation of ``r`` float64 (n,): the standard deviation for
    Gaussian ``r``, insensitive to a few outliers."""
    return float(1.4826 * np.median(np.abs(r - np.median(r))))


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
        Huber threshold on the log residual (``inf``: least squares).
    """

    def __init__(self, form: Form, u: np.ndarray, log_y: np.ndarray,
                 delta: float = CHINCHILLA_DELTA) -> None:
        self.form, self.u, self.log_y, self.delta = form, u, log_y, delta
        self.jac = form.terms(np.zeros(form.n_theta), u)[1] if form.linear else None

    def residuals(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Log residuals (n,) at ``theta`` float64 (p,) and their gradient (n, p)."""
        if self.jac is None:
            pred, grad = self.form.log_predict(theta, self.u)
        else:
            pred, grad = logsumexp_with_grad(self.jac @ theta, self.jac)
        return pred - self.log_y, grad

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """``(objective, d objective / d theta (p,))`` at ``theta`` float64 (p,)."""
        r, grad = self.residuals(theta)
        psi = np.clip(r, -self.delta, self.delta)
        return float(huber(r, self.delta).sum()), psi @ grad


def huber_objective(theta: np.ndarray, form: Form, u: np.ndarray, log_y: np.ndarray,
                    delta: float = CHINCHILLA_DELTA) -> tuple[float, np.ndarray]:
    """Summed Huber loss of the log residuals and its gradient at ``theta`` float64 (p,);
    arguments as in :class:`Objective`."""
    return Objective(form, u, log_y, delta)(theta)


def best_grid_points(form: Form, u: np.ndarray, log_y: np.ndarray, n: int,
                     delta: float = CHINCHILLA_DELTA) -> np.ndarray:
    """The ``n`` points of the form's starting grid with the lowest objective, float64 (n, p)."""
    lows, highs = np.array(form.bounds).T
    grid = np.clip(form.start_grid(log_y), lows, highs)
    objective = Objective(form, u, log_y, delta)
    values = np.array([objective(g)[0] for g in grid])
    return grid[np.argsort(values)[:n]]


@dataclass(frozen=True)
class Optimum:
    """Best multi-start optimum: ``theta`` float64 (p,), ``objective``, convergence flag and
    the Huber threshold ``delta`` it was found with."""

    theta: np.ndarray
    objective: float
    converged: bool
    delta: float


def minimize_huber(form: Form, u: np.ndarray, log_y: np.ndarray, *, n_starts: int = N_STARTS,
                   starts: np.ndarray | None = None,
                   delta: float = CHINCHILLA_DELTA) -> Optimum:
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
    lows, highs = np.array(form.bounds).T
    if form.convex and form.linear:
        direct = _irls(Objective(form, u, log_y, delta), delta)
        if np.all((direct > lows) & (direct < highs)):
            return direct_optimum(Objective(form, u, log_y, delta), direct)
    if starts is None:
        starts = best_grid_points(form, u, log_y, n_starts, delta)
    starts = np.clip(np.atleast_2d(starts), lows, highs)
    objective = Objective(form, u, log_y, delta)
    best: Optimum | None = None
    for x0 in starts:
        res = minimize(objective, x0, jac=True,
                       method="L-BFGS-B", bounds=form.bounds,
                       options=_LBFGS_OPTIONS)
        if np.isfinite(res.fun) and (best is None or res.fun < best.objective):
            best = Optimum(np.asarray(res.x, dtype=float), float(res.fun), bool(res.success),
                           delta)
    if best is None:
        raise WorkFailed(f"{form.name} fit did not converge from any of {len(starts)} starting "
                         "points (check the data for outliers or use another --law)")
    return best


#: Iteratively reweighted least squares stops when no parameter moves by more than this.
_IRLS_TOL = 1e-12
_IRLS_MAX_ITER = 100


def _irls(objective: Objective, delta: float) -> np.ndarray:
    """Minimum of a convex Huber objective with one log-linear term (``log L = J theta``) by
    iteratively reweighted least squares (Huber weights ``min(1, delta / |r|)``): the same
    optimum as L-BFGS-B, ~10x faster, which keeps bootstrap loops of the floor-free law
    cheap. Returns ``theta`` float64 (p,) (NaN if the design is singular)."""
    assert objective.jac is not None, "IRLS needs a linear form"
    jac = objective.jac[:, 0, :]
    weights = np.ones(jac.shape[0])
    theta = np.full(jac.shape[1], np.nan)
    for _ in range(_IRLS_MAX_ITER):
        root = np.sqrt(weights)
        new = np.linalg.lstsq(jac * root[:, None], objective.log_y * root, rcond=None)[0]
        if np.all(np.abs(new - theta) <= _IRLS_TOL * (1.0 + np.abs(new))):
            return new
        theta = new
        r = np.abs(jac @ theta - objective.log_y)
        weights = np.minimum(1.0, delta / np.maximum(r, 1e-300))
    return theta


def direct_optimum(objective: Objective, theta: np.ndarray) -> Optimum:
    """:class:`Optimum` at a directly computed ``theta`` float64 (p,)."""
    return Optimum(theta, objective(theta)[0], True, objective.delta)


def huber_delta(form: Form, u: np.ndarray, log_y: np.ndarray, least_squares: Optimum) -> float:
    """The data-derived Huber threshold ``max(HUBER_K * s, MIN_DELTA)``, ``s`` the
    :func:`robust_spread` of the residuals at the ``least_squares`` optimum."""
    r = Objective(form, u, log_y).residuals(least_squares.theta)[0]
    return max(HUBER_K * robust_spread(r), MIN_DELTA)


def fit_huber(form: Form, u: np.ndarray, log_y: np.ndarray, delta: float | None, *,
              starts: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[Optimum, Optimum]:
    """The estimator of every fit: the Huber optimum at ``delta`` (``None``: from the data,
    see :func:`huber_delta`), found by :func:`minimize_huber`.

    Parameters
    ----------
    form, u, log_y
        As in :func:`minimize_huber`.
    delta : float or None
        Fixed Huber threshold (e.g. :data:`CHINCHILLA_DELTA`), or ``None`` for the threshold
        from the residuals of a least-squares fit.
    starts : (float64 (s, p), float64 (s, p)), optional
        Starting points of the least-squares and the Huber stage (a bootstrap replicate starts
        from the full-data optima); default: the form's grid.

    Returns
    -------
    huber_optimum, least_squares_optimum
        The second is the first when ``delta`` is fixed (no least-squares stage).
    """
    ls_starts, huber_starts = starts if starts is not None else (None, None)
    if delta is not None:
        best = minimize_huber(form, u, log_y, starts=huber_starts, delta=delta)
        return best, best
    ls = minimize_huber(form, u, log_y, starts=ls_starts, delta=np.inf)
    delta = huber_delta(form, u, log_y, ls)
    first = ls.theta[None] if huber_starts is None else np.vstack([ls.theta, huber_starts])
    if huber_starts is None and not form.convex:
        first = np.vstack([first, best_grid_points(form, u, log_y, N_STARTS, delta)])
    return minimize_huber(form, u, log_y, starts=first, delta=delta), ls
