"""Benchmark: sweep overhead per run and parallel efficiency of the local and Dask executors.

Part 1, overhead per run: a sweep of equal tiny trainings (MLP 16x2, 20 steps) on warm workers;
the overhead is the sweep's wall time per run minus the training loop's own wall time
(``record.wall_time``): dispatch, config validation, dataset load, model build, log and record
writes. A no-op run function (writes its record, trains nothing) isolates the sweep machinery.
Cold start (the first run on fresh workers: forkserver, imports) is reported separately.

Part 2, parallel efficiency ``E = wall(1 worker) / (2 x wall(2 workers))`` for the same set of
equal runs (MLP 64x3, D = 1000, 300 steps, one torch thread per worker), on warm workers, for
the local executor and a Dask LocalCluster. Both sides are measured in the same run, alternating
1 and 2 workers; the best wall of each counts.

The machine's load average is recorded: other processes on the cores lower E. The ceiling E
of the machine at the time (two pure-Python busy loops, serial vs two processes) is measured
between the repeats, for comparison.

Run:  .venv/bin/python benchmarks/bench_sweeps.py [--runs 8] [--repeats 2]
Writes benchmarks/results/sweeps.json and benchmarks/results/sweeps.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

from _common import markdown_table, run_meta, write_results
from hepscaling.data.amplitudes import generate_amplitudes
from hepscaling.provenance import code_version
from hepscaling.records import RunRecord, config_hash, load_records, utc_now
from hepscaling.records import write_record as _write_record
from hepscaling.sweeps import DaskExecutor, LocalExecutor, dask_client, parse_spec, run_sweep

PROCESS, SQRT_S = "g g > t t~ g", 1000.0


def noop_run(config: dict, run_dir: Path) -> RunRecord:
    """A run function that trains nothing: one record write, like a finished run."""
    record = RunRecord(run_id=config_hash(config), status="done", config=config,
                       code_version=code_version(), seed=config["seed"], finished_at=utc_now())
    _write_record(record, run_dir)
    return record


def _burn(n: int = 20_000_000) -> None:
    """Pure-Python CPU work, no memory traffic."""
    total = 0
    for i in range(n):
        total += i


def machine_ceiling() -> float:
    """E of the machine itself right now: two busy loops run serially vs in 2 processes."""
    start = time.perf_counter()
    _burn()
    _burn()
    serial = time.perf_counter() - start
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_burn) for _ in range(2)]
    start = time.perf_counter()
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    return serial / (2 * (time.perf_counter() - start))


def _spec(dataset: Path, *, width: int, depth: int, n_train: int, steps: int, runs: int):
    return parse_spec({
        "base": {"device": "cpu",
                 "task": {"kind": "amplitude_regression", "dataset": str(dataset),
                          "n_train": n_train, "n_val": 500, "n_test": 500},
                 "model": {"family": "mlp", "width": width, "depth": depth},
                 "train": {"steps": steps, "batch_size": 128, "warmup_steps": 10,
                           "eval_every": steps}},
        "axes": {"seed": list(range(runs))},
    })


def _sweep(spec, out: Path, executor, **kw) -> tuple[float, list[RunRecord]]:
    start = time.perf_counter()
    result = run_sweep(spec, out, executor=executor, progress=False, **kw)
    wall = time.perf_counter() - start
    if result.counts["done"] != result.planned:
        raise RuntimeError(f"benchmark sweep did not finish: {result.counts} {result.failures}")
    return wall, load_records(out / "runs")


def overhead(dataset: Path, work: Path, runs: int) -> dict:
    """Part 1: per-run overhead of real tiny runs and of no-op runs, one warm worker."""
    tiny = dict(width=16, depth=2, n_train=500, steps=20, runs=runs)
    with LocalExecutor(1, threads=1) as executor:
        cold, _ = _sweep(_spec(dataset, **{**tiny, "runs": 1}), work / "cold", executor)
        wall, records = _sweep(_spec(dataset, **tiny), work / "tiny", executor)
        train = sum(r.wall_time for r in records)
        noop, _ = _sweep(_spec(dataset, **tiny), work / "noop", executor,
                         run_fn=noop_run)
    return {"runs": runs, "cold_start_s": cold, "sweep_wall_s": wall,
            "training_loop_s": train, "overhead_per_run_s": (wall - train) / runs,
            "noop_per_run_s": noop / runs}


def efficiency(dataset: Path, work: Path, runs: int, repeats: int) -> dict:
    """Part 2: E = wall(1) / (2 wall(2)) on warm workers, local and Dask; the 1- and 2-worker
    sweeps alternate ``repeats`` times and the best wall of each counts (other load drifts)."""
    job = dict(width=64, depth=3, n_train=1000, steps=300, runs=runs)
    walls: dict[str, dict[int, list[float]]] = {"local": {1: [], 2: []}, "dask": {1: [], 2: []}}
    ceilings = []
    for rep in range(repeats):
        ceilings.append(machine_ceiling())
        for n in (1, 2):
            with LocalExecutor(n, threads=1) as executor:
                _sweep(_spec(dataset, **{**job, "runs": n}), work / f"wl{n}-{rep}", executor)
                walls["local"][n].append(_sweep(_spec(dataset, **job), work / f"l{n}-{rep}",
                                                executor)[0])
            with dask_client(workers=n) as client:
                executor = DaskExecutor(client)
                _sweep(_spec(dataset, **{**job, "runs": n}), work / f"wd{n}-{rep}", executor)
                walls["dask"][n].append(_sweep(_spec(dataset, **job), work / f"d{n}-{rep}",
                                               executor)[0])
    ceilings.append(machine_ceiling())
    result: dict = {name: {"runs": runs, "repeats": repeats, "wall_1_worker_s": min(w[1]),
                           "wall_2_workers_s": min(w[2]),
                           "efficiency": min(w[1]) / (2 * min(w[2])), "all_walls_s": w}
                    for name, w in walls.items()}
    result["machine_ceiling"] = {"efficiency": max(ceilings), "all": ceilings}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="equal runs per timed sweep")
    parser.add_argument("--repeats", type=int, default=2, help="alternations of 1 and 2 workers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dataset = generate_amplitudes(work / "data.h5", PROCESS, 3000, SQRT_S, 1,
                                      progress=False)
        load_before = os.getloadavg()
        part1 = overhead(dataset, work, args.runs)
        part2 = efficiency(dataset, work, args.runs, args.repeats)
        load_after = os.getloadavg()
    results = {**run_meta(), "cores": os.cpu_count(),
               "load_average_1min": [load_before[0], load_after[0]],
               "overhead": part1, "efficiency": part2}
    write_results("sweeps", results, markdown(results))
    print(markdown(results))


def markdown(r: dict) -> str:
    """The overhead and parallel-efficiency tables of ``r``, with the machine ceiling."""
    o, e = r["overhead"], r["efficiency"]
    lines = [
        "# Sweep benchmark",
        "",
        f"code {r['code_version']}, {r['cores']} cores, 1-min load average "
        f"{r['load_average_1min'][0]:.1f} -> {r['load_average_1min'][1]:.1f}",
        "",
        "## Overhead per run (one warm worker; target < 1 s)",
        "",
        *markdown_table(["quantity", "seconds"], [
            ["overhead per real run (sweep wall - training loop) / runs",
             f"{o['overhead_per_run_s']:.3f}"],
            ["no-op run function, per run", f"{o['noop_per_run_s']:.3f}"],
            ["cold start (first run on a fresh pool)", f"{o['cold_start_s']:.2f}"]]),
        "",
        "## Parallel efficiency E = wall(1) / (2 wall(2)) (warm workers; target >= 0.8)",
        "",
        *markdown_table(
            ["executor", "runs", "best wall 1 worker (s)", "best wall 2 workers (s)", "E"],
            ([name, str(e[name]["runs"]), f"{e[name]['wall_1_worker_s']:.2f}",
              f"{e[name]['wall_2_workers_s']:.2f}", f"{e[name]['efficiency']:.2f}"]
             for name in ("local", "dask"))),
    ]
    ceiling = e["machine_ceiling"]["efficiency"]
    lines += ["", f"Machine ceiling in the same run (two pure-Python busy loops, serial vs 2 "
              f"processes, best of {len(e['machine_ceiling']['all'])}): E = {ceiling:.2f}; "
              f"local / ceiling = {e['local']['efficiency'] / ceiling:.2f}, dask / ceiling = "
              f"{e['dask']['efficiency'] / ceiling:.2f}."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
