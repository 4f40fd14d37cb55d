"""Benchmark: phase-space points per second on one core, and end-to-end dataset generation.

Part 1 times RAMBO alone (massless and massive final states, 2 -> 2 to 2 -> 5) and with
generation cuts (rejection and refill included). Part 2 times ``generate_amplitudes`` end to
end — phase space, |M|^2 from our engine, chunked compressed HDF5 writing and the final
assembly — for ``u u~ > t t~ h`` at 1 TeV, and splits the time into its parts measured side by
side in the same run. Every numerical library is forced to a single thread.

Run:  .venv/bin/python benchmarks/bench_phase_space.py [--n 200000] [--n-dataset 100000]
Writes benchmarks/results/phase_space.json and benchmarks/results/phase_space.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before numpy is imported)
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from _common import markdown_table, run_meta, write_results  # noqa: E402
from hepscaling.data.amplitudes import generate_amplitudes  # noqa: E402
from hepscaling.physics.matrix_element import matrix_element  # noqa: E402
from hepscaling.physics.phase_space import Cuts, phase_space, rambo  # noqa: E402

MT, MH = 173.0, 125.0
RAMBO_CASES = [  # (label, final-state masses)
    ("2->2 massless", [0.0, 0.0]),
    ("2->3 massless", [0.0, 0.0, 0.0]),
    ("2->5 massless", [0.0] * 5),
    ("2->3 t t~ h", [MT, MT, MH]),
    ("2->5 t t~ + 3 massless", [MT, MT, 0.0, 0.0, 0.0]),
]
CUT_CASES = [  # (process, sqrt_s, cuts)
    ("u u~ > g g", 1000.0, Cuts(pt_min=20.0, eta_max=2.5)),
    ("u u~ > g g g", 1000.0, Cuts(pt_min=20.0, eta_max=2.5, delta_r_min=0.4)),
    ("u u~ > g g g g g", 1000.0, Cuts(pt_min=20.0, eta_max=2.5, delta_r_min=0.4)),
]
DATASET = ("u u~ > t t~ h", 1000.0)


def _timed(function, repeat: int = 3) -> tuple[float, float, object]:
    """Best wall and CPU seconds of ``repeat`` calls, and the last result."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, result


def bench_rambo(n: int) -> list[dict]:
    rows = []
    for label, masses in RAMBO_CASES:
        rng = np.random.default_rng(0)
        wall, cpu, _ = _timed(lambda masses=masses, rng=rng: rambo(n, 1000.0, masses, rng))
        rows.append({"case": label, "cuts": "none", "n": n, "efficiency": 1.0,
                     "points_per_s": n / wall, "points_per_cpu_s": n / cpu})
    for process, sqrt_s, cuts in CUT_CASES:
        wall, cpu, _ = _timed(lambda p=process, s=sqrt_s, c=cuts: phase_space(p, n, s, 0, c))
        efficiency = _efficiency(process, sqrt_s, cuts)
        rows.append({"case": process, "cuts": cuts.model_dump(exclude_defaults=True), "n": n,
                     "efficiency": efficiency, "points_per_s": n / wall,
                     "points_per_cpu_s": n / cpu})
    return rows


def _efficiency(process: str, sqrt_s: float, cuts: Cuts) -> float:
    from hepscaling.physics.phase_space import sample
    from hepscaling.physics.process import resolve_process

    proc = resolve_process(process)
    ps = sample(proc.masses, proc.n_initial, 20_000, sqrt_s, np.random.default_rng(1), cuts)
    return ps.efficiency


def bench_dataset(n: int) -> dict:
    process, sqrt_s = DATASET
    me2 = matrix_element(process)
    run_meta()  # one-off provenance costs (torch import, git) paid up front
    ps_wall, ps_cpu, momenta = _timed(lambda: phase_space(process, n, sqrt_s, 0), repeat=1)
    me_wall, me_cpu, values = _timed(lambda: me2(momenta), repeat=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tth.h5"
        wall, cpu = time.perf_counter(), time.process_time()
        generate_amplitudes(path, process, n, sqrt_s, seed=1, chunk_size=50_000,
                            progress=False)
        total_wall, total_cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = path.stat().st_size
    return {"process": process, "sqrt_s": sqrt_s, "n": n, "seconds": total_wall,
            "events_per_s": n / total_wall, "events_per_cpu_s": n / total_cpu,
            "phase_space_s": ps_wall, "matrix_element_s": me_wall,
            "io_and_rest_s": total_wall - ps_wall - me_wall,
            "phase_space_cpu_s": ps_cpu, "matrix_element_cpu_s": me_cpu,
            "io_and_rest_cpu_s": total_cpu - ps_cpu - me_cpu,
            "bytes_per_event": size / n, "mean_me2": float(np.mean(values))}


def _cuts_text(cuts: str | dict) -> str:
    return cuts if isinstance(cuts, str) else ", ".join(f"{k}={v}" for k, v in cuts.items())


def markdown(result: dict) -> str:
    """The two markdown tables of ``result`` (RAMBO cases; the end-to-end dataset)."""
    d = result["dataset"]
    lines = [
        "# Phase-space generation (one core)", "",
        *markdown_table(
            ["case", "cuts", "cut efficiency", "points/s (wall)", "points/s (CPU)"],
            ([row["case"], _cuts_text(row["cuts"]), f"{row['efficiency']:.2f}",
              f"{row['points_per_s']:.3g}", f"{row['points_per_cpu_s']:.3g}"]
             for row in result["phase_space"])),
        "", f"# End to end: `hepscaling data amplitudes` for {d['process']} at "
        f"{d['sqrt_s']:g} GeV", "",
        *markdown_table(
            ["events", "events/s (wall)", "events/s (CPU)", "CPU s: phase space", "\\|M\\|^2",
             "HDF5 + rest", "bytes/event"],
            [[str(d["n"]), f"{d['events_per_s']:.3g}", f"{d['events_per_cpu_s']:.3g}",
              f"{d['phase_space_cpu_s']:.2f}", f"{d['matrix_element_cpu_s']:.2f}",
              f"{d['io_and_rest_cpu_s']:.2f}", f"{d['bytes_per_event']:.0f}"]]),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="points per phase-space case")
    parser.add_argument("--n-dataset", type=int, default=100_000,
                        help="events in the end-to-end dataset")
    args = parser.parse_args()
    rambo_rows = bench_rambo(args.n)
    dataset = bench_dataset(args.n_dataset)
    result = {**run_meta(), "threads": 1, "phase_space": rambo_rows, "dataset": dataset}
    write_results("phase_space", result, markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
