"""Fitting entry points: ``fit_power_law``, ``fit_ceiling``, ``fit_joint``,
``fit_joint_ceiling`` (input checks, the best-practice estimator of
:mod:`hepscaling.laws.optimize`, bootstrap intervals).

All fits minimise the summed Huber loss of log residuals with multi-start L-BFGS-B in
log-parameter space (threshold from the residuals' spread, or fixed with ``huber_delta=``, see
:mod:`hepscaling.laws.optimize`), and attach bootstrap percentile intervals from ``bootstrap``
replicates over runs (scheme: :mod:`hepscaling.laws.bootstrap`; runs at the same scale point
differ only by seed), each replicate refitted with the same estimator. Every random choice
comes from ``seed``.

A parameter is *not determined* (listed in the result's ``undetermined``, with a note) when
its central fit or an end of its interval lies at the search bound, when the central value lies
outside its own interval (the fit moves when the runs barely change), or, for ceilings, when the
ceiling is not resolved from the maximum or lies below the measured data.

Example
-------
>>> import numpy as np
>>> x = np.logspace(2, 5, 8)
>>> fit = fit_power_law(x, (1e3 / x) ** 0.5 + 1e-3, bootstrap=0)
>>> round(fit.params["alpha"], 3), round(fit.params["k"], 4)
(0.5, 0.001)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from hepscaling.errors import UsageError
from hepscaling.laws.bootstrap import bootstrap_samples, choose_scheme, percentile_interval
from hepscaling.laws.forms import JOINT, POWER, POWER_NO_FLOOR, Form, joint_law, power_law
from hepscaling.laws.optimize import (
    Optimum,
    best_grid_points,
    fit_huber,
    robust_spread,
    single_threaded_blas,
)
from hepscaling.laws.results import CeilingFit, JointCeilingFit, JointFit, LawFit, PowerLawFit

__all__ = ["CoreFit", "check_positive", "fit_ceiling", "fit_core", "fit_joint",
           "fit_joint_ceiling", "fit_power_law", "floor_unresolved", "judge", "law_result",
           "refitter", "scale_groups"]


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
        # joint: with 2 distinct N, E + A / N^alpha is known at 2 points only, which cannot
        # fix its 3 parameters (likewise D); a single-axis law needs one value per parameter
        need = 3 if law == "joint" else n_params
        if count < need:
            raise UsageError(f"{law} fit needs at least {need} distinct {axis} values, got "
                             f"{count}; sweep {axis} over more values")


def _check_options(bootstrap: int, level: float, huber_delta: float | None) -> None:
    if not (isinstance(bootstrap, int | np.integer) and bootstrap >= 0):
        raise UsageError(f"bootstrap must be an integer >= 0, got {bootstrap!r}")
    if not 0.0 < level < 1.0:
        raise UsageError(f"level must be in (0, 1), e.g. 0.68, got {level!r}")
    if huber_delta is not None and not (np.isfinite(huber_delta) and huber_delta > 0):
        raise UsageError(f"huber_delta must be a number > 0 (e.g. 1e-3, Chinchilla's) or None "
                         f"(from the data), got {huber_delta!r}")


def scale_groups(*axes: np.ndarray) -> np.ndarray:
    """Scale-point label (n,) int per run: runs with equal values on all ``axes`` share one."""
    return np.unique(np.stack(axes, axis=1), axis=0, return_inverse=True)[1].ravel()


def refitter(fit: Callable[..., LawFit], arrays: tuple[np.ndarray, ...],
             options: dict[str, Any]) -> Callable[[np.ndarray], LawFit]:
    """The ``refit`` of a result: ``mask (n,) bool -> fit(*(a[mask] for a in arrays),
    **options)``, the same fit on a subset of the runs (``arrays`` float64 (n,) each)."""
    return partial(_refit, fit, arrays, options)


def _refit(fit: Callable[..., LawFit], arrays: tuple[np.ndarray, ...], options: dict[str, Any],
           mask: np.ndarray) -> LawFit:
    return fit(*(a[mask] for a in arrays), **options)


#: Note of a fit whose floor lies far below the data.
NO_PLATEAU = ("fitted floor is < 1e-3 of the smallest loss: the data show no plateau; the "
              "floor-free law (floor=False, --no-floor) is better determined")
#: A ceiling within this fraction of the smallest shortfall of the maximum is not resolved: the
#: data cannot tell it from the maximum itself (measured metrics scatter by more than that).
_SATURATION_RESOLUTION = 0.02
#: A ceiling more than this many residual spreads below the best measured value lies below the
#: data, not within their scatter.
_BELOW_DATA_SPREADS = 3.0
#: A fit parameter within this fraction of its search range from a bound is at the bound.
_AT_BOUND = 1e-3
#: Amplitude fit parameter of each exponent: an exponent at its bound leaves it meaningless too.
_AMPLITUDE_OF = {"alpha": "a", "beta": "b"}


@dataclass(frozen=True)
class CoreFit:
    """Full-data fit and bootstrap replicates of one :class:`Form`.

    Attributes
    ----------
    optimum : Optimum
        The full-data optimum (``theta``, objective, convergence, Huber ``delta``).
    params : dict
        Physical parameters of the optimum (the form's ``to_params``).
    samples : float64 (n_bootstrap, n_params)
        Replicate parameters in the order of ``params``; NaN rows for failed replicates.
    n_failed : int
    scheme : str
        Bootstrap scheme used.
    notes : tuple of str
        Notes on the design and the replicates (no plateau, few points, failed replicates).
    bounded : tuple of str
        Parameters whose central fit, or an end of whose interval, lies at a search bound.
    """

    optimum: Optimum
    params: dict[str, float]
    samples: np.ndarray
    n_failed: int
    scheme: str
    notes: tuple[str, ...]
    bounded: tuple[str, ...]


def _bounded(form: Form, theta: np.ndarray, thetas: np.ndarray, level: float) -> tuple[str, ...]:
    """Names of the physical parameters whose fit parameter is at a bound in the central fit
    ``theta`` (p,), or in more than the ``(1 - level) / 2`` tail of the replicates ``thetas``
    (b, p) (then an end of the percentile interval is the bound)."""
    lows, highs = np.array(form.bounds).T
    margin = _AT_BOUND * (highs - lows)

    def at(t: np.ndarray) -> np.ndarray:
        return (t - lows <= margin) | (highs - t <= margin)

    finite = thetas[np.all(np.isfinite(thetas), axis=1)]
    tail = at(finite).mean(axis=0) > (1.0 - level) / 2.0 if finite.size else \
        np.zeros(form.n_theta, bool)
    hit = set(np.array(form.theta_names)[at(theta) | tail])
    hit |= {_AMPLITUDE_OF[name] for name in hit if name in _AMPLITUDE_OF}
    return tuple(p for t, p in zip(form.theta_names, form.param_names, strict=False) if t in hit)


def _design_notes(form: Form, theta: np.ndarray, log_y: np.ndarray, n_points: int,
                  n_failed: int, n_boot: int) -> tuple[str, ...]:
    """Notes on a fit: a floor far below the data (no plateau seen: the floor-free law is the
    better model), too few distinct scale points (``n_points``), failed bootstrap replicates."""
    notes = []
    if "e" in form.theta_names and form.name != "joint":
        if theta[form.theta_names.index("e")] < log_y.min() - np.log(1e3):
            notes.append(NO_PLATEAU)
    if n_points < form.n_theta + 2:
        notes.append(f"only {n_points} scale points for {form.n_theta} parameters: bootstrap "
                     "intervals from so few points are unreliable")
    if n_failed:
        notes.append(f"{n_failed} of {n_boot} bootstrap replicates failed to fit")
    return tuple(notes)


def fit_core(form: Form, u: np.ndarray, mu: np.ndarray, log_y: np.ndarray, groups: np.ndarray,
             *, bootstrap: int, seed: int, scheme: str, min_distinct: int, level: float,
             huber_delta: float | None) -> CoreFit:
    """Full-data fit plus bootstrap replicates for one :class:`Form`, all with
    :func:`hepscaling.laws.optimize.fit_huber` (threshold ``huber_delta``; ``None``: from each
    data set's residuals).

    Parameters
    ----------
    form : Form
    u : float64 (n, k)
        Centred coordinates (see :mod:`hepscaling.laws.forms`); ``mu`` float64 (k,) the centres.
    log_y : float64 (n,)
        Log of the measured losses.
    groups : int (n,)
        Scale-point label per run.
    """
    _check_options(bootstrap, level, huber_delta)
    scheme = choose_scheme(groups, scheme)
    with single_threaded_blas(), np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        best, ls = fit_huber(form, u, log_y, huber_delta)
        grid = np.empty((0, form.n_theta)) if form.convex else \
            best_grid_points(form, u, log_y, 1, best.delta)
        starts = (np.vstack([ls.theta, grid]), np.vstack([best.theta, grid]))

        def one(idx: np.ndarray, log_y_rep: np.ndarray) -> np.ndarray:
            return fit_huber(form, u[idx], log_y_rep, huber_delta, starts=starts)[0].theta

        thetas, n_failed = bootstrap_samples(one, groups, log_y, bootstrap, seed, scheme,
                                             min_distinct, form.n_theta,
                                             fitted=form.log_predict(best.theta, u)[0],
                                             level=level)
        params = form.to_params(best.theta, mu)
        samples = np.array([list(form.to_params(t, mu).values()) for t in thetas]).reshape(
            bootstrap, len(params))
    notes = _design_notes(form, best.theta, log_y, int(np.unique(groups).size), n_failed,
                          bootstrap)
    return CoreFit(best, params, samples, n_failed, scheme, notes,
                   _bounded(form, best.theta, thetas, level))


def judge(params: dict[str, float], samples: np.ndarray, level: float,
          bounded: tuple[str, ...]) -> tuple[dict[str, str], tuple[str, ...]]:
    """Which parameters are not determined, why in a few words, and the notes saying why.

    ``bounded`` (from :class:`CoreFit`, in the names of ``params``) are at a search bound; a
    parameter whose central value lies outside its own percentile interval of ``samples``
    (b, n_params) moves when the runs barely change. Returns ``(reasons, notes)``: ``reasons``
    maps each undetermined name to its short reason.
    """
    reasons = {name: "at its search bound" for name in bounded}
    notes = [f"{name} = {params[name]:.4g}: its fit or its interval reaches the search bound, so "
             f"it is not determined" for name in bounded]
    if samples.shape[0]:
        for i, (name, value) in enumerate(params.items()):
            lo, hi = percentile_interval(samples[:, i], level)
            if name not in bounded and not lo <= value <= hi:
                reasons[name] = f"outside its own {level:.0%} interval"
                notes.append(f"{name} = {value:.4g} lies outside its own {level:.0%} interval "
                             f"[{lo:.4g}, {hi:.4g}]: it moves when the runs barely change, so "
                             "it is not determined")
    return reasons, tuple(notes)


def law_result(cls: type[LawFit], law: str, core: CoreFit, params: dict[str, float],
            samples: np.ndarray, level: float, data: dict[str, np.ndarray], seed: int,
            refit: Callable[[np.ndarray], LawFit], bounded: tuple[str, ...],
            notes: tuple[str, ...], unresolved: dict[str, str] | None = None,
            **extra: Any) -> Any:
    """The result object ``cls`` of a fit from its core and its (converted) parameters;
    ``unresolved`` parameters (name -> short reason, which takes precedence over the judged
    one) are not determined for reasons ``notes`` already give."""
    reasons, judged = judge(params, samples, level, bounded)
    reasons.update(unresolved or {})
    return cls(law, params, samples, level, data, core.optimum.objective,
               core.optimum.converged, core.n_failed, core.scheme, seed, refit,
               notes + judged, undetermined=tuple(reasons), reasons=reasons, **extra)


def _ceiling_judgement(gap: float, shortfall: np.ndarray, residual_spread: float,
                       ) -> tuple[dict[str, str], tuple[str, ...]]:
    """Whether a ceiling ``gap`` below the maximum is not determined, and why: under 2% of the
    smallest measured ``shortfall`` (not resolved from the maximum), or more than 3 residual
    spreads (of the metric) below the best measured value. Returns ``({"a_inf": short
    reason} or {}, notes)``."""
    notes, reasons = [], {}
    if gap < _SATURATION_RESOLUTION * shortfall.min():
        notes.append(f"fitted ceiling is within {gap:.2g} of the maximum, under "
                     f"{_SATURATION_RESOLUTION:.0%} of the smallest shortfall: the data show no "
                     "saturation, so the ceiling is not determined")
        reasons["a_inf"] = "the data show no saturation"
    below = gap - shortfall.min()
    if below > _BELOW_DATA_SPREADS * residual_spread:
        notes.append(f"fitted ceiling lies {below:.3g} below the best measured value (more than "
                     f"{_BELOW_DATA_SPREADS:g} residual spreads): the ceiling is not determined")
        reasons.setdefault("a_inf", "below the measured data")
    return reasons, tuple(notes)


def _power_core(x: object, y: object, *, floor: bool, bootstrap: int, seed: int, level: float,
                scheme: str, huber_delta: float | None) -> tuple[CoreFit, np.ndarray, np.ndarray]:
    """Checked inputs and the :class:`CoreFit` of the power law: ``(core, x, y)``."""
    y = check_positive("loss", y)
    x = check_positive("x", x, y.size)
    form = POWER if floor else POWER_NO_FLOOR
    _check_sizes(form.name, x.size, {"x": np.unique(x).size}, form.n_theta)
    mu = np.array([np.log(x).mean()])
    core = fit_core(form, np.log(x)[:, None] - mu, mu, np.log(y), scale_groups(x),
                    bootstrap=bootstrap, seed=seed, scheme=scheme, min_distinct=form.n_theta,
                    level=level, huber_delta=huber_delta)
    return core, x, y


def fit_power_law(x: object, y: object, *, floor: bool = True, bootstrap: int = 200,
                  seed: int = 0, level: float = 0.68, scheme: str = "auto",
                  huber_delta: float | None = None) -> PowerLawFit:
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
    huber_delta : float or None
        Huber threshold on log residuals; ``None`` (default): from the residuals' spread;
        ``1e-3``: Chinchilla's fixed choice (see :mod:`hepscaling.laws.optimize`).

    Raises
    ------
    UsageError
        Non-positive/NaN inputs, too few runs or distinct ``x`` values, bad options.
    """
    options: dict[str, Any] = dict(floor=floor, bootstrap=bootstrap, seed=seed, level=level,
                                   scheme=scheme, huber_delta=huber_delta)
    core, x, y = _power_core(x, y, **options)
    return law_result(PowerLawFit, "power" if floor else "power_no_floor", core,
                      core.params, core.samples, level, {"x": x, "y": y}, seed,
                      refitter(fit_power_law, (x, y), options), core.bounded, core.notes,
                      floor_unresolved(core))


def floor_unresolved(core: CoreFit) -> dict[str, str]:
    """``{"k": short reason}`` when the fit's floor lies far below the data
    (:data:`NO_PLATEAU`): the data do not determine it (its replicates barely move from their
    start), else ``{}``."""
    return {"k": "the data show no plateau"} if NO_PLATEAU in core.notes else {}


#: Names of the ceiling law's parameters for those of the power law fitted to the shortfall.
_CEILING_NAMES = {"x_c": "a", "alpha": "b", "k": "a_inf"}


def fit_ceiling(x: object, metric: object, *, top: float = 1.0, bootstrap: int = 200,
                seed: int = 0, level: float = 0.68, scheme: str = "auto",
                huber_delta: float | None = None) -> CeilingFit:
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
    top, bootstrap, seed, level, scheme, huber_delta
        As in :func:`fit_power_law`; ``top`` bounds the metric from above.
    """
    metric = np.asarray(metric, dtype=float)
    shortfall = check_positive(f"{top:g} - metric (shortfall below the maximum)", top - metric)
    options: dict[str, Any] = dict(bootstrap=bootstrap, seed=seed, level=level, scheme=scheme,
                   huber_delta=huber_delta)
    core, x, _ = _power_core(x, shortfall, floor=True, **options)

    def convert(x_c: ArrayLike, alpha: ArrayLike, k: ArrayLike) -> np.ndarray:
        return np.stack([top - np.asarray(k), np.asarray(x_c) ** alpha, alpha], axis=-1)

    params = dict(zip(("a_inf", "a", "b"), map(float, convert(*core.params.values())),
                      strict=True))
    spread = robust_spread(shortfall - power_law(x, **core.params))
    open_ceiling, notes = _ceiling_judgement(core.params["k"], shortfall, spread)
    return law_result(CeilingFit, "ceiling", core, params, convert(*core.samples.T), level,
                      {"x": x, "y": metric}, seed,
                      refitter(fit_ceiling, (x, metric), dict(top=top, **options)),
                      tuple(_CEILING_NAMES[n] for n in core.bounded),
                      tuple(n for n in core.notes if n != NO_PLATEAU) + notes, open_ceiling)


def _joint_core(N: object, D: object, L: object, *, bootstrap: int, seed: int, level: float,
                scheme: str, huber_delta: float | None
                ) -> tuple[CoreFit, np.ndarray, np.ndarray, np.ndarray]:
    """Checked inputs and the :class:`CoreFit` of the joint law: ``(core, n, d, y)``."""
    y = check_positive("loss", L)
    n = check_positive("N", N, y.size)
    d = check_positive("D", D, y.size)
    _check_sizes("joint", y.size, {"N": np.unique(n).size, "D": np.unique(d).size},
                 JOINT.n_theta)
    mu = np.array([np.log(n).mean(), np.log(d).mean()])
    u = np.stack([np.log(n), np.log(d)], axis=1) - mu
    core = fit_core(JOINT, u, mu, np.log(y), scale_groups(n, d), bootstrap=bootstrap, seed=seed,
                    scheme=scheme, min_distinct=JOINT.n_theta, level=level,
                    huber_delta=huber_delta)
    return core, n, d, y


def fit_joint(N: object, D: object, L: object, *, bootstrap: int = 200, seed: int = 0,
              level: float = 0.68, scheme: str = "auto",
              huber_delta: float | None = None) -> JointFit:
    """Fit ``L(N, D) = E + A / N^alpha + B / D^beta`` (Chinchilla approach 3).

    In log space the law is ``log L = logsumexp(e, a - alpha log N, b - beta log D)`` with
    ``E = exp(e)``, ``A = exp(a)``, ``B = exp(b)`` (Hoffmann et al. 2022, eq. 3). Pass
    ``huber_delta=1e-3`` for their estimator (and Besiroglu et al.'s replication of it).

    Parameters
    ----------
    N : float64 (n,)
        Trainable parameters of each run.
    D : float64 (n,)
        Training samples of each run.
    L : float64 (n,)
        Measured loss of each run.
    bootstrap, seed, level, scheme, huber_delta
        As in :func:`fit_power_law`.

    Raises
    ------
    UsageError
        As :func:`fit_power_law`; also with fewer than 3 distinct ``N`` or ``D``.
    """
    options: dict[str, Any] = dict(bootstrap=bootstrap, seed=seed, level=level, scheme=scheme,
                   huber_delta=huber_delta)
    core, n, d, y = _joint_core(N, D, L, **options)
    return law_result(JointFit, "joint", core, core.params, core.samples, level,
                   {"N": n, "D": d, "y": y}, seed, refitter(fit_joint, (n, d, y), options),
                   core.bounded, core.notes)


def fit_joint_ceiling(N: object, D: object, metric: object, *, top: float = 1.0,
                      bootstrap: int = 200, seed: int = 0, level: float = 0.68,
                      scheme: str = "auto", huber_delta: float | None = None
                      ) -> JointCeilingFit:
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
    top, bootstrap, seed, level, scheme, huber_delta
        As in :func:`fit_ceiling`.
    """
    metric = np.asarray(metric, dtype=float)
    shortfall = check_positive(f"{top:g} - metric (shortfall below the maximum)", top - metric)
    options: dict[str, Any] = dict(bootstrap=bootstrap, seed=seed, level=level, scheme=scheme,
                   huber_delta=huber_delta)
    core, n, d, _ = _joint_core(N, D, shortfall, **options)

    def convert(e: ArrayLike, *rest: ArrayLike) -> np.ndarray:
        return np.stack([top - np.asarray(e), *rest], axis=-1)

    params = dict(zip(("a_inf", "A", "alpha", "B", "beta"),
                      map(float, convert(*core.params.values())), strict=True))
    p = core.params
    spread = robust_spread(shortfall - joint_law(n, d, p["E"], p["A"], p["alpha"], p["B"],
                                                 p["beta"]))
    open_ceiling, notes = _ceiling_judgement(p["E"], shortfall, spread)
    return law_result(JointCeilingFit, "joint_ceiling", core, params, convert(*core.samples.T),
                      level, {"N": n, "D": d, "y": metric}, seed,
                      refitter(fit_joint_ceiling, (n, d, metric), dict(top=top, **options)),
                      tuple("a_inf" if name == "E" else name for name in core.bounded),
                      core.notes + notes, open_ceiling, top=top)
