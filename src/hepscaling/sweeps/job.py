"""One sweep run inside a worker: thread limits, its own log file, and a record whatever happens.

:func:`execute_run` is what both executors ship to their workers. It calls the run function
(by default :func:`hepscaling.train.loop.run_training`) on the run's directory with its output
and log messages going to ``run_dir/run.log``, turns an exception into a ``failed`` record
holding the error, and returns a small :class:`RunOutcome`. A worker process that dies
mid-run cannot do this; its executor reports the run with :func:`crash_outcome` and the
sweep runner records it with :func:`record_failure`.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from hepscaling.provenance import code_version, environment
from hepscaling.records import (
    LOG_NAME,
    RECORD_NAME,
    RunRecord,
    logging_to,
    read_record,
    utc_now,
    write_record,
)
from hepscaling.train.threads import available_cores

__all__ = [
    "Executor",
    "RunFn",
    "RunOutcome",
    "RunTask",
    "available_cores",
    "crash_outcome",
    "execute_run",
    "limit_threads",
    "record_failure",
]

RunFn = Callable[[dict[str, Any], Path], RunRecord]
_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run: its id, resolved config, directory and run function.

    ``run_fn`` must be importable by the worker (a module-level function), since it travels
    by reference to other processes and machines.
    """

    run_id: str
    config: dict[str, Any]
    run_dir: str
    run_fn: RunFn


#: more tasks to run once a run has ended (its outcome given), see :meth:`Executor.run`
FollowUp = Callable[["RunOutcome"], Iterable["RunTask"]]


class Executor(Protocol):
    """Where runs execute: :class:`~hepscaling.sweeps.local_executor.LocalExecutor` or
    :class:`~hepscaling.sweeps.dask_executor.DaskExecutor`."""

    name: str

    def run(self, tasks: Iterable[RunTask], follow_up: FollowUp | None = None
            ) -> Iterator[RunOutcome]:
        """Run ``tasks``, yielding each outcome as its run ends; after the caller has taken an
        outcome, ``follow_up(outcome)`` returns more tasks to run (a convergence ladder's
        next rung)."""


@dataclass(frozen=True)
class RunOutcome:
    """How one run ended: ``status`` is done, diverged or failed; ``crashed`` when its worker
    died (no record was written by the run itself)."""

    run_id: str
    status: str
    error: str | None = None
    wall_time: float = 0.0
    crashed: bool = False


def limit_threads(threads: int) -> None:
    """Use ``threads`` threads for torch / OpenMP / MKL / OpenBLAS in this process."""
    for var in _THREAD_VARS:
        os.environ[var] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


@contextmanager
def _logging_to(path: Path, *, capture_fds: bool) -> Iterator[logging.Logger]:
    """Send this thread's log records (and, with ``capture_fds``, the whole process's stdout
    and stderr, C libraries included) to ``path``, appending (:func:`logging_to`)."""
    saved: list[tuple[int, int]] = []
    with logging_to(path) as handler:
        try:
            if capture_fds:
                sys.stdout.flush()
                sys.stderr.flush()
                saved = [(fd, os.dup(fd)) for fd in (1, 2)]
                for fd, _ in saved:
                    os.dup2(handler.stream.fileno(), fd)
            yield logging.getLogger("hepscaling.sweeps.job")
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in saved:
                os.dup2(copy, fd)
                os.close(copy)


def record_failure(run_id: str, config: dict[str, Any], run_dir: str | os.PathLike,
                   error: str) -> RunRecord:
    """Mark a run ``failed`` with ``error``, keeping what its own record already says."""
    run_dir = Path(run_dir)
    if (run_dir / RECORD_NAME).exists():
        fields = read_record(run_dir).model_dump()
    else:
        fields = {"run_id": run_id, "config": config, "code_version": code_version(),
                  "seed": int(config.get("seed", 0)), "environment": environment(),
                  "n_train": int(config.get("task", {}).get("n_train", 0) or 0),
                  "started_at": utc_now()}
    fields.update(run_id=run_id, status="failed", error=error, finished_at=utc_now(),
                  stop_reason="failed")
    record = RunRecord.model_validate(fields)
    write_record(record, run_dir)
    return record


def crash_outcome(task: RunTask, error: str) -> RunOutcome:
    """The outcome of a run whose worker died (recorded later by :func:`record_failure`)."""
    return RunOutcome(task.run_id, "failed", error=error, crashed=True)


def execute_run(task: RunTask, *, capture_fds: bool = True) -> RunOutcome:
    """Run one task in this worker and return how it ended; never raises for a failed run.

    ``capture_fds`` redirects the process's file descriptors 1 and 2 into the run log (right
    for a process that runs one task at a time; a threaded Dask worker passes False).
    """
    run_dir = Path(task.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with _logging_to(run_dir / LOG_NAME, capture_fds=capture_fds) as log:
        log.info("run %s starting (pid %d, host %s)", task.run_id, os.getpid(), platform.node())
        try:
            record = task.run_fn(task.config, run_dir)
        except Exception as exc:
            log.error("run %s raised:\n%s", task.run_id, traceback.format_exc())
            record = record_failure(task.run_id, task.config, run_dir,
                                    f"{type(exc).__name__}: {exc}")
        if record.run_id != task.run_id:
            record = record_failure(task.run_id, task.config, run_dir,
                                    f"the run function wrote run id {record.run_id}, planned "
                                    f"{task.run_id} (it must use hepscaling.train.config."
                                    "run_id)")
        wall = time.perf_counter() - start
        log.info("run %s %s after %.2f s%s", task.run_id, record.status, wall,
                 f": {record.error}" if record.error else "")
    return RunOutcome(task.run_id, record.status, error=record.error, wall_time=wall)
