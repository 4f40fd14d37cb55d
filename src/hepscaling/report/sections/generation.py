"""Report section on jet generation (``jet_generation`` runs): the compared loss laws, SWD versus
validation loss, per-position losses and generated-versus-truth observables.

- Loss versus N and D: per group the log law, the power law with floor and the pure power law
  compared by AICc and by predicting the largest scale held out (:mod:`hepscaling.laws.compare`);
  the figure draws every form over the runs of each group.
- Validation loss versus compute C: per group the lower envelope of every run's
  (FLOPs, val_loss) curve points (:mod:`hepscaling.laws.envelope`), the same three forms
  compared on the envelope points; the figure draws the curves, the envelope and the forms.
- SWD versus validation loss: Spearman correlation and monotone fit per group
  (:mod:`hepscaling.laws.correlation`), with the truth-versus-truth and tokenization floors when
  the records hold them (``test_swd_truth``, ``test_swd_tokenization``).
- Per-position loss (nats, histogram ``test_position_loss`` of each record) against the
  constituent index (0 = hardest), coloured by N, at the D of most runs (the N scan), with the
  per-position unigram baseline.
- Observable histograms of the run with the largest N: ``test_generated_<obs>`` against
  ``test_truth_<obs>`` (counts normalised to unit area), with the run's ``w1_<obs>`` and floors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.compare import LawComparison
from hepscaling.laws.correlation import MetricCorrelation, correlate_sweep
from hepscaling.laws.envelope import envelope_sweep
from hepscaling.laws.sweep import Sweep
from hepscaling.report import plots
from hepscaling.report.html import Section, table
from hepscaling.report.sections import FitOptions

__all__ = ["generation_section", "is_generation"]

POSITION = "test_position_loss"
UNIGRAM = "test_position_loss_unigram"


def is_generation(sweep: Sweep) -> bool:
    """Whether every finished run of ``sweep`` is a ``jet_generation`` run."""
    kinds = sweep.done.get("config.task.kind")
    return kinds is not None and bool((kinds == "jet_generation").all())


def generation_section(sweep: Sweep, options: FitOptions, out: Path) -> Section:
    """The "Jet generation" section; writes the figures ``generation_<axis>`` (N, D),
    ``generation_C``, ``generation_swd``, ``generation_positions`` and
    ``generation_observables`` to ``out`` (each only when its data are there)."""
    name = sweep.metric.removeprefix("metric.")
    section = Section(f"Jet generation ({name})")
    for axis in ("N", "D"):
        _compare(section, sweep, axis, options, out)
    _compute(section, sweep, options, out)
    _swd(section, sweep, options, out)
    done = [sweep.records[i] for i in sweep.done["run_id"]]
    _positions(section, done, out)
    _observables(section, done, out)
    return section


def _compare(section: Section, sweep: Sweep, axis: str, options: FitOptions,
             out: Path) -> None:
    if sweep.done[axis].nunique() < 4:
        return
    try:
        fits = options.fit(sweep, "compare", axis=axis, holdout=1)
    except UsageError as exc:
        section.note(f"{axis}: forms not compared: {exc}")
        return
    few = [g for g in fits if g.runs[axis].nunique() < 4]
    if few:  # e.g. the D-scan sizes in an N fit: not a scan along this axis
        section.note(f"{axis}: {len(few)} group(s) with fewer than 4 values of {axis} not "
                     f"compared: {'; '.join(g.label for g in few)}")
    section.failures([g for g in fits if g not in few], f"forms along {axis} not compared")
    fitted = [g for g in fits if isinstance(g.fit, LawComparison)]
    if not fitted:
        return
    comparisons = []
    for g in fitted:
        assert isinstance(g.fit, LawComparison)
        comparisons.append((g.label, g.fit))
    _comparison_table(section, axis, comparisons)
    stem = f"generation_{axis}"
    title = plots.figure_title(sweep.directory.name, f"{sweep.metric[7:]} vs {axis}")
    with plots.saved_figure(out / stem, title) as (ax,):
        for i, (colour, g) in enumerate(zip(plots.colours(len(fitted)), fitted, strict=True)):
            assert isinstance(g.fit, LawComparison)
            ax.plot(g.fit.data["x"], g.fit.data["y"], "o", color=colour, label=g.label)
            _draw_forms(ax, g.fit, colour, labelled=i == 0)
        ax.set_xscale("log")
        ax.set_xlabel(axis)
        ax.set_ylabel(sweep.metric[7:])
        ax.legend(fontsize="x-small")
    section.figures.append(stem)


def _comparison_table(section: Section, axis: str,
                      comparisons: list[tuple[str, LawComparison]]) -> None:
    """One row per group and form (Delta AICc, hold-out error) and one verdict per group."""
    rows = []
    for label, fit in comparisons:
        for c in fit.candidates:
            rows.append([label, c.law, f"{c.delta:.2f}", f"{c.holdout_error:.3g}",
                         c.error or ""])
        section.note(f"{axis}, {label}: {fit.verdict}")
    section.blocks.append(table([f"group ({axis})", "form", "Delta AICc",
                                 "hold-out rel. error", "not fitted"], rows))


def _draw_forms(ax: Any, fit: LawComparison, colour: Any, labelled: bool) -> None:
    """Each fitted form of ``fit`` over its data range (``labelled``: with legend labels)."""
    x = fit.data["x"]
    grid = np.geomspace(x.min(), x.max(), 60)
    for c, style in zip(fit.candidates, ("-", "--", ":"), strict=False):
        predict = getattr(c.fit, "predict", None)  # single-axis laws: predict(x)
        if callable(predict):
            ax.plot(grid, predict(grid).value, style, color=colour,
                    label=c.law if labelled else None)


def _compute(section: Section, sweep: Sweep, options: FitOptions, out: Path) -> None:
    try:
        groups = envelope_sweep(sweep, group_by=options.group_by, holdout=1,
                                bootstrap=options.bootstrap, seed=options.seed,
                                level=options.level)
    except UsageError as exc:
        section.note(f"C: loss-compute envelope skipped: {exc}")
        return
    for g in groups:
        if isinstance(g.fit, str):
            section.note(f"C, {g.label}: forms not compared on the envelope: {g.fit}")
    fitted = [(g.label, g.fit) for g in groups if isinstance(g.fit, LawComparison)]
    if fitted:
        _comparison_table(section, "C, envelope", fitted)
    with plots.saved_figure(out / "generation_C", plots.figure_title(
            sweep.directory.name, "validation loss vs compute (lower envelope)")) as (ax,):
        for i, (colour, g) in enumerate(zip(plots.colours(len(groups)), groups,
                                            strict=True)):
            for r in range(len(g.run_ids)):
                mine = g.run == r
                ax.plot(g.c[mine], g.loss[mine], "-", color=colour, lw=0.5, alpha=0.35)
            ax.plot(g.c[g.envelope], g.loss[g.envelope], "o", ms=3, color=colour,
                    label=f"{g.label}: envelope")
            if isinstance(g.fit, LawComparison):
                _draw_forms(ax, g.fit, colour, labelled=i == 0)
        ax.set_xscale("log")
        ax.set_xlabel("C (training FLOPs)")
        ax.set_ylabel("val_loss")
        ax.legend(fontsize="x-small")
    section.figures.append("generation_C")


def _swd(section: Section, sweep: Sweep, options: FitOptions, out: Path) -> None:
    try:
        groups = correlate_sweep(sweep, "val_loss", "test_swd", options.group_by,
                                 bootstrap=options.bootstrap, seed=options.seed,
                                 level=options.level)
    except UsageError as exc:
        section.note(f"SWD vs validation loss: skipped: {exc}")
        return
    rows: list[list[Any]] = []
    correlations: list[tuple[str, MetricCorrelation]] = []
    for key, result in groups:
        label = ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in key.items()) or "all"
        if isinstance(result, str):
            section.note(f"SWD vs validation loss, {label}: {result}")
            continue
        rows.append([label, result.x.size, str(result.rho), f"{result.p_value:.2g}",
                     f"{result.monotone.r2:.3f}", result.verdict])
        correlations.append((label, result))
    if not rows:
        return
    section.blocks.append(table(["group", "runs", "Spearman rho", "p", "monotone r2",
                                 "verdict"], rows))
    floors = {f: sweep.frame.get(f"metric.test_swd{f}") for f in ("_truth", "_tokenization")}
    with plots.saved_figure(out / "generation_swd", plots.figure_title(
            sweep.directory.name, "SWD vs validation loss")) as (ax,):
        for colour, (label, c) in zip(plots.colours(len(correlations)), correlations,
                                      strict=True):
            ax.plot(c.x, c.y, "o", color=colour, label=label)
            ax.step(c.monotone.x, c.monotone.y, where="post", color=colour)
        for (suffix, values), style in zip(floors.items(), ("--", ":"), strict=True):
            if values is not None and np.isfinite(values).any():
                ax.axhline(float(np.nanmean(values)), ls=style, color="grey",
                           label=f"floor: {suffix[1:]}")
        ax.set_yscale("log")
        ax.set_xlabel("val_loss")
        ax.set_ylabel("test_swd")
        ax.legend(fontsize="x-small")
    section.figures.append("generation_swd")


def _positions(section: Section, records: list[Any], out: Path) -> None:
    kept = [r for r in records if POSITION in r.histograms]
    if not kept:
        return
    sizes_d = [r.n_train for r in kept]
    d = max(set(sizes_d), key=lambda v: (sizes_d.count(v), v))  # the N scan's D
    kept = sorted((r for r in kept if r.n_train == d), key=lambda r: r.n_params)
    with plots.saved_figure(out / "generation_positions", f"per-position loss at D = {d}") as (ax,):
        sizes = sorted({r.n_params for r in kept})
        colours = dict(zip(sizes, plots.colours(len(sizes)), strict=True))
        labelled: set[int] = set()
        for r in kept:
            counts = np.array([np.nan if v is None else v
                               for v in r.histograms[POSITION]["counts"]], dtype=float)
            ax.plot(np.arange(counts.size), counts, color=colours[r.n_params], lw=1,
                    label=None if r.n_params in labelled else f"N = {r.n_params:.3g}")
            labelled.add(r.n_params)
        unigram = kept[0].histograms.get(UNIGRAM)
        if unigram is not None:
            ax.plot(np.arange(len(unigram["counts"])), unigram["counts"], "k--",
                    label="per-position unigram")
        ax.set_xlabel("constituent index (0 = hardest)")
        ax.set_ylabel("loss (nats per token)")
        ax.legend(fontsize="x-small")
    section.figures.append("generation_positions")


def _observables(section: Section, records: list[Any], out: Path) -> None:
    kept = [r for r in records if any(k.startswith("test_generated_") for k in r.histograms)]
    if not kept:
        return
    best = max(kept, key=lambda r: (r.n_params, -r.metrics.get("val_loss", np.inf)))
    names = [k.removeprefix("test_generated_") for k in best.histograms
             if k.startswith("test_generated_") and f"test_truth_{k[15:]}" in best.histograms]
    with plots.saved_figure(out / "generation_observables", f"generated vs truth, N = "
                            f"{best.n_params:.3g}", ncols=len(names)) as axes:
        for ax, obs in zip(axes, names, strict=True):
            for label, style in (("generated", "-"), ("truth", "--")):
                h = best.histograms[f"test_{label}_{obs}"]
                edges, counts = np.asarray(h["edges"]), np.asarray(h["counts"], float)
                area = counts.sum() * np.diff(edges).mean() or 1.0
                ax.stairs(counts / area, edges, ls=style, label=label)
            ax.set_xlabel(obs)
            ax.legend(fontsize="x-small")
    section.figures.append("generation_observables")
    rows = [[obs, *(f"{best.metrics[k]:.3g}" if k in best.metrics else "-"
                    for k in (f"test_w1_{obs}", f"test_w1_{obs}_truth",
                              f"test_w1_{obs}_tokenization"))] for obs in names]
    section.blocks.append(table(["observable", "W1 (generated)", "floor: truth vs truth",
                                 "floor: tokenization"], rows))
