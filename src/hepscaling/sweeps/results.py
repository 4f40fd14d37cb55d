"""What a sweep directory holds: the state of every planned run, and the table of its records.

A run's state comes from its record ``OUT/runs/<run_id>/record.json`` alone: ``done``,
``diverged``, ``failed`` or ``running`` (its status field), or ``pending`` (no record yet). A
``running`` record while no sweep holds the directory's lock belongs to a killed sweep; the
next ``hepscaling sweep run`` resumes it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hepscaling.errors import UsageError
from hepscaling.records import RECORD_NAME, RunRecord, read_record, records_frame
from hepscaling.sweeps.lock import is_locked
from hepscaling.sweeps.plan import Plan, load_plan

__all__ = ["STATES", "SweepStatus", "run_dir", "run_states", "sweep_status", "sweep_table",
           "write_table"]

STATES = ("done", "diverged", "failed", "running", "pending")


def run_dir(out: str | os.PathLike, run_id: str) -> Path:
    """The directory of run ``run_id`` in sweep ``out``: ``OUT/runs/<run_id>``."""
    return Path(out) / "runs" / run_id


def _record(out: str | os.PathLike, run_id: str) -> RunRecord | None:
    path = run_dir(out, run_id) / RECORD_NAME
    return read_record(path) if path.exists() else None


def run_states(out: str | os.PathLike, plan: Plan) -> dict[str, str]:
    """State of every planned run (see the module docstring), keyed by run id in plan order."""
    states = {}
    for run_id in plan.run_ids:
        record = _record(out, run_id)
        states[run_id] = record.status if record is not None else "pending"
    return states


@dataclass(frozen=True)
class SweepStatus:
    """Counts of planned runs per state, the failed runs' errors and whether a sweep is live."""

    out: str
    name: str
    planned: int
    counts: dict[str, int]
    live: bool
    failures: dict[str, str] = field(default_factory=dict)
    skipped: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (``hepscaling sweep status --json``)."""
        return {"out": self.out, "name": self.name, "planned": self.planned, **self.counts,
                "live": self.live, "skipped": self.skipped, "failures": self.failures}


def sweep_status(out: str | os.PathLike) -> SweepStatus:
    """Status of the sweep in ``out`` (:class:`UsageError` if ``out`` holds no sweep plan)."""
    plan = load_plan(out)
    states = run_states(out, plan)
    counts = {state: sum(s == state for s in states.values()) for state in STATES}
    failures = {}
    for run_id, state in states.items():
        if state == "failed":
            failures[run_id] = _record(out, run_id).error or "unknown error"
    return SweepStatus(str(out), plan.name, len(plan.runs), counts, is_locked(out), failures,
                       len(plan.skipped))


def sweep_table(out: str | os.PathLike):
    """One row per planned run that has a record (plan order): the columns of
    :func:`hepscaling.records.records_frame` plus ``budget`` (FLOPs) for IsoFLOP sweeps.

    Returns a :class:`pandas.DataFrame`.
    """
    plan = load_plan(out)
    runs = [(run, rec) for run in plan.runs if (rec := _record(out, run.run_id)) is not None]
    frame = records_frame([rec for _, rec in runs])
    if any(run.budget is not None for run, _ in runs):
        frame.insert(frame.columns.get_loc("C") + 1, "budget", [run.budget for run, _ in runs])
    return frame


def write_table(frame, path: str | os.PathLike) -> Path:
    """Write ``frame`` as CSV or Parquet, chosen by the suffix of ``path`` (atomically)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise UsageError(f"unsupported table format {path.name!r}; use a .csv or .parquet name")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if suffix == ".csv":
        frame.to_csv(tmp, index=False)
    else:
        frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path
