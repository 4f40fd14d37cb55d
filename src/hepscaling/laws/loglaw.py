"""The logarithmic law ``L(X) = a - b ln X``: fit, prediction band and the scale reaching a target.

Fitted like every other law (:mod:`hepscaling.laws.fit`): Huber loss on log residuals,
multi-start L-BFGS-B, bootstrap percentile intervals over runs, parameters at a search bound
marked not determined. The fit parametrisation (:data:`hepscaling.laws.forms.LOG`) keeps the
line positive at every fitted point; the slope ``b`` is ``>= 0`` (a loss that falls with scale),
and ``b`` at its lower bound (flat or rising data) or its upper bound (the line reaching zero
inside the data) is not determined.

Example
-------
>>> import numpy as np
>>> x = np.logspace(3, 6, 8)
>>> fit = fit_log_law(x, 5.0 - 0.2 * np.log(x), bootstrap=0)
>>> round(fit.params["a"], 4), round(fit.params["b"], 4)
(5.0, 0.2)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.bootstrap import percentile_interval
from hepscaling.laws.fit import (
    _check_sizes,
    check_positive,
    fit_core,
    law_result,
    refitter,
    scale_groups,
)
from hepscaling.laws.forms import log_form, log_law
from hepscaling.laws.interval import Interval
from hepscaling.laws.results import Band, LawFit, make_band, quiet

__all__ = ["LogLawFit", "fit_log_law"]


@dataclass(frozen=True)
class LogLawFit(LawFit):
    """``L(X) = a - b ln X``; params ``a`` (unit of L: the loss at ``X = 1``) and ``b`` (unit of
    L per e-fold of X; ``b ln 10`` per decade). ``data``: ``x``, ``y``."""

    @quiet
    def predict(self, x: np.ndarray | float) -> Band:
        """Predicted loss at ``x`` float64 (n,) with its band (below zero where the line
        crosses it: the law has no floor)."""
        x = np.atleast_1d(np.asarray(x, dtype=float))
        return make_band(log_law(x, **self.params),
                         [log_law(x, **p) for p in self._sample_params()], self.level)

    @quiet
    def solve(self, target: float) -> Interval:
        """The ``X`` at which the line reaches the loss ``target``, with its interval
        (``X = exp((a - target) / b)``; replicates with ``b = 0`` count as ``X = inf``).

        Raises
        ------
        UsageError
            If the fitted slope ``b`` is not positive (the loss does not fall with X).
        """
        if not self.params["b"] > 0:
            raise UsageError(f"fitted slope b = {self.params['b']:.4g} is not positive: the loss "
                             "does not fall with X, so no X reaches the target (fit another "
                             "metric or axis)")

        def one(p: dict[str, float]) -> float:
            return float(np.exp((p["a"] - target) / p["b"])) if p["b"] > 0 else float("inf")

        samples = np.array([one(p) for p in self._sample_params()])
        return Interval(one(self.params), *percentile_interval(samples, self.level), self.level)


def fit_log_law(x: object, y: object, *, bootstrap: int = 200, seed: int = 0,
                level: float = 0.68, scheme: str = "auto",
                huber_delta: float | None = None) -> LogLawFit:
    """Fit ``L(X) = a - b ln X`` (``b >= 0``).

    Parameters
    ----------
    x : float64 (n,)
        Scale of each run (N parameters, D samples or C FLOPs), > 0.
    y : float64 (n,)
        Measured loss of each run (e.g. validation loss in nats per token), > 0.
    bootstrap, seed, level, scheme, huber_delta
        As in :func:`hepscaling.laws.fit.fit_power_law`.

    Raises
    ------
    UsageError
        Non-positive/NaN inputs, fewer than 3 runs or 2 distinct ``x`` values, bad options.
    """
    y = check_positive("loss", y)
    x = check_positive("x", x, y.size)
    _check_sizes("log", x.size, {"x": np.unique(x).size}, 2)
    mu = np.array([np.log(x).mean()])
    u = np.log(x)[:, None] - mu
    form = log_form(u)
    core = fit_core(form, u, mu, np.log(y), scale_groups(x), bootstrap=bootstrap, seed=seed,
                    scheme=scheme, min_distinct=2, level=level, huber_delta=huber_delta)
    options: dict[str, Any] = dict(bootstrap=bootstrap, seed=seed, level=level, scheme=scheme,
                                   huber_delta=huber_delta)
    return law_result(LogLawFit, "log", core, core.params, core.samples, level,
                      {"x": x, "y": y}, seed, refitter(fit_log_law, (x, y), options),
                      core.bounded, core.notes)
