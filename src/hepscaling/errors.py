"""The error types the CLI turns into clean messages and exit codes.

Library code raises :class:`UsageError` (exit code 2) for anything the user can fix — a bad
file, option, process string or config — with a one-line message that names the problem, the
value seen and the fix. :class:`WorkFailed` (exit code 1) means the input was fine but the work
did not succeed (a run crashed, a fit did not converge).
"""

from __future__ import annotations


class HepscalingError(Exception):
    """Base class of the errors whose message is shown to the user as one line."""

    exit_code = 1


class UsageError(HepscalingError, ValueError):
    """Bad input: the message says what was wrong and how to fix it (exit code 2)."""

    exit_code = 2


class WorkFailed(HepscalingError, RuntimeError):
    """The input was valid but the work failed (exit code 1)."""

    exit_code = 1


def require_file(path, what: str = "file"):
    """Return ``path`` as a :class:`pathlib.Path`, or raise :class:`UsageError` if it is missing."""
    from pathlib import Path

    p = Path(path)
    if not p.exists():
        raise UsageError(f"{what} not found: {p} (check the path)")
    return p
