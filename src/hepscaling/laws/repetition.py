"""Data repetition: effective data size ``D'`` of repeated epochs and the law fitted in it.

Training ``epochs`` passes over ``U`` unique samples is worth the effective data size
(Muennighoff et al. 2023, "Scaling data-constrained language models", eq. 5, extended to runs
stopped before the end of the first pass)::

    D' = U min(epochs, 1) + U R* (1 - exp(-R / R*)),    R = max(epochs - 1, 0)

A run of less than one pass saw only ``U epochs`` distinct samples (``D' = U epochs``); each
repetition beyond the first pass is worth a little less than fresh data. ``R*`` is the
characteristic number of useful repetitions: ``D' -> U (1 + R*)`` for ``R -> inf``,
``D' ~ U (1 + R)`` for ``R << R*``. The effective-data factor ``D' / U`` of a number of epochs
is :meth:`RepetitionFit.factor` (its asymptote ``1 + R*`` is ``factor(inf)``).

:func:`fit_repetition` fits ``L = (x_c / D')^alpha + k`` jointly with ``R*`` on runs that vary
both the unique data ``U`` and the number of epochs, with the estimator and bootstrap of
:mod:`hepscaling.laws.fit`.

Example
-------
>>> import numpy as np
>>> u, epochs = np.repeat([1e3, 1e4, 1e5], 4), np.tile([0.5, 1.0, 4.0, 50.0], 3)
>>> loss = power_law(effective_data_size(u, epochs, 5.0), 300.0, 0.5, 1e-3)
>>> fit = fit_repetition(u, epochs, loss, bootstrap=0)
>>> round(fit.params["r_star"], 2), round(float(fit.factor(np.inf).value[0]), 2)
(5.0, 6.0)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.bootstrap import percentile_interval
from hepscaling.laws.fit import (
    check_positive,
    fit_core,
    floor_unresolved,
    law_result,
    refitter,
    scale_groups,
)
from hepscaling.laws.forms import EXP_RANGE, LOG_RANGE, Form, data_scale_grid, power_law
from hepscaling.laws.results import Band, Interval, LawFit, make_band, quiet

__all__ = ["FACTOR_EPOCHS", "REPETITION", "RepetitionFit", "effective_data_size",
           "fit_repetition", "repetition_factor"]

_RHO_RANGE = (np.log(1e-2), np.log(1e4))
#: Epochs at which :meth:`RepetitionFit.to_dict` reports the factor ``D' / U`` (plus ``inf``).
FACTOR_EPOCHS = (2.0, 4.0, 10.0)


def repetition_factor(epochs: np.ndarray | float, r_star: float) -> np.ndarray:
    """Effective-data factor ``D' / U = min(epochs, 1) + R* (1 - exp(-R / R*))``,
    ``R = max(epochs - 1, 0)``; ``epochs`` float64 (n,) > 0 (``inf`` gives ``1 + R*``)."""
    ep = np.asarray(epochs, dtype=float)
    r = np.maximum(ep - 1.0, 0.0)
    return np.minimum(ep, 1.0) + r_star * -np.expm1(-r / r_star)


def effective_data_size(unique: np.ndarray | float, epochs: np.ndarray | float,
                        r_star: float) -> np.ndarray:
    """``D' = U min(epochs, 1) + U R* (1 - exp(-R / R*))`` with ``R = max(epochs - 1, 0)``.

    Parameters
    ----------
    unique : float64 (n,)
        Unique training samples U.
    epochs : float64 (n,)
        Passes over the U samples (1 = one pass, no repetition; < 1: stopped early, only
        ``U epochs`` samples seen).
    r_star : float
        Characteristic number of useful repetitions, > 0.

    Returns
    -------
    float64 (n,)
        Effective data size, in samples.
    """
    return np.asarray(unique, dtype=float) * repetition_factor(epochs, r_star)


def _terms(theta: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # log D' = log U + log(m + g), m = min(epochs, 1), g = R* (1 - exp(-R / R*))
    a, alpha, e, rho = theta
    log_u, ep = u[:, 0], u[:, 1]
    m = np.minimum(ep, 1.0)
    r = np.maximum(ep - 1.0, 0.0)
    rs = np.exp(rho)
    decay = np.exp(-r / rs)
    g = rs * (1.0 - decay)
    log_d = log_u + np.log(m + g)
    n = ep.size
    t = np.stack([a - alpha * log_d, np.full(n, e)], axis=1)
    j = np.zeros((n, 2, 4))
    j[:, 0, 0] = 1.0
    j[:, 0, 1] = -log_d
    j[:, 0, 3] = -alpha * (g - r * decay) / (m + g)  # dg/drho = g - R exp(-R / R*)
    j[:, 1, 2] = 1.0
    return t, j


def _params(theta: np.ndarray, mu: np.ndarray) -> dict[str, float]:
    a, alpha, e, rho = theta
    return {"x_c": float(np.exp(mu[0] + a / alpha)), "alpha": float(alpha),
            "k": float(np.exp(e)), "r_star": float(np.exp(rho))}


def _grid(log_y: np.ndarray) -> list[tuple[float, ...]]:
    amps, exps, floors = data_scale_grid(log_y)
    return list(itertools.product(amps, exps, floors, np.log([1.0, 5.0, 20.0, 100.0])))


#: Fit coordinates: column 0 ``log U - mu``, column 1 ``epochs`` (not centred, > 0).
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

    @quiet
    def factor(self, epochs: np.ndarray | float) -> Band:
        """Effective-data factor ``D' / U`` float64 (n,) of training ``epochs`` passes over the
        same data, with its band: how many times the unique data the repeated runs are worth.
        ``epochs = inf`` gives the asymptote ``1 + R*``."""
        ep = np.atleast_1d(np.asarray(epochs, dtype=float))
        return make_band(repetition_factor(ep, self.params["r_star"]),
                         [repetition_factor(ep, p["r_star"]) for p in self._sample_params()],
                         self.level)

    @quiet
    def solve(self, target: float, epochs: float = 1.0) -> Interval:
        """The unique data ``U`` (samples) that reaches the loss ``target`` when trained for
        ``epochs`` passes, with its interval (``U = x_c (target - k)^(-1/alpha) / (D'/U)``).

        Replicates whose floor lies at or above ``target`` count as ``U = inf``.

        Raises
        ------
        UsageError
            If ``target`` is at or below the fitted floor ``k``, ``epochs`` is not > 0, or a
            parameter is not determined.
        """
        self.require_determined(f"the unique data reaching {target:g}")
        if not (np.isfinite(epochs) and epochs > 0):
            raise UsageError(f"epochs must be a finite number > 0, got {epochs!r}; pass the "
                             "planned passes over the data, e.g. 4")
        k = self.params["k"]
        if not target > k:
            raise UsageError(f"target loss {target:g} is at or below the fitted floor K = {k:.4g}; "
                             "no amount of data reaches it (choose a target above the floor)")

        def one(p: dict[str, float]) -> float:
            gap = target - p["k"]
            if not gap > 0:
                return float("inf")
            return float(p["x_c"] * gap ** (-1.0 / p["alpha"])
                         / repetition_factor(epochs, p["r_star"]))

        samples = np.array([one(p) for p in self._sample_params()])
        return Interval(one(self.params), *percentile_interval(samples, self.level), self.level)

    def to_dict(self) -> dict[str, Any]:
        """As :meth:`LawFit.to_dict`, plus ``factor``: ``D' / U`` with its interval at each of
        :data:`FACTOR_EPOCHS` (keys ``"2"``, ``"4"``, ``"10"``) and ``"asymptote"`` (``1 + R*``);
        ``None``, with ``factor_note`` saying why, when ``r_star`` is not determined."""
        out = super().to_dict()
        try:
            self.require_determined("the effective-data factor", ("r_star",))
        except UsageError as exc:
            out["factor"], out["factor_note"] = None, str(exc)
            return out
        band = self.factor([*FACTOR_EPOCHS, np.inf])
        keys = [f"{e:g}" for e in FACTOR_EPOCHS] + ["asymptote"]
        out["factor"] = {key: band.at(i).to_dict() for i, key in enumerate(keys)}
        return out


def fit_repetition(unique: object, epochs: object, loss: object, *, bootstrap: int = 200,
                   seed: int = 0, level: float = 0.68, scheme: str = "auto",
                   huber_delta: float | None = None) -> RepetitionFit:
    """Fit the loss in the effective data size, jointly with ``R*``.

    Parameters
    ----------
    unique : float64 (n,)
        Unique training samples U of each run.
    epochs : float64 (n,)
        Passes over the data of each run, > 0 (< 1: stopped within the first pass); at least
        one run must repeat data (epochs > 1).
    loss : float64 (n,)
        Measured loss of each run.
    bootstrap, seed, level, scheme, huber_delta
        As in :func:`hepscaling.laws.fit.fit_power_law`.
    """
    y = check_positive("loss", loss)
    u = check_positive("unique samples", unique, y.size)
    ep = check_positive("epochs", epochs, y.size)
    if not np.any(ep > 1.0) or np.unique(u).size < 3 or y.size < 5:
        raise UsageError("a repetition fit needs >= 5 runs with >= 3 distinct unique-data sizes "
                         f"and some runs with epochs > 1 (got {y.size} runs, "
                         f"{np.unique(u).size} sizes, max epochs {ep.max():g}); add repeated runs")
    options: dict[str, Any] = dict(bootstrap=bootstrap, seed=seed, level=level, scheme=scheme,
                   huber_delta=huber_delta)
    mu = np.array([np.log(u).mean(), 0.0])
    coords = np.stack([np.log(u) - mu[0], ep], axis=1)
    core = fit_core(REPETITION, coords, mu, np.log(y), scale_groups(u, ep),
                    min_distinct=REPETITION.n_theta, **options)
    notes = core.notes
    r_max = float(ep.max()) - 1.0
    if core.params["r_star"] > r_max:
        notes += (f"r_star = {core.params['r_star']:.3g} exceeds the most repetitions in the "
                  f"data (R = epochs - 1 = {r_max:g}): the saturation D'/U -> 1 + r_star is an "
                  "extrapolation; train some runs for more epochs to pin it down",)
    return law_result(RepetitionFit, "repetition", core, core.params, core.samples, level,
                      {"U": u, "epochs": ep, "y": y}, seed,
                      refitter(fit_repetition, (u, ep, y), options), core.bounded, notes,
                      floor_unresolved(core))
