"""Extrapolation check: refit without the largest scale(s) and compare prediction to measurement.

The ``n_holdout`` largest distinct scale points (``X`` for single-axis laws, ``N * D`` for the
joint laws, ``U * epochs`` for the repetition law) are removed, the same fit (same options and
seed) is repeated on the rest, and each held-out run is predicted with its interval. The ratio
``measured / predicted`` and whether the measurement lies inside the interval tell how far
beyond the data the law can be trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.interval import Interval
from hepscaling.laws.repetition import RepetitionFit
from hepscaling.laws.results import Band, JointCeilingFit, JointFit, LawFit

__all__ = ["ExtrapolationCheck", "HeldOut", "holdout_check"]


@dataclass(frozen=True)
class HeldOut:
    """One held-out run: its scale coordinates, the measurement and the refit's prediction."""

    scale: dict[str, float]
    measured: float
    predicted: float
    low: float
    high: float
    level: float

    @property
    def prediction(self) -> Interval:
        """The refit's prediction with its interval."""
        return Interval(self.predicted, self.low, self.high, self.level)

    @property
    def ratio(self) -> float:
        """``measured / predicted``."""
        return self.measured / self.predicted

    @property
    def inside(self) -> bool:
        """Whether the measurement lies inside the prediction interval."""
        return bool(self.low <= self.measured <= self.high)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready row."""
        return {**self.scale, "measured": self.measured, "predicted": self.predicted,
                "low": self.low, "high": self.high, "level": self.level, "ratio": self.ratio,
                "inside": self.inside}


@dataclass(frozen=True)
class ExtrapolationCheck:
    """Rows per held-out run plus the fit made without them (``fit``)."""

    rows: list[HeldOut]
    fit: LawFit
    n_holdout: int

    @property
    def fraction_inside(self) -> float:
        """Share of held-out runs inside their prediction interval."""
        return float(np.mean([r.inside for r in self.rows]))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {"n_holdout": self.n_holdout, "rows": [r.to_dict() for r in self.rows],
                "fraction_inside": self.fraction_inside, "fit": self.fit.to_dict()}


def _scale_of(fit: LawFit) -> np.ndarray:
    if isinstance(fit, JointFit | JointCeilingFit):
        return fit.data["N"] * fit.data["D"]
    if isinstance(fit, RepetitionFit):
        return fit.data["U"] * fit.data["epochs"]
    return fit.data["x"]


def _predict(fit: LawFit, data: dict[str, np.ndarray], mask: np.ndarray) -> Band:
    if isinstance(fit, JointFit | JointCeilingFit):
        return fit.predict(data["N"][mask], data["D"][mask])
    if isinstance(fit, RepetitionFit):
        return fit.predict(data["U"][mask], data["epochs"][mask])
    return fit.predict(data["x"][mask])


def holdout_check(fit: LawFit, n_holdout: int = 1) -> ExtrapolationCheck:
    """Refit ``fit`` without its ``n_holdout`` largest scale points and predict them.

    Raises
    ------
    UsageError
        If ``n_holdout < 1`` or too few points remain to refit.
    """
    scale = _scale_of(fit)
    distinct = np.unique(scale)
    if n_holdout < 1 or n_holdout >= distinct.size:
        raise UsageError(f"holding out {n_holdout} of {distinct.size} scale points leaves none to "
                         f"refit; hold out between 1 and {distinct.size - 1} (--holdout)")
    held = scale >= distinct[-n_holdout]
    try:
        refit = fit.refit(~held)
    except UsageError as exc:
        raise UsageError(f"holding out the {n_holdout} largest of {distinct.size} scale points "
                         f"leaves too few to refit ({exc}); hold out fewer (--holdout)") from exc
    band = _predict(refit, fit.data, held)
    coords = [k for k in fit.data if k != "y"]
    rows = [HeldOut({k: float(fit.data[k][i]) for k in coords}, float(fit.data["y"][i]),
                    *(float(v) for v in (band.value[j], band.low[j], band.high[j])), band.level)
            for j, i in enumerate(np.flatnonzero(held))]
    return ExtrapolationCheck(rows, refit, n_holdout)
