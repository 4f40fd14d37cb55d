"""Fit result objects: parameters with bootstrap intervals, ``predict`` bands and ``solve``.

Every result keeps the full-data parameters (the central values), the bootstrap parameter
samples (one row per replicate) and the data it was fitted to. Intervals of derived quantities
(predictions, the size reaching a target loss, the compute-optimal allocation) are percentile
intervals over the same replicates, so they carry the correlations between parameters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws import frontier
from hepscaling.laws.bootstrap import percentile_interval
from hepscaling.laws.forms import ceiling_law, power_law
from hepscaling.laws.interval import Interval

__all__ = ["Band", "CeilingFit", "Interval", "JointCeilingFit", "JointFit", "LawFit",
           "PowerLawFit", "make_band", "quiet"]


def quiet(func: Callable) -> Callable:
    """Run ``func`` with numpy's overflow/invalid/divide warnings off: extreme bootstrap
    replicates may overflow to inf (e.g. an unreachable target), which the percentile
    intervals handle."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            return func(*args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class Band:
    """Point-wise prediction band: ``value``, ``low``, ``high`` float64 (n,), at ``level``."""

    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    level: float

    def at(self, i: int) -> Interval:
        """The band at point ``i`` as an :class:`Interval`."""
        return Interval(float(self.value[i]), float(self.low[i]), float(self.high[i]), self.level)


def make_band(central: np.ndarray, per_sample: list[np.ndarray], level: float) -> Band:
    """Band from the central curve (n,) and one curve (n,) per bootstrap replicate."""
    central = np.atleast_1d(np.asarray(central, dtype=float))
    if not per_sample:
        nan = np.full_like(central, np.nan)
        return Band(central, nan, nan.copy(), level)
    stack = np.vstack([np.atleast_1d(p) for p in per_sample])
    lows, highs = zip(*(percentile_interval(stack[:, i], level) for i in range(stack.shape[1])),
                      strict=True)
    return Band(central, np.array(lows), np.array(highs), level)


