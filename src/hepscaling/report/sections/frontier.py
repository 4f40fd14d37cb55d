"""Report section on the compute-optimal frontier of a loss: the joint law
``L(N, D) = E + A / N^alpha + B / D^beta`` per group and its frontier (``C = 6 N D``) when N and
D both vary, and the IsoFLOP minima of the records' own compute per budget with the power laws
through them (Chinchilla approaches 3 and 2, :mod:`hepscaling.laws.frontier`).

A sweep whose dataset size is fixed (every size trained on one dataset for a compute budget)
gets the IsoFLOP part alone; D* there is the samples processed (steps x batch, repeated passes
over the dataset). A budget whose minimum lies at the edge of the sizes tried is listed as not
determined, never with an extrapolated vertex."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.frontier import (
    MIN_BUDGETS,
    NEIGHBOURS,
    BudgetMinimum,
    IsoFlopFrontier,
    TooFewMinima,
    isoflop_frontier,
)
from hepscaling.laws.results import JointFit
from hepscaling.laws.sweep import (
    GroupFit,
    Sweep,
    config_column,
    group_keys,
    group_label,
    group_runs,
    scale_columns,
)
from hepscaling.report import plots
from hepscaling.report.html import NOT_DETERMINED, Section, param_cells, table
from hepscaling.report.sections import FitOptions

__all__ = ["IsoFlopGroup", "frontier_section"]


@dataclass(frozen=True)
class IsoFlopGroup:
    """The IsoFLOP analysis of one group: its budgets' minima, the power laws through the
    determined ones (``None`` when not fitted) and why not (``''`` when fitted)."""

    label: str
    minima: list[BudgetMinimum]
    frontier: IsoFlopFrontier | None
    error: str

    @property
    def profiled(self) -> bool:
        """Whether some budget holds at least three sizes (an IsoFLOP profile)."""
        return any(m.n_sizes >= 3 for m in self.minima)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: the label, every budget's minimum, the exponents ``a`` and ``b`` (or
        ``None``) and the reason they are missing."""
        iso = self.frontier
        return {"label": self.label, "budgets": [m.to_dict() for m in self.minima],
                "a": iso.a.to_dict() if iso else None, "b": iso.b.to_dict() if iso else None,
                "error": self.error or None}


def frontier_section(sweep: Sweep, options: FitOptions, out: Path
                     ) -> tuple[Section, list[GroupFit], list[IsoFlopGroup]] | None:
    """The compute-optimal frontier section for the loss ``sweep.metric``, its joint-law group
    fits (none at fixed D) and the IsoFLOP analyses of the groups with an IsoFLOP profile (the
    ``frontier`` figure written to ``out``).

    ``None`` unless N varies and either D varies too or, at fixed D, some compute budget holds
    at least three model sizes (an IsoFLOP profile). Grouping keys that set N or D
    (``-g config.model.width``) are left out here: the frontier compares sizes.
    """
    done = sweep.done
    if done["N"].nunique() < 2:
        return None
    fixed_d = done["D"].nunique() < 2
    scale = scale_columns(done, "joint")
    dropped = [c for c in options.group_by or [] if config_column(c) in scale]
    options = replace(options, group_by=[c for c in options.group_by or [] if c not in dropped])
    name = sweep.metric.removeprefix("metric.")
    fits: list[GroupFit] = []
    if fixed_d:
        keys = group_keys(done, "joint", options.group_by)
        groups = [(group_label(key), runs) for key, runs in group_runs(done, keys)]
    else:
        fits = options.fit(sweep, "joint")
        groups = [(g.label, g.runs) for g in fits]
    isos = [_isoflop(label, runs, sweep.metric, options) for label, runs in groups]
    if fixed_d and not any(iso.profiled for iso in isos):
        return None
    if fixed_d:
        d = float(done["D"].iloc[0])
        section = Section(f"Compute-optimal frontier of {name} at fixed D = {d:g}: IsoFLOP "
                          "minima")
        section.note(f"the dataset size is fixed (D = {d:g}), so no joint law L(N, D) is "
                     "fitted; D* is the samples processed (steps x batch, in repeated passes "
                     f"over the {d:g} training samples), C the records' own training FLOPs")
    else:
        section = Section(f"Joint law L(N, D) of {name} and compute-optimal frontier")
        section.note("frontier of the joint law with C = 6 N D (one pass over D samples); "
                     "IsoFLOP minima per compute budget of the records' own C, their D* the "
                     "samples processed (steps x batch)")
    section.note("IsoFLOP minimum of a budget: the vertex of a parabola in log N fitted to log "
                 f"loss through the size of the lowest loss and up to {NEIGHBOURS} sizes on "
                 "each side; not determined (and not quoted) when the lowest loss is at the "
                 "budget's smallest or largest size or the vertex is not strictly inside the "
                 f"sizes fitted; N_opt ~ C^a is fitted through >= {MIN_BUDGETS} determined "
                 "budgets only")
    if dropped:
        section.note(f"grouping by {', '.join(dropped)} is left out here: the frontier "
                     "compares sizes within a group")
    items = _joint_rows(section, fits, isos) if not fixed_d else []
    profiled = [iso for iso in isos if iso.profiled]
    _isoflop_tables(section, isos, profiled, power_laws=fixed_d)
    for iso in profiled:
        item = next((i for i in items if i["label"] == iso.label), None)
        if item is None:
            items.append(item := {"label": iso.label})
        _add_isoflop(item, iso)
    if items:
        plots.plot_frontier(items, out / "frontier", sweep=sweep.directory.name)
        section.figures.append("frontier")
    return section, fits, profiled


