"""SIGKILL a child process at a chosen moment (kill -9 resume tests)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def kill_when(argv: list[str], ready: Callable[[], bool], *, timeout: float = 120.0,
              poll: float = 0.05) -> None:
    """Start ``argv``, wait until ``ready()`` is true (or it exits, or ``timeout`` seconds
    pass), then SIGKILL it and reap it. The caller asserts that the moment came, with its own
    message."""
    child = subprocess.Popen(argv)
    deadline = time.monotonic() + timeout
    while not ready() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(poll)
    child.kill()
    child.wait()


def kill_at_marker(argv: list[str], marker: Path, *, timeout: float = 120.0,
                   poll: float = 0.05) -> None:
    """:func:`kill_when` ``marker`` exists."""
    kill_when(argv, marker.exists, timeout=timeout, poll=poll)
