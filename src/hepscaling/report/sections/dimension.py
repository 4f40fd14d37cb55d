"""Report section on the exponent of ``L(D)`` versus the phase-space dimension
``d = 3 n_f - 4`` of each group's process, next to the ``4/d`` of a generic smooth target
(the conjecture of arXiv:2601.13308: ``alpha_D >= 4/d``), with a verdict per process from the
exponent's interval, and the TwoNN intrinsic dimensions the runs recorded (of the inputs and
of the network's last hidden layer; the invariants' manifold has dimension ``3 n_f - 5``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.results import LawFit
from hepscaling.laws.sweep import GroupFit
from hepscaling.physics.process import parse_process
from hepscaling.report import plots
from hepscaling.report.html import Section, bounds_text, table
from hepscaling.report.processes import process_of

__all__ = ["conjecture_verdict", "dimension_section"]


def dimension_section(all_fits: dict[str, list[GroupFit]], law: str, out: Path) -> Section:
    """The "Exponent versus phase-space dimension" section of the power-law fits along D in
    ``all_fits`` (axis -> group fits) of amplitude-regression runs; writes the
    ``exponent_vs_dim`` figure to ``out``."""
    section = Section("Exponent versus phase-space dimension")
    if law != "power" or "D" not in all_fits:
        section.note("skipped: needs power-law fits along D")
        return section
    kinds = {str(k) for g in all_fits["D"] for k in g.runs.get("config.task.kind", [])}
    if kinds and "amplitude_regression" not in kinds:
        section.note(f"skipped: applies to amplitude regression, not to {', '.join(sorted(kinds))}")
        return section
    rows, missing = _dimension_rows(all_fits["D"])
    open_fits = [g.label for g in all_fits["D"] if isinstance(g.fit, LawFit) and
                 "alpha" in g.fit.undetermined]
    if open_fits:
        section.note(f"exponent not determined (left out): {'; '.join(open_fits)}")
    if missing:
        section.note("process unknown (no config.task.process and no readable dataset "
                     f"provenance) for: {'; '.join(missing)}")
    if not rows:
        section.note("skipped: no group with a known process")
        return section
    level = next((g.fit.level for g in all_fits["D"] if isinstance(g.fit, LawFit)), None)
    plots.plot_exponents_vs_dim(rows, out / "exponent_vs_dim", level=level)
    section.figures.append("exponent_vs_dim")
    section.blocks.append(table(
        ["group", "process", "n_f", "d = 3 n_f - 4", "alpha_D", "interval", "4/d",
         "alpha_D >= 4/d?", "TwoNN inputs", "TwoNN hidden", "3 n_f - 5"],
        [[r["label"], r["process"], r["n_f"], r["d"], r["alpha"],
          bounds_text(r["low"], r["high"]), 4.0 / r["d"], conjecture_verdict(r),
          r["twonn_inputs"], r["twonn_representation"], 3 * r["n_f"] - 5] for r in rows], left=2))
    section.note("verdict from the exponent's interval: 'yes' if its lower end is above 4/d, "
                 "'no' if its upper end is below, else 'undecided'; TwoNN: mean over the "
                 "group's runs of the intrinsic dimension of the test inputs and of the last "
                 "hidden layer (NaN: not recorded); the invariants do not see the rotation "
                 "about the beam axis, so their manifold has dimension 3 n_f - 5 = d - 1")
    return section


def conjecture_verdict(row: dict) -> str:
    """``yes`` / ``no`` / ``undecided``: is ``alpha_D >= 4/d`` by the interval
    ``[row["low"], row["high"]]`` of the exponent (``row["d"]`` the dimension)?

    >>> conjecture_verdict({"d": 5, "low": 0.9, "high": 1.2})
    'yes'
    >>> conjecture_verdict({"d": 5, "low": 0.5, "high": 0.9})
    'undecided'
    """
    bound = 4.0 / row["d"]
    if row["low"] > bound:
        return "yes"
    if row["high"] < bound:
        return "no"
    return "undecided"


def _mean_metric(runs, name: str) -> float:
    """Mean of ``metric.<name>`` over ``runs`` (NaN if no run recorded it)."""
    column = f"metric.{name}"
    if column not in runs.columns:
        return float("nan")
    values = runs[column].to_numpy(float)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else float("nan")


def _dimension_rows(fits: list[GroupFit]) -> tuple[list[dict], list[str]]:
    rows, missing = [], []
    for g in fits:
        if (not isinstance(g.fit, LawFit) or "alpha" not in g.fit.params
                or "alpha" in g.fit.undetermined):
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
                     "alpha": e.value, "low": e.low, "high": e.high,
                     "twonn_inputs": _mean_metric(g.runs, "test_twonn_inputs"),
                     "twonn_representation": _mean_metric(g.runs, "test_twonn_representation")})
    return rows, missing
