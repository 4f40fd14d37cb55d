"""Build a sweep report: fit every group along every swept axis, draw the figures, write HTML.

Output directory layout: ``index.html``, ``<figure>.png`` and ``<figure>.pdf`` per figure,
and ``fits.json`` (machine-readable): per swept axis (``D``, ``N``, ``C``) every group's
single-axis fit and extrapolation check, and per two-axis law a section fitted (``joint``,
``joint_ceiling``, ``repetition``; keys present only for the sections that were fitted) every
group's fit, and ``isoflop`` (when the frontier section has IsoFLOP budgets): per group every
budget's minimum or why it is not determined, and the exponents ``a``, ``b`` of
``N_opt ~ C^a``, ``D* ~ C^b`` (``null`` with the reason in ``error`` when not fitted). The
sections themselves are in :mod:`hepscaling.report.sections`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hepscaling.errors import UsageError
from hepscaling.laws.direction import check_direction
from hepscaling.laws.sweep import GroupFit, Sweep, load_sweep
from hepscaling.records import atomic_write_text
from hepscaling.report.html import Page, render_page
from hepscaling.report.sections import FitOptions
from hepscaling.report.sections.ceilings import ceiling_section
from hepscaling.report.sections.convergence import convergence_section
from hepscaling.report.sections.dimension import dimension_section
from hepscaling.report.sections.frontier import frontier_section
from hepscaling.report.sections.generation import generation_section, is_generation
from hepscaling.report.sections.generators import generators_section, is_event_generation
from hepscaling.report.sections.learning_rate import learning_rate_section
from hepscaling.report.sections.precision import (
    load_precision_results,
    precision_section,
    record_results,
)
from hepscaling.report.sections.pulls import pull_section
from hepscaling.report.sections.repetition import repetition_section
from hepscaling.report.sections.runs import not_fitted_section
from hepscaling.report.sections.scaling import scaling_sections, swept_axes
from hepscaling.report.sections.schedules import schedule_section

__all__ = ["Report", "build_precision_report", "build_report"]

#: two_sample_classifier runs of a sweep shown in the precision section (the largest D)
_PRECISION_RUNS = 3


@dataclass(frozen=True)
class Report:
    """Where the report went: ``index`` (HTML), ``figures`` (PNG/PDF paths), ``fits`` (axis ->
    group fits of the single-axis law), ``law_fits`` (``joint``, ``joint_ceiling`` or
    ``repetition`` -> group fits of the sections that fitted them), ``json`` (the fits file)."""

    index: Path
    figures: list[Path]
    fits: dict[str, list[GroupFit]]
    law_fits: dict[str, list[GroupFit]]
    json: Path


def build_report(directory: str | os.PathLike, out: str | os.PathLike, *,
                 metric: str = "test_mse_log", law: str = "power", floor: bool = True,
                 group_by: list[str] | None = None, bootstrap: int = 200, seed: int = 0,
                 level: float = 0.68, holdout: int = 1, loss_metric: str | None = None,
                 huber_delta: float | None = None, tolerance: float | None = None) -> Report:
    """Fit ``law`` (``power`` or ``ceiling``) along each swept axis (D, N, C) per group and
    write the report to ``out``. Options as in :func:`hepscaling.laws.sweep.fit_sweep`; the
    default metric is ``test_mse_log`` (MSE of ln |M|^2, in fixed units).

    ``loss_metric`` is the loss of the joint law ``L(N, D)`` and its frontier: by default
    ``metric`` for the power law, and ``val_loss`` (the training objective on the validation
    set) for the ceiling law, whose metric grows instead of falling. ``tolerance``: fit each
    point at its converged training length (a sweep with ``converge:``; see
    :func:`hepscaling.laws.sweep.load_sweep`).

    Raises
    ------
    UsageError
        Bad directory/metric/law (also a law of the other direction than the metric's, e.g.
        ``ceiling`` on a loss), or no axis is swept (>= 4 distinct values).
    """
    if law not in ("power", "ceiling"):
        raise UsageError(f"the report fits single-axis laws; --law must be power or ceiling, got "
                         f"{law!r} (use 'hepscaling fit --law joint' for the joint law)")
    check_direction(law, metric)
    sweep = load_sweep(directory, metric, tolerance)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    swept = swept_axes(sweep, group_by)
    if not swept:
        raise UsageError(f"no axis among D, N, C takes >= 4 distinct values within a group of "
                         f"the finished runs of {sweep.directory}; nothing to fit")
    page = Page(f"Scaling report: {sweep.directory}", [
        f"metric: {metric}; law: {law}{'' if floor or law != 'power' else ' (no floor)'}; "
        f"intervals: {level:.0%} bootstrap percentile, {bootstrap} replicates, seed {seed}",
        f"runs: {len(sweep.frame)} total, {len(sweep.done)} fitted, "
        + (f"{len(sweep.trained) - len(sweep.done)} at other training lengths or not "
           "converged (section 'Training length'), " if tolerance is not None else "")
        + f"{len(sweep.not_done)} not fitted; axes fitted: {', '.join(swept)} (an axis needs >= 4 "
        "distinct values within a group)",
        f"fit: summed Huber loss (threshold {_delta_text(huber_delta)}) on log residuals, "
        "multi-start L-BFGS-B; parameters the data do not determine are shown as such; "
        f"extrapolation check: refit without the {holdout} largest scale point(s)",
    ], [])
    options = FitOptions(group_by, bootstrap, seed, level, huber_delta)
    sections, all_fits = scaling_sections(sweep, swept, law=law, floor=floor, holdout=holdout,
                                          options=options, out=out)
    page.sections += sections
    if is_generation(sweep):
        page.sections.append(generation_section(sweep, options, out))
    if is_event_generation(sweep):
        page.sections.append(generators_section(sweep, options, out))
    classifiers = record_results([sweep.records[i] for i in sweep.done["run_id"]],
                                 limit=_PRECISION_RUNS)
    if classifiers:
        page.sections.append(precision_section(classifiers, out))
    fitted: dict[str, list[GroupFit] | None] = {}
    isoflop: list[dict[str, object]] = []
    if law == "ceiling":
        section, fitted["joint_ceiling"] = ceiling_section(sweep, all_fits, options, out)
        page.sections.append(section)
    losses = _loss_sweep(sweep, law, loss_metric)
    if losses is not None:
        frontier = frontier_section(losses, options, out)
        if frontier is not None:
            page.sections.append(frontier[0])
            if frontier[1]:  # none at fixed D
                fitted["joint"] = frontier[1]
            isoflop = [iso.to_dict() for iso in frontier[2]]
        section, fitted["repetition"] = repetition_section(losses, options, out)
        page.sections.append(section)
    page.sections += [section for section in (convergence_section(sweep, tolerance),
                                              schedule_section(sweep, out),
                                              learning_rate_section(sweep, out))
                      if section is not None]
    page.sections += [dimension_section(all_fits, law, out), pull_section(sweep, all_fits, out),
                      not_fitted_section(sweep)]
    law_fits = {law: fits for law, fits in fitted.items() if fits is not None}

    index = Path(atomic_write_text(out / "index.html", render_page(page)))
    fits_json: dict[str, list[Any]] = {
        key: [{"group": g.key, "label": g.label, "n_runs": len(g.runs),
               "fit": g.fit.to_dict() if g.fit else None, "error": g.error,
               "excluded": list(g.excluded),
               "extrapolation": g.check.to_dict() if g.check else None}
              for g in fits] for key, fits in {**all_fits, **law_fits}.items()}
    if isoflop:
        fits_json["isoflop"] = isoflop
    json_path = Path(atomic_write_text(out / "fits.json",
                                       json.dumps(fits_json, indent=1, default=str)))
    figures = sorted(p for p in out.iterdir() if p.suffix in (".png", ".pdf"))
    return Report(index, figures, all_fits, law_fits, json_path)


def build_precision_report(directory: str | os.PathLike, out: str | os.PathLike) -> Path:
    """Write the page of the precision measurements under ``directory`` (every
    ``precision.json``, :mod:`hepscaling.report.sections.precision`) to ``out``: ``index.html``
    and the figures. Returns the page's path."""
    results = load_precision_results(directory)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = [f"{r.label}: {r.summary['generated']} against {r.summary['truth']}, "
               f"{r.summary['n_jets']} jet(s), {len(r.summary['observables'])} observables, "
               f"seed {r.summary['seed']}" for r in results]
    page = Page(f"Generator precision: {Path(directory)}", summary,
                [precision_section(results, out)])
    return Path(atomic_write_text(out / "index.html", render_page(page)))


def _delta_text(huber_delta: float | None) -> str:
    return "from the residuals' spread" if huber_delta is None else f"{huber_delta:g}"


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
