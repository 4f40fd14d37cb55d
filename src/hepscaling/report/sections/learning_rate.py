"""Report section on the learning-rate optimum per model width, and whether it transfers
across widths (the muP question): from a width x learning-rate grid of runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hepscaling.laws.sweep import Sweep, group_keys
from hepscaling.report import plots
from hepscaling.report.html import Section, table

__all__ = ["learning_rate_section", "lr_optimum"]

LR = "config.train.lr"
WIDTH = "config.model.width"


def lr_optimum(lrs: np.ndarray, losses: np.ndarray) -> tuple[float, bool]:
    """The learning rate minimising the loss and whether it is inside the grid.

    ``lrs``, ``losses``: float64 ``(k,)`` (one loss per learning rate, e.g. the mean over
    seeds). An interior minimum is refined by the parabola in ``(log lr, log loss)`` through it
    and its two neighbours; a minimum at the grid's edge is returned as is (``False``).

    >>> lr = np.array([1e-4, 1e-3, 1e-2])
    >>> opt, inside = lr_optimum(lr, np.exp((np.log10(lr) + 2.8) ** 2))  # minimum at 10^-2.8
    >>> round(float(np.log10(opt)), 6), inside
    (-2.8, True)
    """
    order = np.argsort(lrs)
    x, y = np.log10(lrs[order]), np.log(losses[order])
    i = int(np.argmin(y))
    if i == 0 or i == len(x) - 1:
        return float(10 ** x[i]), False
    a, b, _ = np.polyfit(x[i - 1:i + 2], y[i - 1:i + 2], 2)
    vertex = -b / (2 * a) if a > 0 else x[i]
    return float(10 ** np.clip(vertex, x[i - 1], x[i + 1])), True


def learning_rate_section(sweep: Sweep, out: Path) -> Section | None:
    """The "Learning-rate optimum per width" section (table, ``lr_transfer`` figure written to
    ``out``), or ``None`` unless the finished runs take >= 3 learning rates at >= 2 widths.

    Groups: the config keys that vary besides the width, the learning rate and the seed (e.g.
    the family and D). Per group and width the metric's mean over seeds per learning rate, its
    optimum (:func:`lr_optimum`), and the transfer: the spread of ``log10`` of the optimum
    across widths (0 = the optimum transfers).
    """
    done = sweep.done
    if LR not in done.columns or WIDTH not in done.columns:
        return None
    if done[LR].nunique() < 3 or done[WIDTH].nunique() < 2:
        return None
    section = Section("Learning-rate optimum per width (transfer across widths)")
    keys = [k for k in group_keys(done, "N") if k not in (LR, WIDTH)]
    rows, summary, panels = [], [], []
    groups = done.groupby(keys, sort=True, dropna=False) if keys else [((), done)]
    for context, runs in groups:
        context = context if isinstance(context, tuple) else (context,)
        label = ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in zip(keys, context,
                                                                         strict=True)) or "all"
        curves, optima, edges = [], [], 0
        for width, at_width in runs.groupby(WIDTH, sort=True):
            mean = at_width.groupby(LR)[sweep.metric].mean()
            if len(mean) < 3:
                continue
            lrs, losses = mean.index.to_numpy(float), mean.to_numpy(float)
            opt, inside = lr_optimum(lrs, losses)
            optima.append(opt)
            edges += not inside
            curves.append((f"width {width}", lrs, losses, opt))
            rows.append([label, width, opt, "yes" if inside else "no (grid edge)",
                         float(losses.min())])
        if len(optima) >= 2:
            spread = float(np.log10(max(optima)) - np.log10(min(optima)))
            summary.append([label, len(optima), min(optima), max(optima), spread,
                            f"{edges} of {len(optima)}"])
        if curves:
            panels.append((label, curves))
    if not rows:
        section.note("no width has >= 3 learning rates among the finished runs")
        return section
    metric = sweep.metric.removeprefix("metric.")
    section.blocks.append(table(["group", "width", "optimal lr", "inside the grid",
                                 f"best {metric}"], rows))
    section.blocks.append(table(["group", "widths", "smallest optimum", "largest optimum",
                                 "spread (decades)", "optima at the grid edge"], summary))
    section.note("optimal lr: parabola in (log lr, log loss) through the best grid point and its "
                 "neighbours (the grid point itself at the edge); spread: log10 of the largest "
                 "over the smallest optimum across widths, 0 when the optimum transfers (a "
                 "spread of optima at the grid edge bounds the transfer only: widen the grid)")
    plots.plot_lr_curves(panels, metric, out / "lr_transfer", sweep=sweep.directory.name)
    section.figures.append("lr_transfer")
    return section
