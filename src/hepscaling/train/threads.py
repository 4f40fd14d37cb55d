"""CPU threads of a run: the cores this process may use, and a default that cannot oversubscribe.

Torch's own default is one thread per core. For the small models of a scaling sweep that is
the slowest choice on a shared machine: every optimiser step is a few milliseconds of work,
split across threads that wait for each other and for every other process on the cores (a run
of 0.2 s with one thread took 12-17 s with all threads on a loaded 2-core machine).
:func:`default_threads` therefore gives one thread per :data:`FLOPS_PER_THREAD` training FLOPs
of an optimiser step, at least 1 and at most :func:`available_cores`.
"""

from __future__ import annotations

import os

__all__ = ["FLOPS_PER_THREAD", "available_cores", "default_threads"]

#: training FLOPs of one optimiser step per thread (about 20 ms of work for one core)
FLOPS_PER_THREAD = 1e8


def available_cores() -> int:
    """CPU cores this process may use (respects affinity masks, e.g. Slurm's cgroups)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity masks
        return os.cpu_count() or 1


def default_threads(flops_per_step: float) -> int:
    """Threads for a run whose optimiser step costs ``flops_per_step`` training FLOPs:
    ``clip(floor(flops_per_step / FLOPS_PER_THREAD), 1, available_cores())``."""
    return max(1, min(available_cores(), int(flops_per_step // FLOPS_PER_THREAD)))
