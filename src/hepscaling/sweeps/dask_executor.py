"""The Dask executor: runs a sweep on a ``distributed`` cluster (local, Slurm, HTCondor, any).

The same sweep spec runs here as on the local executor; only where the runs execute differs.
:func:`dask_client` connects to an existing scheduler (``--scheduler tcp://host:8786``),
starts a dask-jobqueue cluster from the spec's ``cluster:`` section (``kind: slurm`` or
``htcondor`` plus ``SLURMCluster`` / ``HTCondorCluster`` keyword arguments), or starts a
``LocalCluster`` of single-threaded worker processes. Workers must see the sweep's output
directory at the same path (a shared filesystem on clusters) and have hepscaling installed.

The ``LocalCluster`` forks its worker processes from the same forkserver as the local
executor, which has imported torch and the training loop already.

A run whose worker process dies is retried by Dask on another worker up to the scheduler's
``distributed.scheduler.allowed-failures`` times (0 on the ``LocalCluster`` we start) and
then recorded as failed with error ``"worker crashed (...)"``.

Threads: Dask's nanny starts each worker process with ``OMP_NUM_THREADS`` (default 1, set by
the ``distributed.nanny.pre-spawn-environ`` config); runs use that many torch threads. Give a
jobqueue cluster as many worker processes as cores (``processes: <cores>``) for CPU runs.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from hepscaling.errors import UsageError
from hepscaling.sweeps.job import (
    FollowUp,
    RunOutcome,
    RunTask,
    available_cores,
    crash_outcome,
    execute_run,
    limit_threads,
)
from hepscaling.sweeps.local_executor import start_forkserver
from hepscaling.sweeps.spec import ClusterSpec

__all__ = ["DaskExecutor", "dask_client", "jobqueue_cluster"]


def _run_on_worker(task: RunTask) -> RunOutcome:
    """Run ``task`` on a Dask worker, keeping the worker's OMP thread count for torch too."""
    limit_threads(int(os.environ.get("OMP_NUM_THREADS") or available_cores()))
    return execute_run(task, capture_fds=False)


class DaskExecutor:
    """Run tasks on the workers of a connected ``distributed.Client``."""

    name = "dask"

    def __init__(self, client: Any) -> None:
        self.client = client

    def run(self, tasks: Iterable[RunTask], follow_up: FollowUp | None = None
            ) -> Iterator[RunOutcome]:
        """Submit every task at once; yield each outcome as its run ends; submit the tasks
        ``follow_up(outcome)`` returns (:meth:`Executor.run`)."""
        from distributed import as_completed

        token = uuid.uuid4().hex[:8]
        futures: dict[Any, RunTask] = {}

        def submit(batch: list[RunTask]) -> list[Any]:
            new = [self.client.submit(_run_on_worker, task, pure=False, retries=0,
                                      key=f"hepscaling-run-{task.run_id}-{token}")
                   for task in batch]
            futures.update(zip(new, batch, strict=True))
            return new

        finished = as_completed(submit(list(tasks)))
        try:
            for future in finished:
                task = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # KilledWorker or a failure outside the run function
                    outcome = crash_outcome(task, f"worker crashed ({type(exc).__name__}: {exc})")
                yield outcome
                if follow_up is not None:
                    for new in submit(list(follow_up(outcome))):
                        finished.add(new)
        finally:
            self.client.cancel([f for f in futures if not f.done()])


def jobqueue_cluster(cluster: ClusterSpec) -> Any:
    """A dask-jobqueue cluster (not yet scaled) from a ``cluster:`` section of kind ``slurm`` or
    ``htcondor``; its other keys are the cluster class's keyword arguments."""
    import dask_jobqueue

    classes = {"slurm": dask_jobqueue.SLURMCluster, "htcondor": dask_jobqueue.HTCondorCluster}
    cls = classes[cluster.kind]
    try:
        return cls(**(cluster.model_extra or {}))
    except (TypeError, ValueError) as exc:
        raise UsageError(f"cluster: cannot start a {cluster.kind} cluster: {exc} (fix the "
                         f"'cluster:' keys; see dask_jobqueue.{cls.__name__})") from exc


@contextmanager
def dask_client(*, scheduler: str | None = None, cluster: ClusterSpec | None = None,
                workers: int | None = None, timeout: str = "20s") -> Iterator[Any]:
    """A ``distributed.Client`` for a sweep, closed (with any cluster it started) on exit.

    Parameters
    ----------
    scheduler : address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``.
    cluster : the spec's ``cluster:`` section (used when no ``scheduler`` is given).
    workers : number of workers (local) or batch jobs (jobqueue); overrides ``cluster.jobs``.
    timeout : how long to try connecting to ``scheduler``.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"cannot connect to the Dask scheduler {scheduler!r} ({exc}); check "
                             "the address (tcp://host:8786) and that the scheduler is up") from exc
        with client:
            yield client
        return
    if cluster is not None and cluster.kind != "local":
        with jobqueue_cluster(cluster) as batch:
            batch.scale(jobs=workers or cluster.jobs)
            with Client(batch) as client:
                yield client
        return
    n_workers = workers or (cluster.jobs if cluster is not None else available_cores())
    method = "forkserver" if start_forkserver() else "spawn"
    settings = {"distributed.scheduler.allowed-failures": 0,
                "distributed.worker.multiprocessing-method": method}
    with dask.config.set(settings), LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True,
            dashboard_address=":0") as local, Client(local) as client:
        yield client
