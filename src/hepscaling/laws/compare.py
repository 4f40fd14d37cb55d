"""Model comparison of single-axis laws: the log law, the pure power law and the power law with
floor, by small-sample corrected AIC and by predicting the largest scale held out.

Criteria:

- AICc (Hurvich & Tsai 1989) of each fit from its log residuals ``r_i = ln L_pred - ln L_i``
  at the central parameters, taken as Gaussian with the variance estimated from them:
  ``AIC = n ln(RSS / n) + 2 K``, ``AICc = AIC + 2 K (K + 1) / (n - K - 1)``, ``K`` = fit
  parameters + 1 (the variance), ``n`` runs. Smaller is better; ``Delta = AICc - min AICc``.
  The fits minimise a Huber loss, whose optimum is the least-squares one when no run is an
  outlier; AICc is computed on the same log scale for every form, so the numbers compare.
  A form with ``n <= K + 1`` has no AICc and is left out of the ranking (with a note).
- Hold-out: each form refitted without its largest scale point
  (:func:`hepscaling.laws.extrapolation.holdout_check`); its error is the mean relative error
  ``|predicted / measured - 1|`` over the held-out runs.

Verdict: the forms with ``Delta < DELTA_AICC`` (2, Burnham & Anderson 2002: "substantial
support") cannot be told apart over the measured range when there are two or more of them;
otherwise the single one is preferred. Over a narrow range a power law is a straight line in
``ln X`` (``X^-alpha = 1 - alpha ln X + ...``, curvature ``~ alpha^2 ln^2(X_max/X_min) / 8``
relative), so the log law and the pure power law become one form: the note gives
``alpha ln(X_max / X_min)`` of the pure power-law fit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.extrapolation import ExtrapolationCheck, holdout_check
from hepscaling.laws.fit import check_positive, fit_power_law
from hepscaling.laws.loglaw import fit_log_law
from hepscaling.laws.results import LawFit

__all__ = ["COMPARED", "DELTA_AICC", "Candidate", "LawComparison", "aicc", "compare_laws"]

#: Forms compared, in the order shown: name -> (fit function, fit options).
COMPARED: dict[str, tuple[Callable[..., LawFit], dict[str, Any]]] = {
    "log": (fit_log_law, {}),
    "power_no_floor": (fit_power_law, {"floor": False}),
    "power": (fit_power_law, {"floor": True}),
}
#: AICc difference below which two forms are equally supported.
DELTA_AICC = 2.0
#: Smallest mean squared log residual used in the AIC: exact (noise-free) data would otherwise
#: give ``ln 0``; 1e-12 is far below any seed scatter.
_MIN_MSE = 1e-24


def aicc(log_residuals: np.ndarray, n_params: int) -> float:
    """Small-sample corrected AIC of Gaussian residuals ``log_residuals`` float64 (n,) of a fit
    with ``n_params`` parameters (``K = n_params + 1`` with the variance); ``nan`` when
    ``n <= K + 1``."""
    r = np.asarray(log_residuals, dtype=float)
    n, k = r.size, n_params + 1
    if n <= k + 1:
        return float("nan")
    mse = max(float(np.mean(r * r)), _MIN_MSE)
    return n * np.log(mse) + 2 * k + 2 * k * (k + 1) / (n - k - 1)


@dataclass(frozen=True)
class Candidate:
    """One compared form: its fit (or why it failed), AICc and hold-out check.

    ``delta``: AICc minus the smallest AICc (``nan`` without an AICc); ``holdout_error``: mean
    ``|predicted / measured - 1|`` of the held-out runs (``nan`` without a check).
    """

    law: str
    fit: LawFit | None
    error: str | None = None
    n_params: int = 0
    aicc: float = float("nan")
    delta: float = float("nan")
    check: ExtrapolationCheck | None = None
    check_error: str | None = None

    @property
    def holdout_error(self) -> float:
        """Mean relative error of the held-out predictions (``nan`` without a check)."""
        if self.check is None:
            return float("nan")
        return float(np.mean([abs(r.predicted / r.measured - 1.0) for r in self.check.rows]))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready row."""
        return {"law": self.law, "n_params": self.n_params, "aicc": self.aicc,
                "delta_aicc": self.delta, "holdout_error": self.holdout_error,
                "fit": self.fit.to_dict() if self.fit else None, "error": self.error,
                "extrapolation": self.check.to_dict() if self.check else None,
                "extrapolation_error": self.check_error}


