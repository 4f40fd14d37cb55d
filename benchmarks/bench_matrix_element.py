"""Benchmark: |M|^2 evaluations per second on one core, per process (tree level and loop-induced).

For each process of the amplitude-surrogate study, generates a batch of phase-space points at
sqrt(s) = 1 TeV with mild cuts (timed separately), builds the matrix element (timed
separately), then times evaluations of the whole batch (the fastest of ``--repeat``). Rates are
points per second of wall time and of process CPU time, with every numerical library forced to
a single thread. The MadGraph standalone (Fortran) rates per core quoted in the issue are listed
beside ours.

Run:  .venv/bin/python benchmarks/bench_matrix_element.py [--n 100000] [--process "u u~ > z g"]
Writes benchmarks/results/matrix_element.json and benchmarks/results/matrix_element.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before numpy is imported)
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from _common import markdown_table, run_meta, write_results  # noqa: E402
from hepscaling.physics.matrix_element import matrix_element  # noqa: E402
from hepscaling.physics.phase_space import Cuts, phase_space  # noqa: E402

PROCESSES = [
    "e+ e- > mu+ mu-",
    "u u~ > a a",
    "u u~ > z g",
    "u u~ > z g g",
    "g g > a a [noborn=QCD]",  # loop-induced (quark box), next to the tree-level z g g
    "g g > a a g [noborn=QCD]",  # loop-induced (quark pentagon), with its stability check
    "u u~ > z g g g",
    "u u~ > t t~ h",
    "u d~ > w+ z",
    "u d~ > w+ z g",
    "u d~ > w+ z g g",
    "u u~ > w+ w- z",
    "g g > g g g",
]
# MadGraph standalone Fortran, points per second per core, as quoted in the issue.
MADGRAPH_RATE = {
    "u u~ > t t~ h": 8e5,
    "u u~ > z g": 4e5,
    "u u~ > z g g": 6e4,
    "u u~ > z g g g": 8e3,
    "g g > g g g": 1.3e4,
}
SQRT_S = 1000.0
CUTS = Cuts(pt_min=20.0, delta_r_min=0.4)
SEED = 12345


def _single_thread_torch() -> None:
    """If the engine pulled in torch, pin it to one thread as well."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def _timed(func, *args, **kwargs):
    """``(result, wall seconds, cpu seconds)`` of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def bench_process(process: str, n: int, repeat: int) -> dict:
    """Time phase-space generation, matrix-element construction and evaluation (best of
    ``repeat`` evaluations of the whole batch) for one process."""
    momenta, ps_wall, ps_cpu = _timed(phase_space, process, n, SQRT_S, SEED, CUTS)
    func, build_wall, _ = _timed(matrix_element, process)
    _single_thread_torch()
    func(momenta[:100])  # warm-up: lazy set-up, caches
    runs = [_timed(func, momenta) for _ in range(repeat)]
    me2 = runs[0][0]
    me_wall, me_cpu = min(r[1] for r in runs), min(r[2] for r in runs)
    if not np.all(np.isfinite(me2)) or np.any(me2 < 0):
        raise SystemExit(f"{process}: |M|^2 has non-finite or negative values")
    row = {
        "process": process,
        "n": n,
        "phase_space_seconds_wall": ps_wall,
        "phase_space_seconds_cpu": ps_cpu,
        "phase_space_points_per_s": n / ps_cpu,
        "build_seconds": build_wall,
        "me_seconds_wall": me_wall,
        "me_seconds_cpu": me_cpu,
        "me_seconds_cpu_all_runs": [r[2] for r in runs],
        "me_points_per_s_wall": n / me_wall,
        "me_points_per_s_cpu": n / me_cpu,
        "madgraph_points_per_s": MADGRAPH_RATE.get(process),
    }
    if row["madgraph_points_per_s"]:
        row["ratio_to_madgraph_cpu"] = row["me_points_per_s_cpu"] / row["madgraph_points_per_s"]
    return row


def markdown(rows: list[dict], meta: dict) -> str:
    """A short markdown table of the rates."""
    header = ["process", "phase space", "build (s)", "our \\|M\\|^2", "MadGraph",
              "ours / MadGraph"]
    table = markdown_table(header, ([
        f"`{r['process']}`", f"{r['phase_space_points_per_s']:.3g}", f"{r['build_seconds']:.2f}",
        f"{r['me_points_per_s_cpu']:.3g} ({r['me_points_per_s_wall']:.3g})",
        f"{r['madgraph_points_per_s']:.2g}" if r["madgraph_points_per_s"] else "-",
        f"{r['ratio_to_madgraph_cpu']:.2g}" if r["madgraph_points_per_s"] else "-",
    ] for r in rows), align="lrrrrr")
    lines = [
        "# Matrix-element speed (one core)",
        "",
        f"{meta['n']} points per process (best of {meta['repeat']} evaluations) at "
        f"sqrt(s) = {SQRT_S:g} GeV, cuts "
        f"{CUTS.model_dump(exclude_defaults=True)}, seed {SEED}; code {meta['code_version']}; "
        "all numerical libraries limited to one thread. Rates in points per second of process "
        "CPU time (wall time in brackets; the machine's load average was "
        f"{meta['load_average_1_5_15'][0]:.1f} on {os.cpu_count()} cores, so wall time "
        "includes waiting for a core). MadGraph: standalone Fortran rates quoted in the "
        "issue, measured elsewhere, so the ratio compares different machines.",
        "",
        *table,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="points per process")
    parser.add_argument("--repeat", type=int, default=3,
                        help="evaluations of the batch per process; the fastest counts")
    parser.add_argument("--process", action="append", help="only these processes (repeatable)")
    args = parser.parse_args()
    rows = []
    for process in args.process or PROCESSES:
        row = bench_process(process, args.n, args.repeat)
        print(f"{process:20s} ME {row['me_points_per_s_cpu']:10.4g}/s cpu "
              f"({row['me_points_per_s_wall']:.4g}/s wall)  PS "
              f"{row['phase_space_points_per_s']:.4g}/s  build {row['build_seconds']:.2f} s",
              flush=True)
        rows.append(row)
    meta = {"n": args.n, "repeat": args.repeat, "sqrt_s": SQRT_S, "cuts": CUTS.model_dump(),
            "seed": SEED, "threads": 1, **run_meta()}
    write_results("matrix_element", {"meta": meta, "results": rows}, markdown(rows, meta))


if __name__ == "__main__":
    main()