def _isoflop(label: str, runs: Any, metric: str, options: FitOptions) -> IsoFlopGroup:
    """One group's IsoFLOP minima and power laws (D = samples processed)."""
    samples = runs["samples_seen"].to_numpy(float)
    if not np.all(samples > 0):
        return IsoFlopGroup(label, [], None, f"{int(np.sum(~(samples > 0)))} run record(s) "
                            "carry no samples processed (samples_seen = 0); rerun them with a "
                            "current hepscaling train")
    args = (runs["N"].to_numpy(float), samples, runs["C"].to_numpy(float),
            runs[metric].to_numpy(float))
    sizes = _ladder(runs)
    try:
        iso = isoflop_frontier(*args, bootstrap=options.bootstrap, seed=options.seed,
                               level=options.level, sizes=sizes)
    except TooFewMinima as exc:
        return IsoFlopGroup(label, list(exc.minima), None, str(exc))
    except UsageError as exc:
        return IsoFlopGroup(label, [], None, str(exc))
    return IsoFlopGroup(label, list(iso.minima), iso, "")


def _ladder(runs: Any) -> str:
    """What the group's model sizes are called: ``widths`` when only ``config.model.width``
    varies among its numeric model keys, ``model sizes`` otherwise."""
    varying = [c for c in scale_columns(runs, "N") if runs[c].map(str).nunique() > 1]
    return f"{varying[0].rsplit('.', 1)[-1]}s" if len(varying) == 1 else "model sizes"


def _budget_row(label: str, m: BudgetMinimum) -> list[object]:
    tried = f"{m.n_low:.4g} ... {m.n_high:.4g} ({m.n_sizes} sizes)"
    if not m.determined:
        return [label, m.budget, m.n_runs, tried, m.n_best, m.reason, "-", "-"]
    return [label, m.budget, m.n_runs, tried, m.n_best, m.n_opt, m.d_opt, m.loss_opt]


def _isoflop_tables(section: Section, isos: list[IsoFlopGroup], profiled: list[IsoFlopGroup],
                    *, power_laws: bool) -> None:
    """Into ``section``: the table of the IsoFLOP power laws (if ``power_laws``; the joint-law
    table has them otherwise), why a group has none, and every budget of the ``profiled``
    groups."""
    rows = [[iso.label, f"{sum(m.determined for m in iso.minima)} of {len(iso.minima)}",
             iso.frontier.a, iso.frontier.b] for iso in isos if iso.frontier]
    if power_laws and rows:
        section.blocks.append(table(["group", "budgets determined", "a (N_opt ~ C^a)",
                                     "b (D* ~ C^b)"], rows))
    for iso in isos:
        if iso.error:
            section.note(f"{iso.label}: no IsoFLOP power law: {iso.error}")
    budgets = [_budget_row(iso.label, m) for iso in profiled for m in iso.minima]
    if budgets:
        section.blocks.append(table(["group", "C budget", "runs", "N tried",
                                     "N of the lowest loss", "N_opt", "D* (samples)",
                                     "loss at N_opt"], budgets))


def _joint_rows(section: Section, fits: list[GroupFit], isos: list[IsoFlopGroup]
                ) -> list[dict[str, Any]]:
    """The joint-law table (with the IsoFLOP exponents beside) in ``section``; the plot items
    of the joint-law frontiers."""
    section.failures(fits, "joint law not fitted")
    rows, items = [], []
    for g, iso in zip(fits, isos, strict=True):
        if g.fit is None:
            continue
        assert isinstance(g.fit, JointFit)  # law="joint"
        section.fit_notes(g)
        row: list[object] = [g.label, len(g.runs), param_cells(g.fit, "E")[0],
                             g.fit.shown("alpha"), g.fit.shown("beta"), NOT_DETERMINED,
                             NOT_DETERMINED, "-", "-"]
        if iso.frontier is not None:
            row[-2:] = [iso.frontier.a, iso.frontier.b]
        try:
            fe = g.fit.frontier_exponents()
            c = np.geomspace(g.runs["C"].min(), g.runs["C"].max() * 100.0, 50)
            items.append({"label": g.label, "C": c, "n_opt": g.fit.frontier(c)[0]})
            row[5:7] = [fe["a"], fe["b"]]
        except UsageError as exc:
            section.note(f"{g.label}: no joint-law frontier: {exc}")
        rows.append(row)
    if rows:
        section.blocks.append(table(["group", "runs", "E", "alpha", "beta", "a (N*~C^a)",
                                     "b (D*~C^b)", "IsoFLOP a", "IsoFLOP b"], rows))
    return items


def _add_isoflop(item: dict[str, Any], iso: IsoFlopGroup) -> None:
    """The IsoFLOP points, tried ranges and power law of ``iso`` into a plot item."""
    good = [m for m in iso.minima if m.determined]
    if good:
        item.update(iso_c=np.array([m.budget for m in good]),
                    iso_n=np.array([m.n_opt for m in good]))
    if iso.minima:
        item["iso_tried"] = np.array([[m.budget, m.n_low, m.n_high, m.n_best]
                                      for m in iso.minima])
    if iso.frontier is not None:
        c = np.geomspace(iso.frontier.budgets.min(), iso.frontier.budgets.max(), 20)
        item["iso_law"] = (c, iso.frontier.n0 * c**iso.frontier.a.value)
