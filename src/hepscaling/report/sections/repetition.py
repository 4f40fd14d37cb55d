"""Report section on data repetition: what training several epochs over the same samples is
worth in fresh samples.

Per group, the loss is fitted in the effective data size ``D' = U min(E, 1) + U R* (1 -
exp(-(E - 1) / R*))`` of ``U`` unique samples seen for ``E`` epochs
(:mod:`hepscaling.laws.repetition`). The section needs runs at one pass or less (the fresh-data
reference), runs of two or more epochs, and some training-set size trained for different
numbers of epochs (to tell data size from repetition); the table gives ``R*`` and the effective-data
factor ``D'/U`` at 2, 4 and 10 epochs; the figure puts every run at its fitted ``D'`` (on one
curve if the law holds) next to the factor versus epochs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hepscaling.laws.repetition import FACTOR_EPOCHS, RepetitionFit
from hepscaling.laws.sweep import GroupFit, Sweep
from hepscaling.report import plots
from hepscaling.report.html import NOT_DETERMINED, Section, table
from hepscaling.report.sections import FitOptions

__all__ = ["repetition_section"]


def repetition_section(losses: Sweep, options: FitOptions, out: Path
                       ) -> tuple[Section, list[GroupFit] | None]:
    """The "Data repetition" section for the runs of ``losses`` (its metric is the loss
    fitted) and its group fits (``None`` when skipped); writes the ``repetition`` figure to
    ``out`` when a group is fitted."""
    name = losses.metric.removeprefix("metric.")
    section = Section(f"Data repetition ({name})")
    epochs = losses.done["epochs"].to_numpy(float)
    varied = losses.done.groupby("D")["epochs"].nunique().max() >= 2
    if not (np.any(epochs <= 1.0) and np.any(epochs >= 2.0) and varied):
        section.note("skipped: needs runs of at most one pass over their data (fresh samples), "
                     "runs of two or more epochs over it, and some training-set size trained "
                     f"for different numbers of epochs (epochs here: {epochs.min():.3g} to "
                     f"{epochs.max():.3g}); e.g. a grid of training-set size x steps")
        return section, None
    fits = options.fit(losses, "repetition")
    section.note(f"{name} = (x_c / D')^alpha + k with D' = U min(E, 1) + U R* (1 - exp(-(E - 1) "
                 "/ R*)) for U unique samples seen E times (Muennighoff et al. 2023); D'/U is "
                 "what the repetitions are worth in fresh samples")
    section.failures(fits)
    rows = []
    for g in fits:
        if g.fit is None:
            continue
        assert isinstance(g.fit, RepetitionFit)  # law="repetition"
        section.fit_notes(g)
        epochs = (*FACTOR_EPOCHS, np.inf)
        factors: list[object] = [NOT_DETERMINED] * len(epochs) if "r_star" in \
            g.fit.undetermined else [g.fit.factor([e]).at(0) for e in epochs]
        rows.append([g.label, len(g.runs), g.fit.shown("r_star"), g.fit.shown("alpha"),
                     *factors])
    if rows:
        section.blocks.append(table(["group", "runs", "R*", "alpha",
                                     *(f"D'/U at {e:g} epochs" for e in FACTOR_EPOCHS),
                                     "D'/U for E -> inf (1 + R*)"], rows))
        plots.plot_repetition([g for g in fits if g.fit is not None], losses.metric,
                              out / "repetition", sweep=losses.directory.name)
        section.figures.append("repetition")
    return section, fits
