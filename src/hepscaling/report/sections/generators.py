"""Report section on event generators (``event_generation`` runs): classifier precision versus
D and N with its truth-vs-truth floor, the fitted law of the excess over the floor, and the
weight histograms of the best and the worst run.

Per precision metric ``m`` (``classifier_auc``, ``classifier_log_w_std``; per multiplicity
``_<k>j`` for ``n_jets: all`` runs) whose records carry it:

- ``m`` and its floor ``m_floor`` versus D and versus N, per group of the fits
  (:func:`~hepscaling.laws.sweep.group_keys`: family, jet multiplicity, width or D), mean and spread
  over seeds; the floor drawn as a band (mean floor +- the AUC's standard error at the test
  size ``classifier_auc_floor_sigma``, or the seeds' spread of the floor for the other
  metrics);
- the excess ``m_excess = m - m_floor`` fitted as a power law ``(X_c / X)^alpha + K`` in
  D and in N (:func:`hepscaling.laws.sweep.fit_sweep`, the largest scale held out and
  predicted). Runs whose excess is not above 0 (a generator at its floor within noise) cannot
  enter a log-space fit; :func:`~hepscaling.laws.sweep.fit_sweep` leaves them out and the
  section notes how many and at which D or N (as ``hepscaling fit`` does);
- the log-binned weights ``classifier_w_truth``, ``classifier_w_generated`` and the floor's
  ``classifier_floor_w`` of the run with the smallest and the largest AUC excess, and the
  observables of their events in the weight tails (``classifier_tails_<observable>``, drawn
  by :func:`hepscaling.report.sections.precision.tails_figure`: where the generator fails).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.results import PowerLawFit
from hepscaling.laws.sweep import GroupFit, Sweep, group_label, sweep_groups
from hepscaling.report import plots
from hepscaling.report.html import Section, param_cells, table
from hepscaling.report.sections import FitOptions
from hepscaling.report.sections.precision import tails_figure

__all__ = ["METRICS", "generators_section", "is_event_generation"]

#: precision metrics shown (each with ``_floor`` and ``_excess`` in the records)
METRICS = ("classifier_auc", "classifier_log_w_std")
_SUFFIXES = ("", "_1j", "_2j", "_3j")  # one multiplicity, or each of n_jets: all
_WEIGHTS = {"classifier_w_truth": "truth", "classifier_w_generated": "generated",
            "classifier_floor_w": "floor (truth half B)"}


def is_event_generation(sweep: Sweep) -> bool:
    """Whether every finished run of ``sweep`` is an ``event_generation`` run."""
    kinds = sweep.done.get("config.task.kind")
    return kinds is not None and bool((kinds == "event_generation").all())


def _column(name: str) -> str:
    return f"metric.test_{name}"


def _finished(sweep: Sweep) -> Any:
    """The finished runs of ``sweep``, whatever metric it was loaded for."""
    return sweep.frame[sweep.frame["status"] == "done"]


def _present(sweep: Sweep) -> list[tuple[str, str]]:
    """``(metric, suffix)`` pairs whose value, floor and excess some finished run records."""
    done = _finished(sweep)
    return [(m, s) for s in _SUFFIXES for m in METRICS
            if all(_column(f"{m}{x}{s}") in done for x in ("", "_floor", "_excess"))
            and np.isfinite(done[_column(f"{m}{s}")].astype(float)).any()]


def generators_section(sweep: Sweep, options: FitOptions, out: Path) -> Section:
    """The "Event generators" section; writes ``generators_precision_<axis>`` and
    ``generators_excess_<axis>`` (axis D, N: where an axis takes >= 2 values) and
    ``generators_weights`` to ``out``."""
    section = Section("Event generators: classifier precision")
    present = _present(sweep)
    if not present:
        section.note("no run records classifier metrics with their floor "
                     "(task.classifier and task.classifier_floor)")
        return section
    section.note("excess = metric minus its truth-vs-truth floor (the same classifier between "
                 "two disjoint halves of the held-out truth); band: floor +- its standard "
                 "error (AUC) or the seeds' spread")
    for axis in ("D", "N"):
        if _finished(sweep)[axis].nunique() >= 2:
            _precision(section, sweep, present, axis, options.group_by, out)
            _excess_laws(section, sweep, present, axis, options, out)
    _weights(section, sweep, out)
    return section


def _groups(sweep: Sweep, axis: str, group_by: list[str] | None) -> list[tuple[str, Any]]:
    """``(label, runs)`` per group of the fits along ``axis``
    (:func:`~hepscaling.laws.sweep.sweep_groups`) with >= 2 values of ``axis`` (the N scan's
    widths are not points of the D scan)."""
    return [(group_label(key), runs) for key, runs in sweep_groups(sweep.done, axis, group_by)
            if runs[axis].nunique() >= 2]


def _mean_spread(runs: Any, axis: str, column: str) -> tuple[np.ndarray, ...]:
    """Per value of ``axis``: the value, the mean and the std over seeds of ``column``."""
    by = runs.groupby(axis)[column].agg(["mean", "std"]).sort_index()
    return by.index.to_numpy(float), by["mean"].to_numpy(float), \
        np.nan_to_num(by["std"].to_numpy(float))


def _precision(section: Section, sweep: Sweep, present: list[tuple[str, str]], axis: str,
               group_by: list[str] | None, out: Path) -> None:
    lines = [(label, runs, s) for m, s in present if m == METRICS[0]
             for label, runs in _groups(sweep.for_metric(f"test_{m}{s}"), axis, group_by)]
    if not lines:
        return
    stem = f"generators_precision_{axis}"
    title = plots.figure_title(sweep.directory.name, f"classifier precision vs {axis}")
    with plots.saved_figure(out / stem, title, ncols=len(METRICS)) as axes:
        for ax, metric in zip(axes, METRICS, strict=True):
            for colour, (label, runs, s) in zip(plots.colours(len(lines)), lines,
                                                strict=True):
                if _column(f"{metric}{s}") not in runs:
                    continue
                x, y, dy = _mean_spread(runs, axis, _column(f"{metric}{s}"))
                ax.errorbar(x, y, dy, fmt="o-", color=colour, label=f"{label}{s}", ms=4)
                _, floor, floor_spread = _mean_spread(runs, axis, _column(f"{metric}_floor{s}"))
                sigma = _column(f"classifier_auc_floor_sigma{s}")
                if metric == "classifier_auc" and sigma in runs:
                    floor_spread = _mean_spread(runs, axis, sigma)[1]
                ax.fill_between(x, floor - floor_spread, floor + floor_spread, color=colour,
                                alpha=0.2, lw=0)
            ax.set_xscale("log")
            ax.set_xlabel(axis)
            ax.set_ylabel(f"{metric} (band: floor)")
            ax.legend(fontsize="x-small")
    section.figures.append(stem)


def _excess_laws(section: Section, sweep: Sweep, present: list[tuple[str, str]], axis: str,
                 options: FitOptions, out: Path) -> None:
    fitted: list[tuple[str, GroupFit]] = []
    rows: list[list[object]] = []
    for metric, suffix in present:
        name = f"test_{metric}_excess{suffix}"
        try:
            groups = options.fit(sweep.for_metric(name), "power", axis=axis, holdout=1)
        except UsageError as exc:
            section.note(f"{name} vs {axis}: not fitted: {exc}")
            continue
        for g in groups:
            if len(set(g.runs[axis]) | {e[axis] for e in g.excluded}) < 4:
                continue  # not a scan of this axis (a three-parameter law needs 4 points)
            if g.excluded_note:
                section.note(f"{name} vs {axis}, {g.label}: {g.excluded_note}")
            if g.fit is None:
                section.note(f"{name} vs {axis}, {g.label}: not fitted: {g.error}")
                continue
            held = (", ".join(f"{r.ratio:.2f}{'' if r.inside else ' (outside)'}"
                              for r in g.check.rows) if g.check else g.check_error or "")
            rows.append([name, g.label, *param_cells(g.fit, "alpha"), *param_cells(g.fit, "k"),
                         held])
            fitted.append((name, g))
    if not rows:
        return
    section.blocks.append(table([f"excess vs {axis}", "group", "alpha", "interval", "k",
                                 "interval", "largest held out: measured / predicted"], rows,
                                left=2))
    stem = f"generators_excess_{axis}"
    # one panel per metric (AUC, log w spread), one colour per group within a panel
    panels = [[(n, g) for n, g in fitted if "auc" in n], [(n, g) for n, g in fitted
                                                          if "auc" not in n]]
    panels = [p for p in panels if p]
    title = plots.figure_title(sweep.directory.name, f"excess over the floor vs {axis}")
    with plots.saved_figure(out / stem, title, ncols=len(panels)) as axes:
        for ax, panel in zip(axes, panels, strict=True):
            for colour, (name, g) in zip(plots.colours(len(panel)), panel, strict=True):
                x = g.runs[axis].to_numpy(float)
                y = g.runs[f"metric.{name}"].to_numpy(float)
                short = name.removeprefix("test_classifier_")
                ax.plot(x, y, "o", color=colour, label=f"{short}: {g.label}", ms=4)
                grid = np.geomspace(x.min(), x.max(), 60)
                laws = [(g.fit, "-"), (g.check.fit if g.check else None, ":")]
                for law, style in laws:  # the fit, and the fit without the largest scale
                    if isinstance(law, PowerLawFit):
                        ax.plot(grid, law.predict(grid).value, style, color=colour)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(axis)
            ax.legend(fontsize="xx-small", loc="lower left")
        axes[0].set_ylabel("metric - floor (solid: fit; dotted: fit without the largest)")
    section.figures.append(stem)


def _weights(section: Section, sweep: Sweep, out: Path) -> None:
    """The weight histograms of the runs with the smallest and largest AUC excess."""
    done = _finished(sweep)
    suffix = next((s for s in _SUFFIXES if _column(f"classifier_auc_excess{s}") in done), None)
    if suffix is None:
        return
    column = _column(f"classifier_auc_excess{suffix}")
    runs = sweep.for_metric(column.removeprefix("metric.")).done
    order = runs[column].astype(float).to_numpy().argsort()
    picks = {"best": runs.iloc[order[0]], "worst": runs.iloc[order[-1]]}
    stem = "generators_weights"
    title = plots.figure_title(sweep.directory.name, "classifier weights w = p_truth / p_gen")
    with plots.saved_figure(out / stem, title, ncols=2, share=True) as axes:
        for ax, (which, run) in zip(axes, picks.items(), strict=True):
            record = sweep.records[run["run_id"]]
            for key, label in _WEIGHTS.items():
                h = record.histograms.get(f"test_{key}{suffix}")
                if h is not None:
                    ax.stairs(h["counts"], h["edges"], label=label)
            ax.set_xscale("log")
            ax.set_xlabel("w")
            ax.set_title(f"{which}: D={run['D']:g}, N={run['N']:g}, AUC excess "
                         f"{run[column]:.3g}", fontsize="small")
            ax.legend(fontsize="x-small")
    section.figures.append(stem)
    for which, run in picks.items():
        _tails(section, sweep, which, run, suffix, column, out)


def _tails(section: Section, sweep: Sweep, which: str, run: Any, suffix: str, column: str,
           out: Path) -> None:
    """The tail view (:func:`~hepscaling.report.sections.precision.tails_figure`) of the
    ``which`` (best, worst) run's measurement, ``generators_tails_<which>``; a note when its
    record has none (recorded since the classifier keeps its feature histograms)."""
    prefix = "test_classifier_tails_"
    histograms = sweep.records[run["run_id"]].histograms
    tails = {key.removeprefix(prefix).removesuffix(suffix): h for key, h in histograms.items()
             if key.startswith(prefix) and key.endswith(suffix)}
    if not tails:
        section.note(f"{which} run {run['run_id']}: no observables of the weight tails in its "
                     f"record (classifier_tails_<observable>{suffix}, recorded by runs of a "
                     "newer hepscaling); 'hepscaling sample' and 'hepscaling precision "
                     "measure' on its run directory draw them")
        return
    stem = f"generators_tails_{which}"
    tails_figure(out / stem, plots.figure_title(
        sweep.directory.name, f"{which} run (D={run['D']:g}, N={run['N']:g}, AUC excess "
        f"{run[column]:.3g}{', ' + suffix.strip('_') if suffix else ''}): where the weights "
        "fall"), tails)
    section.figures.append(stem)
