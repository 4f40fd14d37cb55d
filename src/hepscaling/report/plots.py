"""Report figures (mplhep CMS style, headless): scaling curves with bands, residuals, pull
calibration, exponent versus phase-space dimension, compute-optimal frontier, ceilings by
representation, data repetition. Each figure is
saved as PNG and PDF, titled with the sweep (``sweep=``, its directory name) and what it shows.
Many groups (more than :data:`MAX_GROUPS_PER_PANEL`) are drawn as small multiples, one panel
per value of the first grouping key (e.g. the model family), with shared axes.

Figures are built on :class:`matplotlib.figure.Figure` with the Agg canvas, never through
``pyplot``, so no display or global backend is needed or changed. Report sections that draw
their own figures use the same pieces: :func:`saved_figure`, :func:`figure_title`,
:func:`colours` and :func:`legend_if_labelled`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import mplhep
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter

from hepscaling.laws.sweep import GroupFit, shown_value

__all__ = ["AXIS_LABELS", "colours", "figure_title", "legend_if_labelled", "plot_ceilings",
           "plot_exponents_vs_dim", "plot_frontier", "plot_pulls", "plot_repetition",
           "plot_residuals", "plot_scaling", "saved_figure"]

AXIS_LABELS = {"D": "training samples $D$", "N": "trainable parameters $N$",
               "C": "training compute $C$ [FLOPs]"}
#: groups drawn on one panel; more become small multiples (:func:`_panels`)
MAX_GROUPS_PER_PANEL = 4


def figure_title(sweep: str, what: str) -> str:
    """The title of a report figure: the sweep's directory name and what the figure shows,
    ``"<sweep>: <what>"`` (``what`` alone without a sweep name).

    >>> figure_title("amp_d", "pull distributions")
    'amp_d: pull distributions'
    >>> figure_title("", "pull distributions")
    'pull distributions'
    """
    return f"{sweep}: {what}" if sweep else what


@contextmanager
def saved_figure(path_stem: Path, title: str, ncols: int = 1, *, share: bool = False,
                 nrows: int = 1) -> Iterator[list[Axes]]:
    """A styled figure with ``nrows x ncols`` axes (row by row; ``share``: common x and y
    axes) titled ``title``, saved as ``<stem>.png`` and ``<stem>.pdf`` on exit."""
    with matplotlib.style.context(mplhep.style.CMS):
        width = 10.0 if ncols == 1 else 7.5 * ncols  # inches
        height = 9.0 if nrows == 1 else 6.5 * nrows
        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)
        axes = list(np.ravel(fig.subplots(nrows, ncols, sharex=share, sharey=share)))
        fig.subplots_adjust(left=1.7 / width, right=1 - 0.4 / width,
                            bottom=0.12 if nrows == 1 else 1.1 / height,
                            top=(0.87 if share and ncols > 1 else 0.91) if nrows == 1
                            else 1 - 0.9 / height,
                            wspace=0.08 if share else 0.3, hspace=0.35)
        yield axes
        fig.suptitle(title, x=fig.subplotpars.left, ha="left", fontsize="medium")
        for ax in axes:
            _tidy_log_ticks(ax)
        for suffix in (".png", ".pdf"):
            fig.savefig(path_stem.with_suffix(suffix), dpi=80)


def _tidy_log_ticks(ax: Axes) -> None:
    """Labels on log axes that cannot overlap: none on minor ticks, and labelled major ticks at
    1, 2, 5 (less than a decade) or 1, 3 (less than two decades) times the powers of ten where
    the powers alone are too few to read the axis."""
    for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if axis.get_scale() != "log":
            continue
        axis.set_minor_formatter(NullFormatter())
        decades = np.log10(max(high, low) / min(high, low))
        if decades < 2.0:
            axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if decades < 1 else (1.0, 3.0)))
            axis.set_major_formatter(LogFormatterSciNotation(
                labelOnlyBase=False, minor_thresholds=(np.inf, np.inf)))


def _panels(groups: Sequence[GroupFit]) -> list[tuple[str, list[GroupFit]]]:
    """Groups split into panels (``(title, groups)``): with more than
    :data:`MAX_GROUPS_PER_PANEL` groups, one panel per value of the grouping key that names
    the model family, or else of the key with the fewest values; otherwise one panel."""
    keys = {k for g in groups for k in g.key}
    values = {k: list(dict.fromkeys(str(g.key.get(k)) for g in groups)) for k in keys}
    split = [k for k in keys if len(values[k]) >= 2]
    if len(groups) <= MAX_GROUPS_PER_PANEL or not split:
        return [("", list(groups))]
    key = min(split, key=lambda k: (not k.endswith("family"), len(values[k]), k))
    name = key.rsplit(".", 1)[-1]
    return [(f"{name}={shown_value(value)}",
             [g for g in groups if str(g.key.get(key)) == value])
            for value in values[key]]


def _panel_label(g: GroupFit, panel: str) -> str:
    """A group's label inside its panel (the panel's key left out)."""
    return ", ".join(p for p in g.label.split(", ") if p != panel) or g.label


def _band_legend(ax: Axes, groups: Sequence[GroupFit], **kwargs: object) -> None:
    """The legend, with an entry saying what the shaded bands are."""
    fitted = [g.fit for g in groups if g.fit is not None]
    handles, labels = ax.get_legend_handles_labels()
    if fitted:
        level = fitted[0].level
        handles.append(Patch(color="grey", alpha=0.25, lw=0))
        labels.append(f"{level:.0%} bootstrap band of the fit")
    if handles:
        ax.legend(handles, labels, **kwargs)


def colours(n: int) -> list:
    """``n`` line colours of matplotlib's ``tab10`` cycle (repeating after 10), as RGBA."""
    cmap = matplotlib.colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def legend_if_labelled(ax: Axes, **kwargs: object) -> None:
    """A legend when something is labelled (a group without a fit draws nothing)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kwargs)


def plot_scaling(groups: Sequence[GroupFit], axis: str, metric: str, stem: Path, *,
                 shortfall: bool = False, sweep: str = "") -> None:
    """Metric versus ``axis`` for every group: runs (held-out runs open), fit line and band;
    one panel per model family (first grouping key) when there are many groups.

    ``groups``: the fits of :func:`hepscaling.laws.sweep.fit_sweep` along ``axis``.
    ``shortfall``: plot ``1 - metric`` (for the ceiling law of accuracy-like metrics).
    ``sweep``: the sweep's name, for the title.
    """
    sign = -1.0 if shortfall else 1.0
    offset = 1.0 if shortfall else 0.0
    name = metric.removeprefix("metric.")
    ylabel = f"1 - {name}" if shortfall else name
    panels = _panels(groups)
    title = figure_title(sweep, f"{ylabel} versus {axis}")
    with saved_figure(stem, title, len(panels), share=True) as axes:
        for ax, (panel, members) in zip(axes, panels, strict=True):
            for g, colour in zip(members, colours(len(members)), strict=True):
                x = g.runs[axis].to_numpy(float)
                y = offset + sign * g.runs[metric].to_numpy(float)
                held = np.zeros(x.size, dtype=bool)
                if g.check is not None:
                    held = x >= min(r.scale["x"] for r in g.check.rows)
                ax.plot(x[~held], y[~held], "o", color=colour, label=_panel_label(g, panel))
                ax.plot(x[held], y[held], "o", mfc="none", color=colour)
                if g.fit is None:
                    continue
                grid = np.geomspace(x.min() / 1.5, x.max() * 3.0, 100)
                band = g.fit.predict(grid)
                ax.plot(grid, offset + sign * band.value, "-", color=colour)
                if np.all(np.isfinite(band.low)):
                    ax.fill_between(grid, offset + sign * band.low, offset + sign * band.high,
                                    color=colour, alpha=0.25, lw=0)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(AXIS_LABELS[axis])
            if panel:
                ax.set_title(panel, fontsize="small")
            _band_legend(ax, members, fontsize="x-small", title="open: held out",
                         title_fontsize="x-small")
        axes[0].set_ylabel(ylabel)


def plot_residuals(groups: Sequence[GroupFit], axis: str, metric: str, stem: Path, *,
                   shortfall: bool = False, sweep: str = "") -> None:
    """Relative residual ``measured / fit - 1`` versus ``axis`` for every fitted group (of
    ``1 - metric`` with ``shortfall``), panels as in :func:`plot_scaling`."""
    name = metric.removeprefix("metric.")
    panels = _panels(groups)
    title = figure_title(sweep, f"residuals of {'1 - ' if shortfall else ''}{name} versus {axis}")
    with saved_figure(stem, title, len(panels), share=True) as axes:
        for ax, (panel, members) in zip(axes, panels, strict=True):
            for g, colour in zip(members, colours(len(members)), strict=True):
                if g.fit is None:
                    continue
                x = g.runs[axis].to_numpy(float)
                y = g.runs[metric].to_numpy(float)
                fit = g.fit.predict(x).value
                if shortfall:
                    y, fit = 1.0 - y, 1.0 - fit
                ax.plot(x, y / fit - 1.0, "o", color=colour, label=_panel_label(g, panel))
            ax.axhline(0.0, color="black", lw=1)
            ax.set_xscale("log")
            ax.set_xlabel(AXIS_LABELS[axis])
            if panel:
                ax.set_title(panel, fontsize="small")
            legend_if_labelled(ax, fontsize="x-small")
        axes[0].set_ylabel("measured / fit - 1")


def plot_pulls(groups: Sequence[tuple[str, object]], axis: str, stem: Path, *,
               sweep: str = "") -> None:
    """Pull calibration of heteroscedastic runs from their summary metrics.

    Left: ``test_pull_mean`` with ``+- test_pull_std`` error bars versus ``axis`` (ideal: 0 and
    1); right: ``test_coverage_1sigma`` / ``_2sigma`` (ideal: 68.3 % and 95.4 %).
    ``groups``: ``(label, runs frame)`` pairs.
    """
    with saved_figure(stem, figure_title(sweep, f"pull calibration versus {axis}"),
                      2) as (left, right):
        for (label, runs), colour in zip(groups, colours(len(groups)), strict=True):
            x = runs[axis].to_numpy(float)
            order = np.argsort(x)
            mean = runs["metric.test_pull_mean"].to_numpy(float)[order]
            std = runs["metric.test_pull_std"].to_numpy(float)[order]
            left.errorbar(x[order], mean, yerr=std, fmt="o", color=colour, capsize=3,
                          label=label)
            for name, marker in (("test_coverage_1sigma", "o"), ("test_coverage_2sigma", "s")):
                column = f"metric.{name}"
                if column in runs.columns:
                    right.plot(x[order], runs[column].to_numpy(float)[order], marker,
                               color=colour, ls="-")
        left.axhspan(-1.0, 1.0, color="grey", alpha=0.2, lw=0)
        left.axhline(0.0, color="black", lw=1)
        left.set_ylabel("pull mean $\\pm$ pull std")
        legend_if_labelled(left, fontsize="x-small")
        for ref in (0.6827, 0.9545):
            right.axhline(ref, color="black", ls="--", lw=1)
        right.set_ylabel("coverage (o: 1$\\sigma$, s: 2$\\sigma$)")
        for ax in (left, right):
            ax.set_xscale("log")
            ax.set_xlabel(AXIS_LABELS[axis])


def plot_pull_histograms(groups: Sequence[tuple[str, np.ndarray, np.ndarray]],
                         stem: Path, *, sweep: str = "") -> None:
    """Pull distributions next to the unit Gaussian of a calibrated surrogate.

    ``groups``: ``(label, edges (n+1,), counts (n,))``, drawn as densities.
    """
    with saved_figure(stem, figure_title(sweep, "pull distributions")) as (ax,):
        for (label, edges, counts), colour in zip(groups, colours(len(groups)), strict=True):
            density = counts / (counts.sum() * np.diff(edges))
            ax.stairs(density, edges, color=colour, label=label)
        t = np.linspace(-5.0, 5.0, 201)
        ax.plot(t, np.exp(-0.5 * t**2) / np.sqrt(2 * np.pi), "k--", lw=1, label="N(0, 1)")
        ax.set_xlabel("pull $t = (A_{NN} - A_{true}) / \\sigma$")
        ax.set_ylabel("density")
        legend_if_labelled(ax, fontsize="x-small")


def plot_exponents_vs_dim(rows: Sequence[dict], stem: Path, *, sweep: str = "",
                          level: float | None = None) -> None:
    """Fitted exponent with its interval versus phase-space dimension ``d = 3 n_f - 4``, next
    to the conjectured ``alpha = 4 / d`` (drawn in full inside the axes). Groups at the same
    ``d`` are offset sideways so their error bars do not overlap. ``rows``: dicts with
    ``label``, ``d``, ``alpha``, ``low``, ``high``; ``level``: the intervals' level, for the
    legend."""
    ds = np.array([r["d"] for r in rows], dtype=float)
    shifts = np.zeros(len(rows))
    for d in np.unique(ds):
        at = np.flatnonzero(ds == d)
        shifts[at] = (np.arange(at.size) - (at.size - 1) / 2) * min(0.15, 0.6 / at.size)
    with saved_figure(stem, figure_title(sweep, "data-scaling exponent versus dimension")) as (ax,):
        for row, shift, colour in zip(rows, shifts, colours(len(rows)), strict=True):
            yerr = np.nan_to_num([[row["alpha"] - row["low"]], [row["high"] - row["alpha"]]])
            yerr = np.maximum(yerr, 0.0)
            ax.errorbar([row["d"] + shift], [row["alpha"]], yerr=yerr, fmt="o", color=colour,
                        capsize=4, label=row["label"])
        grid = np.linspace(max(ds.min() - 1, 2.0), ds.max() + 1, 100)
        ax.plot(grid, 4.0 / grid, "k--", label="$4/d$ (conjecture)")
        values = [v for r in rows for v in (r["alpha"], r["high"]) if np.isfinite(v)]
        ax.set_ylim(0.0, 1.15 * max([*values, 4.0 / grid.min()]))
        ax.set_xlim(grid.min() - 0.5, grid.max() + 0.5)
        if level is not None:
            ax.plot([], [], " ", label=f"error bars: {level:.0%} bootstrap interval")
        ax.set_xlabel("phase-space dimension $d = 3 n_f - 4$")
        ax.set_ylabel("exponent $\\alpha_D$")
        legend_if_labelled(ax, fontsize="x-small", loc="upper right")


def plot_frontier(items: Sequence[dict], stem: Path, *, sweep: str = "") -> None:
    """Compute-optimal model size versus compute: the joint law's ``N*(C)`` (line and band,
    ``C = 6 N D``), the IsoFLOP parabola minima (squares), per budget the sizes tried
    (vertical lines) and the size of its lowest loss (crosses; a budget with a cross and no
    square has no determined minimum) and the IsoFLOP power law (dashed). ``items``: dicts
    with ``label`` and any of ``C`` float64 (m,) with ``n_opt`` (a
    :class:`hepscaling.laws.Band`); ``iso_c``, ``iso_n`` float64 (k,); ``iso_tried`` float64
    (j, 4) of budget, smallest, largest and lowest-loss N; ``iso_law`` a pair of float64 (l,)
    arrays C, N_opt."""
    with saved_figure(stem, figure_title(sweep, "compute-optimal model size")) as (ax,):
        for item, colour in zip(items, colours(len(items)), strict=True):
            band = item.get("n_opt")
            if band is not None:
                ax.plot(item["C"], band.value, "-", color=colour,
                        label=f"{item['label']} (joint)")
                if np.all(np.isfinite(band.low)):
                    ax.fill_between(item["C"], band.low, band.high, color=colour, alpha=0.25,
                                    lw=0)
            if item.get("iso_tried") is not None:
                tried = item["iso_tried"]
                ax.vlines(tried[:, 0], tried[:, 1], tried[:, 2], color=colour, alpha=0.5,
                          lw=3)
                ax.plot(tried[:, 0], tried[:, 3], "x", color=colour, ms=9,
                        label=f"{item['label']} (lowest loss per budget)")
            if item.get("iso_c") is not None:
                ax.plot(item["iso_c"], item["iso_n"], "s", color=colour,
                        label=f"{item['label']} (IsoFLOP minima)")
            if item.get("iso_law") is not None:
                ax.plot(*item["iso_law"], "--", color=colour,
                        label=f"{item['label']} (IsoFLOP N_opt ~ C^a)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(AXIS_LABELS["C"])
        ax.set_ylabel("compute-optimal $N^*$")
        handles, labels = ax.get_legend_handles_labels()
        bands = [item["n_opt"] for item in items if item.get("n_opt") is not None]
        if bands:
            handles.append(Patch(color="grey", alpha=0.25, lw=0))
            labels.append(f"{bands[0].level:.0%} bootstrap band")
        if any(item.get("iso_tried") is not None for item in items):
            handles.append(Line2D([], [], color="grey", alpha=0.5, lw=3))
            labels.append("sizes tried per budget")
        ax.legend(handles, labels, fontsize="x-small")


_MARKERS = "os^vDP*Xh<>"


def plot_ceilings(groups: Sequence[GroupFit], metric: str, stem: Path, *,
                  sweep: str = "") -> None:
    """Shortfall ``1 - metric`` versus D for every group (one colour each) and model size (one
    marker each), the joint ceiling fit at each model size (lines) and the gap to the ceiling
    ``1 - A_inf`` with its interval (dashed line and band).

    ``groups``: joint-ceiling fits (:class:`hepscaling.laws.JointCeilingFit`) of
    :func:`hepscaling.laws.sweep.fit_sweep`.
    """
    name = metric.removeprefix("metric.")
    with saved_figure(stem, figure_title(sweep, f"ceilings of {name} by representation")) as (ax,):
        for g, colour in zip(groups, colours(len(groups)), strict=True):
            d = g.runs["D"].to_numpy(float)
            n = g.runs["N"].to_numpy(float)
            y = 1.0 - g.runs[metric].to_numpy(float)
            grid = np.geomspace(d.min() / 1.5, d.max() * 10.0, 100)
            for size, marker in zip(np.unique(n), itertools.cycle(_MARKERS)):
                at = n == size
                ax.plot(d[at], y[at], marker, color=colour, label=f"{g.label}, N={size:.2g}")
                if g.fit is not None:
                    ax.plot(grid, 1.0 - g.fit.predict(size, grid).value, "-", color=colour,
                            lw=1)
            if g.fit is None:
                continue
            iv = g.fit.intervals["a_inf"]
            ax.axhline(1.0 - iv.value, color=colour, ls="--", lw=1.5)
            if np.isfinite(iv.low) and np.isfinite(iv.high):
                ax.axhspan(1.0 - iv.high, 1.0 - iv.low, color=colour, alpha=0.2, lw=0)
        shortfalls = np.concatenate([1.0 - g.runs[metric].to_numpy(float) for g in groups])
        ax.set_xscale("log")
        ax.set_yscale("log")
        # an undetermined ceiling's band reaches 1 - A_inf ~ 0: keep the data in view
        ax.set_ylim(shortfalls.min() / 4.0, shortfalls.max() * 2.0)
        ax.set_xlabel(AXIS_LABELS["D"])
        ax.set_ylabel(f"1 - {name}  (dashed: 1 - $A_\\infty$)")
        _band_legend(ax, groups, fontsize="xx-small", ncols=2)


def plot_repetition(groups: Sequence[GroupFit], metric: str, stem: Path, *,
                    sweep: str = "") -> None:
    """Left: every run's metric at its fitted effective data size ``D'`` (filled: one pass or
    less, open: repeated data) with the fitted law; right: the effective-data factor ``D'/U``
    versus epochs with its band, next to ``D'/U = E`` (repetitions as good as fresh data).

    ``groups``: repetition fits (:class:`hepscaling.laws.RepetitionFit`) of
    :func:`hepscaling.laws.sweep.fit_sweep`.
    """
    name = metric.removeprefix("metric.")
    with saved_figure(stem, figure_title(sweep, f"data repetition: {name}"), 2) as (left, right):
        top = 1.0
        for g, colour in zip(groups, colours(len(groups)), strict=True):
            u, e = g.runs["D"].to_numpy(float), g.runs["epochs"].to_numpy(float)
            y = g.runs[metric].to_numpy(float)
            d_eff = g.fit.effective_data(u, e).value
            fresh = e <= 1.0
            left.plot(d_eff[fresh], y[fresh], "o", color=colour, label=g.label)
            left.plot(d_eff[~fresh], y[~fresh], "o", mfc="none", color=colour)
            grid = np.geomspace(d_eff.min() / 1.5, d_eff.max() * 3.0, 100)
            p = g.fit.params
            left.plot(grid, (p["x_c"] / grid) ** p["alpha"] + p["k"], "-", color=colour)
            epochs = np.geomspace(1.0, max(e.max(), 10.0), 100)
            band = g.fit.factor(epochs)
            right.plot(epochs, band.value, "-", color=colour, label=g.label)
            if np.all(np.isfinite(band.low)):
                right.fill_between(epochs, band.low, band.high, color=colour, alpha=0.25, lw=0)
            top = max(top, float(epochs.max()))
        right.plot([1.0, top], [1.0, top], "k--", lw=1, label="fresh data ($D'/U = E$)")
        left.set_xscale("log")
        left.set_yscale("log")
        left.set_xlabel("effective data size $D'$")
        left.set_ylabel(metric.removeprefix("metric."))
        legend_if_labelled(left, fontsize="x-small", title="open: repeated data",
                           title_fontsize="x-small")
        right.set_xscale("log")
        right.set_yscale("log")
        right.set_xlabel("epochs $E$ over the same samples")
        right.set_ylabel("effective-data factor $D'/U$")
        _band_legend(right, groups, fontsize="x-small")


def plot_schedule_penalties(series: Sequence[tuple[str, np.ndarray]], stem: Path, *,
                            sweep: str = "") -> None:
    """Loss penalty of each schedule (its mean metric over the reference's) versus ``D``.

    ``series``: ``(label, points)`` with points float64 ``(k, 2)`` of ``(D, penalty)``,
    sorted by ``D``; the reference (penalty 1) is the dashed line."""
    with saved_figure(stem, figure_title(sweep, "schedule penalty versus D")) as (ax,):
        for (label, points), colour in zip(series, colours(len(series)), strict=True):
            ax.plot(points[:, 0], points[:, 1], "o-", color=colour, label=label)
        ax.axhline(1.0, color="black", ls="--", lw=1, label="cosine to 0 at the end")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(AXIS_LABELS["D"])
        ax.set_ylabel("metric / metric of the reference schedule")
        legend_if_labelled(ax, fontsize="x-small")


def plot_lr_curves(panels: Sequence[tuple[str, Sequence[tuple[str, np.ndarray, np.ndarray,
                                                                float]]]],
                   metric: str, stem: Path, *, sweep: str = "") -> None:
    """Metric versus learning rate, one line per width and one panel per group, with each
    width's optimum marked (vertical tick).

    ``panels``: ``(group label, curves)``; a curve is ``(label, lrs (k,), losses (k,),
    optimal lr)``."""
    with saved_figure(stem, figure_title(sweep, "learning-rate transfer across widths"),
                      max(1, len(panels))) as axes:
        for ax, (title, curves) in zip(axes, panels, strict=True):
            for (label, lrs, losses, opt), colour in zip(curves, colours(len(curves)),
                                                         strict=True):
                order = np.argsort(lrs)
                ax.plot(lrs[order], losses[order], "o-", color=colour, label=label)
                ax.axvline(opt, color=colour, ls=":", lw=1)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(title, fontsize="small")
            ax.set_xlabel("peak learning rate")
            ax.set_ylabel(metric)
            legend_if_labelled(ax, fontsize="x-small")
