"""Data repetition: effective data size ``D'`` of repeated epochs and the law fitted in it.

Training ``R`` extra passes over ``U`` unique samples (``R = epochs - 1``, so one pass is
``R = 0``) is worth the effective data size (Muennighoff et al. 2023, "Scaling data-constrained
language models", eq. 5)::

    D' = U + U R* (1 - exp(-R / R*))

Each repetition is worth a little less than fresh data; ``R*`` is the characteristic number of
useful repetitions (``D' -> U (1 + R*)`` for ``R -> inf``, ``D' ~ U (1 + R)`` for ``R << R*``).
:func:`fit_repetition` fits ``L = (x_c / D')^alpha + k`` jointly with ``R*`` on runs that vary
both the unique data ``U`` and the number of epochs, with the estimator and bootstrap of
:mod:`hepscaling.laws.fit`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import partial

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.fit import check_positive, fit_core, scale_groups
from hepscaling.laws.forms import EXP_RANGE, LOG_RANGE, Form, data_scale_grid, power_law
from hepscaling.laws.results import Band, LawFit, make_band, quiet

__all__ = ["REPETITION", "RepetitionFit", "effective_data_size", "fit_repetition"]

_RHO_RANGE = (np.log(1e-2), np.log(1e4))


def effective_data_size(unique: np.ndarray | float, epochs: np.ndarray | float,
                        r_star: float) -> np.ndarray:
    """``D' = U + U R* (1 - exp(-R / R*))`` with ``R = max(epochs - 1, 0)``.

    Parameters
    ----------
    unique : float64 (n,)
        Unique training samples U.
    epochs : float64 (n,)
        Passes over the U samples (1 = no repetition).
    r_star : float
        Characteristic number of useful repetitions, > 0.
    """
    u = np.asarray(unique, dtype=float)
    r = np.maximum(np.asarray(epochs, dtype=float) - 1.0, 0.0)
    return u + u * r_star * -np.expm1(-r / r_star)


def _terms(theta: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, alpha, e, rho = theta
    log_u, r = u[:, 0], u[:, 1]
    rs = np.exp(rho)
    decay = np.exp(-r / rs)
    g = rs * (1.0 - decay)
    log_gain = np.log1p(g)
    n = r.size
    t = np.stack([a - alpha * (log_u + log_gain), np.full(n, e)], axis=1)
    j = np.zeros((n, 2, 4))
    j[:, 0, 0] = 1.0
    j[:, 0, 1] = -(log_u + log_gain)
    j[:, 0, 3] = -alpha * (g - r * decay) / (1.0 + g)
    j[:, 1, 2] = 1.0
    return t, j


def _params(theta: np.ndarray, mu: np.ndarray) -> dict[str, float]:
    a, alpha, e, rho = theta
    return {"x_c": float(np.exp(mu[0] + a / alpha)), "alpha": float(alpha),
            "k": float(np.exp(e)), "r_star": float(np.exp(rho))}


def _grid(log_y: np.ndarray) -> list[tuple[float, ...]]:
    amps, exps, floors = data_scale_grid(log_y)
    return list(itertools.product(amps, exps, floors, np.log([1.0, 5.0, 20.0, 100.0])))


#: Fit coordinates: column 0 ``log U - mu``, column 1 ``R`` (not centred).
REPETITION = Form("repetition", ("a", "alpha", "e", "rho"), ("x_c", "alpha", "k", "r_star"),
                  (LOG_RANGE, EXP_RANGE, LOG_RANGE, _RHO_RANGE), _terms, _params, _grid)


@dataclass(frozen=True)
class RepetitionFit(LawFit):
    """``L = (x_c / D')^alpha + k`` with ``D'`` of :func:`effective_data_size`; params ``x_c``,
    ``alpha``, ``k``, ``r_star``. ``data``: ``U``, ``epochs``, ``y``."""

    @quiet
    def effective_data(self, unique: np.ndarray | float, epochs: np.ndarray | float) -> Band:
        """``D'`` float64 (n,) for ``unique`` samples trained for ``epochs``, with its band."""
        u = np.atleast_1d(np.asarray(unique, dtype=float))
        return make_band(effective_data_size(u, epochs, self.params["r_star"]),
                     [effective_data_size(u, epochs, p["r_star"]) for p in self._sample_params()],
                     self.level)

    @quiet
    def predict(self, unique: np.ndarray | float, epochs: np.ndarray | float) -> Band:
        """Predicted loss float64 (n,) for ``unique`` samples trained for ``epochs``."""
        u = np.atleast_1d(np.asarray(unique, dtype=float))

        def law(p: dict[str, float]) -> np.ndarray:
            return power_law(effective_data_size(u, epochs, p["r_star"]), p["x_c"], p["alpha"],
                             p["k"])

        return make_band(law(self.params), [law(p) for p in self._sample_params()], self.level)


def fit_repetition(unique: object, epochs: object, loss: object, *, bootstrap: int = 200,
                   seed: int = 0, level: float = 0.68, scheme: str = "auto") -> RepetitionFit:
    """Fit the loss in the effective data size, jointly with ``R*``.

    Parameters
    ----------
    unique : float64 (n,)
        Unique training samples U of each run.
    epochs : float64 (n,)
        Passes over the data of each run (>= 1; at least one run must repeat data).
    loss : float64 (n,)
        Measured loss of each run.
    bootstrap, seed, level, scheme
        As in :func:`hepscaling.laws.fit.fit_power_law`.
    """
    y = check_positive("loss", loss)
    u = check_positive("unique samples", unique, y.size)
    ep = check_positive("epochs", epochs, y.size)
    if not np.any(ep > 1.0) or np.unique(u).size < 3 or y.size < 5:
        raise UsageError("a repetition fit needs >= 5 runs with >= 3 distinct unique-data sizes "
                         f"and some runs with epochs > 1 (got {y.size} runs, "
                         f"{np.unique(u).size} sizes, max epochs {ep.max():g}); add repeated runs")
    mu = np.array([np.log(u).mean(), 0.0])
    coords = np.stack([np.log(u) - mu[0], ep - 1.0], axis=1)
    best, params, samples, n_failed, used, notes = fit_core(
        REPETITION, coords, mu, np.log(y), scale_groups(u, ep), bootstrap=bootstrap, seed=seed,
        scheme=scheme, min_distinct=REPETITION.n_theta)
    refit = partial(_refit, u, ep, y, dict(bootstrap=bootstrap, seed=seed, level=level,
                                           scheme=scheme))
    return RepetitionFit("repetition", params, samples, level, {"U": u, "epochs": ep, "y": y},
                         best.objective, best.converged, n_failed, used, seed, refit, notes)


def _refit(u: np.ndarray, ep: np.ndarray, y: np.ndarray, options: dict,
           mask: np.ndarray) -> RepetitionFit:
    return fit_repetition(u[mask], ep[mask], y[mask], **options)
