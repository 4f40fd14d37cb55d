"""Report section on training length: is each point trained to convergence? From runs that
differ in ``train.steps`` (and the seed) at the same D and group, the metric (mean over seeds)
at each length and the verdict of :func:`hepscaling.laws.convergence.length_verdict` on the
validation loss (the rule a sweep with ``converge:`` climbs by, and the one that picks the
length its fits use).
"""

from __future__ import annotations

from hepscaling.laws.convergence import DEFAULT_TOLERANCE, length_verdict
from hepscaling.laws.sweep import LADDER_LOSS, Sweep, group_keys, group_label, group_runs
from hepscaling.report.html import Section, table

__all__ = ["convergence_section"]

STEPS = "config.train.steps"


def convergence_section(sweep: Sweep, tolerance: float | None = None) -> Section | None:
    """The "Training length" section (a table; the L(C) figures of the scaling section show
    the same runs), or ``None`` unless some (group, D) holds runs of at least two values of
    ``train.steps``. ``tolerance``: the verdict's (the sweep's ``converge.tolerance``; None:
    :data:`~hepscaling.laws.convergence.DEFAULT_TOLERANCE`)."""
    tolerance = DEFAULT_TOLERANCE if tolerance is None else tolerance
    trained = sweep.trained
    if STEPS not in trained.columns or trained[STEPS].nunique() < 2:
        return None
    keys = [k for k in group_keys(trained, "D") if k != STEPS]
    loss = LADDER_LOSS if LADDER_LOSS in trained.columns else sweep.metric
    rows: list[list[object]] = []
    for key, runs in group_runs(trained, keys):
        for d, at_d in runs.groupby("D", sort=True):
            mean = at_d.groupby(STEPS)[list(dict.fromkeys((sweep.metric, loss)))].mean()
            if len(mean) < 2:
                continue
            steps = [int(s) for s in mean.index]
            verdict = length_verdict(steps, list(mean[loss].astype(float)), tolerance)
            rows.append([group_label(key), f"{d:g}",
                         " / ".join(f"{s}: {v:.3g}" for s, v in
                                    zip(steps, mean[sweep.metric], strict=True)),
                         verdict.text])
    if not rows:
        return None
    metric = sweep.metric.removeprefix("metric.")
    section = Section("Training length: is each point converged?")
    section.blocks.append(table(["group", "D", f"{metric} at each train.steps (mean over seeds)",
                                 f"verdict (on {loss.removeprefix('metric.')})"], rows))
    section.note(f"verdict from the two longest runs: converged when the longer ends within "
                 f"{tolerance:.0%} of the shorter; a law fitted to runs that are "
                 "not converged measures the floor of their training length, not of D")
    if "fitted_length" in trained.columns:
        section.note("the fits use each point's runs at its converged length (the lowest, or "
                     "the longest)" + ("; points not converged are left out of them:"
                                       if sweep.length_notes else ""))
    for note in sweep.length_notes:
        section.note(note)
    return section
