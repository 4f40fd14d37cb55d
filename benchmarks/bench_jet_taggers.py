"""Benchmark: training throughput of the jet taggers ``part`` and ``hl_dense`` on one CPU core.

Times full training steps (forward, cross-entropy, backward, gradient clipping, AdamW) of the
``part`` family at two sizes on ``P = 32`` and ``P = 64`` constituent slots (each with and
without the pairwise interaction bias, whose elementwise kinematics FLOP counting ignores) and of
``hl_dense`` at two sizes, on random jets in the ``jet_tagging`` input layout (5 classes).
Reports samples per CPU second and the achieved rate ``samples/s x 3 x forward_flops`` as a
fraction of the float32 matmul peak measured in the same run. Torch runs on one thread.

Run:  .venv/bin/python benchmarks/bench_jet_taggers.py [--batch 64] [--seconds 3]
Writes benchmarks/results/jet_taggers.json and .md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before torch is imported)

import torch  # noqa: E402

from _common import markdown_table, matmul_peak, run_meta, timed_steps, write_results  # noqa: E402
from hepscaling.models.base import InputsSpec, build_model  # noqa: E402
from hepscaling.tasks.jet_tagging import PARTICLE_INPUTS  # noqa: E402
from hepscaling.train.flops import TRAIN_FLOPS_FACTOR  # noqa: E402

SEED = 0
N_CLASSES = 5
N_HIGH_LEVEL = 12
# (family, size label, slots P, model config)
MODELS = [
    ("part", "small", 32, {"width": 32, "depth": 2, "heads": 4}),
    ("part", "small", 32, {"width": 32, "depth": 2, "heads": 4, "interaction": False}),
    ("part", "small", 64, {"width": 32, "depth": 2, "heads": 4}),
    ("part", "large", 64, {"width": 128, "depth": 4, "heads": 8}),
    ("part", "large", 64, {"width": 128, "depth": 4, "heads": 8, "interaction": False}),
    ("hl_dense", "small", 0, {"width": 32, "depth": 2}),
    ("hl_dense", "large", 0, {"width": 256, "depth": 6}),
]


def inputs(family: str, batch: int, slots: int, generator: torch.Generator) -> torch.Tensor:
    """Random jets: ``(batch, P, 5 + F)`` constituents (half the slots real) or
    ``(batch, H)`` high-level features."""
    if family == "hl_dense":
        return torch.randn(batch, N_HIGH_LEVEL, generator=generator)
    x = torch.randn(batch, slots, 5 + len(PARTICLE_INPUTS), generator=generator)
    p3 = 20 * x[..., 2:5]
    x[..., 1] = (p3.square().sum(-1) + 0.02).sqrt()
    x[..., 2:5] = p3
    mask = (torch.arange(slots) < slots // 2).float()  # (P,)
    x = x * mask[:, None]  # padding is zero
    x[..., 0] = mask
    return x


def bench_model(family: str, slots: int, extra: dict, batch: int, seconds: float) -> dict:
    """Samples per CPU second of one model; at least 3 timed steps after 2 warm-up steps."""
    spec = InputsSpec(n_outputs=N_CLASSES, n_features=N_HIGH_LEVEL, n_particles=slots,
                      n_particle_features=len(PARTICLE_INPUTS))
    torch.manual_seed(SEED)
    model = build_model({"family": family, **extra}, spec)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(SEED)
    x = inputs(family, batch, slots, generator)
    y = torch.randint(N_CLASSES, (batch,), generator=generator)

    def step() -> None:
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    steps, cpu, wall = timed_steps(step, seconds)
    rate = steps * batch / cpu
    return {"family": family, "slots": slots, "config": extra, "n_params": model.n_params(),
            "forward_flops_per_sample": model.forward_flops(), "batch": batch, "steps": steps,
            "samples_per_s_cpu": rate, "samples_per_s_wall": steps * batch / wall,
            "achieved_flops_per_s_cpu": rate * TRAIN_FLOPS_FACTOR * model.forward_flops()}


def markdown(rows: list[dict], meta: dict) -> str:
    """A short markdown table of the rates."""
    header = ["family", "P", "config", "N", "fwd FLOPs/sample", "samples/s", "achieved GFLOP/s",
              "of peak"]
    table = markdown_table(header, ([
        r["family"], str(r["slots"]), str(r["config"]), f"{r['n_params']:,}",
        f"{r['forward_flops_per_sample']:.3g}",
        f"{r['samples_per_s_cpu']:.3g} ({r['samples_per_s_wall']:.3g})",
        f"{r['achieved_flops_per_s_cpu'] / 1e9:.2f}", f"{r['fraction_of_peak']:.1%}",
    ] for r in rows), align="lrlrrrrr")
    lines = [
        "# Training throughput of the jet taggers (one CPU core)",
        "",
        f"Batch {meta['batch']}, {N_CLASSES} classes, float32, AdamW + cross-entropy + "
        f"clipping; code {meta['code_version']}; torch on one thread. Samples/s per CPU second "
        f"(wall in brackets; load average {meta['load_average_1_5_15'][0]:.1f} on "
        f"{os.cpu_count()} cores). Peak: best float32 1024^3 matmul in this run, "
        f"{meta['matmul_peak_flops_per_s'] / 1e9:.1f} GFLOP/s. Achieved = samples/s x 3 x "
        "forward FLOPs (matmul FLOPs only; the pair kinematics of the interaction bias are "
        "elementwise and not counted).",
        "",
        *table,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64, help="jets per training step")
    parser.add_argument("--seconds", type=float, default=3.0, help="CPU seconds per model")
    args = parser.parse_args()
    torch.set_num_threads(1)
    peak = matmul_peak()
    rows = []
    for family, _, slots, extra in MODELS:
        row = bench_model(family, slots, extra, args.batch, args.seconds)
        row["fraction_of_peak"] = row["achieved_flops_per_s_cpu"] / peak
        print(f"{family:9s} P={slots:3d} N={row['n_params']:>9,d} {row['samples_per_s_cpu']:9.4g} "
              f"samples/s {row['achieved_flops_per_s_cpu'] / 1e9:6.2f} GFLOP/s "
              f"({row['fraction_of_peak']:.1%} of peak) {extra}", flush=True)
        rows.append(row)
    meta = {"batch": args.batch, "seed": SEED, "threads": 1, "matmul_peak_flops_per_s": peak,
            **run_meta()}
    write_results("jet_taggers", {"meta": meta, "results": rows}, markdown(rows, meta))


if __name__ == "__main__":
    main()
