"""Running a sweep: datasets once, the plan, then every unfinished run on an executor.

:func:`run_sweep` is safe to repeat and to kill at any moment. It holds the directory's lock,
generates the spec's datasets into ``OUT/data`` (resumable, a no-op once complete), writes the
plan ``OUT/sweep.json`` and then runs exactly the planned runs that are not finished:

- ``done`` and ``diverged`` runs are skipped;
- ``running`` runs (their sweep was killed) and ``pending`` runs (no record) are run, resuming
  from their checkpoint;
- ``failed`` runs are run again only with ``retry_failed=True``.

Each run owns ``OUT/runs/<run_id>/`` (record, checkpoint, ``run.log``) and its record is
written atomically, so a killed sweep loses at most the unfinished part of the runs in flight
and never counts a run twice.

A sweep with ``converge:`` climbs as it goes: each time a run ends, the plan is made again
from the validation losses on disk, and the next rung of a ladder whose rung just finished
without converging joins the executor's queue at once (:mod:`hepscaling.sweeps.plan`).
Killed and restarted, it climbs on from the rungs it finished.

Run ids count each dataset by its identity, not its path (:mod:`hepscaling.train.identity`):
a sweep directory moved or copied elsewhere resumes as finished (the records of its runs are
pointed at the new dataset paths).

``OUT/runs`` holds the runs of the plan and nothing else, so ``status``, ``table``, ``fit`` and
``report`` all read one set of records. Re-running into the same ``OUT`` with an edited spec
may add runs (runs whose resolved config is unchanged keep their records; a note names the
changed spec keys). It is refused, with a one-line error naming what changed, when ``OUT``
holds records the new plan would not include: runs of an edited spec, or runs on a dataset
regenerated since with other settings (their results belong to other data). Attempts that hold
no result (``failed`` or ``running`` without a checkpoint) are removed instead: nothing
finished, nothing to protect.
"""

from __future__ import annotations

import math
import os
import shutil
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from hepscaling.errors import UsageError
from hepscaling.locks import is_locked
from hepscaling.progress import progress as progress_bar
from hepscaling.progress import stderr
from hepscaling.records import (
    CHECKPOINT_NAME,
    LOG_NAME,
    RECORD_NAME,
    RunRecord,
    read_record,
    utc_now,
    write_record,
)
from hepscaling.sweeps.job import Executor, RunFn, RunOutcome, RunTask, record_failure
from hepscaling.sweeps.local_executor import LocalExecutor
from hepscaling.sweeps.lock import sweep_lock
from hepscaling.sweeps.plan import (
    PLAN_NAME,
    FlopsPerStep,
    Plan,
    Validator,
    dataset_path,
    load_plan,
    make_plan,
    spec_changes,
)
from hepscaling.sweeps.results import (
    SweepCounts,
    count_states,
    finished_val_loss,
    record_of,
    run_dir,
    run_states,
)
from hepscaling.sweeps.spec import SweepSpec, load_spec

__all__ = ["SweepResult", "default_run_fn", "make_datasets", "run_sweep"]


@dataclass(frozen=True, kw_only=True)
class SweepResult(SweepCounts):
    """How a sweep invocation ended: :class:`SweepCounts` over the whole plan (failed runs
    include ones not retried), plus the number of runs this invocation ``ran``."""

    ran: int


def default_run_fn(config: dict, run_dir: Path):
    """:func:`hepscaling.train.loop.run_training` with its progress bar off."""
    from hepscaling.train.loop import run_training

    return run_training(config, run_dir, progress=False)


def make_datasets(spec: SweepSpec, out: str | os.PathLike, *, progress: bool | None = None
                  ) -> dict[str, Path]:
    """Generate the spec's datasets (every kind, see :mod:`hepscaling.data.registry`) into
    ``OUT/data/<name>.h5`` (resumable; a finished file is kept as is), or check the file of an
    entry with ``path:`` against its settings. Returns name -> path."""
    paths = {}
    for name, ds in spec.datasets.items():
        try:
            paths[name] = ds.make(dataset_path(out, name), progress=progress)
        except UsageError as exc:
            raise UsageError(f"datasets.{name}: {exc}") from None
    return paths


def _todo(states: dict[str, str], retry_failed: bool) -> list[str]:
    wanted = {"pending", "running"} | ({"failed"} if retry_failed else set())
    return [run_id for run_id, state in states.items() if state in wanted]


