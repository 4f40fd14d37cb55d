"""Benchmark: jet GPT training tokens/s and sampling jets/s (with and without the KV cache).

For the jet_gpt sizes d32/L2, d64/L3 and d128/L4 (rungs n1, n3 and n5 of
``examples/sweeps/jet_generation.yaml``) on the ``default`` token grid (20 x 16 x 16, V = 5123)
with T = 32 constituents: a bare training step (forward, cross-entropy over the T + 1 targets,
backward, clipping, AdamW) on random constituent tokens at batch 64, timed by
:func:`_common.timed_steps`; the achieved FLOP rate ``3 x forward FLOPs x sequences/s`` (the
analytic count of :meth:`JetGPT.forward_flops`, output head included) as a fraction of the
float32 matmul peak measured in the same run (best 1024^3 ``torch.mm``, before and after); and
:meth:`JetGPT.sample` of ``--jets`` jets at temperature 1 with and without the key/value cache.
The weights are random, so sampled jets almost always run to T constituents (the worst case of
a trained model). Torch runs on one thread and rates use process CPU time (wall alongside),
as in ``bench_training.py``.

Run:  .venv/bin/python benchmarks/bench_jet_gpt.py [--seconds 3] [--jets 200]
Writes benchmarks/results/jet_gpt.json and benchmarks/results/jet_gpt.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before torch is imported)
import time  # noqa: E402

import torch  # noqa: E402

from _common import markdown_table, matmul_peak, run_meta, timed_steps, write_results  # noqa: E402
from hepscaling.data.tokens import JetTokenizer  # noqa: E402
from hepscaling.models.base import InputsSpec, build_model  # noqa: E402
from hepscaling.models.jet_gpt import JetGPT  # noqa: E402

SIZES = ((32, 2, 2), (64, 3, 4), (128, 4, 4))  # (width, depth, heads)
T, BATCH = 32, 64


def make_model(width: int, depth: int, heads: int) -> tuple[JetGPT, JetTokenizer]:
    """A randomly initialised jet GPT on the default grid with T constituents."""
    tok = JetTokenizer("default", max_constituents=T)
    spec = InputsSpec(n_outputs=tok.vocab_size, vocab_size=tok.vocab_size, n_particles=T + 1)
    torch.manual_seed(0)
    model = build_model({"family": "jet_gpt", "width": width, "depth": depth, "heads": heads},
                        spec)
    assert isinstance(model, JetGPT)
    return model, tok


def bench_training(model: JetGPT, tok: JetTokenizer, seconds: float) -> dict:
    """Tokens (targets) per CPU and wall second of a bare training step at batch BATCH."""
    gen = torch.Generator().manual_seed(1)
    body = torch.randint(0, tok.n_particle_tokens, (BATCH, T), generator=gen)
    start = torch.full((BATCH, 1), tok.start)
    stop = torch.full((BATCH, 1), tok.stop)
    inputs, targets = torch.cat([start, body], 1), torch.cat([body, stop], 1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    model.train()

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        logits = model(inputs)  # (B, T + 1, V)
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    steps, cpu, wall = timed_steps(step, seconds)
    tokens = steps * BATCH * (T + 1)
    return {"tokens_per_cpu_s": tokens / cpu, "tokens_per_wall_s": tokens / wall,
            "achieved_flops": 3 * model.forward_flops() * steps * BATCH / cpu}


def bench_sampling(model: JetGPT, n: int, use_cache: bool) -> dict:
    """Jets per CPU and wall second of ``model.sample(n)`` (one timed call after a warm-up)."""
    model.eval()
    model.sample(8, generator=torch.Generator().manual_seed(0), use_cache=use_cache)
    gen = torch.Generator().manual_seed(2)
    wall, cpu = time.perf_counter(), time.process_time()
    tokens = model.sample(n, generator=gen, use_cache=use_cache)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"jets_per_cpu_s": n / cpu, "jets_per_wall_s": n / wall,
            "mean_constituents": float(((tokens < model.start).sum(1)).float().mean())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0,
                        help="target CPU seconds of each timed training stretch")
    parser.add_argument("--jets", type=int, default=200, help="jets sampled per measurement")
    args = parser.parse_args()
    torch.set_num_threads(1)
    peak_before = matmul_peak(repeat=20)
    rows = []
    for width, depth, heads in SIZES:
        model, tok = make_model(width, depth, heads)
        row = {"width": width, "depth": depth, "heads": heads, "n_params": model.n_params(),
               "n_params_non_embedding": model.n_params_scaling(),
               "forward_flops_per_jet": model.forward_flops(),
               **bench_training(model, tok, args.seconds),
               "sample_cache": bench_sampling(model, args.jets, True),
               "sample_no_cache": bench_sampling(model, args.jets, False)}
        rows.append(row)
        print(f"d{width}/L{depth}: {row['tokens_per_cpu_s']:.3g} tokens/s, sampling "
              f"{row['sample_cache']['jets_per_cpu_s']:.3g} jets/s (cache) "
              f"{row['sample_no_cache']['jets_per_cpu_s']:.3g} (no cache)", flush=True)
    peak = max(peak_before, matmul_peak(repeat=20))
    for row in rows:
        row["fraction_of_peak"] = row["achieved_flops"] / peak
    result = {"benchmark": "jet_gpt", "peak_flops": peak, "peak_flops_before": peak_before,
              "threads": 1, "seconds": args.seconds, "jets": args.jets, "T": T, "batch": BATCH,
              "vocab_size": JetTokenizer("default", max_constituents=T).vocab_size,
              "load_average": os.getloadavg()[0], "cpus": os.cpu_count(), **run_meta(),
              "rows": rows}
    write_results("jet_gpt", result, markdown(result))
    print(markdown(result), end="")


def markdown(r: dict) -> str:
    """The throughput table of ``r`` with its conditions."""
    header = ["size", "N non-emb.", "N total", "train tokens/s", "achieved GFLOP/s", "of peak",
              "sample jets/s (KV cache)", "sample jets/s (no cache)", "cache speed-up"]
    table = markdown_table(header, ([
        f"d{row['width']}/L{row['depth']}", f"{row['n_params_non_embedding']:,}",
        f"{row['n_params']:,}",
        f"{row['tokens_per_cpu_s']:.3g} ({row['tokens_per_wall_s']:.3g})",
        f"{row['achieved_flops'] / 1e9:.2f}", f"{100 * row['fraction_of_peak']:.1f}%",
        f"{row['sample_cache']['jets_per_cpu_s']:.3g} "
        f"({row['sample_cache']['jets_per_wall_s']:.3g})",
        f"{row['sample_no_cache']['jets_per_cpu_s']:.3g} "
        f"({row['sample_no_cache']['jets_per_wall_s']:.3g})",
        f"{row['sample_cache']['jets_per_cpu_s'] / row['sample_no_cache']['jets_per_cpu_s']:.1f}x",
    ] for row in r["rows"]), align="lrrrrrrrr")
    lines = [
        "# Jet GPT throughput (one CPU core)",
        "",
        f"jet_gpt on the default token grid (V = {r['vocab_size']}), T = {r['T']} constituents; "
        f"code {r['code_version']}; torch on one thread; rates per CPU second (wall in "
        f"brackets; load average {r['load_average']:.1f} on {r['cpus']} shared cores). "
        f"Training: a bare AdamW step with clipping at batch {r['batch']} jets on random "
        f"tokens, about {r['seconds']:g} CPU s per size; tokens = the T + 1 targets per jet. "
        "Achieved = 3 x analytic forward FLOPs (output head included) x jets/s; peak: best "
        f"float32 1024^3 `torch.mm` in this run, {r['peak_flops'] / 1e9:.1f} GFLOP/s. Sampling: "
        f"{r['jets']} jets at temperature 1 from random weights (nearly every jet runs to T "
        "constituents, the worst case).",
        "",
        *table,
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
