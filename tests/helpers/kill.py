"""SIGKILL a child process at a chosen moment (kill -9 resume tests)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


def kill_at_marker(argv: list[str], marker: Path, *, timeout: float = 120.0,
                   poll: float = 0.05) -> None:
    """Start ``argv``, wait until it creates ``marker`` (or exits, or ``timeout`` seconds pass),
    then SIGKILL it and reap it. The caller asserts ``marker.exists()`` with its own message."""
    child = subprocess.Popen(argv)
    deadline = time.monotonic() + timeout
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(poll)
    child.kill()
    child.wait()
