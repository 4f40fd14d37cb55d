"""Sweeps: many training runs from one YAML spec, run locally or on a Dask cluster, resumable.

- :mod:`~hepscaling.sweeps.spec` the sweep spec (YAML, validated);
- :mod:`~hepscaling.sweeps.plan` its expansion into resolved run configs (``OUT/sweep.json``);
- :mod:`~hepscaling.sweeps.runner` running / resuming a sweep;
- :mod:`~hepscaling.sweeps.job` one run inside a worker;
- :mod:`~hepscaling.sweeps.local_executor`, :mod:`~hepscaling.sweeps.dask_executor` where runs
  execute;
- :mod:`~hepscaling.sweeps.results` status counts and the table of records;
- :mod:`~hepscaling.sweeps.watch` the live view of a running sweep;
- :mod:`~hepscaling.sweeps.lock` one driver per sweep directory.

The names below are imported on first use, so a worker process importing one submodule does
not pay for the others.
"""

import importlib

_EXPORTS = {
    "DaskExecutor": "dask_executor", "dask_client": "dask_executor",
    "LocalExecutor": "local_executor",
    "Plan": "plan", "PlannedRun": "plan", "load_plan": "plan", "make_plan": "plan",
    "SweepStatus": "results", "sweep_status": "results", "sweep_table": "results",
    "write_table": "results",
    "SweepResult": "runner", "run_sweep": "runner",
    "SweepSpec": "spec", "load_spec": "spec", "parse_spec": "spec",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'hepscaling.sweeps' has no attribute {name!r}")
    return getattr(importlib.import_module(f"hepscaling.sweeps.{_EXPORTS[name]}"), name)
