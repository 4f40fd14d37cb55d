"""Report section on training length: is each point trained to convergence? From runs that
differ in ``train.steps`` (and the seed) at the same D and group, the metric (mean over seeds)
at each length and what the last step up bought.

Verdict per (group, D), from the two longest runs (``r`` = their step ratio, ``g`` = loss of
the longer / loss of the shorter):

- ``converged`` when ``g >= CONVERGED_RATIO`` (the last ``r``-fold more steps gained less than
  10%) and the longest run has the lowest loss;
- ``lowest at S steps`` when a shorter run ends lower than the longest (longer training
  overfits or is noise; the point is converged at ``S``);
- ``not converged`` otherwise: a law fitted to runs of the shorter length measures an
  optimisation floor, not the data's.
"""

from __future__ import annotations

from hepscaling.laws.sweep import Sweep, group_keys, group_label, group_runs
from hepscaling.report.html import Section, table

__all__ = ["CONVERGED_RATIO", "convergence_section", "convergence_verdict"]

#: loss ratio (longest / second longest run) at or above which a point counts as converged
CONVERGED_RATIO = 0.9
STEPS = "config.train.steps"


def convergence_verdict(steps: list[int], losses: list[float]) -> str:
    """The verdict on one point from its run lengths ``steps`` (ascending, >= 2) and the mean
    losses ``losses`` at them (module docstring).

    >>> convergence_verdict([6000, 24000], [1.0, 0.95])
    'converged: 4x more steps gain 5%'
    >>> convergence_verdict([6000, 24000, 96000], [1.0, 0.5, 0.6])
    'lowest at 24000 steps (longer runs end higher)'
    >>> convergence_verdict([6000, 24000], [1.0, 0.1])
    'not converged: 4x more steps still gain a factor 10'
    """
    best = min(range(len(losses)), key=losses.__getitem__)
    if best != len(losses) - 1:
        return f"lowest at {steps[best]} steps (longer runs end higher)"
    ratio, gain = steps[-1] / steps[-2], losses[-1] / losses[-2]
    if gain >= CONVERGED_RATIO:
        return f"converged: {ratio:.3g}x more steps gain {1.0 - gain:.0%}"
    return f"not converged: {ratio:.3g}x more steps still gain a factor {1.0 / gain:.3g}"


def convergence_section(sweep: Sweep) -> Section | None:
    """The "Training length" section (a table; the L(C) figures of the scaling section show
    the same runs), or ``None`` unless some (group, D) holds runs of at least two values of
    ``train.steps``."""
    done = sweep.done
    if STEPS not in done.columns or done[STEPS].nunique() < 2:
        return None
    keys = [k for k in group_keys(done, "D") if k != STEPS]
    rows: list[list[object]] = []
    for key, runs in group_runs(done, keys):
        for d, at_d in runs.groupby("D", sort=True):
            mean = at_d.groupby(STEPS)[sweep.metric].mean().sort_index()
            if len(mean) < 2:
                continue
            steps = [int(s) for s in mean.index]
            losses = [float(v) for v in mean]
            rows.append([group_label(key), f"{d:g}",
                         " / ".join(f"{s}: {v:.3g}" for s, v in zip(steps, losses, strict=True)),
                         convergence_verdict(steps, losses)])
    if not rows:
        return None
    metric = sweep.metric.removeprefix("metric.")
    section = Section("Training length: is each point converged?")
    section.blocks.append(table(["group", "D", f"{metric} at each train.steps (mean over seeds)",
                                 "verdict"], rows))
    section.note(f"verdict from the two longest runs: converged when the longer ends within "
                 f"{1.0 - CONVERGED_RATIO:.0%} of the shorter; a law fitted to runs that are "
                 "not converged measures the floor of their training length, not of D")
    return section
