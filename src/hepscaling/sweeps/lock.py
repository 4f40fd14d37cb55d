"""The sweep lock: at most one ``hepscaling sweep run`` drives an output directory at a time.

The lock is an advisory ``flock`` on ``OUT/.sweep.lock``; the operating system releases it when
its process exits, even after ``kill -9``, so a killed sweep never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hepscaling.errors import UsageError

__all__ = ["LOCK_NAME", "is_locked", "sweep_lock"]

LOCK_NAME = ".sweep.lock"


@contextmanager
def sweep_lock(out: str | os.PathLike) -> Iterator[None]:
    """Hold the lock of ``out`` (created if needed); :class:`UsageError` if another process
    holds it."""
    path = Path(out) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            raise UsageError(f"sweep directory {out} is in use by {holder}; wait for it to "
                             "finish (or stop it) before running this sweep again") from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()}")
        f.flush()
        try:
            yield
        finally:
            f.truncate(0)
            fcntl.flock(f, fcntl.LOCK_UN)


def is_locked(out: str | os.PathLike) -> bool:
    """True when a live process holds the lock of ``out`` (a sweep is running there)."""
    path = Path(out) / LOCK_NAME
    if not path.exists():
        return False
    with open(path) as f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False
