"""Report section on the pull calibration of heteroscedastic runs: mean and width of the
pulls ``t = (A_pred - A_true) / sigma`` versus the scale (figure, and a table with the range
over seeds at each scale), and the summed pull histograms at the smallest and the largest
scale of each group next to N(0, 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hepscaling.laws.sweep import GroupFit, Sweep
from hepscaling.records import load_records
from hepscaling.report import plots
from hepscaling.report.html import Section, table

__all__ = ["pull_section"]


def pull_section(sweep: Sweep, all_fits: dict[str, list[GroupFit]], out: Path) -> Section:
    """The "Pull calibration" section of the groups of ``all_fits`` (axis -> group fits) along
    D (else the first axis) whose runs carry pull metrics; writes the ``pulls`` and
    ``pull_histograms`` figures to ``out``."""
    section = Section("Pull calibration (heteroscedastic runs)")
    axis = "D" if "D" in all_fits else next(iter(all_fits))
    groups = _pull_groups(all_fits[axis])
    if not groups:
        section.note("no run carries test_pull_mean / test_pull_std (only heteroscedastic "
                     "training produces pulls)")
        return section
    plots.plot_pulls(groups, axis, out / "pulls", sweep=sweep.directory.name)
    section.figures.append("pulls")
    section.note("from the per-run summary metrics (mean and standard deviation of the pull "
                 "t = (A_pred - A_true) / sigma on the test set); ideal: 0 and 1")
    section.blocks.append(table(
        ["group", axis, "runs", "pull mean", "range over seeds", "pull width",
         "range over seeds", "coverage 1 sigma (0.683)"], _pull_rows(groups, axis)))
    histograms = _pull_histograms(sweep, groups, axis)
    if histograms:
        plots.plot_pull_histograms(histograms, out / "pull_histograms",
                                   sweep=sweep.directory.name)
        section.figures.append("pull_histograms")
        section.note(f"pull histograms: test sets of the runs at the smallest and the largest "
                     f"{axis} of each group, seeds summed; pulls beyond +-5 in the outermost "
                     "bins")
    return section


def _pull_rows(groups: list[tuple[str, Any]], axis: str) -> list[list[object]]:
    """Per group and scale: runs, the mean over seeds of the pull mean and width, and their
    ranges over seeds (``[min, max]``), and the mean 1-sigma coverage."""
    rows: list[list[object]] = []
    for label, runs in groups:
        for scale, at in runs.groupby(axis, sort=True):
            mean = at["metric.test_pull_mean"].to_numpy(float)
            width = at["metric.test_pull_std"].to_numpy(float)
            cover = at.get("metric.test_coverage_1sigma")
            rows.append([label, scale, len(at), float(mean.mean()),
                         f"[{mean.min():.3g}, {mean.max():.3g}]", float(width.mean()),
                         f"[{width.min():.3g}, {width.max():.3g}]",
                         float(cover.astype(float).mean()) if cover is not None else "-"])
    return rows


def _pull_groups(fits: list[GroupFit]) -> list[tuple[str, Any]]:
    """Per group with pull metrics: its label and its runs with a finite mean pull."""
    out = []
    for g in fits:
        runs = g.runs
        if "metric.test_pull_mean" not in runs.columns or "metric.test_pull_std" not in runs:
            continue
        runs = runs[np.isfinite(runs["metric.test_pull_mean"].astype(float))]
        if len(runs):
            out.append((g.label, runs))
    return out


def _pull_histograms(sweep: Sweep, groups: list[tuple[str, Any]],
                     axis: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Per pull group: the summed ``test_pull`` histograms of its runs at the smallest and at
    the largest ``axis``."""
    records = {r.run_id: r for r in load_records(sweep.directory)}
    out = []
    for label, runs in groups:
        for scale in sorted({runs[axis].min(), runs[axis].max()}):
            at = runs[runs[axis] == scale]
            hists = [records[rid].histograms["test_pull"] for rid in at["run_id"]
                     if "test_pull" in records[rid].histograms]
            if hists:
                counts = np.sum([h["counts"] for h in hists], axis=0)
                out.append((f"{label}, {axis}={scale:g}", np.asarray(hists[0]["edges"]),
                            counts))
    return out
