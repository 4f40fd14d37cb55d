"""Benchmark: throughput of the real training loop for MLPs, against this machine's matmul peak.

For MLP widths 64 ... 1024 (depth 3) at batch 1024 and 4096, runs
:func:`hepscaling.train.loop.run_training` on a synthetic ``u u~ > g g g``-like amplitude file
(10 invariant inputs, MSE loss, AdamW, cosine schedule, clipping) and times the training steps
between evaluation points (each stretch includes one evaluation on 512 events and one
checkpoint); the best of five stretches counts, as the peak is a best of repeats too. Reports
samples per second and the achieved FLOP rate ``samples/s x 3 x forward FLOPs`` (the
convention of :mod:`hepscaling.train.flops`: matmul FLOPs only) as a fraction of the float32
matmul peak measured in the same run (best of repeated 1024 x 1024 ``torch.mm``, before and
after the training runs). Torch runs on one thread and rates use process CPU time (wall time
alongside): the machine has two cores shared with other jobs, so waiting for a core must not
count and extra threads only add synchronisation.

Run:  .venv/bin/python benchmarks/bench_training.py [--seconds 1] [--widths 64 256]
Writes benchmarks/results/training.json and benchmarks/results/training.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before torch is imported)
import itertools  # noqa: E402
import math  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from _common import markdown_table, matmul_peak, run_meta, write_results  # noqa: E402
from hepscaling.data.amplitudes import write_amplitudes  # noqa: E402
from hepscaling.models.base import InputsSpec, build_model  # noqa: E402
from hepscaling.train.loop import run_training  # noqa: E402

WIDTHS = (64, 128, 256, 512, 1024)
BATCHES = (1024, 4096)
N_TRAIN, N_VAL, N_TEST = 8192, 512, 512


def synthetic_file(path: Path, n: int, seed: int = 0) -> Path:
    """``n`` massless 2 -> 3 events (random energies and directions) with a smooth positive
    ``|M|^2``; only the shapes matter for throughput."""
    rng = np.random.default_rng(seed)
    p = np.zeros((n, 5, 4))
    e_in = rng.uniform(100, 500, (n, 2))
    p[:, 0] = np.stack([e_in[:, 0], 0 * e_in[:, 0], 0 * e_in[:, 0], e_in[:, 0]], axis=1)
    p[:, 1] = np.stack([e_in[:, 1], 0 * e_in[:, 1], 0 * e_in[:, 1], -e_in[:, 1]], axis=1)
    direction = rng.normal(size=(n, 3, 3))
    direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    energy = rng.uniform(20, 300, (n, 3, 1))
    p[:, 2:] = np.concatenate([energy, energy * direction], axis=-1)
    me2 = np.exp(rng.normal(size=n)) * (1 + p[:, 2, 0] / p[:, 3, 0])
    return write_amplitudes(path, p, me2, {"process": "u u~ > g g g", "source": "benchmark"})


def bench(dataset: Path, run_dir: Path, width: int, batch: int, seconds: float,
          peak: float, intervals: int = 5, precision: str = "fp32") -> dict:
    """Samples per CPU second of the training loop at ``train.precision = precision``: the
    best of ``intervals`` stretches of about ``seconds`` CPU seconds between evaluations
    (after a first, warm-up stretch)."""
    flops_step_guess = 3 * 2 * (10 * width + 2 * width * width + width) * batch
    interval = max(3, math.ceil(seconds * 0.5 * peak / flops_step_guess))
    config = {
        "seed": 0, "device": "cpu",
        "task": {"kind": "amplitude_regression", "dataset": str(dataset), "n_train": N_TRAIN,
                 "n_val": N_VAL, "n_test": N_TEST},
        "model": {"family": "mlp", "width": width, "depth": 3},
        "train": {"batch_size": batch, "steps": (intervals + 1) * interval,
                  "eval_every": interval, "warmup_steps": 1, "precision": precision},
    }
    marks: list[tuple[float, float]] = []
    record = run_training(config, run_dir, progress=False, threads=1,
                          callback=lambda step, m: marks.append((time.process_time(),
                                                                 time.perf_counter())))
    cpu = min(b[0] - a[0] for a, b in itertools.pairwise(marks))
    wall = min(b[1] - a[1] for a, b in itertools.pairwise(marks))
    samples = interval * batch
    rate = samples / cpu
    achieved = rate * record.flops_per_sample
    bare = bare_step_rate(width, batch, interval, precision=precision)
    return {"width": width, "depth": 3, "batch": batch, "n_params": record.n_params,
            "train_flops_per_sample": record.flops_per_sample, "steps_per_interval": interval,
            "intervals": intervals, "samples_per_cpu_s": rate, "samples_per_wall_s": samples / wall,
            "achieved_flops": achieved, "fraction_of_peak": achieved / peak,
            "bare_step_samples_per_cpu_s": bare, "loop_over_bare": rate / bare}


def bare_step_rate(width: int, batch: int, steps: int, repeats: int = 5,
                   precision: str = "fp32") -> float:
    """Samples per CPU second of a bare PyTorch step (same MLP, fused AdamW, MSE, clipping,
    bfloat16 autocast for ``precision = "bf16"``; no task, schedule, evaluation or
    checkpoint), best of ``repeats`` stretches of ``steps``."""
    torch.manual_seed(0)
    model = build_model({"family": "mlp", "width": width, "depth": 3},
                        InputsSpec(n_features=10, n_particles=5, particle_types=(0, 1, 2, 2, 2)))
    optimizer = torch.optim.AdamW(model.param_groups(1e-3, 0.0), fused=True)
    x, y = torch.randn(N_TRAIN, 10), torch.randn(N_TRAIN)
    order = torch.randperm(N_TRAIN)
    best = math.inf
    for _ in range(repeats):
        cpu = time.process_time()
        for i in range(steps):
            index = order[(i * batch) % N_TRAIN:][:batch]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
                out = model(x.index_select(0, index))
            loss = torch.mean((out.float()[:, 0] - y.index_select(0, index)) ** 2)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
        best = min(best, time.process_time() - cpu)
    return steps * batch / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="target CPU seconds of each timed interval (5 timed intervals)")
    parser.add_argument("--widths", type=int, nargs="+", default=list(WIDTHS))
    parser.add_argument("--batches", type=int, nargs="+", default=list(BATCHES))
    args = parser.parse_args()
    torch.set_num_threads(1)
    peak_before = matmul_peak(repeat=20)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        dataset = synthetic_file(Path(tmp) / "bench.h5", N_TRAIN + N_VAL + N_TEST)
        for batch in args.batches:
            for width in args.widths:
                row = bench(dataset, Path(tmp) / f"w{width}_b{batch}", width, batch,
                            args.seconds, peak_before)
                rows.append(row)
                print(f"width {width:5d} batch {batch:5d}: {row['samples_per_cpu_s']:10.4g} "
                      f"samples/s, {row['achieved_flops'] / 1e9:6.2f} GFLOP/s", flush=True)
    peak = max(peak_before, matmul_peak(repeat=20))
    for row in rows:
        row["fraction_of_peak"] = row["achieved_flops"] / peak
    load = os.getloadavg()[0]
    result = {"benchmark": "training", "peak_flops": peak, "peak_flops_before": peak_before,
              "threads": 1, "seconds": args.seconds, "load_average": load,
              "cpus": os.cpu_count(), **run_meta(), "rows": rows}
    write_results("training", result, markdown(result))
    print(markdown(result), end="")


def markdown(r: dict) -> str:
    """The throughput table of ``r`` with its conditions."""
    header = ["width", "batch", "N", "train FLOPs/sample", "samples/s", "achieved GFLOP/s",
              "of peak", "loop / bare"]
    table = markdown_table(header, ([
        str(row["width"]), str(row["batch"]), f"{row['n_params']:,}",
        f"{row['train_flops_per_sample']:.3g}",
        f"{row['samples_per_cpu_s']:.3g} ({row['samples_per_wall_s']:.3g})",
        f"{row['achieved_flops'] / 1e9:.2f}", f"{100 * row['fraction_of_peak']:.1f}%",
        f"{row['loop_over_bare']:.2f}",
    ] for row in r["rows"]), align="rrrrrrrr")
    lines = [
        "# Training-loop throughput of MLPs (one CPU core)",
        "",
        f"`run_training` on 10 invariant inputs, MLP depth 3, MSE, AdamW, float32; code "
        f"{r['code_version']}; torch on one thread; rates per CPU second, best of 5 stretches "
        f"of about {r['seconds']:g} CPU s between evaluations (wall in brackets; load "
        f"average {r['load_average']:.1f} on {r['cpus']} shared cores). Peak: best float32 "
        f"1024^3 `torch.mm` in this run, {r['peak_flops'] / 1e9:.1f} GFLOP/s. Achieved = "
        "samples/s x 3 x forward FLOPs (matmul FLOPs only; activations, biases and the "
        "optimiser are overhead). Loop / bare: the loop's rate over a bare PyTorch step of the "
        "same model and optimiser (no task, schedule, evaluation or checkpoint), measured the "
        "same way.",
        "",
        *table,
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
