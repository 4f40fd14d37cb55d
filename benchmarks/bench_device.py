"""Benchmark: the issue-16 models' training steps in float32 and bfloat16 on the device that
``--device auto`` picks, a CUDA GPU when torch sees one, else the CPU.

The same script runs unchanged on a GPU machine: the models, batches and steps are those of the
CPU benchmarks, moved to the device. Models: the MLP of width 512 (depth 3, batch 4096, from
``bench_step_profile``), and the amplitude ``transformer``, ``part`` and the jet GPT (the cases
of ``bench_precision``). For each, a bare training step as the loop takes it is timed per
precision on the device: forward under the loop's autocast
(:func:`hepscaling.train.mixed_precision.autocast`), loss, backward, clipping, fused AdamW.
Beside it go the matmul peaks of both precisions on the same device, the best 1024^3
``torch.mm``, measured before and after the models.

Rates are per second of :func:`_common.device_clock`. On the CPU that is CPU seconds on one
torch thread. On CUDA it is wall seconds after synchronising, with the default matmul
precision (no TF32). Achieved = samples/s x 3 x forward matmul FLOPs, as a fraction of the peak
of the precision the matmuls ran at.

On a GPU without bfloat16 (before Ampere) the bf16 steps stop with the loop's one-line
error: this benchmark compares the two precisions.

Run:  .venv/bin/python benchmarks/bench_device.py [--device auto] [--seconds 2] [--cases part]
          [--results DIR]
Writes benchmarks/results/device_<cpu|cuda>.json and .md (or into DIR).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"  # on the CPU: one thread, as the other benchmarks

import argparse  # noqa: E402  (thread limits must be set before torch is imported)
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

from _common import RESULTS, markdown_table, run_meta, write_results  # noqa: E402
from bench_precision import CASES as TRANSFORMERS  # noqa: E402
from bench_precision import PRECISIONS, add_achieved, bench_bare, peaks  # noqa: E402
from bench_step_profile import mlp_case  # noqa: E402
from hepscaling.errors import UsageError  # noqa: E402
from hepscaling.train.device import resolve_device  # noqa: E402
from hepscaling.train.mixed_precision import native_bf16  # noqa: E402

CASES = {"mlp w512 L3, batch 4096": mlp_case(512), **TRANSFORMERS}


def device_name(device: torch.device) -> str:
    """The GPU's name, or the CPU's vector capability and whether it has bfloat16 units."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    bf16 = "with" if native_bf16(device) else "without"
    return f"CPU ({torch.backends.cpu.get_cpu_capability()}, {bf16} bfloat16 units)"


def bench(device: torch.device, seconds: float, cases: str) -> dict:
    """Peaks and the fp32 / bf16 rows of every case whose label contains ``cases``."""
    peak_runs = [peaks(device)]
    rows: list[dict] = []
    for label, make in CASES.items():
        if cases in label:
            rows += bench_bare(label, make, seconds, device)
            print(f"{label}: " + ", ".join(f"{r['precision']} {r['samples_per_s']:.4g}/s"
                                           for r in rows[-2:]), flush=True)
    peak_runs.append(peaks(device))
    peak = {p: max(run[p] for run in peak_runs) for p in PRECISIONS}
    fp32 = {r["model"]: r["samples_per_s"] for r in rows if r["precision"] == "fp32"}
    add_achieved(rows, peak)
    for row in rows:
        row["over_fp32"] = row["samples_per_s"] / fp32[row["model"]]
    return {"benchmark": "device", "device": str(device), "device_name": device_name(device),
            "clock": "second of wall time (synchronised)" if device.type == "cuda"
            else "CPU second",
            "threads": torch.get_num_threads() if device.type == "cpu" else None,
            "seconds": seconds, "peak_flops": peak, "peak_runs": peak_runs, "rows": rows,
            **run_meta()}


def markdown(r: dict) -> str:
    """The throughput table of ``r`` with its conditions."""
    peak = r["peak_flops"]
    table = markdown_table(
        ["model", "N", "precision", "samples/s", "GFLOP/s", "of own peak", "bf16 / fp32"],
        ([row["model"], f"{row['n_params']:,}", row["precision"],
          f"{row['samples_per_s']:.3g}", f"{row['achieved_flops'] / 1e9:.1f}",
          f"{100 * row['fraction_of_peak']:.0f}%", f"{row['over_fp32']:.2f}x"]
         for row in r["rows"]), align="lrlrrrr")
    threads = f", {r['threads']} torch thread(s)" if r["threads"] else ""
    return "\n".join([
        f"# Training steps on {r['device']}: float32 and bfloat16",
        "",
        f"Code {r['code_version']}; torch {r['environment'].get('torch', '?')} on "
        f"{r['device_name']}{threads}; load average {r['load_average_1_5_15'][0]:.1f}. "
        f"Rates per {r['clock']}. Peaks (best 1024^3 `torch.mm` before and after): float32 "
        f"{peak['fp32'] / 1e9:.1f}, bfloat16 {peak['bf16'] / 1e9:.1f} GFLOP/s "
        f"({peak['bf16'] / peak['fp32']:.2f}x). Bare training steps as the loop's (forward "
        "under its autocast, loss, backward, clipping, fused AdamW); GFLOP/s = 3 x forward "
        "matmul FLOPs x samples/s.",
        "",
        *table,
    ]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda")
    parser.add_argument("--seconds", type=float, default=2.0,
                        help="target seconds of each timed stretch")
    parser.add_argument("--cases", default="", help="only the models whose label contains this")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="directory of the result files")
    args = parser.parse_args()
    try:
        device = resolve_device(args.device)
    except UsageError as exc:
        raise SystemExit(f"error: {exc}") from None
    if not any(args.cases in label for label in CASES):
        raise SystemExit(f"error: no model matches --cases {args.cases!r}; choose from "
                         + ", ".join(repr(label) for label in CASES))
    if device.type == "cpu":
        torch.set_num_threads(1)
    try:
        result = bench(device, args.seconds, args.cases)
    except UsageError as exc:
        raise SystemExit(f"error: {exc}") from None
    write_results(f"device_{device.type}", result, markdown(result), args.results)
    print(markdown(result), end="")


if __name__ == "__main__":
    main()
