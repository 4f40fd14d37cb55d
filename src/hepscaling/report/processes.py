"""The physics process of a group of runs, for the exponent-versus-dimension section."""

from __future__ import annotations

from typing import Any

from hepscaling.data.amplitudes import dataset_process

__all__ = ["process_of"]


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
