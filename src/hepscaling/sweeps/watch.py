"""A live view of a sweep: its runs by state and how far each running run is, read from the
records alone (never written), for ``hepscaling sweep status --watch``.

A running run's progress is its recorded steps over its planned steps (from its resolved
``train`` config, :func:`hepscaling.train.flops.resolve_steps`); its rate is measured between
the first and last evaluation points of its curves (steps over wall-clock seconds), its ETA is
the steps left at that rate. Planned steps of a ``train.flops`` run are known from its first
evaluation point on (they need the FLOPs per sample the record holds from then on).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text

from hepscaling.records import RunRecord
from hepscaling.sweeps.plan import load_plan
from hepscaling.sweeps.results import SweepStatus, record_of, sweep_status
from hepscaling.train.config import TrainConfig
from hepscaling.train.flops import resolve_steps

__all__ = ["RunProgress", "SweepProgress", "progress_view", "run_progress", "sweep_progress"]

LOSSES = ("train_loss", "val_loss")


@dataclass(frozen=True)
class RunProgress:
    """One running run: ``step`` of ``planned`` steps (None: not known yet), ``rate`` in steps
    per second and ``eta`` in seconds (None before two evaluation points), and the latest
    finite value of each of :data:`LOSSES` in its curves (None if none yet)."""

    run_id: str
    step: int
    planned: int | None
    rate: float | None
    eta: float | None
    losses: dict[str, float | None]


@dataclass(frozen=True)
class SweepProgress:
    """The :class:`SweepStatus` of a sweep and the :class:`RunProgress` of its running runs."""

    status: SweepStatus
    running: list[RunProgress]

    @property
    def active(self) -> bool:
        """True while some planned run is running or pending."""
        return bool(self.status.counts["running"] or self.status.counts["pending"])


def _planned(record: RunRecord) -> int | None:
    train = TrainConfig.model_validate(record.config.get("train", {}))
    if not record.n_train or (train.flops is not None and not record.flops_per_sample):
        return None
    return resolve_steps(train, record.n_train, record.flops_per_sample)


def _latest(values: list[float | None]) -> float | None:
    return next((v for v in reversed(values) if v is not None and math.isfinite(v)), None)


def run_progress(record: RunRecord) -> RunProgress:
    """Progress of the run of ``record`` (see the module docstring)."""
    points = [(s, w) for s, w in zip(record.curves.get("step", []),
                                     record.curves.get("wall_time", []), strict=False)
              if s is not None and w is not None]
    planned = _planned(record)
    rate = eta = None
    if len(points) >= 2 and points[-1][1] > points[0][1]:
        rate = (points[-1][0] - points[0][0]) / (points[-1][1] - points[0][1])
    if rate and planned is not None:
        eta = max(planned - record.steps, 0) / rate
    return RunProgress(record.run_id, record.steps, planned, rate, eta,
                       {k: _latest(record.curves.get(k, [])) for k in LOSSES})


def sweep_progress(out: str | os.PathLike) -> SweepProgress:
    """The status of the sweep in ``out`` and the progress of its running runs (plan order)."""
    status = sweep_status(out)
    running = [run_progress(record) for run_id in load_plan(out).run_ids
               if (record := record_of(out, run_id)) is not None and record.status == "running"]
    return SweepProgress(status, running)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _number(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def progress_view(progress: SweepProgress) -> Group:
    """The watch screen: a line of counts per state and a table of the running runs (run id,
    step / planned, percent, steps/s, ETA, latest losses)."""
    st = progress.status
    counts = "  ".join(f"{state} {n}" for state, n in st.counts.items())
    head = Text(f"sweep {st.name}: planned {st.planned}  {counts}  "
                f"live: {'yes' if st.live else 'no'}")
    table = Table("run", "step", "done", "steps/s", "eta", *LOSSES, title="running runs",
                  title_justify="left")
    for run in progress.running:
        share = f"{run.step / run.planned:.0%}" if run.planned else "-"
        table.add_row(run.run_id, f"{run.step}/{run.planned if run.planned else '?'}", share,
                      _number(run.rate, ".3g"), _duration(run.eta),
                      *(_number(run.losses[k], ".4g") for k in LOSSES))
    return Group(head, table) if progress.running else Group(head)