@dataclass(frozen=True)
class LawComparison:
    """The compared forms on one data set, and the verdict.

    Attributes
    ----------
    candidates : tuple of Candidate
        In the order of :data:`COMPARED`.
    close : tuple of str
        Forms with ``delta < DELTA_AICC`` (the best first).
    distinguishable : bool
        Exactly one form is within ``DELTA_AICC`` of the best.
    preferred : str or None
        That form; ``None`` when the forms cannot be told apart.
    best_holdout : str or None
        The form with the smallest hold-out error.
    verdict : str
        One line for the user.
    notes : tuple of str
    data : dict of float64 (n,)
        ``x``, ``y``.
    """

    candidates: tuple[Candidate, ...]
    close: tuple[str, ...]
    distinguishable: bool
    preferred: str | None
    best_holdout: str | None
    verdict: str
    notes: tuple[str, ...] = ()
    data: dict[str, np.ndarray] = field(default_factory=dict)
    law: str = "compare"

    def candidate(self, law: str) -> Candidate:
        """The candidate named ``law``."""
        return next(c for c in self.candidates if c.law == law)

    def summary(self) -> str:
        """Multi-line text: one line per form (AICc, Delta, hold-out error), the verdict, each
        form's parameters and the notes."""
        lines = [f"forms compared on {self.data['y'].size} runs "
                 "(AICc of log residuals; hold-out: largest scale refitted without)"]
        for c in self.candidates:
            if c.fit is None:
                lines.append(f"  {c.law:>14}: not fitted: {c.error}")
                continue
            held = f"{c.holdout_error:.2%}" if np.isfinite(c.holdout_error) else \
                f"none ({c.check_error})"
            lines.append(f"  {c.law:>14}: AICc {c.aicc:9.2f}  Delta {c.delta:7.2f}  "
                         f"hold-out error {held}")
        lines.append(f"  verdict: {self.verdict}")
        for c in self.candidates:
            if c.fit is not None:
                lines.append("  " + c.fit.summary().replace("\n", "\n    "))
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def predict(self, *args: Any) -> None:
        """Refused: a comparison predicts nothing by itself.

        Raises
        ------
        UsageError
            Always, naming the single-form laws to predict with.
        """
        raise UsageError("a comparison of forms does not predict; predict from one form: "
                         "--law log or --law power")

    solve = predict

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {"law": self.law, "n_points": int(self.data["y"].size),
                "candidates": [c.to_dict() for c in self.candidates], "close": list(self.close),
                "distinguishable": self.distinguishable, "preferred": self.preferred,
                "best_holdout": self.best_holdout, "verdict": self.verdict,
                "notes": list(self.notes)}


def _candidate(law: str, x: np.ndarray, y: np.ndarray, options: dict[str, Any],
               holdout: int) -> Candidate:
    fit_fn, extra = COMPARED[law]
    try:
        fit = fit_fn(x, y, **extra, **options)
    except UsageError as exc:
        return Candidate(law, None, str(exc))
    n_params = len(fit.params) - (1 if law == "power_no_floor" else 0)  # k = 0 is not fitted
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.log(fit.predict(x).value) - np.log(y)  # type: ignore[attr-defined]
    score = aicc(r, n_params) if np.all(np.isfinite(r)) else float("nan")
    check, check_error = None, None
    if holdout:
        try:
            check = holdout_check(fit, holdout)
        except UsageError as exc:
            check_error = str(exc)
    return Candidate(law, fit, None, n_params, score, float("nan"), check, check_error)


def compare_laws(x: object, y: object, *, holdout: int = 1, bootstrap: int = 200,
                 seed: int = 0, level: float = 0.68, scheme: str = "auto",
                 huber_delta: float | None = None) -> LawComparison:
    """Fit the log law, the pure power law and the power law with floor to ``(x, y)`` and
    compare them (module docstring).

    Parameters
    ----------
    x, y : float64 (n,)
        Scale and loss of each run, > 0.
    holdout : int
        Largest scale points held out for the prediction check (0: none).
    bootstrap, seed, level, scheme, huber_delta
        As in :func:`hepscaling.laws.fit.fit_power_law`, for every form.

    Raises
    ------
    UsageError
        Bad input, or fewer than two forms could be fitted and scored.
    """
    y = check_positive("loss", y)
    x = check_positive("x", x, y.size)
    options: dict[str, Any] = dict(bootstrap=bootstrap, seed=seed, level=level, scheme=scheme,
                                   huber_delta=huber_delta)
    found = [_candidate(law, x, y, options, holdout) for law in COMPARED]
    scored = [c for c in found if np.isfinite(c.aicc)]
    if len(scored) < 2:
        why = "; ".join(f"{c.law}: {c.error or 'too few runs for AICc'}" for c in found
                        if c not in scored)
        raise UsageError(f"fewer than two forms could be fitted and scored on {y.size} runs "
                         f"({why}); add runs or scale points")
    best = min(c.aicc for c in scored)
    found = [Candidate(c.law, c.fit, c.error, c.n_params, c.aicc, c.aicc - best, c.check,
                       c.check_error) for c in found]
    ranked = sorted((c for c in found if np.isfinite(c.delta)), key=lambda c: c.delta)
    close = tuple(c.law for c in ranked if c.delta < DELTA_AICC)
    decades = float(np.log10(x.max() / x.min()))
    held = [c for c in found if np.isfinite(c.holdout_error)]
    best_holdout = min(held, key=lambda c: c.holdout_error).law if held else None
    if len(close) > 1:
        preferred = None
        verdict = (f"cannot tell apart over the measured range ({decades:.2g} decades of X): "
                   f"{', '.join(close)} within Delta AICc < {DELTA_AICC:g}")
    else:
        preferred = close[0]
        verdict = (f"{preferred} preferred: Delta AICc >= {ranked[1].delta:.3g} to the next "
                   f"form ({ranked[1].law}) over {decades:.2g} decades of X")
    notes = [f"{c.law}: no AICc with {y.size} runs for {c.n_params} parameters (needs more "
             "than parameters + 2 runs)" for c in found if c.fit is not None and
             not np.isfinite(c.aicc)]
    pure = next(c for c in found if c.law == "power_no_floor")
    if pure.fit is not None:
        bend = pure.fit.params["alpha"] * np.log(x.max() / x.min())
        notes.append(f"alpha ln(X_max / X_min) = {bend:.3g} for the pure power law: over the "
                     "range it bends away from a straight line in ln X (the log law) by "
                     "~ (that)^2 / 8 of the loss")
    if preferred is not None and best_holdout is not None and best_holdout != preferred:
        notes.append(f"the hold-out check prefers {best_holdout} over the AICc choice "
                     f"{preferred}")
    return LawComparison(tuple(found), close, preferred is not None, preferred, best_holdout,
                         verdict, tuple(notes), {"x": x, "y": y})