def run_sweep(spec: SweepSpec | str | os.PathLike, out: str | os.PathLike, *,
              executor: Executor | None = None, retry_failed: bool = False,
              progress: bool | None = None, run_fn: RunFn | None = None,
              validate: Validator | None = None,
              flops_per_step: FlopsPerStep | None = None,
              source: str | None = None) -> SweepResult:
    """Run (or resume) the sweep ``spec`` into ``out``.

    Parameters
    ----------
    spec : a :class:`SweepSpec` or the path of its YAML file.
    out : the sweep directory (created if needed).
    executor : a :class:`LocalExecutor` (default: a new one, one worker per core) or a
        :class:`hepscaling.sweeps.dask_executor.DaskExecutor`.
    retry_failed : also re-run runs recorded as failed.
    progress : show the progress bar with ETA (None: only on a terminal).
    run_fn : ``run_fn(config, run_dir) -> RunRecord``, importable by workers (default
        :func:`default_run_fn`, the training loop).
    validate, flops_per_step : passed to :func:`hepscaling.sweeps.plan.make_plan`.
    source : the spec's name in error messages (default: its path, or "sweep spec").

    Returns
    -------
    SweepResult with the final count of every state over the whole plan.
    """
    source = source or (str(spec) if not isinstance(spec, SweepSpec) else "sweep spec")
    spec = spec if isinstance(spec, SweepSpec) else load_spec(spec)
    out = Path(out).resolve()
    with ExitStack() as stack:
        stack.enter_context(sweep_lock(out))
        executor = executor or stack.enter_context(LocalExecutor())
        make_datasets(spec, out, progress=progress)

        losses: dict[str, float] = {}  # finished runs' validation losses, read once

        def loss_of(run_id: str) -> float | None:
            if run_id in losses:
                return losses[run_id]
            loss = finished_val_loss(record_of(out, run_id))
            if loss is not None and math.isfinite(loss):  # failed runs may be retried
                losses[run_id] = loss
            return loss

        def replan() -> Plan:
            return make_plan(spec, out, validate=validate, flops_per_step=flops_per_step,
                             loss_of=loss_of, source=source)

        plan = replan()
        _adopt(out, plan)
        plan.save(out)
        states = run_states(out, plan)
        todo = _todo(states, retry_failed)
        kept = 0 if retry_failed else sum(s == "failed" for s in states.values())
        them = "it" if kept == 1 else "them"
        note = f", {kept} failed before (kept; --retry-failed reruns {them})" if kept else ""
        stderr.print(f"sweep '{plan.name}': {len(plan.runs)} runs planned: "
                     f"{len(plan.runs) - len(todo) - kept} finished{note}, {len(todo)} to run "
                     f"on the {executor.name} executor", highlight=False, soft_wrap=True)
        ran = len(todo)
        configs = {run.run_id: run.config for run in plan.runs}
        with progress_bar(f"sweep {plan.name}", total=len(plan.runs),
                          completed=len(plan.runs) - len(todo), enabled=progress) as bar:

            def climb(outcome: RunOutcome) -> list[RunTask]:
                """The rungs this outcome lets its ladder climb to (converge: only)."""
                nonlocal plan, ran
                plan = replan()
                plan.save(out)
                new = [run.run_id for run in plan.runs if run.run_id not in states]
                configs.update({run.run_id: run.config for run in plan.runs})
                states.update(dict.fromkeys(new, "pending"))
                ran += len(new)
                bar.update(total=len(plan.runs))
                return [_task(out, run_id, configs[run_id], run_fn) for run_id in new]

            tasks = [_task(out, run_id, configs[run_id], run_fn) for run_id in todo]
            for outcome in executor.run(tasks, climb if spec.converge is not None else None):
                if outcome.crashed:
                    _record_crash(out, outcome, configs[outcome.run_id])
                states[outcome.run_id] = outcome.status
                bar.advance(1)
                bar.update(description=_describe(plan.name, states))
    counts, failures = count_states(out, states)
    return SweepResult(out, len(plan.runs), counts, failures, ran=ran)


def _task(out: Path, run_id: str, config: dict, run_fn: RunFn | None) -> RunTask:
    return RunTask(run_id, config, str(run_dir(out, run_id)), run_fn or default_run_fn)


def _adopt(out: Path, plan: Plan) -> None:
    """Make ``OUT/runs`` hold runs of ``plan`` only (see the module docstring): point moved
    records at the planned config, remove attempts without a result, refuse other records."""
    from hepscaling.train.loop import RUN_LOCK_NAME

    planned = {run.run_id: run for run in plan.runs}
    foreign: list[RunRecord] = []
    for directory in sorted(run_dir(out, "").glob("*/")):
        if not (directory / RECORD_NAME).is_file():
            continue
        record = read_record(directory)
        if (run := planned.get(directory.name)) is not None:
            if record.config != run.config:  # same identity: the data moved with OUT
                write_record(record.model_copy(update={"config": run.config}), directory)
        elif (record.status in ("failed", "running") and not (directory / CHECKPOINT_NAME)
              .exists() and not is_locked(directory, RUN_LOCK_NAME)):
            shutil.rmtree(directory)
        else:
            foreign.append(record)
    changed = (spec_changes(load_plan(out).spec, plan.spec)
               if (out / PLAN_NAME).is_file() else [])
    shown = ", ".join(changed[:4]) + (", ..." if len(changed) > 4 else "")
    if foreign:
        raise UsageError(f"{out} holds {len(foreign)} runs this plan does not include "
                         f"({_why(foreign, shown)}); use another --out for this spec, or move "
                         f"{out} away to start afresh")
    if changed:
        stderr.print(f"note: the spec changed since {out} was planned ({shown}); its finished "
                     "runs are kept", highlight=False, soft_wrap=True)


def _why(foreign: list[RunRecord], changed: str) -> str:
    """Why ``foreign`` records are not in the plan, for the refusal message."""
    from hepscaling.train.identity import config_data_digest, data_files

    if changed:
        return f"the spec changed: {changed}"
    for record in foreign:
        now = config_data_digest(record.config)
        if record.data_digest and now and now != record.data_digest:
            files = ", ".join(data_files(record.config.get("task", {})).values())
            return f"trained on other data: {files} was regenerated since with other settings"
    return "from an older hepscaling version or put there by hand"


def _record_crash(out: Path, outcome: RunOutcome, config: dict) -> None:
    directory = run_dir(out, outcome.run_id)
    record_failure(outcome.run_id, config, directory, outcome.error)
    with open(directory / LOG_NAME, "a") as log:
        log.write(f"{utc_now()} sweep: run {outcome.run_id} failed: {outcome.error}\n")


def _describe(name: str, states: dict[str, str]) -> str:
    done = sum(s in ("done", "diverged") for s in states.values())
    failed = sum(s == "failed" for s in states.values())
    return f"sweep {name} [green]{done} ok[/green]" + (f" [red]{failed} failed[/red]"
                                                       if failed else "")
