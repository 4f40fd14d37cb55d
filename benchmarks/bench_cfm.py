"""Benchmark: the cfm event generator's training events/s, sampling events/s and exact-NLL
events/s on one core.

For Z + 1 jet (d = 9) and Z + 3 jets (d = 17) coordinates and four sizes (residual MLP
64 x 2 and 256 x 4, per-object transformer 64 x 2, per-object L-GATr 24 x 2, the L-GATr size of
about the transformer's N): a bare training step (flow-matching loss
of :meth:`CFM.loss`, backward, clipping, AdamW) at batch 1024 on random coordinates, timed by
:func:`_common.timed_steps`, with the achieved FLOP rate ``3 x forward FLOPs x events/s``;
:meth:`CFM.sample` of ``--samples`` events with fixed-step RK4 (``--steps`` steps, 4 network
evaluations each); :meth:`CFM.log_prob` of ``--nll`` events (the same RK4 steps, plus one
autograd pass per coordinate per evaluation for the exact divergence). Weights are random
(the cost does not depend on them for fixed-step RK4). Torch on one thread; rates per process
CPU second (wall alongside).

The L-GATr backbone sees momenta decoded with the identity standardisation (the random
coordinates are the raw ones); its cost does not depend on the values.

Run:  .venv/bin/python benchmarks/bench_cfm.py [--seconds 2] [--samples 2000] [--nll 200]
      [--backbones transformer lgatr]
Writes benchmarks/results/cfm.json and benchmarks/results/cfm.md (with ``--backbones`` a
subset: cfm_<backbones>.json / .md).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before torch is imported)
import time  # noqa: E402

import torch  # noqa: E402

from _common import markdown_table, run_meta, timed_steps, write_results  # noqa: E402
from hepscaling.data.event_coordinates import EventCoordinates  # noqa: E402
from hepscaling.models.base import InputsSpec, build_model  # noqa: E402
from hepscaling.models.cfm import CFM  # noqa: E402
from hepscaling.tasks.event_momenta import object_momenta  # noqa: E402

# (backbone, width, depth)
SIZES = (("mlp", 64, 2), ("mlp", 256, 4), ("transformer", 64, 2), ("lgatr", 24, 2))
BACKBONES = ("mlp", "transformer", "lgatr")
BATCH = 1024


def make_model(n_jets: int, backbone: str, width: int, depth: int, steps: int) -> CFM:
    """A randomly initialised cfm for ``n_jets``-jet event coordinates."""
    coords = EventCoordinates(n_jets)
    spec = InputsSpec(n_features=coords.d, n_particles=2 + n_jets,
                      particle_types=tuple(range(2 + n_jets)),
                      periodic=tuple(bool(p) for p in coords.periodic),
                      coordinate_objects=tuple(int(o) for o in coords.objects),
                      object_momenta=object_momenta(coords))
    torch.manual_seed(0)
    model = build_model({"family": "cfm", "backbone": backbone, "width": width,
                         "depth": depth, "steps": steps}, spec)
    assert isinstance(model, CFM)
    return model


def timed(function) -> tuple[float, float]:
    """CPU and wall seconds of one call of ``function``."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.process_time() - cpu, time.perf_counter() - wall


def bench(model: CFM, seconds: float, n_samples: int, n_nll: int) -> dict:
    """Training, sampling and likelihood rates of ``model`` (module docstring)."""
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(BATCH, model.d, generator=gen)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        model.loss(x, generator=gen).mean().backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    steps, cpu, wall = timed_steps(step, seconds)
    out = {"train_events_per_cpu_s": steps * BATCH / cpu,
           "train_events_per_wall_s": steps * BATCH / wall,
           "achieved_flops": 3 * model.forward_flops() * steps * BATCH / cpu}
    model.sample(16, generator=gen)  # warm-up (imports torchdiffeq)
    cpu, wall = timed(lambda: model.sample(n_samples, generator=gen))
    out |= {"sample_events_per_cpu_s": n_samples / cpu,
            "sample_events_per_wall_s": n_samples / wall}
    points = torch.randn(n_nll, model.d, generator=gen)
    cpu, wall = timed(lambda: model.log_prob(points))
    return out | {"nll_events_per_cpu_s": n_nll / cpu, "nll_events_per_wall_s": n_nll / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0,
                        help="target CPU seconds of each timed training stretch")
    parser.add_argument("--samples", type=int, default=2000, help="events sampled")
    parser.add_argument("--nll", type=int, default=200, help="events of the exact NLL")
    parser.add_argument("--steps", type=int, default=20, help="RK4 steps")
    parser.add_argument("--backbones", nargs="+", choices=BACKBONES, default=list(BACKBONES),
                        help="backbones to time (a subset writes cfm_<backbones>.*)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for n_jets in (1, 3):
        for backbone, width, depth in (s for s in SIZES if s[0] in args.backbones):
            model = make_model(n_jets, backbone, width, depth, args.steps)
            row = {"n_jets": n_jets, "d": model.d, "backbone": backbone, "width": width,
                   "depth": depth, "n_params": model.n_params(),
                   "forward_flops": model.forward_flops(),
                   **bench(model, args.seconds, args.samples, args.nll)}
            rows.append(row)
            print(f"d={model.d} {backbone} {width}x{depth}: train "
                  f"{row['train_events_per_cpu_s']:.3g} ev/s, sample "
                  f"{row['sample_events_per_cpu_s']:.3g} ev/s, nll "
                  f"{row['nll_events_per_cpu_s']:.3g} ev/s", flush=True)
    result = {"benchmark": "cfm", "threads": 1, "seconds": args.seconds, "batch": BATCH,
              "samples": args.samples, "nll": args.nll, "rk4_steps": args.steps,
              "load_average": os.getloadavg()[0], "cpus": os.cpu_count(), **run_meta(),
              "rows": rows}
    name = "cfm" if set(args.backbones) == set(BACKBONES) else "_".join(["cfm", *args.backbones])
    write_results(name, result, markdown(result))
    print(markdown(result), end="")


def markdown(r: dict) -> str:
    """The throughput table of ``r`` with its conditions."""
    header = ["d", "backbone", "N", "fwd FLOPs/event", "train events/s", "achieved GFLOP/s",
              "sample events/s", "exact NLL events/s"]
    table = markdown_table(header, ([
        str(row["d"]), f"{row['backbone']} {row['width']}x{row['depth']}",
        f"{row['n_params']:,}", f"{row['forward_flops']:.3g}",
        f"{row['train_events_per_cpu_s']:.3g} ({row['train_events_per_wall_s']:.3g})",
        f"{row['achieved_flops'] / 1e9:.2f}",
        f"{row['sample_events_per_cpu_s']:.3g} ({row['sample_events_per_wall_s']:.3g})",
        f"{row['nll_events_per_cpu_s']:.3g} ({row['nll_events_per_wall_s']:.3g})",
    ] for row in r["rows"]), align="rlrrrrrr")
    lines = [
        "# cfm event generator throughput (one CPU core)",
        "",
        f"Code {r['code_version']}; torch on one thread; rates per CPU second (wall in "
        f"brackets; load average {r['load_average']:.1f} on {r['cpus']} shared cores). "
        f"Training: a bare AdamW step with clipping at batch {r['batch']} on random "
        f"coordinates, about {r['seconds']:g} CPU s per row. Sampling: {r['samples']} events, "
        f"RK4 with {r['rk4_steps']} steps ({4 * r['rk4_steps']} network evaluations). Exact "
        f"NLL: {r['nll']} events, the same RK4 steps, d autograd passes per evaluation.",
        "",
        *table,
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
