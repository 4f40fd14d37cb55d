"""Benchmark: training throughput of the transformer families on one CPU core.

For ``transformer``, ``lloca`` and ``lgatr`` at two sizes each, times full training steps
(forward, MSE loss, backward, gradient clipping, AdamW update) on batches of ``k = 5`` particle
momenta (``u u~ > t t~ h``-like type ids), and reports samples per second and the achieved
FLOP rate ``samples/s x 3 x forward_flops`` (the training-FLOP convention of
:mod:`hepscaling.train.flops`) as a fraction of the float32 matmul peak measured in the same run
(best of repeated 1024 x 1024 matmuls). Torch runs on one thread: the machine has two cores
shared with other jobs, and extra threads only add synchronisation. Rates use process CPU time
(wall time alongside), so waiting for a core does not count.

Run:  .venv/bin/python benchmarks/bench_training_transformers.py [--batch 128] [--seconds 3]
Writes benchmarks/results/training_transformers.json and .md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before torch is imported)

import torch  # noqa: E402

from _common import markdown_table, matmul_peak, run_meta, timed_steps, write_results  # noqa: E402
from hepscaling.models.base import InputsSpec, build_model  # noqa: E402
from hepscaling.train.flops import TRAIN_FLOPS_FACTOR  # noqa: E402

SPEC = InputsSpec(n_features=10, n_particles=5, particle_types=(0, 1, 2, 3, 4))
SEED = 0
# (family, size label, model config): similar N per size across the families
MODELS = [
    ("transformer", "small", {"width": 32, "depth": 2, "heads": 4}),
    ("transformer", "large", {"width": 128, "depth": 4, "heads": 8}),
    ("lloca", "small", {"width": 32, "depth": 2, "heads": 4}),
    ("lloca", "large", {"width": 128, "depth": 4, "heads": 8}),
    ("lgatr", "small", {"width": 8, "depth": 2, "heads": 4}),
    ("lgatr", "large", {"width": 32, "depth": 4, "heads": 8}),
]


def momenta(batch: int, generator: torch.Generator) -> torch.Tensor:
    """Random on-shell-like momenta float32 ``(batch, 5, 4)``, O(1) entries."""
    p3 = torch.randn(batch, SPEC.n_particles, 3, generator=generator)
    energy = (p3.square().sum(-1, keepdim=True) + 0.1).sqrt()
    return torch.cat([energy, p3], dim=-1)


def bench_model(family: str, size: str, extra: dict, batch: int, seconds: float) -> dict:
    """Steps per CPU second of one model; at least 3 timed steps after 2 warm-up steps."""
    torch.manual_seed(SEED)
    model = build_model({"family": family, **extra}, SPEC)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(SEED)
    x, y = momenta(batch, generator), torch.randn(batch, 1, generator=generator)

    def step() -> None:
        loss = torch.nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    steps, cpu, wall = timed_steps(step, seconds)
    flops_per_sample = TRAIN_FLOPS_FACTOR * model.forward_flops()
    rate = steps * batch / cpu
    return {"family": family, "size": size, "config": extra, "n_params": model.n_params(),
            "forward_flops_per_sample": model.forward_flops(), "batch": batch, "steps": steps,
            "samples_per_s_cpu": rate, "samples_per_s_wall": steps * batch / wall,
            "achieved_flops_per_s_cpu": rate * flops_per_sample}


def markdown(rows: list[dict], meta: dict) -> str:
    """A short markdown table of the rates."""
    header = ["family", "size", "N", "fwd FLOPs/sample", "samples/s", "achieved GFLOP/s",
              "of peak"]
    table = markdown_table(header, ([
        r["family"], f"{r['size']} {r['config']}", f"{r['n_params']:,}",
        f"{r['forward_flops_per_sample']:.3g}",
        f"{r['samples_per_s_cpu']:.3g} ({r['samples_per_s_wall']:.3g})",
        f"{r['achieved_flops_per_s_cpu'] / 1e9:.2f}", f"{r['fraction_of_peak']:.1%}",
    ] for r in rows), align="llrrrrr")
    lines = [
        "# Training throughput of the transformer families (one CPU core)",
        "",
        f"k = 5 particles, batch {meta['batch']}, float32, AdamW + MSE + clipping; code "
        f"{meta['code_version']}; torch on one thread. Samples/s per CPU second (wall in "
        f"brackets; load average {meta['load_average_1_5_15'][0]:.1f} on {os.cpu_count()} "
        f"cores). Peak: best float32 1024^3 matmul in this run, "
        f"{meta['matmul_peak_flops_per_s'] / 1e9:.1f} GFLOP/s. Achieved = samples/s x 3 x "
        "forward FLOPs (matmul FLOPs only).",
        "",
        *table,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128, help="events per training step")
    parser.add_argument("--seconds", type=float, default=3.0, help="CPU seconds per model")
    args = parser.parse_args()
    torch.set_num_threads(1)
    peak = matmul_peak()
    rows = []
    for family, size, extra in MODELS:
        row = bench_model(family, size, extra, args.batch, args.seconds)
        row["fraction_of_peak"] = row["achieved_flops_per_s_cpu"] / peak
        print(f"{family:12s} {size:6s} N={row['n_params']:>9,d} "
              f"{row['samples_per_s_cpu']:9.4g} samples/s  "
              f"{row['achieved_flops_per_s_cpu'] / 1e9:6.2f} GFLOP/s "
              f"({row['fraction_of_peak']:.1%} of peak)", flush=True)
        rows.append(row)
    meta = {"batch": args.batch, "seed": SEED, "threads": 1, "matmul_peak_flops_per_s": peak,
            **run_meta()}
    write_results("training_transformers", {"meta": meta, "results": rows},
                  markdown(rows, meta))


if __name__ == "__main__":
    main()
