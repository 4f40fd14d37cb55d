"""Fitting entry points: ``fit_power_law``, ``fit_ceiling``, ``fit_joint``,
``fit_joint_ceiling`` (input checks, the best-practice estimator of
:mod:`hepscaling.laws.optimize`, bootstrap intervals).

All fits minimise the summed Huber loss (delta = 1e-3) of log residuals with multi-start
L-BFGS-B in log-parameter space, and attach bootstrap percentile intervals from ``bootstrap``
replicates over runs (scheme: :mod:`hepscaling.laws.bootstrap`; runs at the same scale point
differ only by seed). Every random choice comes from ``seed``.

Example
-------
>>> import numpy as np
>>> x = np.logspace(2, 5, 8)
>>> fit = fit_power_law(x, (1e3 / x) ** 0.5 + 1e-3, bootstrap=0)
>>> round(fit.params["alpha"], 3), round(fit.params["k"], 4)
(0.5, 0.001)
"""

from __future__ import annotations

from functools import partial

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.bootstrap import bootstrap_samples, choose_scheme
from hepscaling.laws.forms import JOINT, POWER, POWER_NO_FLOOR, Form
from hepscaling.laws.optimize import (
    Optimum,
    best_grid_points,
    minimize_huber,
    single_threaded_blas,
)
from hepscaling.laws.results import CeilingFit, JointCeilingFit, JointFit, PowerLawFit

__all__ = ["LawCore", "check_positive", "fit_ceiling", "fit_core", "fit_joint",
           "fit_joint_ceiling", "fit_notes",
           "fit_power_law", "scale_groups"]

LawCore = tuple[Optimum, dict[str, float], np.ndarray, int, str, tuple[str, ...]]


def check_positive(name: str, values: object, n: int | None = None) -> np.ndarray:
    """``values`` as a float64 (n,) array, or a one-line :class:`UsageError` saying why not.

    Checks: one-dimensional, length ``n`` if given, no NaN/inf, all ``> 0``.
    """
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{name} must be numbers, got {values!r:.60}") from exc
    if a.ndim != 1:
        raise UsageError(f"{name} must be a 1-D sequence, got shape {a.shape}")
    if n is not None and a.size != n:
        raise UsageError(f"{name} has {a.size} values but the other inputs have {n}; "
                         "pass one value per run")
    bad = np.flatnonzero(~np.isfinite(a))
    if bad.size:
        raise UsageError(f"{name} has {bad.size} NaN/inf value(s) (first at index {bad[0]}); "
                         "drop unfinished or diverged runs before fitting")
    bad = np.flatnonzero(a <= 0)
    if bad.size:
        raise UsageError(f"{name} must be > 0 for a log-space fit, got {a[bad[0]]:g} at index "
                         f"{bad[0]}; drop those runs or fit a positive metric")
    return a


def _check_sizes(law: str, n_points: int, distinct: dict[str, int], n_params: int) -> None:
    if n_points < n_params + 1:
        raise UsageError(f"{law} fit has {n_params} parameters and needs at least "
                         f"{n_params + 1} runs, got {n_points}; add runs (or use a law with "
                         "fewer parameters, e.g. floor=False)")
    for axis, count in distinct.items():
        need = 2 if law == "joint" else n_params
        if count < need:
            raise UsageError(f"{law} fit needs at least {need} distinct {axis} values, got "
                             f"{count} (all runs at the same {axis}?); sweep {axis} over more "
                             "values")


def _check_options(bootstrap: int, level: float) -> None:
    if not (isinstance(bootstrap, int | np.integer) and bootstrap >= 0):
        raise UsageError(f"bootstrap must be an integer >= 0, got {bootstrap!r}")
    if not 0.0 < level < 1.0:
        raise UsageError(f"level must be in (0, 1), e.g. 0.68, got {level!r}")


def scale_groups(*axes: np.ndarray) -> np.ndarray:
    """Scale-point label (n,) int per run: runs with equal values on all ``axes`` share one."""
    return np.unique(np.stack(axes, axis=1), axis=0, return_inverse=True)[1].ravel()


#: Note of a fit whose floor lies far below the data.
NO_PLATEAU = ("fitted floor is < 1e-3 of the smallest loss: the data show no plateau; the "
              "floor-free law (floor=False, --no-floor) is better determined")
