"""Report section comparing the ceilings of input representations (e.g. jet constituents versus
high-level observables) for a metric that saturates (accuracy, AUC).

Two estimates of each group's ceiling ``A_inf``:

- along each swept axis, the single-axis law ``A(X) = A_inf - a X^-b`` per group (a group
  holds one model size when X = D, so this ceiling belongs to that size);
- when both N and D vary, the joint ceiling ``A(N, D) = A_inf - A / N^alpha - B / D^beta``
  fitted to all runs of a representation at once, which is the ceiling of the representation
  itself (:func:`hepscaling.laws.fit.fit_joint_ceiling`).

The gap between the two highest joint ceilings gets an interval from the differences of the
groups' bootstrap replicates (the groups are independent data, so replicate ``i`` of one
group pairs with replicate ``i`` of the other).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hepscaling.laws.bootstrap import percentile_interval
from hepscaling.laws.interval import Interval
from hepscaling.laws.results import LawFit
from hepscaling.laws.sweep import GroupFit, Sweep
from hepscaling.report import plots
from hepscaling.report.html import NOT_DETERMINED, Section, table
from hepscaling.report.sections import FitOptions

__all__ = ["ceiling_section"]


def ceiling_section(sweep: Sweep, all_fits: dict[str, list[GroupFit]], options: FitOptions,
                    out: Path) -> tuple[Section, list[GroupFit] | None]:
    """The "Ceilings by representation" section: single-axis ceilings of ``all_fits`` (axis ->
    ceiling-law group fits) and, when N and D both vary, the joint ceilings with the
    ``ceilings`` figure written to ``out``; with the joint-ceiling group fits (``None`` unless
    N and D both vary)."""
    section = Section("Ceilings by representation")
    column = sweep.metric
    name = column.removeprefix("metric.")
    joint = _joint_ceilings(sweep, options)
    if joint is not None:
        section.note(f"joint ceiling: {name} = A_inf - A / N^alpha - B / D^beta fitted to all "
                     "runs of a group (every model size and training-set size)")
        section.failures(joint, "joint ceiling not fitted")
        rows = []
        for g in sorted(joint, key=lambda g: -g.fit.params["a_inf"] if g.fit else np.inf):
            if g.fit is None:
                continue
            section.fit_notes(g)
            rows.append([g.label, len(g.runs), *(_shown(g.fit, name)
                                                 for name in ("a_inf", "alpha", "beta")),
                         g.runs[column].max()])
        if rows:
            section.blocks.append(table(["group", "runs", "A_inf [interval]", "alpha (N)",
                                         "beta (D)", f"best measured {name}"], rows))
        gap = _gap(joint)
        if gap is not None:
            section.note(gap)
        plots.plot_ceilings(joint, column, out / "ceilings", sweep=sweep.directory.name)
        section.figures.append("ceilings")
    rows = []
    for axis, fits in all_fits.items():
        fitted = (g for g in fits if g.fit is not None)  # failures are noted in each axis' section
        for g in sorted(fitted, key=lambda g: -g.fit.params["a_inf"]):
            rows.append([axis, g.label, len(g.runs), _shown(g.fit, "a_inf"),
                         g.runs[column].max()])
    section.note(f"single-axis ceilings: {name} = A_inf - a X^-b per group and axis")
    section.blocks.append(table(["axis", "group", "runs", "A_inf [interval]",
                                 f"best measured {name}"], rows, left=2))
    return section, joint


def _shown(fit: LawFit, name: str) -> Interval | str:
    """A table cell: the parameter with its interval, or ``not determined``."""
    return NOT_DETERMINED if name in fit.undetermined else fit.intervals[name]


def _joint_ceilings(sweep: Sweep, options: FitOptions) -> list[GroupFit] | None:
    done = sweep.done
    if done["N"].nunique() < 2 or done["D"].nunique() < 2:
        return None
    return options.fit(sweep, "joint_ceiling")


def _gap(fits: list[GroupFit]) -> str | None:
    """The difference of the two highest joint ceilings, with its interval, as a sentence."""
    fitted = sorted((g for g in fits if g.fit is not None), key=lambda g: -g.fit.params["a_inf"])
    if len(fitted) < 2:
        return None
    first, second = fitted[:2]
    if "a_inf" in first.fit.undetermined or "a_inf" in second.fit.undetermined:
        return (f"gap A_inf({first.label}) - A_inf({second.label}): not determined (a ceiling "
                "the data do not determine, see the notes above)")
    value = first.fit.params["a_inf"] - second.fit.params["a_inf"]
    i = list(first.fit.params).index("a_inf")
    n = min(first.fit.n_bootstrap, second.fit.n_bootstrap)
    if n == 0:
        return f"gap A_inf({first.label}) - A_inf({second.label}) = {value:.4g}"
    diff = first.fit.samples[:n, i] - second.fit.samples[:n, i]
    gap = Interval(value, *percentile_interval(diff, first.fit.level), first.fit.level)
    caveat = ("; read it with the notes above: a ceiling whose fit has an exponent at its bound "
              "or shows no saturation is not determined") if first.fit.notes or \
        second.fit.notes else ""
    return (f"gap A_inf({first.label}) - A_inf({second.label}) = {gap} ({gap.level:.0%} "
            f"interval from paired bootstrap replicates{caveat})")
