"""Benchmark: Z -> mu mu + jets events per CPU second, and the pipeline's overhead over Pythia.

``generate_events`` runs end to end in this process (Pythia 8 Drell-Yan events, the Z's
muons, FastJet anti-kT R = 0.4 jets, overlap removal and Delta R veto, part files and HDF5
writing) while timers wrapped around Pythia (``init`` and ``nextBatch``), the selection (of
that, FastJet's clustering separately) and storage (part files, assembly) record CPU time. The
overhead is the CPU time outside Pythia over the CPU time inside Pythia (target: below 15%).
Rates are per CPU second (``process_time``), since the machine may be shared; every
numerical library is forced to one thread.

Run:  .venv/bin/python benchmarks/bench_events.py [--n 5000] [--mpi]
Writes benchmarks/results/events.json and benchmarks/results/events.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before numpy is imported)
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import hepscaling.data.chunks as chunks  # noqa: E402
import hepscaling.physics.events.generate as generate  # noqa: E402
import hepscaling.physics.events.selection as selection  # noqa: E402
from _common import CPU, TimedPythia, cpu_timed, markdown_table, run_meta, write_results  # noqa: E402
from hepscaling.data.events import generate_events, read_provenance  # noqa: E402
from hepscaling.physics.events import DrellYanSpec  # noqa: E402


def _install_timers() -> None:
    make_pythia = cpu_timed("pythia_init", generate.make_pythia)
    generate.make_pythia = lambda spec, seed: TimedPythia(make_pythia(spec, seed))
    generate.select = cpu_timed("selection", generate.select)
    selection.clustering.cluster = cpu_timed("antikt", selection.clustering.cluster)
    chunks.Parts.save = cpu_timed("storage", chunks.Parts.save)
    chunks.Parts.assemble = cpu_timed("storage", chunks.Parts.assemble)


def bench(n: int, seed: int, spec: DrellYanSpec, chunk_size: int) -> dict:
    """One run of ``n`` kept events in this process; CPU times by part, rates, counts."""
    CPU.clear()
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), time.process_time()
        path = generate_events(Path(tmp) / "z.h5", n, seed, spec=spec, chunk_size=chunk_size,
                               progress=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        counts = read_provenance(path)["counts"]
        size = path.stat().st_size
    pythia = CPU["pythia_init"] + CPU["pythia_events"]
    generated = counts["generated"]
    return {"mpi": spec.mpi, "qed_muons": spec.qed_muons, "kept": n, "chunk_size": chunk_size,
            "counts": counts, "wall_s": wall, "cpu_s": cpu,
            "pythia_init_cpu_s": CPU["pythia_init"], "pythia_events_cpu_s": CPU["pythia_events"],
            "selection_cpu_s": CPU["selection"], "antikt_cpu_s": CPU["antikt"],
            "storage_cpu_s": CPU["storage"],
            "other_cpu_s": cpu - pythia - CPU["selection"] - CPU["storage"],
            "overhead_vs_pythia": (cpu - pythia) / pythia,
            "pythia_alone_per_cpu_s": generated / pythia,
            "drell_yan_per_cpu_s": generated / cpu,
            "kept_per_cpu_s": n / cpu,
            "per_cpu_s_by_jets": {str(k): counts[f"jets_{k}"] / cpu for k in (1, 2, 3)},
            "fraction_by_jets": {key.removeprefix("jets_"): counts[key] / generated
                                 for key in counts if key.startswith("jets_")},
            "fraction_vetoed": counts["vetoed"] / generated, "bytes_per_event": size / n}


def _markdown(result: dict) -> str:
    rows = result["rows"]
    lines = ["# Z -> mu mu + jets generation (one core, CPU time)", ""]
    lines += markdown_table(
        ["MPI", "DY events", "Pythia alone ev/s", "pipeline DY ev/s", "overhead vs Pythia",
         "(anti-kT", "selection rest", "storage)", "kept ev/s", "1j / 2j / 3j ev/s"],
        [[str(r["mpi"]), str(r["counts"]["generated"]), f"{r['pythia_alone_per_cpu_s']:.0f}",
          f"{r['drell_yan_per_cpu_s']:.0f}", f"{100 * r['overhead_vs_pythia']:.1f}%",
          f"{100 * r['antikt_cpu_s'] / (r['pythia_init_cpu_s'] + r['pythia_events_cpu_s']):.1f}%",
          f"{100 * (r['selection_cpu_s'] - r['antikt_cpu_s']) / (r['pythia_init_cpu_s'] + r['pythia_events_cpu_s']):.1f}%",  # noqa: E501
          f"{100 * r['storage_cpu_s'] / (r['pythia_init_cpu_s'] + r['pythia_events_cpu_s']):.1f}%",
          f"{r['kept_per_cpu_s']:.0f}",
          " / ".join(f"{r['per_cpu_s_by_jets'][k]:.0f}" for k in ("1", "2", "3"))]
         for r in rows], "lrrrrrrrrr")
    lines += ["", "Fractions per Drell-Yan event:", ""]
    lines += markdown_table(
        ["MPI", "0 jets", "1 jet", "2 jets", "3 jets", ">= 4 jets", "vetoed (Delta R < 0.4)"],
        [[str(r["mpi"]), *(f"{100 * r['fraction_by_jets'][k]:.2f}%"
                           for k in ("0", "1", "2", "3", "4_or_more")),
          f"{100 * r['fraction_vetoed']:.3f}%"] for r in rows], "lrrrrrr")
    lines += ["", "Overhead = (all CPU time - CPU time inside Pythia init and nextBatch) / CPU "
              "time inside Pythia, in the same run; its parts (anti-kT = FastJet clustering, "
              "selection rest = muons, overlap removal, veto; storage = part files + HDF5) are "
              "shares of Pythia's time. ev/s = events per CPU second. Load average at the start "
              f"(1, 5, 15 min): {result['meta']['load_average_1_5_15']}."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="kept events (MPI off)")
    parser.add_argument("--n-mpi", type=int, default=500, help="kept events with MPI on "
                        "(0: skip)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    meta = run_meta()
    _install_timers()
    rows = [bench(args.n, args.seed, DrellYanSpec(), chunk_size=args.n)]
    print(json.dumps(rows[-1]), flush=True)
    if args.n_mpi:
        rows.append(bench(args.n_mpi, args.seed, DrellYanSpec(mpi=True), chunk_size=args.n_mpi))
        print(json.dumps(rows[-1]), flush=True)
    result = {"benchmark": "events", "meta": meta, "rows": rows}
    markdown = _markdown(result)
    write_results("events", result, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
