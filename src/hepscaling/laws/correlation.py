"""Metric versus metric across runs: Spearman rank correlation with a bootstrap interval and a
monotone (isotonic) fit, e.g. the SWD of generated jets versus the validation loss.

- ``rho``: Spearman's rank correlation (ties share their mean rank, as
  :func:`scipy.stats.spearmanr`), its p-value from scipy, and a percentile interval from
  ``bootstrap`` replicates that resample the runs with replacement (replicates with a constant
  metric have no rank correlation and are left out).
- monotone fit: the isotonic regression of ``y`` on ``x``
  (:func:`scipy.optimize.isotonic_regression`, pool-adjacent-violators) in the direction of the
  sign of ``rho`` (or the one asked for), with its ``r2`` (share of the variance of ``y`` it
  explains). Runs with equal ``x`` are ordered by ``y`` before the fit, so it does not depend on
  the run order.
- verdict: "monotone increasing/decreasing" when the interval of ``rho`` excludes 0, else "no
  monotone relation resolved".

Example
-------
>>> import numpy as np
>>> x = np.linspace(1.0, 2.0, 12)
>>> c = correlate(x, (x - 0.5) ** 2, bootstrap=200)
>>> c.rho.value, c.verdict.split(":")[0], round(c.monotone.r2, 6)
(1.0, 'monotone increasing', 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import isotonic_regression
from scipy.stats import rankdata, spearmanr

from hepscaling.errors import UsageError
from hepscaling.laws.bootstrap import percentile_interval
from hepscaling.laws.interval import Interval

__all__ = ["MetricCorrelation", "MonotoneFit", "correlate", "correlate_sweep", "spearman"]


def spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's rho of each row pair of ``x``, ``y`` float64 (b, n) -> float64 (b,) (``nan``
    for a row with a constant metric)."""
    rx, ry = rankdata(x, axis=-1), rankdata(y, axis=-1)
    rx -= rx.mean(axis=-1, keepdims=True)
    ry -= ry.mean(axis=-1, keepdims=True)
    norm = np.sqrt((rx * rx).sum(axis=-1) * (ry * ry).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, (rx * ry).sum(axis=-1) / norm, np.nan)


@dataclass(frozen=True)
class MonotoneFit:
    """Isotonic fit: ``x`` float64 (n,) sorted, fitted ``y`` float64 (n,) (non-decreasing if
    ``increasing`` else non-increasing), and ``r2``."""

    x: np.ndarray
    y: np.ndarray
    increasing: bool
    r2: float

    def predict(self, x: np.ndarray | float) -> np.ndarray:
        """The fit at ``x`` float64 (m,): linear between fitted points, constant beyond them."""
        return np.interp(np.atleast_1d(np.asarray(x, dtype=float)), self.x, self.y)


