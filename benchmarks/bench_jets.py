"""Benchmark: jets per second per core, and the pipeline's overhead on top of Pythia.

For each jet class, ``generate_jets`` runs end to end (Pythia 8 events, visible final state,
anti-kT clustering, truth matching, SoftDrop and N-subjettiness, JetClass features, part
files and HDF5 writing) in this process, and the same run records the CPU time spent inside Pythia
(``init`` and ``nextBatch``), inside jet building (``jets_from_events``; of that, FastJet's
anti-kT clustering and SoftDrop + N-subjettiness separately) and inside storage (saving each
chunk's part file and assembling the HDF5 file), by wrapping those calls with timers. The
overhead is the CPU time outside Pythia divided by the CPU time inside Pythia (target: below
15%). CPU time (``process_time``) is
quoted because the machine may be shared; every numerical library is forced to one thread.

Run:  .venv/bin/python benchmarks/bench_jets.py [--n 500] [--classes qcd,w,z,top,hbb,qcd_zvv]
Writes benchmarks/results/jets.json and benchmarks/results/jets.md.
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

import numpy as np  # noqa: E402

import hepscaling.data.chunks as chunks  # noqa: E402
import hepscaling.data.jets as data_jets  # noqa: E402
import hepscaling.physics.jets.clustering as clustering  # noqa: E402
import hepscaling.physics.jets.generate as generate  # noqa: E402
from _common import CPU, EVENTS, TimedPythia, cpu_timed  # noqa: E402
from hepscaling.physics.jets.processes import JET_CLASSES, parse_classes  # noqa: E402
from hepscaling.provenance import code_version  # noqa: E402
from hepscaling.records import atomic_write_text  # noqa: E402


def _install_timers() -> None:
    make_pythia = cpu_timed("pythia_init", generate.make_pythia)
    generate.make_pythia = lambda spec, seed: TimedPythia(make_pythia(spec, seed))
    generate.jets_from_events = cpu_timed("jet_building", generate.jets_from_events)
    clustering.cluster = cpu_timed("antikt", clustering.cluster)
    clustering.substructure = cpu_timed("substructure", clustering.substructure)
    chunks.Parts.save = cpu_timed("storage", chunks.Parts.save)
    chunks.Parts.assemble = cpu_timed("storage", chunks.Parts.assemble)


def bench_class(name: str, n: int, seed: int) -> dict:
    CPU.clear()
    EVENTS.clear()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "jets.h5"
        wall, cpu = time.perf_counter(), time.process_time()
        data_jets.generate_jets(path, parse_classes(name), n, seed, chunk_size=n,
                                progress=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = path.stat().st_size
        sdmass = data_jets.read_jets(path, fields=["jet_sdmass"])["jet_sdmass"]
    pythia = CPU["pythia_init"] + CPU["pythia_events"]
    return {"class": name, "jets": n, "events": EVENTS["events"],
            "acceptance": n / EVENTS["events"], "wall_s": wall, "cpu_s": cpu,
            "jets_per_cpu_s": n / cpu, "jets_per_wall_s": n / wall,
            "pythia_init_cpu_s": CPU["pythia_init"], "pythia_events_cpu_s": CPU["pythia_events"],
            "jet_building_cpu_s": CPU["jet_building"], "antikt_cpu_s": CPU["antikt"],
            "substructure_cpu_s": CPU["substructure"], "storage_cpu_s": CPU["storage"],
            "other_cpu_s": cpu - pythia - CPU["jet_building"] - CPU["storage"],
            "overhead_vs_pythia": (cpu - pythia) / pythia,
            "bytes_per_jet": size / n, "median_sdmass_gev": float(np.median(sdmass))}


def _markdown(rows: list[dict]) -> str:
    lines = ["# Jet generation (one core, CPU time)", "",
             "| class | jets | acceptance | jets/s | Pythia init s | Pythia events s | "
             "jets+features s | (anti-kT s | SoftDrop+tau_N s) | storage s | other s | "
             "overhead vs Pythia | median m_SD |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['class']} | {r['jets']} | {r['acceptance']:.2f} | "
                     f"{r['jets_per_cpu_s']:.1f} | {r['pythia_init_cpu_s']:.2f} | "
                     f"{r['pythia_events_cpu_s']:.2f} | {r['jet_building_cpu_s']:.2f} | "
                     f"{r['antikt_cpu_s']:.2f} | {r['substructure_cpu_s']:.2f} | "
                     f"{r['storage_cpu_s']:.2f} | {r['other_cpu_s']:.2f} | "
                     f"{100 * r['overhead_vs_pythia']:.1f}% | {r['median_sdmass_gev']:.1f} |")
    lines += ["", "Overhead = (all CPU time - CPU time inside Pythia init and nextBatch) / "
              "CPU time inside Pythia, measured in the same run; jets/s = jets per CPU second. "
              "anti-kT (FastJet) and SoftDrop+tau_N (C/A reclustering in FastJet, N-subjettiness "
              "in fastjet-contrib, soft-drop declustering in numpy) are part of jets+features; "
              "storage = compressed part file per chunk + HDF5 assembly."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="jets per class")
    parser.add_argument("--classes", default=",".join(JET_CLASSES))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    _install_timers()
    code_version()  # one-off git call paid up front
    rows = []
    for spec in parse_classes(args.classes):
        rows.append(bench_class(spec.name, args.n, args.seed))
        print(json.dumps(rows[-1]), flush=True)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    record = {"benchmark": "jets", "code_version": code_version(), "rows": rows}
    atomic_write_text(out / "jets.json", json.dumps(record, indent=2) + "\n")
    atomic_write_text(out / "jets.md", _markdown(rows))
    print(_markdown(rows))


if __name__ == "__main__":
    main()
