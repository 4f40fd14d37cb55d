"""The physics process of runs: of a group (the exponent-versus-dimension section) and of each
run (``hepscaling predict --process``)."""

from __future__ import annotations

from typing import Any

from hepscaling.data.amplitudes import dataset_process
from hepscaling.errors import UsageError
from hepscaling.physics.process import parse_process

__all__ = ["process_of", "runs_of_process"]


def process_of(runs: Any) -> str | None:
    """The process string of a group of runs (a ``records_frame`` slice).

    ``config.task.process`` if the runs set one value, else the process in the provenance of
    their one dataset file (:func:`hepscaling.data.amplitudes.dataset_process`); ``None`` if
    neither is available.
    """
    if "config.task.process" in runs.columns:
        values = [v for v in runs["config.task.process"].unique() if isinstance(v, str) and v]
        if len(values) == 1:
            return values[0]
    if "config.task.dataset" not in runs.columns:
        return None
    paths = [v for v in runs["config.task.dataset"].unique() if isinstance(v, str)]
    return dataset_process(paths[0]) if len(paths) == 1 else None


def _normalised(process: str) -> str | None:
    try:
        return parse_process(process).text
    except UsageError:
        return None


def runs_of_process(runs: Any, process: str) -> Any:
    """The rows of ``runs`` (a ``records_frame``) whose process is ``process``: their
    ``config.task.process``, else their dataset's provenance, compared as parsed process
    strings (so ``"u u~ > t t~ h"`` and ``"u u~  >  t t~ h"`` are the same).

    Raises
    ------
    UsageError
        ``process`` does not parse (one line naming the problem).
    """
    wanted = parse_process(process).text
    found: dict[tuple[Any, Any], str | None] = {}
    keep = []
    for _, row in runs.iterrows():
        key = (row.get("config.task.process"), row.get("config.task.dataset"))
        if key not in found:
            text = key[0] if isinstance(key[0], str) and key[0] else (
                dataset_process(key[1]) if isinstance(key[1], str) else None)
            found[key] = _normalised(text) if text else None
        keep.append(found[key] == wanted)
    return runs[keep] if len(runs) else runs