@dataclass(frozen=True)
class MetricCorrelation:
    """Rank correlation and monotone fit of ``y`` (e.g. SWD) versus ``x`` (e.g. val loss)."""

    x_name: str
    y_name: str
    x: np.ndarray
    y: np.ndarray
    rho: Interval
    p_value: float
    n_bootstrap: int
    monotone: MonotoneFit
    verdict: str

    def summary(self) -> str:
        """Two lines: rho with interval and p-value, and the verdict with the fit's r2."""
        return (f"Spearman rho({self.y_name}, {self.x_name}) = {self.rho}  "
                f"({self.x.size} runs, {self.rho.level:.0%} bootstrap interval from "
                f"{self.n_bootstrap} replicates, p = {self.p_value:.2g})\n"
                f"{self.verdict}; monotone fit r2 = {self.monotone.r2:.3f}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary, with the fitted step function."""
        return {"x": self.x_name, "y": self.y_name, "n_runs": int(self.x.size),
                "rho": self.rho.to_dict(), "p_value": self.p_value,
                "n_bootstrap": self.n_bootstrap, "verdict": self.verdict,
                "monotone": {"increasing": self.monotone.increasing, "r2": self.monotone.r2,
                             "x": self.monotone.x.tolist(), "y": self.monotone.y.tolist()}}


def _finite(name: str, values: object, n: int | None = None) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    if a.ndim != 1 or (n is not None and a.size != n):
        raise UsageError(f"{name} must be a 1-D sequence with one value per run, got shape "
                         f"{a.shape}")
    if not np.all(np.isfinite(a)):
        raise UsageError(f"{name} has NaN/inf values; drop unfinished runs first")
    return a


def correlate(x: object, y: object, *, x_name: str = "x", y_name: str = "y",
              bootstrap: int = 1000, seed: int = 0, level: float = 0.68,
              increasing: bool | None = None) -> MetricCorrelation:
    """Spearman correlation and isotonic fit of ``y`` versus ``x`` (module docstring).

    Parameters
    ----------
    x, y : float64 (n,)
        One value of each metric per run, finite.
    x_name, y_name : str
        Metric names for the summary.
    bootstrap : int
        Replicates (runs resampled with replacement) for the interval of rho.
    seed : int
        Seed of the resampling.
    level : float
        Confidence level of the interval.
    increasing : bool or None
        Direction of the monotone fit; ``None``: the sign of rho.

    Raises
    ------
    UsageError
        Fewer than 3 runs, NaN/inf, or a constant metric.
    """
    y = _finite(y_name, y)
    x = _finite(x_name, x, y.size)
    if x.size < 3:
        raise UsageError(f"a rank correlation needs at least 3 runs, got {x.size}; add runs")
    if not 0.0 < level < 1.0:
        raise UsageError(f"level must be in (0, 1), e.g. 0.68, got {level!r}")
    for name, a in ((x_name, x), (y_name, y)):
        if np.ptp(a) == 0:
            raise UsageError(f"{name} is the same in every run ({a[0]:g}); a rank correlation "
                             "needs runs that differ")
    rho, p_value = (float(v) for v in spearmanr(x, y))
    idx = np.random.default_rng(seed).integers(0, x.size, size=(bootstrap, x.size))
    replicates = spearman(x[idx], y[idx]) if bootstrap else np.empty(0)
    rho_iv = Interval(rho, *percentile_interval(replicates, level), level)
    up = rho >= 0 if increasing is None else increasing
    order = np.lexsort((y if up else -y, x))
    fitted = isotonic_regression(y[order], increasing=up).x
    r2 = 1.0 - float(np.sum((y[order] - fitted) ** 2) / np.sum((y - y.mean()) ** 2))
    if rho_iv.low > 0 or rho_iv.high < 0:
        verdict = (f"monotone {'increasing' if rho > 0 else 'decreasing'}: the "
                   f"{level:.0%} interval of rho excludes 0")
    else:
        verdict = f"no monotone relation resolved: the {level:.0%} interval of rho includes 0"
    return MetricCorrelation(x_name, y_name, x, y, rho_iv, p_value, bootstrap,
                             MonotoneFit(x[order], fitted, bool(up), r2), verdict)


def correlate_sweep(sweep: Any, x_metric: str, y_metric: str,
                    group_by: list[str] | None = None, **options: Any
                    ) -> list[tuple[dict[str, Any], MetricCorrelation | str]]:
    """:func:`correlate` of two metrics over the finished runs of a
    :class:`~hepscaling.laws.sweep.Sweep`, in one group (all runs) or per ``group_by`` config
    key. Returns ``(key, correlation or the reason it failed)`` per group; ``options`` go to
    :func:`correlate`.

    Raises
    ------
    UsageError
        A metric no run has, or no finished run with both.
    """
    from hepscaling.laws.sweep import group_keys

    xs, ys = sweep.for_metric(x_metric), sweep.for_metric(y_metric)
    done = xs.done[xs.done["run_id"].isin(set(ys.done["run_id"]))]
    if done.empty:
        raise UsageError(f"no finished run has both {x_metric!r} and {y_metric!r}")
    keys = group_keys(done, "D", group_by) if group_by else []
    groups = done.groupby([done[k].map(str) for k in keys], sort=True) if keys \
        else [((), done)]
    out: list[tuple[dict[str, Any], MetricCorrelation | str]] = []
    for _, runs in groups:
        key = {k: runs[k].iloc[0] for k in keys}
        try:
            out.append((key, correlate(runs[xs.metric].to_numpy(float),
                                       runs[ys.metric].to_numpy(float), x_name=x_metric,
                                       y_name=y_metric, **options)))
        except UsageError as exc:
            out.append((key, str(exc)))
    return out
