"""Benchmark: loop-induced |M|^2 evaluations per CPU second next to the tree-level u u~ > z g g.

Same set-up as ``bench_matrix_element.py`` (its phase space, cuts, seed and timing, one
thread): ``u u~ > z g g`` (tree level), ``g g > a a [noborn=QCD]`` (quark box) and
``g g > a a g [noborn=QCD]`` (quark pentagons, photons summed) with its default stability check
(only the points whose smallest ``s_ij / s_hat`` is below the risk threshold evaluated a second
time, on a rotated copy), with the full check (every point evaluated twice) and without a check.
Also records how many points the default check found at risk and how many it repaired. Target
(issue 15): >= 1e4 points per CPU second for ``g g > a a g``.

Run:  .venv/bin/python benchmarks/bench_loop_induced.py [--n 20000]
Writes benchmarks/results/loop_induced.json and benchmarks/results/loop_induced.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before numpy is imported)
import math  # noqa: E402
from typing import Any  # noqa: E402

from _common import markdown_table, run_meta, write_results  # noqa: E402
from bench_matrix_element import CUTS, SEED, SQRT_S, _timed, bench_process  # noqa: E402
from hepscaling.physics.loop_induced import AT_RISK_BELOW, LoopInducedMatrixElement  # noqa: E402
from hepscaling.physics.phase_space import phase_space  # noqa: E402
from hepscaling.physics.process import resolve_process  # noqa: E402

TREE, BOX, PENTAGON = "u u~ > z g g", "g g > a a [noborn=QCD]", "g g > a a g [noborn=QCD]"
TARGET = 1e4  # points per CPU second for g g > a a g (issue 15)


def bench_variant(n: int, repeat: int, label: str, **options: Any) -> dict:
    """``g g > a a g`` with other stability-check ``options`` of
    :class:`LoopInducedMatrixElement`, labelled ``label``."""
    momenta = phase_space(PENTAGON, n, SQRT_S, SEED, CUTS)
    me = LoopInducedMatrixElement(resolve_process(PENTAGON), **options)
    me(momenta[:100])
    cpu = min(_timed(me, momenta)[2] for _ in range(repeat))
    return {"process": f"{PENTAGON} ({label})", "n": n, "me_seconds_cpu": cpu,
            "me_points_per_s_cpu": n / cpu}


def bench_check_counts(n: int) -> dict[str, int]:
    """Points of the benchmark batch that the default stability check found at risk
    (re-evaluated) and unstable (repaired)."""
    momenta = phase_space(PENTAGON, n, SQRT_S, SEED, CUTS)
    result = LoopInducedMatrixElement(resolve_process(PENTAGON)).evaluate(momenta)
    return {"at_risk_points": int(result.at_risk.sum()),
            "unstable_points": int(result.unstable.sum())}


def markdown(rows: list[dict], meta: dict) -> str:
    """The rates as a markdown table."""
    table = markdown_table(["process", "points / CPU s", "target"], ([
        f"`{r['process']}`", f"{r['me_points_per_s_cpu']:.3g}",
        f"{TARGET:.0e}" if r["process"].startswith(PENTAGON) else "-"] for r in rows),
        align="lrr")
    lines = [
        "# Loop-induced matrix elements: speed (one core)",
        "",
        f"{meta['n']} points per process (best of {meta['repeat']}) at sqrt(s) = {SQRT_S:g} GeV, "
        f"cuts {CUTS.model_dump(exclude_defaults=True)}, seed {SEED}; code "
        f"{meta['code_version']}; one thread. Load average during the run "
        f"{meta['load_average_1_5_15'][0]:.1f} on {os.cpu_count()} cores (a loaded machine "
        "lowers the CPU-time rates too: shared caches). The default stability check "
        f"re-evaluated the {meta['at_risk_points']} of the {meta['n']} `g g > a a g` points with "
        f"min s_ij / s_hat < {AT_RISK_BELOW:g} on a rotated copy and repaired "
        f"{meta['unstable_points']}; the points above the threshold are evaluated once (their "
        "double-precision error, measured against 40-digit mpmath: `loop_induced_accuracy.md`).",
        "",
        *table,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="points per process")
    parser.add_argument("--repeat", type=int, default=3,
                        help="evaluations of the batch per process; the fastest counts")
    args = parser.parse_args()
    rows = [bench_process(process, args.n, args.repeat) for process in (TREE, BOX, PENTAGON)]
    rows.append(bench_variant(args.n, args.repeat, "full stability check",
                              at_risk_below=math.inf))
    rows.append(bench_variant(args.n, args.repeat, "no stability check",
                              check_stability=False))
    for row in rows:
        print(f"{row['process']:45s} {row['me_points_per_s_cpu']:10.4g} points / CPU s",
              flush=True)
    meta = {"n": args.n, "repeat": args.repeat, "sqrt_s": SQRT_S, "cuts": CUTS.model_dump(),
            "seed": SEED, "threads": 1, **bench_check_counts(args.n),
            **run_meta()}
    write_results("loop_induced", {"meta": meta, "results": rows}, markdown(rows, meta))


if __name__ == "__main__":
    main()