#: A ceiling within this fraction of the smallest shortfall of the maximum is not resolved: the
#: data cannot tell it from the maximum itself (measured metrics scatter by more than that).
_SATURATION_RESOLUTION = 0.02


def _ceiling_notes(notes: tuple[str, ...], gap: float, shortfall: np.ndarray) -> tuple[str, ...]:
    """The notes of a fit on the shortfall ``top - metric`` in the words of the ceiling law:
    the floor note becomes a note that the ceiling is not determined when its ``gap`` below the
    maximum is under 2% of the smallest measured ``shortfall``."""
    notes = tuple(n for n in notes if n != NO_PLATEAU)
    if gap < _SATURATION_RESOLUTION * shortfall.min():
        notes += (f"fitted ceiling is within {gap:.2g} of the maximum, under "
                  f"{_SATURATION_RESOLUTION:.0%} of the smallest shortfall: the data show no "
                  "saturation, so the ceiling is not determined",)
    return notes


def fit_notes(form: Form, theta: np.ndarray, log_y: np.ndarray, n_points: int, n_failed: int,
              n_boot: int) -> tuple[str, ...]:
    """User-facing warnings: exponents at their search bounds, a floor far below the data
    (no plateau seen: percentile intervals become one-sided, the floor-free law is the better
    model), too few distinct scale points (``n_points``), failed bootstrap replicates."""
    notes = []
    for name, value, (lo, hi) in zip(form.theta_names, theta, form.bounds, strict=True):
        if name in ("alpha", "beta") and (value <= lo * 1.01 or value >= hi * 0.99):
            notes.append(f"exponent {name} = {value:.4g} is at its search bound [{lo}, {hi}]")
    if "e" in form.theta_names and form.name != "joint":
        e = theta[form.theta_names.index("e")]
        if e < log_y.min() - np.log(1e3):
            notes.append(NO_PLATEAU)
    if n_points < form.n_theta + 2:
        notes.append(f"only {n_points} scale points for {form.n_theta} parameters: bootstrap "
                     "intervals from so few points are unreliable")
    if n_failed:
        notes.append(f"{n_failed} of {n_boot} bootstrap replicates failed to fit")
    return tuple(notes)


def fit_core(form: Form, u: np.ndarray, mu: np.ndarray, log_y: np.ndarray, groups: np.ndarray,
             *, bootstrap: int, seed: int, scheme: str, min_distinct: int) -> LawCore:
    """Full-data fit plus bootstrap replicates for one :class:`Form`.

    Parameters
    ----------
    form : Form
    u : float64 (n, k)
        Centred coordinates (see :mod:`hepscaling.laws.forms`); ``mu`` float64 (k,) the centres.
    log_y : float64 (n,)
        Log of the measured losses.
    groups : int (n,)
        Scale-point label per run.

    Returns
    -------
    optimum, params, samples (bootstrap, n_params) float64, n_failed, scheme used, notes
    """
    scheme = choose_scheme(groups, scheme)
    with single_threaded_blas(), np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        best = minimize_huber(form, u, log_y)
        params = form.to_params(best.theta, mu)
        starts = best.theta[None] if form.convex else np.vstack(
            [best.theta, best_grid_points(form, u, log_y, 1)])

        def one(idx: np.ndarray) -> np.ndarray:
            opt = minimize_huber(form, u[idx], log_y[idx], starts=starts)
            return np.array(list(form.to_params(opt.theta, mu).values()))

        samples, n_failed = bootstrap_samples(one, groups, bootstrap, seed, scheme,
                                              min_distinct, len(params))
    notes = fit_notes(form, best.theta, log_y, int(np.unique(groups).size), n_failed, bootstrap)
    return best, params, samples, n_failed, scheme, notes


