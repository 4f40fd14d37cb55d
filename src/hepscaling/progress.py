"""Progress display for long work: a rich progress bar on stderr, switchable, silent off a TTY."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

stderr = Console(stderr=True)


class _Silent:
    """Stand-in for a rich task handle when progress is off."""

    def advance(self, n: float = 1) -> None:
        pass

    def update(self, **_: object) -> None:
        pass


class _Task:
    def __init__(self, progress: Progress, task_id) -> None:
        self._progress, self._id = progress, task_id

    def advance(self, n: float = 1) -> None:
        self._progress.advance(self._id, n)

    def update(self, **kwargs: object) -> None:
        self._progress.update(self._id, **kwargs)


def progress_enabled(requested: bool | None = None) -> bool:
    """``requested`` if given, else on exactly when stderr is a terminal."""
    return sys.stderr.isatty() if requested is None else requested


@contextmanager
def progress(description: str, total: float | None, *, completed: float = 0,
             enabled: bool | None = None) -> Iterator[_Task | _Silent]:
    """Context manager yielding a handle with ``advance(n)`` and ``update(**fields)``.

    ``completed`` starts the bar part-way (resumed work). With ``enabled=None`` the bar shows
    only on a terminal.
    """
    if not progress_enabled(enabled):
        yield _Silent()
        return
    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn()]
    with Progress(*columns, console=stderr, transient=False) as bar:
        yield _Task(bar, bar.add_task(description, total=total, completed=completed))
