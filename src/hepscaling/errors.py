"""The error types the CLI turns into clean messages and exit codes.

Library code raises :class:`UsageError` (exit code 2) for anything the user can fix — a bad
file, option, process string or config — with a one-line message that names the problem, the
value seen and the fix. :class:`WorkFailed` (exit code 1) means the input was fine but the work
did not succeed (a run crashed, a fit did not converge).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path


class HepscalingError(Exception):
    """Base class of the errors whose message is shown to the user as one line."""

    exit_code = 1


class UsageError(HepscalingError, ValueError):
    """Bad input: the message says what was wrong and how to fix it (exit code 2)."""

    exit_code = 2


class WorkFailed(HepscalingError, RuntimeError):
    """The input was valid but the work failed (exit code 1)."""

    exit_code = 1


#: errno values of a path the user can fix (missing, not a directory, no permission, read-only)
PATH_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EPERM,
                         errno.EROFS, errno.EEXIST})


def path_error(exc: OSError) -> UsageError | None:
    """A one-line :class:`UsageError` for an ``OSError`` on a path the user chose (``None`` for
    other OS errors, e.g. a full disk)."""
    if exc.errno not in PATH_ERRNOS or exc.filename is None:
        return None
    return UsageError(f"cannot use {exc.filename}: {exc.strerror} (check the path and its "
                      "permissions, or choose another location)")


def writable_output(path: str | os.PathLike, option: str, *, directory: bool = False) -> Path:
    """Create ``path`` (``directory``) or its parent directory and check it is writable.

    Returns ``path`` as a :class:`~pathlib.Path`; raises :class:`UsageError` naming ``option``
    (e.g. ``--out``) and the path when it cannot be created or written.
    """
    path = Path(path)
    folder = path if directory else path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot create {exc.filename or folder}: "
                         f"{exc.strerror} (choose a writable location)") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: {folder} is not writable (choose a writable "
                         "location)")
    return path


def require_file(path, what: str = "file"):
    """Return ``path`` as a :class:`pathlib.Path`, or raise :class:`UsageError` if it is missing."""
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{what} not found: {p} (check the path)")
    return p
