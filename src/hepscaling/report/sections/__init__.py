"""The sections of a sweep report, one module each; :mod:`hepscaling.report.build` puts them in
order. Each section function returns a :class:`hepscaling.report.html.Section` (and the group
fits it made, for ``fits.json``) and writes its figures to the report directory."""

from __future__ import annotations

from dataclasses import dataclass

from hepscaling.laws.sweep import GroupFit, Sweep, fit_sweep

__all__ = ["FitOptions"]


@dataclass(frozen=True)
class FitOptions:
    """The fit options every section shares (see :func:`hepscaling.laws.sweep.fit_sweep`).

    Attributes
    ----------
    group_by : list of str or None
        Config keys defining the groups (``None``: the config columns that vary).
    bootstrap : int
        Bootstrap replicates for the intervals.
    seed : int
        Seed of the bootstrap resampling.
    level : float
        Confidence level of the intervals.
    huber_delta : float or None
        Huber threshold of the fits (``None``: from the data).
    """

    group_by: list[str] | None
    bootstrap: int
    seed: int
    level: float
    huber_delta: float | None = None

    def fit(self, sweep: Sweep, law: str, *, axis: str = "D", floor: bool = True,
            holdout: int = 0) -> list[GroupFit]:
        """:func:`hepscaling.laws.sweep.fit_sweep` of ``sweep`` with these options."""
        return fit_sweep(sweep, law=law, axis=axis, floor=floor, group_by=self.group_by,
                         bootstrap=self.bootstrap, seed=self.seed, level=self.level,
                         holdout=holdout, huber_delta=self.huber_delta)
