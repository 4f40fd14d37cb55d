"""The sweep lock: at most one ``hepscaling sweep run`` drives an output directory at a time.

The lock is an advisory ``flock`` on ``OUT/.sweep.lock`` (:mod:`hepscaling.locks`); the
operating system releases it when its process exits, even after ``kill -9``, so a killed sweep
never leaves a stale lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from hepscaling import locks

__all__ = ["LOCK_NAME", "is_locked", "sweep_lock"]

LOCK_NAME = ".sweep.lock"


@contextmanager
def sweep_lock(out: str | os.PathLike) -> Iterator[None]:
    """Hold the lock of ``out`` (created if needed); :class:`UsageError` if another process
    holds it."""
    with locks.directory_lock(out, LOCK_NAME, what="sweep directory",
                              fix="wait for it to finish (or stop it) before running this "
                                  "sweep again"):
        yield


def is_locked(out: str | os.PathLike) -> bool:
    """True when a live process holds the lock of ``out`` (a sweep is running there)."""
    return locks.is_locked(out, LOCK_NAME)
