"""Benchmark: event_gpt training events/s and sampling events/s (with and without the KV cache).

For the event_gpt sizes d32/L2/K10 and d64/L3/K20 on the Z -> mu mu + jets coordinate layout
(``d = 9``: one jet; ``d = 17`` with a learned multiplicity, ``lengths = (9, 13, 17)``, as
``n_jets: all``): a bare training step (the exact NLL of random standardised coordinates,
backward, clipping, AdamW) at batch 1024, timed by :func:`_common.timed_steps`, with the
achieved FLOP rate ``3 x forward FLOPs x events/s`` (the analytic count of
:meth:`EventGPT.forward_flops`); and :meth:`EventGPT.sample` of ``--events`` events with and
without the key/value cache (random weights: the cost does not depend on them, except the von
Mises rejection loop). Torch on one thread; rates per process CPU second (wall alongside).

Run:  .venv/bin/python benchmarks/bench_event_gpt.py [--seconds 3] [--events 2000]
Writes benchmarks/results/event_gpt.json and benchmarks/results/event_gpt.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before torch is imported)
import math  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

from _common import markdown_table, run_meta, timed_steps, write_results  # noqa: E402
from hepscaling.models.base import InputsSpec, build_model  # noqa: E402
from hepscaling.models.event_gpt import EventGPT  # noqa: E402

SIZES = ((32, 2, 2, 10), (64, 3, 4, 20))  # (width, depth, heads, components)
BATCH = 1024


def periodic(d: int) -> tuple[bool, ...]:
    """The Delta phi mask of the zmumu coordinates with d = 5 + 4 k (per object: log pT, eta,
    then Delta phi for all but the first muon, then log m^2 for jets)."""
    flags = [False, False, False, False, True]
    while len(flags) < d:
        flags += [False, False, True, False]
    return tuple(flags)


def layouts() -> dict[str, InputsSpec]:
    return {"1 jet (d 9)": InputsSpec(n_features=9, periodic=periodic(9), n_train=10**5),
            "all (d 17)": InputsSpec(n_features=17, periodic=periodic(17),
                                     lengths=(9, 13, 17), n_train=10**5)}


def bench_training(model: EventGPT, spec: InputsSpec, seconds: float) -> dict:
    """Events per CPU and wall second of a bare training step at batch BATCH."""
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(BATCH, spec.n_features, generator=gen)
    x = torch.where(torch.tensor(spec.periodic), torch.remainder(x + math.pi, 2 * math.pi)
                    - math.pi, x)
    label = torch.randint(0, 3, (BATCH,), generator=gen) if spec.lengths else None
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    model.train()

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        model(x, None, gen, label).mean().backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    steps, cpu, wall = timed_steps(step, seconds)
    return {"events_per_cpu_s": steps * BATCH / cpu, "events_per_wall_s": steps * BATCH / wall,
            "achieved_flops": 3 * model.forward_flops() * steps * BATCH / cpu}


def bench_sampling(model: EventGPT, n: int, use_cache: bool) -> dict:
    """Events per CPU and wall second of ``model.sample(n)`` (one call after a warm-up)."""
    model.eval()
    model.sample(8, generator=torch.Generator().manual_seed(0), use_cache=use_cache)
    gen = torch.Generator().manual_seed(2)
    wall, cpu = time.perf_counter(), time.process_time()
    model.sample(n, generator=gen, use_cache=use_cache)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"events_per_cpu_s": n / cpu, "events_per_wall_s": n / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0,
                        help="target CPU seconds of each timed training stretch")
    parser.add_argument("--events", type=int, default=2000, help="events per sampling run")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for layout, spec in layouts().items():
        for width, depth, heads, k in SIZES:
            torch.manual_seed(0)
            model = build_model({"family": "event_gpt", "width": width, "depth": depth,
                                 "heads": heads, "components": k}, spec)
            assert isinstance(model, EventGPT)
            row = {"layout": layout, "width": width, "depth": depth, "components": k,
                   "n_params": model.n_params(), "forward_flops": model.forward_flops(),
                   **bench_training(model, spec, args.seconds),
                   "sample_cache": bench_sampling(model, args.events, True),
                   "sample_no_cache": bench_sampling(model, args.events, False)}
            rows.append(row)
            print(f"{layout} d{width}/L{depth}/K{k}: {row['events_per_cpu_s']:.3g} train "
                  f"events/s, sampling {row['sample_cache']['events_per_cpu_s']:.3g} (cache) "
                  f"{row['sample_no_cache']['events_per_cpu_s']:.3g} (no cache)", flush=True)
    result = {"benchmark": "event_gpt", "threads": 1, "seconds": args.seconds,
              "events": args.events, "batch": BATCH, "load_average": os.getloadavg()[0],
              "cpus": os.cpu_count(), **run_meta(), "rows": rows}
    write_results("event_gpt", result, markdown(result))
    print(markdown(result), end="")


def _speedup(row: dict) -> float:
    """Sampling rate with the KV cache over the rate without it."""
    return row["sample_cache"]["events_per_cpu_s"] / row["sample_no_cache"]["events_per_cpu_s"]


def markdown(r: dict) -> str:
    """The throughput table of ``r`` with its conditions."""
    header = ["layout", "size", "N", "train events/s", "achieved GFLOP/s",
              "sample events/s (KV cache)", "sample events/s (no cache)", "cache speed-up"]
    table = markdown_table(header, ([
        row["layout"], f"d{row['width']}/L{row['depth']}/K{row['components']}",
        f"{row['n_params']:,}",
        f"{row['events_per_cpu_s']:.3g} ({row['events_per_wall_s']:.3g})",
        f"{row['achieved_flops'] / 1e9:.2f}",
        f"{row['sample_cache']['events_per_cpu_s']:.3g} "
        f"({row['sample_cache']['events_per_wall_s']:.3g})",
        f"{row['sample_no_cache']['events_per_cpu_s']:.3g} "
        f"({row['sample_no_cache']['events_per_wall_s']:.3g})",
        f"{_speedup(row):.1f}x",
    ] for row in r["rows"]), align="llrrrrrr")
    lines = [
        "# event_gpt throughput (one CPU core)",
        "",
        f"event_gpt on the zmumu coordinate layouts; code {r['code_version']}; torch on one "
        f"thread; rates per CPU second (wall in brackets; load average "
        f"{r['load_average']:.1f} on {r['cpus']} shared cores). Training: a bare AdamW step "
        f"with clipping at batch {r['batch']} events, about {r['seconds']:g} CPU s per size; "
        "achieved = 3 x analytic forward FLOPs x events/s. Sampling: "
        f"{r['events']} events from random weights, coordinate by coordinate.",
        "",
        *table,
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
