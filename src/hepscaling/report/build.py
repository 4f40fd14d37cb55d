"""Build a sweep report: fit every group along every swept axis, draw the figures, write HTML.

Output directory layout: ``index.html``, ``<figure>.png`` and ``<figure>.pdf`` per figure,
and ``fits.json`` (every group's fit and extrapolation check, machine-readable).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.frontier import isoflop_frontier
from hepscaling.laws.sweep import (
    AXES,
    GroupFit,
    Sweep,
    fit_sweep,
    group_keys,
    load_sweep,
)
from hepscaling.physics.process import parse_process
from hepscaling.records import atomic_write_text, load_records
from hepscaling.report import plots
from hepscaling.report.html import Page, Section, interval_text, render_page, table
from hepscaling.report.processes import process_of
from hepscaling.report.repetition import repetition_section
from hepscaling.report.representations import ceiling_section

__all__ = ["Report", "build_report"]


@dataclass(frozen=True)
class Report:
    """Where the report went: ``index`` (HTML), ``figures`` (PNG/PDF paths), ``fits`` (axis ->
    group fits), ``json`` (the fits file)."""

    index: Path
    figures: list[Path]
    fits: dict[str, list[GroupFit]]
    json: Path


def _swept(sweep: Sweep, axis: str, group_by: list[str] | None) -> bool:
    """Whether some group of the ``axis`` fit takes >= 4 distinct values of ``axis`` (a
    three-parameter law needs four scale points)."""
    keys = group_keys(sweep.done, axis, group_by)
    if not keys:
        return bool(sweep.done[axis].nunique() >= 4)
    counts = sweep.done.groupby([sweep.done[k].astype(str) for k in keys])[axis].nunique()
    return bool(counts.max() >= 4)


def _exponent_rows(axis: str, fits: list[GroupFit]) -> list[list[object]]:
    rows = []
    for g in fits:
        if g.fit is None:
            continue  # the section notes why
        iv = g.fit.intervals
        slope, rest = ("alpha", ("x_c", "k")) if "alpha" in iv else ("b", ("a", "a_inf"))
        e = iv[slope]
        rows.append([axis, g.label, len(g.runs), e.value, f"[{e.low:.4g}, {e.high:.4g}]",
                     iv[rest[0]].value, iv[rest[1]].value,
                     "" if g.fit.converged else "optimizer did not report convergence"])
    return rows


def _extrapolation_rows(axis: str, fits: list[GroupFit]) -> list[list[object]]:
    rows = []
    for g in fits:
        if g.check is None:
            continue
        for r in g.check.rows:
            rows.append([axis, g.label, r.scale["x"], r.measured, r.predicted,
                         f"[{r.low:.4g}, {r.high:.4g}]", r.ratio, "yes" if r.inside else "NO"])
    return rows


def _dimension_rows(fits: list[GroupFit]) -> tuple[list[dict], list[str]]:
    rows, missing = [], []
    for g in fits:
        if g.fit is None or "alpha" not in g.fit.params:
            continue
        process = process_of(g.runs)
        if process is None:
            missing.append(g.label)
            continue
        try:
            proc = parse_process(process)
        except UsageError:
            missing.append(g.label)
            continue
        e = g.fit.intervals["alpha"]
        rows.append({"label": g.label, "process": process, "n_f": proc.n_final,
                     "d": proc.phase_space_dim,
                     "alpha": e.value, "low": e.low, "high": e.high})
    return rows, missing


def _pull_groups(sweep: Sweep, axis: str, fits: list[GroupFit]) -> list[tuple[str, Any]]:
    out = []
    for g in fits:
        runs = g.runs
        if "metric.test_pull_mean" not in runs.columns or "metric.test_pull_std" not in runs:
            continue
        runs = runs[np.isfinite(runs["metric.test_pull_mean"].astype(float))]
        if len(runs):
            out.append((g.label, runs))
    return out


def build_report(directory: str | os.PathLike, out: str | os.PathLike, *,
                 metric: str = "test_mse", law: str = "power", floor: bool = True,
                 group_by: list[str] | None = None, bootstrap: int = 200, seed: int = 0,
                 level: float = 0.68, holdout: int = 1, loss_metric: str | None = None
                 ) -> Report:
    """Fit ``law`` (``power`` or ``ceiling``) along each swept axis (D, N, C) per group and
    write the report to ``out``. Options as in :func:`hepscaling.laws.sweep.fit_sweep`.

    ``loss_metric`` is the loss of the joint law ``L(N, D)`` and its frontier: by default
    ``metric`` for the power law, and ``val_loss`` (the training objective on the validation
    set) for the ceiling law, whose metric grows instead of falling.

    Raises
    ------
    UsageError
        Bad directory/metric/law, or no axis is swept (>= 3 distinct values).
    """
    if law not in ("power", "ceiling"):
        raise UsageError(f"the report fits single-axis laws; --law must be power or ceiling, got "
                         f"{law!r} (use 'hepscaling fit --law joint' for the joint law)")
    sweep = load_sweep(directory, metric)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    swept = [a for a in AXES if not sweep.done.empty and _swept(sweep, a, group_by)]
    if not swept:
        raise UsageError(f"no axis among D, N, C takes >= 4 distinct values within a group of "
                         f"the finished runs of {sweep.directory}; nothing to fit")
    page = Page(f"Scaling report: {sweep.directory}", [
        f"metric: {metric}; law: {law}{'' if floor or law != 'power' else ' (no floor)'}; "
        f"intervals: {level:.0%} bootstrap percentile, {bootstrap} replicates, seed {seed}",
        f"runs: {len(sweep.frame)} total, {len(sweep.done)} fitted, "
        f"{len(sweep.not_done)} not fitted; axes fitted: {', '.join(swept)} (an axis needs >= 4 "
        "distinct values within a group)",
        "fit: summed Huber loss (delta 1e-3) on log residuals, multi-start L-BFGS-B; "
        f"extrapolation check: refit without the {holdout} largest scale point(s)",
    ], [])
    all_fits: dict[str, list[GroupFit]] = {}
    exponents: list[list[object]] = []
    extrapolation: list[list[object]] = []
    for axis in swept:
        fits = fit_sweep(sweep, law=law, axis=axis, floor=floor, group_by=group_by,
                         bootstrap=bootstrap, seed=seed, level=level, holdout=holdout)
        all_fits[axis] = fits
        section = Section(f"{metric} versus {axis}")
        shortfall = law == "ceiling"
        plots.plot_scaling(fits, axis, sweep.metric, out / f"scaling_{axis}", shortfall=shortfall)
        plots.plot_residuals(fits, axis, sweep.metric, out / f"residuals_{axis}",
                             shortfall=shortfall)
        section.figures += [f"scaling_{axis}", f"residuals_{axis}"]
        section.failures(fits)
        for g in fits:
            for note in g.fit.notes if g.fit else ():
                section.note(f"{g.label}: {note}")
            if g.check_error:
                section.note(f"{g.label}: no extrapolation check: {g.check_error}")
        page.sections.append(section)
        exponents += _exponent_rows(axis, fits)
        extrapolation += _extrapolation_rows(axis, fits)

    law_cols = ["alpha", "interval", "x_c", "K"] if law == "power" else ["b", "interval", "a",
                                                                       "A_inf"]
    tab = Section("Exponents")
    tab.blocks.append(table(["axis", "group", "runs", *law_cols, "note"], exponents, left=2))
    page.sections.append(tab)
    ext = Section("Extrapolation check (largest scale held out)")
    if extrapolation:
        ext.blocks.append(table(["axis", "group", "X", "measured", "predicted", "interval",
                                 "measured/predicted", "inside"], extrapolation, left=2))
    else:
        ext.note("no group had enough scale points for a hold-out refit")
    page.sections.append(ext)
    if law == "ceiling":
        page.sections.append(ceiling_section(sweep, all_fits, out, group_by=group_by,
                                             bootstrap=bootstrap, seed=seed, level=level))
    losses = _loss_sweep(sweep, law, loss_metric)
    frontier = _frontier_section(losses, group_by, bootstrap, seed, level, out) \
        if losses is not None else None
    if frontier is not None:
        page.sections.append(frontier)
    if losses is not None:
        page.sections.append(repetition_section(losses, out, group_by=group_by,
                                                bootstrap=bootstrap, seed=seed, level=level))
    page.sections.append(_dimension_section(all_fits, law, out))
    page.sections.append(_pull_section(sweep, all_fits, out))
    page.sections.append(_not_done_section(sweep))

    index = Path(atomic_write_text(out / "index.html", render_page(page)))
    fits_json = {axis: [{"group": g.key, "label": g.label, "n_runs": len(g.runs),
                         "fit": g.fit.to_dict() if g.fit else None, "error": g.error,
                         "extrapolation": g.check.to_dict() if g.check else None}
                        for g in fits] for axis, fits in all_fits.items()}
    json_path = Path(atomic_write_text(out / "fits.json",
                                       json.dumps(fits_json, indent=1, default=str)))
    figures = sorted(p for p in out.iterdir() if p.suffix in (".png", ".pdf"))
    return Report(index, figures, all_fits, json_path)


def _loss_sweep(sweep: Sweep, law: str, loss_metric: str | None) -> Sweep | None:
    """The runs with the loss of the joint law (see :func:`build_report`); ``None`` when the
    default ``val_loss`` of a ceiling report is not in the records."""
    if loss_metric is None and law == "power":
        return sweep
    try:
        return sweep.for_metric(loss_metric or "val_loss")
    except UsageError:
        if loss_metric:
            raise
        return None


def _frontier_section(sweep: Sweep, group_by: list[str] | None, bootstrap: int, seed: int,
                      level: float, out: Path) -> Section | None:
    """Joint law per group, its compute-optimal frontier and the IsoFLOP minima (if N and D
    both vary)."""
    done = sweep.done
    if done["N"].nunique() < 2 or done["D"].nunique() < 2:
        return None
    section = Section(f"Joint law L(N, D) of {sweep.metric.removeprefix('metric.')} and "
                      "compute-optimal frontier")
    section.note("frontier of the joint law with C = 6 N D (one pass over D samples); IsoFLOP "
                 "minima from a parabola in log N per compute budget of the records' own C")
    fits = fit_sweep(sweep, law="joint", group_by=group_by, bootstrap=bootstrap, seed=seed,
                     level=level, holdout=0)
    section.failures(fits, "joint law not fitted")
    rows, items = [], []
    for g in fits:
        if g.fit is None:
            continue
        for note in g.fit.notes:
            section.note(f"{g.label}: {note}")
        iv, fe = g.fit.intervals, g.fit.frontier_exponents()
        row = [g.label, len(g.runs), iv["E"].value, *map(interval_text, (
            iv["alpha"], iv["beta"], fe["a"], fe["b"])), "-", "-"]
        c = np.geomspace(g.runs["C"].min(), g.runs["C"].max() * 100.0, 50)
        item = {"label": g.label, "C": c, "n_opt": g.fit.frontier(c)[0]}
        runs = g.runs
        try:
            iso = isoflop_frontier(*(runs[k].to_numpy(float) for k in ("N", "D", "C")),
                                   runs[sweep.metric].to_numpy(float), bootstrap=bootstrap,
                                   seed=seed, level=level)
            row[-2:] = [interval_text(iso.a), interval_text(iso.b)]
            item.update(iso_c=iso.budgets, iso_n=iso.n_opt)
        except UsageError as exc:
            section.note(f"{g.label}: no IsoFLOP frontier: {exc}")
        rows.append(row)
        items.append(item)
    if rows:
        section.blocks.append(table(["group", "runs", "E", "alpha", "beta", "a (N*~C^a)",
                                     "b (D*~C^b)", "IsoFLOP a", "IsoFLOP b"], rows))
        plots.plot_frontier(items, out / "frontier")
        section.figures.append("frontier")
    return section


def _dimension_section(all_fits: dict[str, list[GroupFit]], law: str, out: Path) -> Section:
    section = Section("Exponent versus phase-space dimension")
    if law != "power" or "D" not in all_fits:
        section.note("skipped: needs power-law fits along D")
        return section
    kinds = {str(k) for g in all_fits["D"] for k in g.runs.get("config.task.kind", [])}
    if kinds and "amplitude_regression" not in kinds:
        section.note(f"skipped: applies to amplitude regression, not to {', '.join(sorted(kinds))}")
        return section
    rows, missing = _dimension_rows(all_fits["D"])
    if missing:
        section.note("process unknown (no config.task.process and no readable dataset "
                     f"provenance) for: {'; '.join(missing)}")
    if not rows:
        section.note("skipped: no group with a known process")
        return section
    plots.plot_exponents_vs_dim(rows, out / "exponent_vs_dim")
    section.figures.append("exponent_vs_dim")
    section.blocks.append(table(
        ["group", "process", "n_f", "d = 3 n_f - 4", "alpha_D", "interval", "4/d"],
        [[r["label"], r["process"], r["n_f"], r["d"], r["alpha"],
          f"[{r['low']:.4g}, {r['high']:.4g}]", 4.0 / r["d"]] for r in rows], left=2))
    return section


def _pull_section(sweep: Sweep, all_fits: dict[str, list[GroupFit]], out: Path) -> Section:
    section = Section("Pull calibration (heteroscedastic runs)")
    axis = "D" if "D" in all_fits else next(iter(all_fits))
    groups = _pull_groups(sweep, axis, all_fits[axis])
    if not groups:
        section.note("no run carries test_pull_mean / test_pull_std (only heteroscedastic "
                     "training produces pulls)")
        return section
    plots.plot_pulls(groups, axis, out / "pulls")
    section.figures.append("pulls")
    section.note("from the per-run summary metrics (mean and standard deviation of the pull "
                 "t = (A_pred - A_true) / sigma on the test set); ideal: 0 and 1")
    histograms = _pull_histograms(sweep, groups, axis)
    if histograms:
        plots.plot_pull_histograms(histograms, out / "pull_histograms")
        section.figures.append("pull_histograms")
        section.note(f"pull histograms: test sets of the runs at the largest {axis} of each "
                     "group, seeds summed; pulls beyond +-5 in the outermost bins")
    return section


def _pull_histograms(sweep: Sweep, groups: list[tuple[str, Any]],
                     axis: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Per pull group: the summed ``test_pull`` histogram of its runs at the largest ``axis``."""
    records = {r.run_id: r for r in load_records(sweep.directory)}
    out = []
    for label, runs in groups:
        top = runs[runs[axis] == runs[axis].max()]
        hists = [records[rid].histograms["test_pull"] for rid in top["run_id"]
                 if "test_pull" in records[rid].histograms]
        if hists:
            counts = np.sum([h["counts"] for h in hists], axis=0)
            out.append((f"{label}, {axis}={top[axis].iloc[0]:g}",
                        np.asarray(hists[0]["edges"]), counts))
    return out


def _not_done_section(sweep: Sweep) -> Section:
    section = Section("Runs not fitted")
    if sweep.not_done.empty:
        section.note("none: every run finished with the metric")
        return section
    rows = [[r.run_id, r.status, r.error or ("metric missing" if r.status == "done" else "")]
            for r in sweep.not_done.itertuples()]
    section.blocks.append(table(["run", "status", "error"], rows, left=3))
    return section
