"""What a sweep directory holds: the state of every planned run, and the table of its records.

A run's state comes from its record ``OUT/runs/<run_id>/record.json`` alone: ``done``,
``diverged``, ``failed`` or ``running`` (its status field), or ``pending`` (no record yet). A
``running`` record while no sweep holds the directory's lock belongs to a killed sweep; the
next ``hepscaling sweep run`` resumes it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hepscaling.errors import UsageError
from hepscaling.records import RECORD_NAME, RunRecord, read_record, records_frame
from hepscaling.sweeps.lock import is_locked
from hepscaling.sweeps.plan import Plan, ladder_state, load_plan, rung_steps
from hepscaling.sweeps.spec import ConvergeSpec

__all__ = ["STATES", "SweepCounts", "SweepStatus", "count_states", "finished_val_loss",
           "record_of", "run_dir", "run_states", "sweep_status", "sweep_table", "write_table"]

STATES = ("done", "diverged", "failed", "running", "pending")


def run_dir(out: str | os.PathLike, run_id: str) -> Path:
    """The directory of run ``run_id`` in sweep ``out``: ``OUT/runs/<run_id>``."""
    return Path(out) / "runs" / run_id


def record_of(out: str | os.PathLike, run_id: str) -> RunRecord | None:
    """The record of run ``run_id`` in sweep ``out``, None if it has none yet."""
    path = run_dir(out, run_id) / RECORD_NAME
    return read_record(path) if path.exists() else None


def finished_val_loss(record: RunRecord | None) -> float | None:
    """The validation loss of the run of ``record`` once it has ended (NaN: it ended without
    one), ``None`` while it has no final record (:data:`hepscaling.sweeps.plan.LossOf`)."""
    if record is None or record.status in ("running", "pending"):
        return None
    loss = record.metrics.get("val_loss") if record.status == "done" else None
    return float("nan") if loss is None else float(loss)


def run_states(out: str | os.PathLike, plan: Plan,
               records: dict[str, RunRecord | None] | None = None) -> dict[str, str]:
    """State of every planned run (see the module docstring), keyed by run id in plan order,
    from ``records`` (run id -> record or None) when given, else from the records in ``out``."""
    if records is None:
        records = {run_id: record_of(out, run_id) for run_id in plan.run_ids}
    return {run_id: record.status if record is not None else "pending"
            for run_id, record in records.items()}


def count_states(out: str | os.PathLike, states: dict[str, str]
                 ) -> tuple[dict[str, int], dict[str, str]]:
    """Runs per state (every one of :data:`STATES`) of ``states`` (run id -> state), and
    run id -> error of the failed runs (read from their records in ``out``)."""
    counts = {state: sum(s == state for s in states.values()) for state in STATES}
    failures = {}
    for run_id, state in states.items():
        if state == "failed":
            record = record_of(out, run_id)
            failures[run_id] = (record.error if record else None) or "unknown error"
    return counts, failures


@dataclass(frozen=True)
class SweepCounts:
    """The planned runs of the sweep in ``out`` counted per state (``counts``, every one of
    :data:`STATES`), with the failed runs' errors (``failures``: run id -> error)."""

    out: Path
    planned: int
    counts: dict[str, int]
    failures: dict[str, str]

    @property
    def failed(self) -> int:
        """Planned runs whose record says ``failed``."""
        return self.counts["failed"]


@dataclass(frozen=True, kw_only=True)
class SweepStatus(SweepCounts):
    """:class:`SweepCounts` of a sweep directory, plus its ``name``, whether a sweep holds its
    lock (``live``), the runs left out of its plan (``skipped``) and where each convergence
    ladder stands now (``ladders``: :attr:`Plan.ladders` with each ``state`` re-judged from
    the records, so a rung that finished after the last plan counts)."""

    name: str
    live: bool
    skipped: int = 0
    ladders: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (``hepscaling sweep status --json``)."""
        return {"out": str(self.out), "name": self.name, "planned": self.planned,
                **self.counts, "live": self.live, "skipped": self.skipped,
                "failures": self.failures, "ladders": list(self.ladders)}


def sweep_status(out: str | os.PathLike) -> SweepStatus:
    """Status of the sweep in ``out`` (:class:`UsageError` if ``out`` holds no sweep plan)."""
    plan = load_plan(out)
    records = {run_id: record_of(out, run_id) for run_id in plan.run_ids}  # each read once
    counts, failures = count_states(out, run_states(out, plan, records))
    live = is_locked(out)
    ladders = tuple(_ladder_now(plan, ladder, records, live) for ladder in plan.ladders)
    return SweepStatus(Path(out), len(plan.runs), counts, failures, name=plan.name,
                       live=live, skipped=len(plan.skipped), ladders=ladders)


def _ladder_now(plan: Plan, ladder: dict[str, Any], records: dict[str, RunRecord | None],
                live: bool) -> dict[str, Any]:
    """``ladder`` (an entry of :attr:`Plan.ladders`) with its state judged from the
    ``records`` of its rungs now; a ladder whose next rung is not planned yet says when it
    will be."""
    if "rungs" not in ladder:  # a plan saved before ladders listed their runs
        return ladder
    converge = ConvergeSpec(**plan.spec["converge"])
    steps = rung_steps(ladder["steps"][0], converge)
    losses = [[finished_val_loss(records[run_id]) for run_id in rung]
              for rung in ladder["rungs"]]
    state, climbs = ladder_state(steps, losses, converge.tolerance)
    if climbs:
        state += (f"; rung {len(losses) + 1} ({steps[len(losses)]} steps) is planned "
                  + ("next" if live else "by the next 'hepscaling sweep run'"))
    return {**ladder, "state": state}


def sweep_table(out: str | os.PathLike):
    """One row per planned run that has a record (plan order): the columns of
    :func:`hepscaling.records.records_frame` plus ``budget`` (FLOPs) for IsoFLOP sweeps.

    Returns a :class:`pandas.DataFrame`.
    """
    plan = load_plan(out)
    runs = [(run, rec) for run in plan.runs if (rec := record_of(out, run.run_id)) is not None]
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
