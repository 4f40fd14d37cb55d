"""Report section on learning-rate schedules: the loss penalty of each schedule against cosine
decaying to 0 at the end of the run (``train.schedule: cosine``, ``schedule_scale: 1``), at
each D (and each other group), from runs that differ only in the schedule and the seed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hepscaling.laws.sweep import Sweep, group_keys
from hepscaling.report import plots
from hepscaling.report.html import Section, table

__all__ = ["REFERENCE", "schedule_label", "schedule_section"]

#: the schedule columns of the records (a run without ``schedule_scale`` decayed at its end)
SCHEDULE_COLUMNS = ("config.train.schedule", "config.train.schedule_scale",
                    "config.train.decay_fraction")
#: the label of the reference schedule
REFERENCE = "cosine to 0 at the end"


def schedule_label(row: Any) -> str:
    """A schedule's label from a records row: ``cosine to 0 at the end`` (the reference),
    ``cosine to 0 at 0.5 x steps``, ``constant``, ``wsd, last 20% to 0``, ...

    >>> schedule_label({"config.train.schedule": "cosine", "config.train.schedule_scale": 3.0})
    'cosine to 0 at 3 x steps'
    """
    kind = row.get("config.train.schedule", "cosine")
    scale = row.get("config.train.schedule_scale", 1.0)
    scale = 1.0 if scale is None or not np.isfinite(scale) else float(scale)
    at = "the end" if scale == 1.0 else f"{scale:g} x steps"
    if kind == "cosine":
        return f"cosine to 0 at {at}"
    if kind == "wsd":
        fraction = row.get("config.train.decay_fraction", 0.2)
        return f"wsd, last {fraction:.0%} to 0 at {at}"
    return str(kind)


def schedule_section(sweep: Sweep, out: Path) -> Section | None:
    """The "Learning-rate schedules" section (table and ``schedule_penalties`` figure written
    to ``out``), or ``None`` unless the finished runs use at least two schedules.

    Penalty: the mean metric over seeds of a schedule divided by the reference's mean at the
    same D and group; the range is that of the per-seed ratios (runs paired by seed).
    """
    done = sweep.done
    if "config.train.schedule" not in done.columns:
        return None
    done = done.assign(_schedule=[schedule_label(r) for r in done.to_dict("records")])
    if done["_schedule"].nunique() < 2:
        return None
    section = Section("Learning-rate schedules: loss penalty against cosine to 0 at the end")
    if REFERENCE not in set(done["_schedule"]):
        section.note(f"no run with the reference schedule ({REFERENCE}): no penalties")
        return section
    keys = [k for k in group_keys(sweep.done, "D") if k not in SCHEDULE_COLUMNS]
    rows: list[list[object]] = []
    items: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for context, runs in done.groupby([*keys, "D"], sort=True, dropna=False):
        context = context if isinstance(context, tuple) else (context,)
        label = ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in zip(keys, context[:-1],
                                                                         strict=True))
        ref = runs[runs["_schedule"] == REFERENCE]
        if ref.empty:
            continue
        ref_by_seed = ref.groupby("seed")[sweep.metric].mean()
        ref_mean = float(ref[sweep.metric].mean())
        for name, variant in runs.groupby("_schedule", sort=True):
            per_seed = variant.groupby("seed")[sweep.metric].mean()
            paired = (per_seed / ref_by_seed).dropna()
            ratio = float(variant[sweep.metric].mean()) / ref_mean
            rows.append([label or "all", context[-1], name, len(variant),
                         float(variant[sweep.metric].mean()), ratio,
                         f"[{paired.min():.3g}, {paired.max():.3g}]" if len(paired) else "-"])
            items.setdefault((label, name), []).append((float(context[-1]), ratio))
    metric = sweep.metric.removeprefix("metric.")
    section.blocks.append(table(["group", "D", "schedule", "runs", metric,
                                 "penalty (mean / reference)", "per-seed ratios"], rows, left=1))
    section.note("penalty > 1: the schedule ends at a higher loss than cosine decaying to 0 at "
                 "the run's last step; 'at s x steps': the decay ends after s times the run "
                 "(s < 1: too early, the lr is 0 afterwards; s > 1: too late, the run stops "
                 "above 0)")
    series = [(f"{label + ': ' if label else ''}{name}", np.array(sorted(points)))
              for (label, name), points in items.items() if name != REFERENCE]
    if series:
        plots.plot_schedule_penalties(series, out / "schedule_penalties",
                                      sweep=sweep.directory.name)
        section.figures.append("schedule_penalties")
    return section