def fit_power_law(x: object, y: object, *, floor: bool = True, bootstrap: int = 200,
                  seed: int = 0, level: float = 0.68, scheme: str = "auto") -> PowerLawFit:
    """Fit ``L(X) = (x_c / X)^alpha + k`` (``floor=False`` fixes ``k = 0``).

    Parameters
    ----------
    x : float64 (n,)
        Scale of each run (D samples, N parameters or C FLOPs), > 0.
    y : float64 (n,)
        Measured loss of each run (e.g. test MSE), > 0.
    floor : bool
        Fit the floor ``k``; ``False`` for noise-free targets (amplitude regression).
    bootstrap : int
        Bootstrap replicates for the intervals (0: no intervals).
    seed : int
        Seed of the bootstrap resampling.
    level : float
        Confidence level of the percentile intervals.
    scheme : str
        ``auto``, ``runs`` or ``stratified`` (see :mod:`hepscaling.laws.bootstrap`).

    Raises
    ------
    UsageError
        Non-positive/NaN inputs, too few runs or distinct ``x`` values, bad options.
    """
    y = check_positive("loss", y)
    x = check_positive("x", x, y.size)
    _check_options(bootstrap, level)
    form = POWER if floor else POWER_NO_FLOOR
    _check_sizes(form.name, x.size, {"x": np.unique(x).size}, form.n_theta)
    mu = np.array([np.log(x).mean()])
    best, params, samples, n_failed, used, notes = fit_core(
        form, np.log(x)[:, None] - mu, mu, np.log(y), scale_groups(x), bootstrap=bootstrap,
        seed=seed, scheme=scheme, min_distinct=form.n_theta)
    refit = partial(_refit_power, x, y, dict(floor=floor, bootstrap=bootstrap, seed=seed,
                                             level=level, scheme=scheme))
    return PowerLawFit(form.name, params, samples, level, {"x": x, "y": y}, best.objective,
                       best.converged, n_failed, used, seed, refit, notes)


def _refit_power(x: np.ndarray, y: np.ndarray, options: dict, mask: np.ndarray) -> PowerLawFit:
    return fit_power_law(x[mask], y[mask], **options)


def fit_ceiling(x: object, metric: object, *, top: float = 1.0, bootstrap: int = 200,
                seed: int = 0, level: float = 0.68, scheme: str = "auto") -> CeilingFit:
    """Fit the accuracy-ceiling form ``A(X) = a_inf - a X^(-b)``.

    The fit is the power law with floor on the shortfall ``top - A`` (``top - A = (x_c/X)^b +
    k`` with ``a_inf = top - k``, ``a = x_c^b``), so the Huber loss acts on log relative
    errors of the shortfall, where the scaling is visible. ``top`` is the metric's maximum:
    1 for accuracy, AUC or background rejection efficiency-style metrics.

    Parameters
    ----------
    x : float64 (n,)
        Scale of each run, > 0.
    metric : float64 (n,)
        Measured metric (higher is better), each ``< top``.
    top, bootstrap, seed, level, scheme
        As in :func:`fit_power_law`; ``top`` bounds the metric from above.
    """
    metric = np.asarray(metric, dtype=float)
    shortfall = check_positive(f"{top:g} - metric (shortfall below the maximum)", top - metric)
    inner = fit_power_law(x, shortfall, floor=True, bootstrap=bootstrap, seed=seed, level=level,
                          scheme=scheme)

    def convert(x_c: np.ndarray, alpha: np.ndarray, k: np.ndarray) -> np.ndarray:
        return np.stack([top - k, x_c ** alpha, alpha], axis=-1)

    central = convert(*(np.array(v) for v in inner.params.values()))
    params = dict(zip(("a_inf", "a", "b"), map(float, central), strict=True))
    samples = convert(*inner.samples.T)
    refit = partial(_refit_ceiling, inner.data["x"], metric,
                    dict(top=top, bootstrap=bootstrap, seed=seed, level=level, scheme=scheme))
    return CeilingFit("ceiling", params, samples, level, {"x": inner.data["x"], "y": metric},
                      inner.objective, inner.converged, inner.n_failed, inner.scheme, seed, refit,
                      _ceiling_notes(inner.notes, inner.params["k"], shortfall))


def _refit_ceiling(x: np.ndarray, metric: np.ndarray, options: dict,
                   mask: np.ndarray) -> CeilingFit:
    return fit_ceiling(x[mask], metric[mask], **options)


