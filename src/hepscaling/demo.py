"""The README demo: amplitude data for three processes, a D-sweep of MLP-I surrogates, power-law
fits with bootstrap intervals, an extrapolation check, a report, and the D needed for a target.

The processes span two phase-space dimensions d = 3 n_f - 4: ``u u~ > z g g`` and
``u u~ > t t~ h`` (n_f = 3, d = 5) and ``u u~ > z g g g`` (n_f = 4, d = 8); the gluons carry
generation cuts (pT > 20 GeV, Delta R > 0.4). (A 2 -> 2 process at fixed sqrt(s) is a
one-dimensional function that an MLP learns to the float32 floor already at D ~ 100: a plateau,
not a law.) ``--process`` replaces them with any others (generated with the same cuts on
massless final-state particles).

Every run takes the same number of optimiser steps (cosine schedule to zero at the last one),
so the optimisation error, which does not fall with D, is the same at every D and appears as
the law's floor K; batches of 512 (lr 2e-3) keep that floor low and its seed-to-seed scatter
small. (Steps growing with D were tried and dropped: ``u u~ > t t~ h`` is limited by
optimisation from D ~ 800 on, where 4x the steps lowers the test MSE 3x at every D, so a larger
step count at the largest D alone put its run far below the law fitted to the others. At
batch 128 the optimisation floor scattered by 30-50% between seeds at D = 3200 (lr 5e-4 was
worse, twice the MSE); batch 512 at the same lr trains u u~ > z g g at D = 3200 to a 4x lower
training loss. Early stopping was tried and dropped too: at the 1e-5 level the validation loss
is noisy enough to stop runs too early.)

The training sizes start at D = 400: below it ``u u~ > t t~ h`` is in another regime (at
D = 100 the network fits its training set to a loss 1e4 times below its test loss; the test MSE
falls 80-fold from D = 100 to 400 and then only slowly), and one power law plus a floor fitted
over D = 100 ... 1600 missed the held-out D = 3200 (mean measured / predicted 0.78). Over
D = 400 ... 12800 the same law, fitted without D = 12800, gave 0.88 in a sweep of
``u u~ > t t~ h`` alone: one seed's MSE stays at 1e-6 from D = 1600 on, the other's falls on
to 7e-7, so the floor is partly a per-seed optimisation floor. The full demo gave 0.88, 1.03
and 1.07 for ``t t~ h``, ``z g g`` and ``z g g g`` in 6 min 14 s on an idle 2-core machine
(6000 steps of batches of up to 512 at every D).

The fitted metric is ``test_mse_log``, the MSE of ln |M|^2 on the fixed test set: in natural-log
units, independent of the standardisation by the training subset's mean and std (``test_mse``,
of the standardised target, changes unit with D). For small errors it is the mean squared
relative error of |M|^2: 1e-4 is a 1% RMS precision.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hepscaling.errors import UsageError
from hepscaling.records import atomic_write_text

__all__ = ["DEMO_DATASETS", "DEMO_METRIC", "DemoResult", "DemoSettings", "demo_datasets",
           "demo_spec", "run_demo"]

#: The metric the demo fits (see the module docstring).
DEMO_METRIC = "test_mse_log"
#: Generation cuts of processes given with ``--process`` (they act on massless final-state
#: particles only, so they are a no-op for e.g. ``u u~ > t t~ h``).
_CUTS = {"pt_min": 20.0, "delta_r_min": 0.4}

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

    d_values: tuple[int, ...] = (400, 800, 1600, 3200, 6400, 12800)  # training sizes D
    seeds: tuple[int, ...] = (0, 1)
    n_val: int = 2000
    n_test: int = 5000
    width: int = 128            # MLP width
    depth: int = 4              # hidden layers
    batch_size: int = 512       # (the whole set for D <= 512: full-batch training)
    steps: int = 6000           # optimiser steps of every run, at every D
    eval_every: int = 500


def demo_datasets(processes: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """The demo's datasets: :data:`DEMO_DATASETS`, or one per process string of
    ``processes`` (sqrt(s) = 1 TeV, the generation cuts of the defaults; a default process
    keeps its settings), named after the process.

    Raises
    ------
    UsageError
        A process string that does not parse, or one given twice.
    """
    if not processes:
        return DEMO_DATASETS
    from hepscaling.physics.process import parse_process

    known = {ds["process"]: (name, ds) for name, ds in DEMO_DATASETS.items()}
    out: dict[str, dict[str, Any]] = {}
    for i, process in enumerate(processes):
        parse_process(process)  # a one-line UsageError naming the problem
        name, ds = known.get(process, (re.sub(r"\W+", "_", process.replace("~", "x")
                                              .replace(">", "to")).strip("_"),
                                       {"process": process, "sqrt_s": 1000.0, "seed": i + 1,
                                        "cuts": dict(_CUTS)}))
        if name in out:
            raise UsageError(f"--process {process!r} is given twice; give each process once")
        out[name] = ds
    return out


def demo_spec(settings: DemoSettings = DemoSettings(),
              processes: list[str] | None = None) -> dict[str, Any]:
    """The demo's sweep spec as a dict (``list`` mode): every dataset of
    :func:`demo_datasets` x every D x every seed, each run ``settings.steps`` steps."""
    datasets = demo_datasets(processes)
    n_events = max(settings.d_values) + settings.n_val + settings.n_test
    points = [(f"@{name}", ds["process"], d, seed) for name, ds in datasets.items()
              for d in settings.d_values for seed in settings.seeds]
    dataset, process, n_train, seed = (list(column) for column in zip(*points, strict=True))
    return {
        "name": "demo-amplitudes",
        "datasets": {name: {**ds, "n": n_events} for name, ds in datasets.items()},
        "base": {
            "device": "cpu",
            "task": {"kind": "amplitude_regression", "n_val": settings.n_val,
                     "n_test": settings.n_test},
            "model": {"family": "mlp", "width": settings.width, "depth": settings.depth},
            "loss": "mse",
            "train": {"batch_size": settings.batch_size, "lr": 2.0e-3, "schedule": "cosine",
                      "warmup_steps": 100, "eval_every": settings.eval_every,
                      "steps": settings.steps},
        },
        "mode": "list",
        "axes": {"task.dataset": dataset, "task.process": process, "task.n_train": n_train,
                 "seed": seed},
    }


@dataclass(frozen=True)
class DemoResult:
    """What the demo produced: the sweep outcome (``SweepResult``) and the report (``Report``,
    with the per-process fits of :data:`DEMO_METRIC` in ``report.fits["D"]``)."""

    out: Path
    sweep: Any
    report: Any


def run_demo(out: str | os.PathLike, *, settings: DemoSettings = DemoSettings(),
             processes: list[str] | None = None, workers: int | None = None,
             bootstrap: int = 200, progress: bool | None = None) -> DemoResult:
    """Run the demo into ``out`` (resumable: finished runs are kept) for ``processes``
    (default: those of :data:`DEMO_DATASETS`).

    Writes ``out/demo_sweep.yaml`` (re-runnable with ``hepscaling sweep run``), the sweep in
    ``out/sweep/`` and the report of :data:`DEMO_METRIC` in ``out/report/``.
    """
    from hepscaling.report.build import build_report
    from hepscaling.sweeps import LocalExecutor, parse_spec, run_sweep

    out = Path(out)
    spec_dict = demo_spec(settings, processes)
    atomic_write_text(out / "demo_sweep.yaml", yaml.safe_dump(spec_dict, sort_keys=False))
    spec = parse_spec(spec_dict, source="demo sweep spec")
    with LocalExecutor(workers) as executor:
        sweep_result = run_sweep(spec, out / "sweep", executor=executor, progress=progress)
    report = build_report(out / "sweep", out / "report", metric=DEMO_METRIC, law="power",
                          floor=True, bootstrap=bootstrap, holdout=1)
    return DemoResult(out, sweep_result, report)
