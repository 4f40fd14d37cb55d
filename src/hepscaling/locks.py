"""Directory locks: at most one process works in a sweep or run directory at a time.

A lock is an advisory ``flock`` on a file in the directory (``.sweep.lock`` for sweeps,
``.run.lock`` for runs); the operating system releases it when its process exits, even after
``kill -9``, so a killed process never leaves a stale lock. The file holds ``pid <n>`` of the
holder while it is held, for the message of a refused second holder.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hepscaling.errors import UsageError

__all__ = ["directory_lock", "is_locked"]


@contextmanager
def directory_lock(directory: str | os.PathLike, name: str, *, what: str,
                   fix: str) -> Iterator[None]:
    """Hold the lock file ``directory/name`` (both created if needed).

    Raises a one-line :class:`UsageError` ``"<what> <directory> is in use by pid <n>; <fix>"``
    if another process holds it.
    """
    path = Path(directory) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            raise UsageError(f"{what} {directory} is in use by {holder}; {fix}") from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()}")
        f.flush()
        try:
            yield
        finally:
            f.truncate(0)
            fcntl.flock(f, fcntl.LOCK_UN)


def is_locked(directory: str | os.PathLike, name: str) -> bool:
    """True when a live process holds the lock file ``directory/name``."""
    path = Path(directory) / name
    if not path.exists():
        return False
    with open(path) as f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False
