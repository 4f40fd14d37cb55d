"""Time ``hepscaling demo`` of whichever hepscaling is on ``PYTHONPATH`` (one version per process).

Run by ``bench_sweep_throughput.py --demo`` in a subprocess, once per code version, so that
each version runs with its own defaults (demo spec, worker layout) and the caller's
environment (no thread limits set here). Imports only what every version of the demo has:
:func:`hepscaling.demo.run_demo`, :func:`hepscaling.demo.demo_spec`,
:func:`hepscaling.sweeps.run_sweep`, :func:`hepscaling.sweeps.runner.make_datasets`,
:func:`hepscaling.report.build.build_report`.

``python _demo_timing.py data OUT``: generate the demo's datasets into ``OUT/sweep/data``
(the JSON also holds the demo's sweep spec, ``spec``).
``python _demo_timing.py demo OUT [--workers N] [--steps S]``: run the demo into ``OUT`` (as
``hepscaling demo --out OUT --no-progress [--workers N]``; ``--steps``: every run ``S`` steps
with an evaluation every ``S // 12``, as the demo's 6000 and 500), with ``run_sweep`` and
``build_report`` wrapped in timers.
Either prints one JSON line on stdout: the wall seconds of each phase, from the process's first
line (``import_s``: importing hepscaling), ``cpu_s``: the CPU seconds (user + system) of this
process (``own_cpu_s``) and all its workers, and the code's version.
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import psutil  # noqa: E402

import hepscaling.report.build  # noqa: E402
import hepscaling.sweeps  # noqa: E402
from hepscaling.demo import DemoSettings, demo_spec, run_demo  # noqa: E402
from hepscaling.provenance import code_version  # noqa: E402
from hepscaling.sweeps import parse_spec  # noqa: E402
from hepscaling.sweeps.runner import make_datasets  # noqa: E402

IMPORTED = time.perf_counter()


def _timed(function: Callable, phases: dict[str, float], name: str) -> Callable:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            phases[name] = time.perf_counter() - start

    return wrapper


class DescendantsCPU:
    """CPU seconds (user + system) of this process's descendants, sampled every ``interval``
    seconds on a thread (the workers are the forkserver's children, whose exits this process
    never reaps, so ``RUSAGE_CHILDREN`` misses them); each process counts with its last sample,
    so up to ``interval`` per process is missed."""

    def __init__(self, interval: float = 0.5) -> None:
        self.last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(interval,), daemon=True)
        self._thread.start()

    def _sample(self, interval: float) -> None:
        while not self._stop.wait(interval):
            for child in psutil.Process().children(recursive=True):
                try:
                    times = child.cpu_times()
                except psutil.Error:
                    continue
                self.last[child.pid] = times.user + times.system

    def seconds(self) -> float:
        """Stop sampling; the CPU seconds seen."""
        self._stop.set()
        self._thread.join()
        return sum(self.last.values())


def main(mode: str, out: Path, workers: int | None, steps: int | None) -> dict[str, Any]:
    """Run ``mode`` (``data``, or ``demo`` on ``workers`` workers with ``steps`` steps per run;
    None: the demo's defaults) into ``out``; the timing of its phases."""
    phases: dict[str, Any] = {"import_s": IMPORTED - START}
    descendants = DescendantsCPU()
    if mode == "data":
        start = time.perf_counter()
        make_datasets(parse_spec(demo_spec()), out / "sweep")
        phases["data_s"] = time.perf_counter() - start
        phases["spec"] = demo_spec()
    else:
        # run_demo imports these two at call time, so the timers wrap the calls it makes
        hepscaling.sweeps.run_sweep = _timed(hepscaling.sweeps.run_sweep, phases, "sweep_s")
        hepscaling.report.build.build_report = _timed(hepscaling.report.build.build_report,
                                                      phases, "report_s")
        settings = DemoSettings(steps=steps, eval_every=max(1, steps // 12)) if steps else \
            DemoSettings()
        result = run_demo(out, settings=settings, workers=workers, progress=False)
        phases["runs_done"] = result.sweep.counts["done"]
    phases["total_s"] = time.perf_counter() - START
    own = time.process_time()
    phases.update(cpu_s=own + descendants.seconds(), own_cpu_s=own)
    return {**phases, "code_version": code_version()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("data", "demo"))
    parser.add_argument("out", type=Path)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--steps", type=int, default=None)
    args = parser.parse_args()
    print(json.dumps(main(args.mode, args.out, args.workers, args.steps)))
