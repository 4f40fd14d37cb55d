"""The local executor: a pool of worker processes that survives a worker dying mid-run.

Each worker is a process forked from a ``forkserver`` that has imported torch and the
training loop once (``spawn`` on platforms without one); workers inherit the forkserver's
environment, fixed when the first worker of the process starts. A worker limits torch /
OpenMP / MKL to ``cores // workers`` threads (so parallel runs do not fight over cores) and
runs one task at a time, sent over its own pipe. With several GPUs, worker ``i`` sees only GPU
``i % n_gpus``, so run one worker per GPU (``--workers N``).

Because the parent knows which task each worker holds, a worker that dies (``os._exit``, a
segfault, the OOM killer) fails exactly that run, with error ``"worker crashed (exit code
N)"``; a fresh worker takes its place and the other runs go on.
(``concurrent.futures.ProcessPoolExecutor`` instead breaks as a whole and fails every run in
flight.)

Each worker also watches a lifeline pipe to the parent: if the sweep process is killed
(even with ``kill -9``), the workers exit at once instead of finishing orphaned runs that a
resumed sweep would start again.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from hepscaling.sweeps.job import (
    FollowUp,
    RunOutcome,
    RunTask,
    available_cores,
    crash_outcome,
    execute_run,
    limit_threads,
)

__all__ = ["PRELOAD", "LocalExecutor", "start_forkserver"]


def _exit_with_parent(lifeline: Connection) -> None:
    try:
        lifeline.recv()
    except (EOFError, OSError):
        pass
    os._exit(1)


def _worker_main(tasks: Connection, lifeline: Connection, threads: int,
                 gpu: int | None) -> None:
    threading.Thread(target=_exit_with_parent, args=(lifeline,), daemon=True).start()
    if gpu is not None:  # before anything initialises CUDA in this process
        os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu)
    limit_threads(threads)
    try:
        while (task := tasks.recv()) is not None:
            tasks.send(execute_run(task))
    except (EOFError, KeyboardInterrupt):
        pass
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip interpreter teardown (seconds with torch loaded); nothing is pending


# imported once by the forkserver; a missing module is skipped (forkserver ignores ImportError)
PRELOAD = ("hepscaling.sweeps.job", "hepscaling.train.loop", "hepscaling.tasks.amplitudes",
           "hepscaling.models.mlp")


def _context(preload: Sequence[str]) -> multiprocessing.context.BaseContext:
    """``forkserver`` preloading ``preload`` (new workers start in milliseconds, even after a
    crash), or ``spawn`` where there is no forkserver."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", *preload])
    return context


def _cuda_devices() -> int:
    """CUDA devices visible to this process (0 without torch's CUDA)."""
    import torch

    return torch.cuda.device_count()


def start_forkserver(preload: Sequence[str] = PRELOAD) -> bool:
    """Start this process's forkserver with ``preload`` imported, if the platform has one.

    Every later ``forkserver`` process of this process (local workers, the worker processes of
    a Dask ``LocalCluster``) forks from it. Returns False without a forkserver.
    """
    if _context(preload).get_start_method() != "forkserver":
        return False
    multiprocessing.forkserver.ensure_running()
    return True


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    lifeline: Connection
    slot: int

    def stop(self, *, force: bool) -> None:
        if force:
            self.process.terminate()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(timeout=None if not force else 5)
        self.conn.close()
        self.lifeline.close()


class LocalExecutor:
    """Run tasks on ``workers`` local processes (default: one per available core).

    Workers start on first use and are kept between :meth:`run` calls (torch is imported once
    per worker); :meth:`close`, or leaving a ``with LocalExecutor(...)`` block, stops them.

    Parameters
    ----------
    workers : number of worker processes.
    threads : threads per worker for torch / OpenMP / MKL (default ``cores // workers``, >= 1).
    gpus : CUDA devices to share out: worker ``i`` sees only device ``i % gpus`` (through
        ``CUDA_VISIBLE_DEVICES``); default: the devices torch finds, 0 for none.
    preload : modules the forkserver imports before forking workers (the first executor of a
        process decides; default: the training loop, so torch is imported once).
    """

    name = "local"

    def __init__(self, workers: int | None = None, *, threads: int | None = None,
                 gpus: int | None = None, preload: Sequence[str] = PRELOAD) -> None:
        cores = available_cores()
        self.workers = max(1, workers or cores)
        self.threads = threads or max(1, cores // self.workers)
        self.gpus = _cuda_devices() if gpus is None else gpus
        self._context = _context(preload)
        self._idle: list[_Worker] = []

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the idle workers."""
        while self._idle:
            self._idle.pop().stop(force=False)

    def _start(self, slot: int) -> _Worker:
        parent, child = self._context.Pipe()
        keep, give = self._context.Pipe(duplex=False)
        gpu = slot % self.gpus if self.gpus else None
        process = self._context.Process(target=_worker_main,
                                        args=(child, keep, self.threads, gpu),
                                        name=f"hepscaling-sweep-worker-{slot}", daemon=True)
        process.start()
        child.close()
        keep.close()
        return _Worker(process, parent, give, slot)

    def _free_slot(self, busy: dict) -> int:
        taken = {w.slot for w in self._idle} | {w.slot for w, _ in busy.values()}
        return min(set(range(self.workers)) - taken)

    def run(self, tasks: Iterable[RunTask], follow_up: FollowUp | None = None
            ) -> Iterator[RunOutcome]:
        """Run ``tasks``, yielding each outcome as its run ends (in completion order); the
        tasks ``follow_up(outcome)`` returns join the queue (:meth:`Executor.run`)."""
        pending = deque(tasks)
        busy: dict[int, tuple[_Worker, RunTask]] = {}
        try:
            while pending or busy:
                while pending and (self._idle or len(busy) < self.workers):
                    worker = self._idle.pop() if self._idle else self._start(
                        self._free_slot(busy))
                    task = pending.popleft()
                    worker.conn.send(task)
                    busy[id(worker)] = (worker, task)
                wait([h for w, _ in busy.values() for h in (w.conn, w.process.sentinel)])
                for key, (worker, task) in list(busy.items()):
                    outcome = self._collect(worker, task)
                    if outcome is None:
                        continue
                    del busy[key]
                    if outcome.crashed:
                        worker.stop(force=True)
                    else:
                        self._idle.append(worker)
                    yield outcome
                    if follow_up is not None:
                        pending.extend(follow_up(outcome))
        finally:
            for worker, _ in busy.values():
                worker.stop(force=True)

    @staticmethod
    def _collect(worker: _Worker, task: RunTask) -> RunOutcome | None:
        """The worker's outcome if it has one (or died), else None (still running)."""
        if worker.conn.poll():
            try:
                return worker.conn.recv()
            except (EOFError, OSError):
                pass
        elif worker.process.is_alive():
            return None
        worker.process.join()
        return crash_outcome(task, f"worker crashed (exit code {worker.process.exitcode})")
