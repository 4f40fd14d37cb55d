"""Report section listing the runs that were not fitted (diverged, failed, running, or
without the metric) with their errors."""

from __future__ import annotations

from hepscaling.laws.sweep import Sweep
from hepscaling.report.html import Section, table

__all__ = ["not_fitted_section"]


def not_fitted_section(sweep: Sweep) -> Section:
    """The "Runs not fitted" section of ``sweep.not_done``."""
    section = Section("Runs not fitted")
    if sweep.not_done.empty:
        section.note("none: every run finished with the metric")
        return section
    rows = [[r.run_id, r.status, r.error or ("metric missing" if r.status == "done" else "")]
            for r in sweep.not_done.itertuples()]
    section.blocks.append(table(["run", "status", "error"], rows, left=3))
    return section