def fit_joint(N: object, D: object, L: object, *, bootstrap: int = 200, seed: int = 0,
              level: float = 0.68, scheme: str = "auto") -> JointFit:
    """Fit ``L(N, D) = E + A / N^alpha + B / D^beta`` (Chinchilla approach 3).

    In log space the law is ``log L = logsumexp(e, a - alpha log N, b - beta log D)`` with
    ``E = exp(e)``, ``A = exp(a)``, ``B = exp(b)`` (Hoffmann et al. 2022, eq. 3).

    Parameters
    ----------
    N : float64 (n,)
        Trainable parameters of each run.
    D : float64 (n,)
        Training samples of each run.
    L : float64 (n,)
        Measured loss of each run.
    bootstrap, seed, level, scheme
        As in :func:`fit_power_law`.
    """
    y = check_positive("loss", L)
    n = check_positive("N", N, y.size)
    d = check_positive("D", D, y.size)
    _check_options(bootstrap, level)
    _check_sizes("joint", y.size, {"N": np.unique(n).size, "D": np.unique(d).size},
                 JOINT.n_theta)
    mu = np.array([np.log(n).mean(), np.log(d).mean()])
    u = np.stack([np.log(n), np.log(d)], axis=1) - mu
    best, params, samples, n_failed, used, notes = fit_core(
        JOINT, u, mu, np.log(y), scale_groups(n, d), bootstrap=bootstrap, seed=seed, scheme=scheme,
        min_distinct=JOINT.n_theta)
    refit = partial(_refit_joint, n, d, y, dict(bootstrap=bootstrap, seed=seed, level=level,
                                                scheme=scheme))
    return JointFit("joint", params, samples, level, {"N": n, "D": d, "y": y}, best.objective,
                    best.converged, n_failed, used, seed, refit, notes)


def _refit_joint(n: np.ndarray, d: np.ndarray, y: np.ndarray, options: dict,
                 mask: np.ndarray) -> JointFit:
    return fit_joint(n[mask], d[mask], y[mask], **options)


def fit_joint_ceiling(N: object, D: object, metric: object, *, top: float = 1.0,
                      bootstrap: int = 200, seed: int = 0, level: float = 0.68,
                      scheme: str = "auto") -> JointCeilingFit:
    """Fit the joint accuracy ceiling ``A(N, D) = a_inf - A / N^alpha - B / D^beta``.

    One ceiling ``a_inf`` for all model sizes and training-set sizes of an input
    representation (the form of Vigl et al. 2026 with D in place of C). Fitted as the joint
    law on the shortfall ``top - A = E + A / N^alpha + B / D^beta`` with ``a_inf = top - E``,
    as :func:`fit_ceiling` does along one axis.

    Parameters
    ----------
    N : float64 (n,)
        Trainable parameters of each run.
    D : float64 (n,)
        Training samples of each run.
    metric : float64 (n,)
        Measured metric (higher is better), each ``< top``.
    top, bootstrap, seed, level, scheme
        As in :func:`fit_ceiling`.
    """
    metric = np.asarray(metric, dtype=float)
    shortfall = check_positive(f"{top:g} - metric (shortfall below the maximum)", top - metric)
    inner = fit_joint(N, D, shortfall, bootstrap=bootstrap, seed=seed, level=level,
                      scheme=scheme)

    def convert(e: np.ndarray, *rest: np.ndarray) -> np.ndarray:
        return np.stack([top - e, *rest], axis=-1)

    params = dict(zip(("a_inf", "A", "alpha", "B", "beta"),
                      map(float, convert(*(np.array(v) for v in inner.params.values()))),
                      strict=True))
    notes = _ceiling_notes(inner.notes, inner.params["E"], shortfall)
    refit = partial(_refit_joint_ceiling, inner.data["N"], inner.data["D"], metric,
                    dict(top=top, bootstrap=bootstrap, seed=seed, level=level, scheme=scheme))
    return JointCeilingFit("joint_ceiling", params, convert(*inner.samples.T), level,
                           {"N": inner.data["N"], "D": inner.data["D"], "y": metric},
                           inner.objective, inner.converged, inner.n_failed, inner.scheme, seed,
                           refit, notes, top)


def _refit_joint_ceiling(n: np.ndarray, d: np.ndarray, metric: np.ndarray, options: dict,
                         mask: np.ndarray) -> JointCeilingFit:
    return fit_joint_ceiling(n[mask], d[mask], metric[mask], **options)
