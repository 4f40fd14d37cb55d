"""Report section on the joint law ``L(N, D) = E + A / N^alpha + B / D^beta`` per group, its
compute-optimal frontier (``C = 6 N D``) and the IsoFLOP minima of the records' own compute
(Chinchilla approaches 3 and 2, :mod:`hepscaling.laws.frontier`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.frontier import isoflop_frontier
from hepscaling.laws.results import JointFit
from hepscaling.laws.sweep import GroupFit, Sweep
from hepscaling.report import plots
from hepscaling.report.html import NOT_DETERMINED, Section, param_cells, table
from hepscaling.report.sections import FitOptions

__all__ = ["frontier_section"]


def frontier_section(sweep: Sweep, options: FitOptions, out: Path
                     ) -> tuple[Section, list[GroupFit]] | None:
    """The "Joint law ... and compute-optimal frontier" section for the loss ``sweep.metric``
    and its joint-law group fits (the ``frontier`` figure written to ``out``); ``None``
    unless both N and D vary."""
    done = sweep.done
    if done["N"].nunique() < 2 or done["D"].nunique() < 2:
        return None
    section = Section(f"Joint law L(N, D) of {sweep.metric.removeprefix('metric.')} and "
                      "compute-optimal frontier")
    section.note("frontier of the joint law with C = 6 N D (one pass over D samples); IsoFLOP "
                 "minima from a parabola in log N per compute budget of the records' own C")
    fits = options.fit(sweep, "joint")
    section.failures(fits, "joint law not fitted")
    rows, items = [], []
    for g in fits:
        if g.fit is None:
            continue
        assert isinstance(g.fit, JointFit)  # law="joint"
        section.fit_notes(g)
        row: list[object] = [g.label, len(g.runs), param_cells(g.fit, "E")[0],
                             g.fit.shown("alpha"), g.fit.shown("beta"), NOT_DETERMINED,
                             NOT_DETERMINED, "-", "-"]
        item: dict[str, object] = {"label": g.label}
        try:
            fe = g.fit.frontier_exponents()
            c = np.geomspace(g.runs["C"].min(), g.runs["C"].max() * 100.0, 50)
            item.update(C=c, n_opt=g.fit.frontier(c)[0])
            row[5:7] = [fe["a"], fe["b"]]
        except UsageError as exc:
            section.note(f"{g.label}: no joint-law frontier: {exc}")
        runs = g.runs
        try:
            iso = isoflop_frontier(runs["N"].to_numpy(float), runs["D"].to_numpy(float),
                                   runs["C"].to_numpy(float), runs[sweep.metric].to_numpy(float),
                                   bootstrap=options.bootstrap, seed=options.seed,
                                   level=options.level)
            row[-2:] = [iso.a, iso.b]
            item.update(iso_c=iso.budgets, iso_n=iso.n_opt)
        except UsageError as exc:
            section.note(f"{g.label}: no IsoFLOP frontier: {exc}")
        rows.append(row)
        if "n_opt" in item:
            items.append(item)
    if rows:
        section.blocks.append(table(["group", "runs", "E", "alpha", "beta", "a (N*~C^a)",
                                     "b (D*~C^b)", "IsoFLOP a", "IsoFLOP b"], rows))
    if items:
        plots.plot_frontier(items, out / "frontier", sweep=sweep.directory.name)
        section.figures.append("frontier")
    return section, fits
