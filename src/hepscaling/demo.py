"""The README demo: amplitude data for three processes, a D-sweep of MLP-I surrogates, power-law
fits with bootstrap intervals, an extrapolation check, a report, and the D needed for a target.

The processes span two phase-space dimensions d = 3 n_f - 4: ``u u~ > z g g`` and
``u u~ > t t~ h`` (n_f = 3, d = 5) and ``u u~ > z g g g`` (n_f = 4, d = 8); the gluons carry
generation cuts (pT > 20 GeV, Delta R > 0.4). (A 2 -> 2 process at fixed sqrt(s) is a
one-dimensional function that an MLP learns to the float32 floor already at D ~ 100: a plateau,
not a law.) Every run is trained to convergence at its D: the number of optimiser steps grows
with D (a fixed number of epochs, with a floor for the smallest sets), and the cosine schedule
reaches zero at the last step, so the D-scaling is not confounded by compute. (Early stopping
was tried and dropped: at the 1e-5 level the validation loss is noisy enough to stop runs too
early.) ``u u~ > t t~ h`` reaches the floor K of this network within the D range, so the law
keeps its floor.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hepscaling.records import atomic_write_text

__all__ = ["DEMO_DATASETS", "DemoResult", "DemoSettings", "demo_spec", "run_demo"]

DEMO_DATASETS: dict[str, dict[str, Any]] = {
    "zgg": {"process": "u u~ > z g g", "sqrt_s": 1000.0, "seed": 1,
            "cuts": {"pt_min": 20.0, "delta_r_min": 0.4}},
    "tth": {"process": "u u~ > t t~ h", "sqrt_s": 1000.0, "seed": 2},
    "zggg": {"process": "u u~ > z g g g", "sqrt_s": 1000.0, "seed": 3,
             "cuts": {"pt_min": 20.0, "delta_r_min": 0.4}},
}


@dataclass(frozen=True)
class DemoSettings:
    """Sizes of the demo; the defaults are what ``make demo`` runs."""

    d_values: tuple[int, ...] = (100, 200, 400, 800, 1600, 3200)  # training sizes D
    seeds: tuple[int, ...] = (0, 1)
    n_val: int = 2000
    n_test: int = 5000
    width: int = 128            # MLP width
    depth: int = 4              # hidden layers
    batch_size: int = 128
    epochs: float = 400         # passes over D at the large sizes ...
    min_steps: int = 6000       # ... with a floor so the smallest sets also converge
    eval_every: int = 500

    def steps_for(self, n_train: int) -> int:
        """Optimiser steps at ``n_train``: ``max(min_steps, ceil(epochs D / batch_size))``."""
        return max(self.min_steps, math.ceil(self.epochs * n_train / self.batch_size))


def demo_spec(settings: DemoSettings = DemoSettings()) -> dict[str, Any]:
    """The demo's sweep spec as a dict (``list`` mode: D and its training length move together).

    Runs: every dataset x every D x every seed, ``train.steps`` from
    :meth:`DemoSettings.steps_for`.
    """
    n_events = max(settings.d_values) + settings.n_val + settings.n_test
    points = [(f"@{name}", ds["process"], d, settings.steps_for(d), seed)
              for name, ds in DEMO_DATASETS.items()
              for d in settings.d_values for seed in settings.seeds]
    dataset, process, n_train, steps, seed = (list(column) for column in zip(*points,
                                                                             strict=True))
    return {
        "name": "demo-amplitudes",
        "datasets": {name: {**ds, "n": n_events} for name, ds in DEMO_DATASETS.items()},
        "base": {
            "device": "cpu",
            "task": {"kind": "amplitude_regression", "n_val": settings.n_val,
                     "n_test": settings.n_test},
            "model": {"family": "mlp", "width": settings.width, "depth": settings.depth},
            "loss": "mse",
            "train": {"batch_size": settings.batch_size, "lr": 2.0e-3, "schedule": "cosine",
                      "warmup_steps": 100, "eval_every": settings.eval_every},
        },
        "mode": "list",
        "axes": {"task.dataset": dataset, "task.process": process, "task.n_train": n_train,
                 "train.steps": steps, "seed": seed},
    }


@dataclass(frozen=True)
class DemoResult:
    """What the demo produced: the sweep outcome (``SweepResult``) and the report (``Report``,
    with the per-process fits in ``report.fits["D"]``)."""

    out: Path
    sweep: Any
    report: Any


def run_demo(out: str | os.PathLike, *, settings: DemoSettings = DemoSettings(),
             workers: int | None = None, bootstrap: int = 200,
             progress: bool | None = None) -> DemoResult:
    """Run the demo into ``out`` (resumable: finished runs are kept).

    Writes ``out/demo_sweep.yaml`` (re-runnable with ``hepscaling sweep run``), the sweep in
    ``out/sweep/`` and the report in ``out/report/``.
    """
    from hepscaling.report.build import build_report
    from hepscaling.sweeps import LocalExecutor, parse_spec, run_sweep

    out = Path(out)
    spec_dict = demo_spec(settings)
    atomic_write_text(out / "demo_sweep.yaml", yaml.safe_dump(spec_dict, sort_keys=False))
    spec = parse_spec(spec_dict, source="demo sweep spec")
    with LocalExecutor(workers) as executor:
        sweep_result = run_sweep(spec, out / "sweep", executor=executor, progress=progress)
    report = build_report(out / "sweep", out / "report", metric="test_mse", law="power",
                          floor=True, bootstrap=bootstrap, holdout=1)
    return DemoResult(out, sweep_result, report)
