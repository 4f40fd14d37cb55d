"""Benchmark: the runtime of each part of the amplitude-surrogate study (``make
amplitudes-study``), estimated from measured step costs, without running the study.

Each spec of ``examples/sweeps/amplitudes/`` is planned at ``--scale`` (the specs' scale
knob). For every distinct (model, batch size, process) of the planned runs the real training
loop (:func:`hepscaling.train.loop.run_training`) trains two short runs on a small dataset of
that process generated with the spec's settings; the difference of their process CPU times
over the difference of their steps is the CPU cost of a step, the rest of the shorter run
the per-run overhead (data preprocessing, model build, final evaluation, TwoNN). A planned
run is estimated as ``overhead + steps x step cost`` (validation every ``eval_every`` steps on
2000 events is below 1% of a 500-step stretch and left out). A part with ``converge:`` is
estimated as if every ladder climbed to ``max_steps`` (an upper bound; the ladders of points
that converge early stop sooner). A part's wall time on W workers
is ``max(sum / W, longest run)`` plus the generation of its datasets (CPU time per event
measured on 1000 events of each process, times the events; generated one after the other).
CPU time, not wall time, and torch on one thread: the machine is shared, so waiting for a core
must not count; an idle 2-core machine runs the study in about the estimated time.

Run:  .venv/bin/python benchmarks/bench_amplitude_study.py [--scale 1] [--workers 2]
Writes benchmarks/results/amplitude_study.json and benchmarks/results/amplitude_study.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before torch is imported)
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

from _common import markdown_table, run_meta, write_results  # noqa: E402
from hepscaling.sweeps import load_spec, make_plan  # noqa: E402
from hepscaling.sweeps.plan import dataset_path, rung_steps  # noqa: E402
from hepscaling.train.loop import run_training  # noqa: E402

SPECS = Path(__file__).resolve().parents[1] / "examples" / "sweeps" / "amplitudes"
#: parts that `make amplitudes-study` leaves out (their own make targets)
OPTIONAL = ("d_converged", "lgatr")
#: short-run step counts (first, second) per family: the step cost is their CPU difference
STEPS = {"mlp": (10, 110), "mlp_mup": (10, 110), "lloca": (5, 35), "lgatr": (3, 13)}
SAMPLE_EVENTS = 3000  # events of each process's timing dataset
GEN_EVENTS = 1000  # events timed for the generation cost


def _plan(spec_path: Path, scale: float, data: Path) -> tuple[object, list]:
    """The spec at ``scale`` and its plan, with small stand-in datasets (FLOP counts only)."""
    spec = load_spec(spec_path, [f"scale.factor={scale}"])
    small = {}
    for name, ds in spec.datasets.items():
        stand_in = ds.model_copy(update={"n": SAMPLE_EVENTS, "path": None})
        path = dataset_path(data, f"{ds.process.replace(' ', '_')}")
        small[name] = stand_in.model_copy(update={"path": str(stand_in.generate(
            path, progress=False))})
    plan = make_plan(spec.model_copy(update={"datasets": small}), data)
    return spec, list(plan.runs)


def _cost_key(config: dict) -> str:
    return json.dumps({"model": config["model"], "batch": config["train"]["batch_size"],
                       "dataset": config["task"]["dataset"], "loss": config["loss"]},
                      sort_keys=True)


def _step_cost(config: dict, work: Path) -> tuple[float, float]:
    """(CPU seconds per step, per-run overhead CPU seconds) of ``config``'s model, batch and
    process on the stand-in dataset."""
    short, long = STEPS[config["model"]["family"]]
    cpu = []
    for i, steps in enumerate((short, long)):
        run = json.loads(json.dumps(config))
        run["task"].update(n_train=min(2000, run["task"]["n_train"]), n_val=200, n_test=500)
        run["train"].update(steps=steps, warmup_steps=1, eval_every=10**6, flops=None,
                            epochs=None)
        run["device"] = "cpu"
        start = time.process_time()
        run_training(run, work / f"run{i}", progress=False, threads=1)
        cpu.append(time.process_time() - start)
    per_step = max(cpu[1] - cpu[0], 0.0) / (long - short)
    return per_step, max(cpu[0] - short * per_step, 0.0)


def _generation_cost(spec, work: Path) -> float:
    """CPU seconds to generate all datasets of ``spec`` (per-event cost x events)."""
    total = 0.0
    for name, ds in spec.datasets.items():
        probe = ds.model_copy(update={"n": GEN_EVENTS, "path": None})
        start = time.process_time()
        probe.generate(work / f"gen_{name}.h5", progress=False)
        total += (time.process_time() - start) / GEN_EVENTS * ds.n
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="the specs' scale.factor")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--parts", nargs="*", default=None, help="spec names (default: all)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    specs = sorted(SPECS.glob("*.yaml"))
    if args.parts:
        specs = [s for s in specs if s.stem in args.parts]
    parts, costs = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for spec_path in specs:
            spec, runs = _plan(spec_path, args.scale, work / spec_path.stem)
            estimates = []
            for run in runs:
                key = _cost_key(run.config)
                if key not in costs:
                    costs[key] = _step_cost(run.config, work / "timing" / str(len(costs)))
                per_step, overhead = costs[key]
                steps = run.config["train"]["steps"]
                lengths = rung_steps(steps, spec.converge) if spec.converge else [steps]
                estimates += [overhead + length * per_step for length in lengths]
            generation = _generation_cost(spec, work / "gen")
            training = max(sum(estimates) / args.workers, max(estimates))
            parts.append({"part": spec_path.stem, "runs": len(estimates),
                          "upper_bound": spec.converge is not None,
                          "run_cpu_s_total": sum(estimates), "longest_run_s": max(estimates),
                          "generation_s": generation, "wall_s": training + generation})
            wall = (training + generation) / 60
            print(f"{spec_path.stem}: {len(estimates)} runs, {wall:.1f} min", flush=True)
    result = {"meta": run_meta(), "scale": args.scale, "workers": args.workers, "parts": parts,
              "step_costs": [{"key": json.loads(k), "cpu_s_per_step": v[0],
                              "overhead_cpu_s": v[1]} for k, v in costs.items()]}
    write_results("amplitude_study", result, render(result))


def render(result: dict) -> str:
    """The markdown summary of a result of :func:`main`."""
    in_study = [p for p in result["parts"] if p["part"] not in OPTIONAL]
    total = sum(p["wall_s"] for p in in_study)
    lines = [
        "# Runtime of the amplitude-surrogate study, part by part (estimated)",
        "",
        f"Scale factor {result['scale']:g}, {result['workers']} workers; code "
        f"{result['meta']['code_version']}; load average "
        f"{result['meta']['load_average_1_5_15'][0]:.1f} while measuring (CPU time is "
        "counted, so the load does not enter). Per run: overhead + steps x measured CPU cost "
        "per step of its model, batch and process; per part: max(sum / workers, longest run) "
        "+ dataset generation. Reports and fits (bootstrap 200) add a few minutes per part.",
        "",
        *markdown_table(["part", "runs", "CPU total [min]", "longest run [min]",
                         "generation [min]", "wall estimate [min]"],
                        [[p["part"], ("<= " if p.get("upper_bound") else "") + str(p["runs"]),
                          f"{p['run_cpu_s_total'] / 60:.1f}", f"{p['longest_run_s'] / 60:.1f}",
                          f"{p['generation_s'] / 60:.1f}",
                          ("<= " if p.get("upper_bound") else "") + f"{p['wall_s'] / 60:.1f}"]
                         for p in result["parts"]], "lrrrrr"),
        "",
        "Parts with converge: (<=) are estimated as if every ladder climbed to max_steps.",
        "",
        f"`make amplitudes-study` (all parts but the optional {' and '.join(OPTIONAL)}): about "
        f"{total / 60:.0f} min.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
