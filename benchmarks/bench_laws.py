"""Benchmark: wall time of the scaling-law fits with bootstrap intervals.

Times ``fit_power_law`` (with and without floor), ``fit_ceiling`` and ``fit_joint`` on
synthetic noisy data with 200 bootstrap replicates (the CLI default), best of ``--repeat``
runs, and the floor fit once more with multi-threaded BLAS (no ``threadpoolctl`` limit) to
show why the fits pin BLAS to one thread.

Run:  .venv/bin/python benchmarks/bench_laws.py [--bootstrap 200] [--repeat 3]
Writes benchmarks/results/laws.json and .md.
"""

from __future__ import annotations

import argparse
import time
from unittest import mock

import numpy as np

from _common import markdown_table, run_meta, write_results
from hepscaling.laws import fit_ceiling, fit_joint, fit_power_law, joint_law, power_law


def _cases(rng: np.random.Generator) -> dict:
    x = np.logspace(2, 6, 10)
    noise = np.exp(0.03 * rng.normal(size=10))
    n = np.repeat(np.logspace(5, 8, 4), 4)
    d = np.tile(np.logspace(6, 9, 4), 4)
    loss = joint_law(n, d, 1.7, 400.0, 0.34, 1e3, 0.28) * np.exp(0.01 * rng.normal(size=16))
    return {
        "power, floor (10 runs)": lambda b: fit_power_law(x, power_law(x, 300, 0.5, 1e-3) * noise,
                                                          bootstrap=b),
        "power, no floor (10 runs)": lambda b: fit_power_law(x, power_law(x, 300, 0.5) * noise,
                                                             floor=False, bootstrap=b),
        "ceiling (10 runs)": lambda b: fit_ceiling(x, 1 - (0.015 + 0.6 * x ** -0.25) * noise,
                                                   bootstrap=b),
        "joint (16 runs)": lambda b: fit_joint(n, d, loss, bootstrap=b),
    }


def _best(fn, bootstrap: int, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(bootstrap)
        times.append(time.perf_counter() - t0)
    return min(times)


def markdown(result: dict) -> str:
    """The fit times of ``result`` as a markdown table, and the BLAS-pinning comparison."""
    threaded, pinned = result["floor_fit_multithreaded_blas_seconds"], result["rows"][0]["seconds"]
    lines = [f"# Scaling-law fits, {result['bootstrap']} bootstrap replicates (best of "
             f"{result['repeat']})", "",
             *markdown_table(["fit", "seconds"],
                             ([r["fit"], f"{r['seconds']:.2f}"] for r in result["rows"])),
             "", f"Floor fit with multi-threaded BLAS: {threaded:.2f} s "
             f"({threaded / pinned:.1f}x slower than pinned to one thread, same run)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cases = _cases(np.random.default_rng(0))
    rows = [{"fit": name, "seconds": _best(fn, args.bootstrap, args.repeat)}
            for name, fn in cases.items()]
    floor = cases["power, floor (10 runs)"]
    with mock.patch("hepscaling.laws.fit.single_threaded_blas"):
        threaded = _best(floor, args.bootstrap, args.repeat)
    pinned = rows[0]["seconds"]
    result = {"bootstrap": args.bootstrap, "repeat": args.repeat, "rows": rows,
              "floor_fit_multithreaded_blas_seconds": threaded,
              "blas_pinning_speedup": threaded / pinned,
              **run_meta()}
    write_results("laws", result, markdown(result))
    print(markdown(result), end="")


if __name__ == "__main__":
    main()
