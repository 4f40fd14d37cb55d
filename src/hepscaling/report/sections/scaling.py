"""Report sections of the single-axis fits: the metric versus each swept axis (scaling curves
and residuals per group), the table of exponents and the extrapolation check."""

from __future__ import annotations

from pathlib import Path

from hepscaling.laws.results import LawFit
from hepscaling.laws.sweep import AXES, GroupFit, Sweep, group_keys
from hepscaling.report import plots
from hepscaling.report.html import Section, bounds_text, param_cells, table
from hepscaling.report.sections import FitOptions

__all__ = ["scaling_sections", "swept_axes"]


def swept_axes(sweep: Sweep, group_by: list[str] | None) -> list[str]:
    """The axes among D, N, C along which some group of the finished runs takes >= 4 distinct
    values (a three-parameter law needs four scale points)."""
    return [a for a in AXES if not sweep.done.empty and _swept(sweep, a, group_by)]


def _swept(sweep: Sweep, axis: str, group_by: list[str] | None) -> bool:
    keys = group_keys(sweep.done, axis, group_by)
    if not keys:
        return bool(sweep.done[axis].nunique() >= 4)
    counts = sweep.done.groupby([sweep.done[k].map(str) for k in keys])[axis].nunique()
    return bool(counts.max() >= 4)


def scaling_sections(sweep: Sweep, axes: list[str], *, law: str, floor: bool, holdout: int,
                     options: FitOptions, out: Path
                     ) -> tuple[list[Section], dict[str, list[GroupFit]]]:
    """One "<metric> versus <axis>" section per axis of ``axes`` (figures ``scaling_<axis>``
    and ``residuals_<axis>`` written to ``out``), then the "Exponents" and "Extrapolation
    check" sections; with the group fits of ``law`` per axis."""
    sections, all_fits = [], {}
    exponents: list[list[object]] = []
    extrapolation: list[list[object]] = []
    for axis in axes:
        fits = options.fit(sweep, law, axis=axis, floor=floor, holdout=holdout)
        all_fits[axis] = fits
        section = Section(f"{sweep.metric.removeprefix('metric.')} versus {axis}")
        shortfall = law == "ceiling"
        plots.plot_scaling(fits, axis, sweep.metric, out / f"scaling_{axis}", shortfall=shortfall,
                           sweep=sweep.directory.name)
        plots.plot_residuals(fits, axis, sweep.metric, out / f"residuals_{axis}",
                             shortfall=shortfall, sweep=sweep.directory.name)
        section.figures += [f"scaling_{axis}", f"residuals_{axis}"]
        section.failures(fits)
        for g in fits:
            section.fit_notes(g)
            if g.check_error:
                section.note(f"{g.label}: no extrapolation check: {g.check_error}")
        sections.append(section)
        exponents += _exponent_rows(axis, fits)
        extrapolation += _extrapolation_rows(axis, fits)

    law_cols = ["alpha", "interval", "x_c", "K"] if law == "power" else ["b", "interval", "a",
                                                                       "A_inf"]
    tab = Section("Exponents")
    tab.blocks.append(table(["axis", "group", "runs", *law_cols, "note"], exponents, left=2))
    ext = Section("Extrapolation check (largest scale held out)")
    if extrapolation:
        ext.blocks.append(table(["axis", "group", "X", "measured", "predicted", "interval",
                                 "measured/predicted", "inside"], extrapolation, left=2))
    else:
        ext.note("no group had enough scale points for a hold-out refit")
    return [*sections, tab, ext], all_fits


def _exponent_rows(axis: str, fits: list[GroupFit]) -> list[list[object]]:
    rows: list[list[object]] = []
    for g in fits:
        if not isinstance(g.fit, LawFit):
            continue  # not fitted (the section notes why)
        slope, rest = ("alpha", ("x_c", "k")) if "alpha" in g.fit.params else ("b", ("a",
                                                                                   "a_inf"))
        rows.append([axis, g.label, len(g.runs), *param_cells(g.fit, slope),
                     *(param_cells(g.fit, name)[0] for name in rest),
                     "" if g.fit.converged else "optimizer did not report convergence"])
    return rows


def _extrapolation_rows(axis: str, fits: list[GroupFit]) -> list[list[object]]:
    rows: list[list[object]] = []
    for g in fits:
        if g.check is None:
            continue
        for r in g.check.rows:
            rows.append([axis, g.label, r.scale["x"], r.measured, r.predicted,
                         bounds_text(r.low, r.high), r.ratio, "yes" if r.inside else "NO"])
    return rows