@dataclass(frozen=True)
class LawFit:
    """Common part of all fit results.

    Attributes
    ----------
    law : str
        ``power``, ``power_no_floor``, ``ceiling``, ``joint``, ``joint_ceiling`` or
        ``repetition``.
    params : dict
        Full-data best-fit parameters (see the subclass for names and meaning).
    samples : float64 (n_bootstrap, n_params)
        Bootstrap replicate parameters in the order of ``params``; NaN rows are failed fits.
    level : float
        Confidence level of all intervals (e.g. 0.68).
    data : dict of float64 (n,)
        The fitted points (``x``, ``y`` or ``N``, ``D``, ``y``).
    objective : float
        Summed Huber loss at the optimum.
    converged : bool
        L-BFGS-B's convergence flag at the best start.
    n_failed : int
        Bootstrap replicates whose fit failed.
    scheme : str
        Bootstrap scheme used (``runs`` or ``stratified``, see :mod:`hepscaling.laws.bootstrap`).
    seed : int
        Seed of the bootstrap resampling.
    refit : callable
        ``mask (n,) bool -> LawFit``: the same fit on a subset of the points (used by the
        extrapolation check).
    notes : tuple of str
        Warnings about the fit for the user (parameter at a bound, failed replicates).
    undetermined : tuple of str
        Names of the parameters the data do not determine (at a search bound, outside their
        own interval, a ceiling below the data); the notes say why. Show "not determined"
        instead of their numbers (:meth:`shown`); quantities derived from them are refused
        (:meth:`require_determined`).
    reasons : dict of str
        Parameter name -> why it is not determined, in a few words (for every name in
        ``undetermined``; the notes give the full explanation).
    """

    law: str
    params: dict[str, float]
    samples: np.ndarray
    level: float
    data: dict[str, np.ndarray]
    objective: float
    converged: bool
    n_failed: int
    scheme: str
    seed: int
    refit: Callable[[np.ndarray], LawFit] = field(repr=False, compare=False)
    notes: tuple[str, ...] = ()
    undetermined: tuple[str, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def n_bootstrap(self) -> int:
        """Number of bootstrap replicates requested."""
        return int(self.samples.shape[0])

    def _sample_params(self) -> list[dict[str, float]]:
        names = list(self.params)
        return [dict(zip(names, row, strict=True)) for row in self.samples
                if np.all(np.isfinite(row))]

    @property
    def intervals(self) -> dict[str, Interval]:
        """Each parameter with its bootstrap percentile interval."""
        out = {}
        for i, (name, value) in enumerate(self.params.items()):
            lo, hi = percentile_interval(self.samples[:, i], self.level)
            out[name] = Interval(value, lo, hi, self.level)
        return out

    def shown(self, name: str) -> Interval | str:
        """Parameter ``name`` as shown to a user: its :class:`Interval`, or ``"not determined
        (reason)"`` when the data do not determine it."""
        if name in self.undetermined:
            return f"not determined ({self.reasons.get(name, 'see the notes')})"
        return self.intervals[name]

    def require_determined(self, what: str, needs: Iterable[str] | None = None) -> None:
        """Refuse ``what`` (a derived quantity, e.g. "the D reaching 1e-4") when it depends on
        a parameter the data do not determine.

        ``needs``: the parameter names ``what`` depends on (default: all of them).

        Raises
        ------
        UsageError
            Naming the undetermined parameters, why, and what would determine them.
        """
        names = [n for n in (self.params if needs is None else needs) if n in self.undetermined]
        if not names:
            return
        why = ", ".join(f"{n} ({self.reasons.get(n, 'see the notes')})" for n in names)
        fix = "fit without the floor (--no-floor) or " if "k" in names and \
            self.law == "power" else ""
        raise UsageError(f"{what} is not determined: it depends on {why}, which the data do not "
                         f"determine; {fix}add runs at larger scale")

    def summary(self) -> str:
        """Multi-line text: the formula, each parameter with its interval, and the notes."""
        formula = {"power": "L = (x_c / X)^alpha + k", "power_no_floor": "L = (x_c / X)^alpha",
                   "log": "L = a - b ln X",
                   "ceiling": "A = a_inf - a X^-b", "joint": "L = E + A / N^alpha + B / D^beta",
                   "joint_ceiling": "A = a_inf - A / N^alpha - B / D^beta",
                   "repetition": "L = (x_c / D')^alpha + k, D' = U min(E, 1) + U r_star "
                                 "(1 - e^(-R/r_star)), R = max(E - 1, 0)"}
        lines = [f"{formula.get(self.law, self.law)}  ({self.data['y'].size} runs, "
                 f"{self.level:.0%} bootstrap intervals from {self.n_bootstrap} replicates)"]
        lines += [f"  {name:>6} = {self.shown(name)}" for name in self.params]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: law, parameters with intervals, fit diagnostics."""
        return {
            "law": self.law, "level": self.level, "n_points": int(self.data["y"].size),
            "params": {k: self._param_dict(k, v) for k, v in self.intervals.items()},
            "objective": self.objective, "converged": self.converged,
            "n_bootstrap": self.n_bootstrap, "n_failed": self.n_failed, "scheme": self.scheme,
            "seed": self.seed, "notes": list(self.notes),
            "undetermined": list(self.undetermined),
        }


    def _param_dict(self, name: str, iv: Interval) -> dict[str, Any]:
        """``iv.to_dict()``, or for an undetermined parameter null numbers and its ``note``."""
        if name not in self.undetermined:
            return iv.to_dict()
        return {"value": None, "low": None, "high": None, "level": iv.level,
                "note": f"not determined ({self.reasons.get(name, 'see the notes')})"}


@dataclass(frozen=True)
class PowerLawFit(LawFit):
    """``L(X) = (x_c / X)^alpha + k``; params ``x_c`` (unit of X), ``alpha``, ``k`` (unit of L;
    exactly 0 for ``law="power_no_floor"``). ``data``: ``x``, ``y``."""

    @quiet
    def predict(self, x: np.ndarray | float) -> Band:
        """Predicted loss at ``x`` float64 (n,) with its band."""
        x = np.atleast_1d(np.asarray(x, dtype=float))
        return make_band(power_law(x, **self.params),
                     [power_law(x, **p) for p in self._sample_params()], self.level)

    @quiet
    def solve(self, target: float) -> Interval:
        """The ``X`` at which the law reaches the loss ``target``, with its interval.

        Replicates whose floor lies at or above ``target`` never reach it and count as
        ``X = inf`` (an infinite upper end means the data cannot exclude that).

        Raises
        ------
        UsageError
            If ``target`` is at or below the fitted floor ``k`` (or not positive), or a
            parameter is not determined.
        """
        self.require_determined(f"the scale reaching {target:g}")
        k = self.params["k"]
        if not target > k:
            raise UsageError(f"target loss {target:g} is at or below the fitted floor K = {k:.4g}; "
                             "no amount of X reaches it (choose a target above the floor)")
        return Interval(_solve_power(target, **self.params),
                        *percentile_interval(np.array([_solve_power(target, **p)
                                                       for p in self._sample_params()]),
                                             self.level), self.level)


def _solve_power(target: float, x_c: float, alpha: float, k: float) -> float:
    gap = target - k
    return float(x_c * gap ** (-1.0 / alpha)) if gap > 0 else float("inf")


@dataclass(frozen=True)
class CeilingFit(LawFit):
    """``A(X) = a_inf - a X^(-b)`` for a metric that grows towards a ceiling ``a_inf`` (accuracy,
    AUC); params ``a_inf``, ``a``, ``b``. Fitted as a power law with floor on the shortfall
    ``top - A`` (``top`` = the metric's maximum, 1 for accuracy/AUC), see
    :func:`hepscaling.laws.fit.fit_ceiling`. ``data``: ``x``, ``y`` (the metric itself)."""

    @quiet
    def predict(self, x: np.ndarray | float) -> Band:
        """Predicted metric at ``x`` float64 (n,) with its band."""
        x = np.atleast_1d(np.asarray(x, dtype=float))
        return make_band(ceiling_law(x, **self.params),
                     [ceiling_law(x, **p) for p in self._sample_params()], self.level)

    @quiet
    def solve(self, target: float) -> Interval:
        """The ``X`` at which the metric reaches ``target`` (from below), with its interval.

        Raises
        ------
        UsageError
            If ``target`` is at or above the fitted ceiling ``a_inf``, or a parameter is not
            determined.
        """
        self.require_determined(f"the scale reaching {target:g}")
        a_inf = self.params["a_inf"]
        if not target < a_inf:
            raise UsageError(f"target {target:g} is at or above the fitted ceiling "
                             f"A_inf = {a_inf:.4g}; no amount of X reaches it (choose a lower "
                             "target)")

        def one(p: dict[str, float]) -> float:
            gap = p["a_inf"] - target
            return float((p["a"] / gap) ** (1.0 / p["b"])) if gap > 0 else float("inf")

        samples = np.array([one(p) for p in self._sample_params()])
        return Interval(one(self.params), *percentile_interval(samples, self.level), self.level)


@dataclass(frozen=True)
class JointFit(LawFit):
    """``L(N, D) = E + A / N^alpha + B / D^beta``; params ``E``, ``A``, ``alpha``, ``B``,
    ``beta`` (N = trainable parameters, D = training samples). ``data``: ``N``, ``D``, ``y``."""

    @quiet
    def predict(self, N: np.ndarray | float, D: np.ndarray | float) -> Band:
        """Predicted loss at ``(N, D)`` float64 (n,) each, with its band."""
        N, D = np.broadcast_arrays(np.atleast_1d(np.asarray(N, dtype=float)),
                                   np.atleast_1d(np.asarray(D, dtype=float)))
        return make_band(frontier.joint_loss(self.params, N, D),
                     [frontier.joint_loss(p, N, D) for p in self._sample_params()], self.level)

    @quiet
    def solve(self, target: float, *, N: float | None = None, D: float | None = None,
              flops_per_sample: Callable[[float], float] | None = None) -> Interval:
        """What reaches the loss ``target``: ``D`` at fixed ``N=``, ``N`` at fixed ``D=``, or,
        with neither, the smallest compute ``C`` on the compute-optimal frontier (``C = 6 N D``
        unless ``flops_per_sample(N)`` is given, see :mod:`hepscaling.laws.frontier`).

        Raises
        ------
        UsageError
            If ``target`` is at or below the reachable floor (``E``, plus the fixed axis' term),
            or a parameter is not determined.
        """
        if N is not None and D is not None:
            raise UsageError("give at most one of N= and D= to JointFit.solve (the other is "
                             "solved for; give neither for the compute-optimal C)")
        self.require_determined(f"the {'D' if N is not None else 'N' if D is not None else 'C'} "
                                f"reaching {target:g}")

        def one(p: dict[str, float]) -> float:
            if N is not None:
                return _solve_power(target, p["B"] ** (1 / p["beta"]), p["beta"],
                                    p["E"] + p["A"] * N ** -p["alpha"])
            if D is not None:
                return _solve_power(target, p["A"] ** (1 / p["alpha"]), p["alpha"],
                                    p["E"] + p["B"] * D ** -p["beta"])
            return frontier.compute_for_loss(p, target, flops_per_sample)

        central = one(self.params)
        if not np.isfinite(central):
            floor = self.params["E"]
            if N is not None:
                floor += self.params["A"] * N ** -self.params["alpha"]
            if D is not None:
                floor += self.params["B"] * D ** -self.params["beta"]
            raise UsageError(f"target loss {target:g} is at or below the reachable floor "
                             f"{floor:.4g} (E = {self.params['E']:.4g} plus the fixed axis' term); "
                             "choose a higher target or a larger fixed N/D")
        samples = np.array([one(p) for p in self._sample_params()])
        return Interval(central, *percentile_interval(samples, self.level), self.level)

    @quiet
    def frontier_exponents(self) -> dict[str, Interval]:
        """Exponents of the compute-optimal frontier ``N* ~ C^a``, ``D* ~ C^b`` for
        ``C ~ N D``: ``a = beta / (alpha + beta)``, ``b = alpha / (alpha + beta)``.

        Raises
        ------
        UsageError
            If ``alpha`` or ``beta`` is not determined.
        """
        self.require_determined("the compute-optimal frontier", ("alpha", "beta"))
        def ab(alpha: np.ndarray | float, beta: np.ndarray | float) -> tuple[Any, Any]:
            return beta / (alpha + beta), alpha / (alpha + beta)

        a, b = ab(self.params["alpha"], self.params["beta"])
        sa, sb = ab(self.samples[:, 2], self.samples[:, 4])
        return {"a": Interval(float(a), *percentile_interval(sa, self.level), self.level),
                "b": Interval(float(b), *percentile_interval(sb, self.level), self.level)}

    def to_dict(self) -> dict[str, Any]:
        """As :meth:`LawFit.to_dict`, plus the frontier exponents ``a`` and ``b`` (``None``, with
        ``frontier_note`` saying why, when they are not determined)."""
        out = super().to_dict()
        try:
            out["frontier_exponents"] = {k: v.to_dict()
                                         for k, v in self.frontier_exponents().items()}
        except UsageError as exc:
            out["frontier_exponents"], out["frontier_note"] = None, str(exc)
        return out

    @quiet
    def frontier(self, C: np.ndarray | float,
                 flops_per_sample: Callable[[float], float] | None = None
                 ) -> tuple[Band, Band, Band]:
        """Compute-optimal ``N*(C)``, ``D*(C)`` and loss ``L*(C)`` bands for budgets ``C``
        float64 (m,) FLOPs (``C = 6 N D`` unless ``flops_per_sample(N)`` is given).

        Raises
        ------
        UsageError
            If a parameter is not determined.
        """
        self.require_determined("the compute-optimal frontier")
        C = np.atleast_1d(np.asarray(C, dtype=float))
        per = [frontier.compute_optimal(p, C, flops_per_sample) for p in self._sample_params()]
        n, d, loss = frontier.compute_optimal(self.params, C, flops_per_sample)
        return (make_band(n, [q[0] for q in per], self.level), make_band(d, [q[1] for q in per],
                                                                    self.level),
                make_band(loss, [q[2] for q in per], self.level))


@dataclass(frozen=True)
class JointCeilingFit(LawFit):
    """``A(N, D) = a_inf - A / N^alpha - B / D^beta`` for a metric that grows towards one
    ceiling ``a_inf`` in both model size and data (accuracy, AUC); params ``a_inf``, ``A``,
    ``alpha``, ``B``, ``beta``. Fitted as :class:`JointFit` on the shortfall ``top - A``, see
    :func:`hepscaling.laws.fit.fit_joint_ceiling`. ``data``: ``N``, ``D``, ``y`` (the metric)."""

    top: float = 1.0

    def _shortfall_params(self, p: dict[str, float]) -> dict[str, float]:
        return {"E": self.top - p["a_inf"], "A": p["A"], "alpha": p["alpha"], "B": p["B"],
                "beta": p["beta"]}

    @quiet
    def predict(self, N: np.ndarray | float, D: np.ndarray | float) -> Band:
        """Predicted metric at ``(N, D)`` float64 (n,) each, with its band."""
        N, D = np.broadcast_arrays(np.atleast_1d(np.asarray(N, dtype=float)),
                                   np.atleast_1d(np.asarray(D, dtype=float)))
        band = make_band(frontier.joint_loss(self._shortfall_params(self.params), N, D),
                         [frontier.joint_loss(self._shortfall_params(p), N, D)
                          for p in self._sample_params()], self.level)
        return Band(self.top - band.value, self.top - band.high, self.top - band.low, self.level)
