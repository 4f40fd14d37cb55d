"""Sweeps: many training runs from one YAML spec, run locally or on a Dask cluster, resumable.

- :mod:`~hepscaling.sweeps.spec` the sweep spec (YAML, validated);
- :mod:`~hepscaling.sweeps.plan` its expansion into resolved run configs (``OUT/sweep.json``);
- :mod:`~hepscaling.sweeps.runner` running / resuming a sweep;
- :mod:`~hepscaling.sweeps.job` one run inside a worker;
- :mod:`~hepscaling.sweeps.local_executor`, :mod:`~hepscaling.sweeps.dask_executor` where runs
  execute;
- :mod:`~hepscaling.sweeps.results` status counts and the table of records;
- :mod:`~hepscaling.sweeps.lock` one driver per sweep directory.
"""

from hepscaling.sweeps.dask_executor import DaskExecutor, dask_client
from hepscaling.sweeps.local_executor import LocalExecutor
from hepscaling.sweeps.plan import Plan, PlannedRun, load_plan, make_plan
from hepscaling.sweeps.results import SweepStatus, sweep_status, sweep_table, write_table
from hepscaling.sweeps.runner import SweepResult, run_sweep
from hepscaling.sweeps.spec import SweepSpec, load_spec, parse_spec

__all__ = [
    "DaskExecutor",
    "LocalExecutor",
    "Plan",
    "PlannedRun",
    "SweepResult",
    "SweepSpec",
    "SweepStatus",
    "dask_client",
    "load_plan",
    "load_spec",
    "make_plan",
    "parse_spec",
    "run_sweep",
    "sweep_status",
    "sweep_table",
    "write_table",
]
