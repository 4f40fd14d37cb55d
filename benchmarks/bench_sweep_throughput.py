"""Benchmark: throughput of a demo-sized amplitude sweep (runs per hour), and what could raise it.

Part 1, layouts: the demo's recipe (:func:`hepscaling.demo.demo_spec`: MLP 128 x 4, batch 512,
lr 2e-3, cosine) on ``u u~ > z g g`` at D = 400, 1600, 3200 and 2 seeds, shortened to
``--steps`` steps per run, run by :func:`hepscaling.sweeps.run_sweep` on fresh local workers in
three layouts of the 2 cores: 2 workers x 1 torch thread (the default), 1 worker x 2 threads,
4 workers x 1 thread (two runs per core). Runs per hour = runs / sweep wall time (cold workers
included, dataset generated beforehand); the test metric of every run is compared across
layouts (threads change only the floating-point summation order).

Part 2, per-step alternatives for the same model (bare steps on one thread, process CPU time,
interleaved rounds, best of each): K = 4 same-shape MLPs trained as one ``torch.func.vmap``-ed
model (stacked weights, per-model clipping, one fused AdamW) vs 4 sequential steps; and
``torch.compile`` of the model vs eager (compile time measured).

``--compile`` instead runs the sweep of part 1 in the default layout (2 workers x 1 thread)
with ``train.compile`` false and true, alternating: eager, compiled on a cold Inductor cache
(a fresh ``TORCHINDUCTOR_CACHE_DIR``), compiled again on the cache the cold sweep filled (the
situation of every sweep after the first), eager again. Per sweep: runs per hour, the mean
compile time of its runs (the first run of each worker and the later ones), and the test
metric of every run and the fitted power law ``test_mse_log(D)`` against the eager sweep.

``--demo`` instead times the whole ``hepscaling demo`` of this code and, with
``--baseline-src PATH``, of another version (the ``src`` directory of e.g. a detached git
worktree of an older commit, run with the same Python environment), each in its own
default way (its demo spec and worker layout; ``--workers N`` adds this code with N workers),
``--repeats`` times, interleaved. Every demo runs in a fresh directory seeded with its version's
datasets, generated once per version beforehand (timed; the arrays of the versions are
compared). Per demo (``_demo_timing.py`` in a subprocess): wall seconds of the sweep, the
report and the whole process, CPU seconds of the process and its workers (on shared cores the
wall time also measures the share of the cores the demo got), the load average, the run ids,
every run's test metric, and the fits of ``hepscaling fit`` (this code) on its sweep.
``--demo-steps`` shortens every run (both versions alike).

Run:  .venv/bin/python benchmarks/bench_sweep_throughput.py [--steps 1000] [--compile]
      .venv/bin/python benchmarks/bench_sweep_throughput.py --demo --baseline-src PATH
          [--workers 4] [--repeats 2] [--demo-steps 1000] [--work DIR]
Writes benchmarks/results/sweep_throughput.json and .md (``--compile``:
sweep_throughput_compile.json and .md; ``--demo``: sweep_throughput_demo.json and .md, after
every demo).
"""

from __future__ import annotations

import os

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
#: the thread settings as the caller had them, for the demo processes of ``--demo``
CALLER_THREADS = {var: os.environ.get(var) for var in THREAD_VARS}
for _var in THREAD_VARS:
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before torch is imported)
import copy  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.func import functional_call, stack_module_state, vmap  # noqa: E402

import hepscaling  # noqa: E402
from _common import RESULTS, markdown_table, run_meta, write_results  # noqa: E402
from hepscaling.data.amplitudes import generate_amplitudes  # noqa: E402
from hepscaling.demo import DEMO_DATASETS, DemoSettings, demo_spec  # noqa: E402
from hepscaling.laws import fit_power_law  # noqa: E402
from hepscaling.models.base import InputsSpec, Model, build_model  # noqa: E402
from hepscaling.physics.phase_space import Cuts  # noqa: E402
from hepscaling.records import RunRecord, load_records  # noqa: E402
from hepscaling.sweeps import LocalExecutor, SweepSpec, parse_spec, run_sweep  # noqa: E402

LAYOUTS = ((2, 1), (1, 2), (4, 1))  # (workers, torch threads per worker)
D_VALUES, SEEDS = (400, 1600, 3200), (0, 1)
K, BATCH, WIDTH, DEPTH = 4, 512, 128, 4
SPEC = InputsSpec(n_features=10, n_particles=5, particle_types=(0, 1, 2, 2, 2))


def demo_sized_spec(dataset: Path, steps: int) -> dict:
    """The demo's sweep spec for ``u u~ > z g g`` on the generated ``dataset``."""
    settings = DemoSettings(d_values=D_VALUES, seeds=SEEDS, steps=steps,
                            eval_every=max(1, steps // 4))
    spec = demo_spec(settings, [DEMO_DATASETS["zgg"]["process"]])
    del spec["datasets"]
    spec["axes"]["task.dataset"] = [str(dataset)] * len(spec["axes"]["task.dataset"])
    return spec


def demo_dataset(work: Path) -> Path:
    """The demo's ``u u~ > z g g`` events, enough for the largest D, validation and test."""
    ds = DEMO_DATASETS["zgg"]
    return generate_amplitudes(work / "zgg.h5", ds["process"], max(D_VALUES) + 7000,
                               ds["sqrt_s"], ds["seed"], cuts=Cuts(**ds["cuts"]),
                               progress=False)


def timed_sweep(spec: SweepSpec, out: Path, workers: int, threads: int) -> tuple[dict, list]:
    """Run ``spec`` into ``out`` on a local executor of ``workers`` x ``threads``: its timing
    (runs per hour, mean loop wall time, load average) and its run records."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with LocalExecutor(workers, threads=threads) as executor:
        result = run_sweep(spec, out, executor=executor, progress=False)
    wall = time.perf_counter() - start
    records = load_records(out)
    return {"runs": result.planned, "done": result.counts["done"], "wall_s": wall,
            "runs_per_hour": 3600 * result.planned / wall,
            "mean_loop_wall_s": sum(r.wall_time for r in records) / len(records),
            "load_average_1min": load}, records


def layouts(work: Path, steps: int) -> dict:
    """Part 1: runs per hour of each layout, and the spread of the test metric across them."""
    spec = parse_spec(demo_sized_spec(demo_dataset(work), steps))
    rows, metrics = [], {}
    for workers, threads in LAYOUTS:
        timing, records = timed_sweep(spec, work / f"w{workers}t{threads}", workers, threads)
        metrics[(workers, threads)] = {r.run_id: r.metrics["test_mse_log"] for r in records}
        rows.append({"workers": workers, "threads": threads, **timing})
    reference = metrics[LAYOUTS[0]]
    spread = max(abs(m[rid] / reference[rid] - 1) for m in metrics.values() for rid in m)
    return {"steps": steps, "rows": rows, "max_relative_metric_difference": spread}


def _interleaved(steps: dict[str, Callable[[], None]], rounds: int = 6,
                 per_round: int = 5) -> dict[str, float]:
    """Best CPU seconds per call of each of ``steps``, timed in alternating rounds."""
    for step in steps.values():
        step()
        step()
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(rounds):
        for name, step in steps.items():
            cpu = time.process_time()
            for _ in range(per_round):
                step()
            best[name] = min(best[name], (time.process_time() - cpu) / per_round)
    return best


def _mlp(seed: int) -> Model:
    torch.manual_seed(seed)
    return build_model({"family": "mlp", "width": WIDTH, "depth": DEPTH}, SPEC)


def _step(model: Model, forward: Callable, x: torch.Tensor, y: torch.Tensor):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=True)

    def step() -> None:
        loss = torch.mean((forward(x)[:, 0] - y) ** 2)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    return step


def alternatives() -> dict:
    """Part 2: vmap-batched vs sequential same-shape models; compiled vs eager."""
    gen = torch.Generator().manual_seed(0)
    xs, ys = torch.randn(K, BATCH, 10, generator=gen), torch.randn(K, BATCH, generator=gen)
    models = [_mlp(k) for k in range(K)]
    singles = [_step(m, m, x, y) for m, x, y in zip(models, xs, ys, strict=True)]

    params, buffers = stack_module_state(models)  # (K, ...) leaves
    params = {k: v.detach().requires_grad_() for k, v in params.items()}
    skeleton = copy.deepcopy(models[0]).to("meta")
    optimizer = torch.optim.AdamW(list(params.values()), lr=1e-3, fused=True)

    def one_loss(p: dict, b: dict, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.mean((functional_call(skeleton, (p, b), (x,))[:, 0] - y) ** 2)

    def batched() -> None:
        losses = vmap(one_loss)(params, buffers, xs, ys)  # (K,)
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()
        norms = torch.stack([p.grad.flatten(1).norm(dim=1) for p in params.values()], 1)
        coef = (1.0 / (norms.norm(dim=1) + 1e-6)).clamp(max=1.0)  # (K,) per-model clipping
        for p in params.values():
            p.grad.mul_(coef.view(-1, *[1] * (p.dim() - 1)))
        optimizer.step()

    def sequential() -> None:
        for step in singles:
            step()

    eager_model, compiled_model = _mlp(0), _mlp(0)
    compiled = torch.compile(compiled_model)
    compiled_step = _step(compiled_model, compiled, xs[0], ys[0])
    cpu, wall = time.process_time(), time.perf_counter()
    compiled_step()  # compiles forward and backward
    compile_cpu, compile_wall = time.process_time() - cpu, time.perf_counter() - wall
    best = _interleaved({"sequential": sequential, "vmap": batched,
                         "eager": _step(eager_model, eager_model, xs[0], ys[0]),
                         "compiled": compiled_step})
    return {"K": K, "batch": BATCH, "width": WIDTH, "depth": DEPTH, "best_s": best,
            "vmap_speedup": best["sequential"] / best["vmap"],
            "compile_speedup": best["eager"] / best["compiled"],
            "compile_cpu_s": compile_cpu, "compile_wall_s": compile_wall}


#: the sweeps of ``--compile`` in their order: (label, train.compile, Inductor cache)
COMPILE_SWEEPS = (("eager", False, None), ("compiled, cold cache", True, "cache"),
                  ("compiled, warm cache", True, "cache"), ("eager again", False, None))


def compile_comparison(work: Path, steps: int) -> dict:
    """``--compile``: the demo-sized sweep eager and compiled, alternating (see the module
    docstring); 2 workers x 1 thread."""
    spec_dict = demo_sized_spec(demo_dataset(work), steps)
    rows, metrics = [], {}
    saved_cache = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    try:
        for i, (label, compiled, cache) in enumerate(COMPILE_SWEEPS):
            if cache is not None:  # the workers inherit it
                os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(work / cache)
            spec_dict["base"]["train"]["compile"] = compiled
            timing, records = timed_sweep(parse_spec(spec_dict), work / f"sweep{i}", 2, 1)
            records.sort(key=lambda r: r.started_at)
            by_point = {(r.n_train, r.seed): r for r in records}
            metrics[label] = {k: r.metrics["test_mse_log"] for k, r in by_point.items()}
            fit = fit_power_law([k[0] for k in metrics[label]], list(metrics[label].values()),
                                floor=False, bootstrap=0)
            rows.append({"sweep": label, "compile": compiled, **timing,
                         "compile_time_s": [r.compile_time for r in records],
                         "alpha": fit.params["alpha"]})
    finally:
        if saved_cache is None:
            os.environ.pop("TORCHINDUCTOR_CACHE_DIR", None)
        else:
            os.environ["TORCHINDUCTOR_CACHE_DIR"] = saved_cache
    reference = metrics["eager"]
    for row in rows:
        row["max_relative_metric_difference"] = max(
            abs(metrics[row["sweep"]][k] / reference[k] - 1) for k in reference)
    return {"steps": steps, "workers": 2, "threads": 1, "rows": rows}


DEMO_TIMING = Path(__file__).with_name("_demo_timing.py")
CURRENT_SRC = Path(hepscaling.__file__).resolve().parents[1]


def _demo_process(mode: str, out: Path, src: Path, workers: int | None = None,
                  steps: int | None = None) -> dict:
    """Run ``_demo_timing.py mode out [--workers workers] [--steps steps]`` with ``src`` as the
    hepscaling on the path and the caller's thread settings: its timing, the subprocess's wall
    time (interpreter start included) and the 1/5/15-min load averages before and after."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env.update({k: v for k, v in CALLER_THREADS.items() if v is not None})
    env.update(PYTHONPATH=str(src), MPLBACKEND="Agg")
    command = [sys.executable, str(DEMO_TIMING), mode, str(out)]
    load, start = list(os.getloadavg()), time.perf_counter()
    command += [*(["--workers", str(workers)] if workers else []),
                *(["--steps", str(steps)] if steps else [])]
    done = subprocess.run(command, env=env,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{mode} with {src} failed:\n{done.stderr[-3000:]}")
    return {**json.loads(done.stdout.splitlines()[-1]), "process_wall_s": wall,
            "load_before": load, "load_after": list(os.getloadavg())}


def _fits(sweep: Path) -> dict[str, dict]:
    """``hepscaling fit SWEEP --json`` of this code (the demo's law: power law with floor,
    200 bootstrap replicates, largest D held out): per process, each parameter's value and
    68% interval, and the held-out ratios measured / predicted."""
    done = subprocess.run([sys.executable, "-m", "hepscaling.cli", "fit", str(sweep),
                           "--metric", "test_mse_log", "--json"],
                          capture_output=True, text=True, check=True)
    fits = {}
    for group in json.loads(done.stdout):
        params = group["fit"]["params"] if group["fit"] else {}
        fits[group["group"]["config.task.process"]] = {
            "params": {name: [p["value"], p["low"], p["high"]] for name, p in params.items()},
            "holdout_ratios": [row["ratio"] for row in
                               (group["extrapolation"] or {"rows": []})["rows"]],
            "error": group["error"]}
    return fits


def _same_data(a: Path, b: Path) -> bool:
    """Whether the amplitude files in the directories ``a`` and ``b`` hold the same arrays."""
    names = sorted(p.name for p in a.glob("*.h5"))
    if names != sorted(p.name for p in b.glob("*.h5")):
        return False
    for name in names:
        with h5py.File(a / name) as fa, h5py.File(b / name) as fb:
            if not all(np.array_equal(fa[k][:], fb[k][:]) for k in ("momenta", "me2")):
                return False
    return True


def _point(record: RunRecord) -> str:
    """A demo run's place in the sweep, ``"process | D | seed"`` (run ids may differ between
    versions that name the same run differently)."""
    return f"{record.config['task']['process']} | {record.n_train} | {record.seed}"


def _within(fits: dict[str, dict], reference: dict[str, dict]) -> bool:
    """Whether every fitted parameter of ``fits`` lies in the interval of ``reference`` and
    the other way round."""
    def inside(value: float, interval: list[float]) -> bool:
        return interval[1] <= value <= interval[2]

    return fits.keys() == reference.keys() and all(
        inside(p[0], reference[g]["params"][name]) and inside(reference[g]["params"][name][0], p)
        for g in fits for name, p in fits[g]["params"].items())


def demo_comparison(work: Path, versions: dict[str, Path], workers: list[int],
                    repeats: int, steps: int | None, report: Callable[[dict], None]) -> dict:
    """``--demo``: the full ``hepscaling demo`` of each of ``versions`` (label -> src
    directory) in its default layout, and of the last version with each of ``workers``
    worker processes, ``repeats`` times, interleaved (a, b, c, a, b, c, ...), each into a
    fresh directory seeded with its version's datasets (generated once per version
    beforehand, timed, and compared array by array); the timing of every demo, its runs' loop
    wall times and run ids, and the fits of ``hepscaling fit`` (this code) on its sweep.
    ``steps``: every run that many steps instead of the demo's 6000 (None: the demo as is).
    ``report`` gets the result so far after every demo."""
    data = {label: _demo_process("data", work / f"data-{label}", src)
            for label, src in versions.items()}
    first, last = next(iter(versions)), list(versions)[-1]
    same_data = {label: _same_data(work / f"data-{first}/sweep/data",
                                   work / f"data-{label}/sweep/data") for label in versions}
    arms = [(label, label, None) for label in versions]
    arms += [(f"{last}, {n} workers", last, n) for n in workers]
    result = {"versions": {label: str(src) for label, src in versions.items()},
              "arms": [arm for arm, _, _ in arms],
              "data": {label: {k: v for k, v in d.items() if k != "spec"}
                       for label, d in data.items()},
              "same_spec": {label: d["spec"] == data[first]["spec"] for label, d in data.items()},
              "same_data": same_data, "repeats": repeats, "steps": steps or 6000,
              "rows": []}
    for repeat in range(repeats):
        for arm, label, n_workers in arms:
            out = work / f"{arm.replace(', ', '-').replace(' ', '')}-{repeat}"
            shutil.copytree(work / f"data-{label}/sweep/data", out / "sweep/data")
            timing = _demo_process("demo", out, versions[label], n_workers, steps)
            records = load_records(out / "sweep")
            started = min(r.started_at for r in records)
            result["rows"].append({"version": arm, "repeat": repeat, **timing,
                                   "runs": len(records),
                         "mean_run_wall_s": statistics.mean(r.wall_time for r in records),
                         "sum_run_wall_s": sum(r.wall_time for r in records),
                         "first_run_started": started,
                         "last_run_finished": max(r.finished_at for r in records),
                         "run_ids": sorted(r.run_id for r in records),
                         "test_mse_log": {_point(r): r.metrics["test_mse_log"]
                                          for r in records},
                         "fits": _fits(out / "sweep")})
            report(result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000, help="optimiser steps per run")
    parser.add_argument("--compile", action="store_true",
                        help="compare train.compile false / true instead (see above)")
    parser.add_argument("--demo", action="store_true",
                        help="time the full demo of this code (and of --baseline-src) instead")
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="--demo: the src directory of the code to compare with (e.g. a "
                             "git worktree of an older commit)")
    parser.add_argument("--workers", type=int, action="append", default=[],
                        help="--demo: also run this code's demo with this many worker "
                             "processes (repeatable)")
    parser.add_argument("--repeats", type=int, default=2, help="--demo: demos per version")
    parser.add_argument("--demo-steps", type=int, default=None,
                        help="--demo: steps per run (default: the demo's 6000)")
    parser.add_argument("--work", type=Path, default=None,
                        help="--demo: keep the demo outputs here (default: a temporary "
                             "directory)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.demo:
        versions = {"baseline": args.baseline_src.resolve()} if args.baseline_src else {}
        versions["current"] = CURRENT_SRC
        meta = {**run_meta(), "cores": os.cpu_count()}

        def report(comparison: dict) -> None:
            result = {**meta, "demo": comparison, "load_average_end": list(os.getloadavg())}
            write_results("sweep_throughput_demo", result, demo_markdown(result))

        with tempfile.TemporaryDirectory() as tmp:
            work = args.work or Path(tmp)
            work.mkdir(parents=True, exist_ok=True)
            demo_comparison(work, versions, args.workers, args.repeats, args.demo_steps,
                            report)
        print((RESULTS / "sweep_throughput_demo.md").read_text(), end="")
        return
    if args.compile:
        with tempfile.TemporaryDirectory() as tmp:
            comparison = compile_comparison(Path(tmp), args.steps)
        result = {**run_meta(), "cores": os.cpu_count(), "compile": comparison,
                  "load_average_end": list(os.getloadavg())}
        write_results("sweep_throughput_compile", result, compile_markdown(result))
        print(compile_markdown(result), end="")
        return
    with tempfile.TemporaryDirectory() as tmp:
        part1 = layouts(Path(tmp), args.steps)
    part2 = alternatives()
    result = {**run_meta(), "cores": os.cpu_count(), "layouts": part1, "alternatives": part2,
              "load_average_end": list(os.getloadavg())}
    write_results("sweep_throughput", result, markdown(result))
    print(markdown(result), end="")


def markdown(r: dict) -> str:
    """The layout and alternatives tables of ``r`` with their conditions."""
    lay, alt = r["layouts"], r["alternatives"]
    lines = [
        "# Throughput of a demo-sized amplitude sweep",
        "",
        f"Code {r['code_version']}, {r['cores']} shared cores, 1-min load average "
        f"{r['load_average_1_5_15'][0]:.1f} at the start and {r['load_average_end'][0]:.1f} at "
        f"the end (other jobs on the cores lower every rate). Demo recipe on u u~ > z g g, "
        f"D = {', '.join(map(str, D_VALUES))} x {len(SEEDS)} seeds, {lay['steps']} steps per "
        "run; fresh workers per layout.",
        "",
        *markdown_table(["workers x threads", "runs", "sweep wall (s)", "runs / hour",
                         "mean loop wall per run (s)", "load at start"],
                        ([f"{row['workers']} x {row['threads']}", str(row["runs"]),
                          f"{row['wall_s']:.1f}", f"{row['runs_per_hour']:.0f}",
                          f"{row['mean_loop_wall_s']:.1f}",
                          f"{row['load_average_1min']:.1f}"] for row in lay["rows"]),
                        align="lrrrrr"),
        "",
        f"Largest relative difference of a run's test_mse_log between layouts: "
        f"{lay['max_relative_metric_difference']:.2g}.",
        "",
        f"## Per-step alternatives (MLP {alt['width']} x {alt['depth']}, batch {alt['batch']}, "
        "one thread, CPU ms per step of every model, best of interleaved rounds)",
        "",
        *markdown_table(["variant", "ms"], ([name, f"{1e3 * s:.2f}"]
                                            for name, s in alt["best_s"].items()),
                        align="lr"),
        "",
        f"vmap-batched {alt['K']} same-shape models vs {alt['K']} sequential steps: "
        f"{alt['vmap_speedup']:.2f}x. torch.compile vs eager: {alt['compile_speedup']:.2f}x "
        f"after {alt['compile_cpu_s']:.1f} CPU s ({alt['compile_wall_s']:.1f} s wall) of "
        "compilation.",
    ]
    return "\n".join(lines) + "\n"


def compile_markdown(r: dict) -> str:
    """The eager / compiled sweep table of ``r`` with its conditions."""
    c = r["compile"]
    eager = [row for row in c["rows"] if not row["compile"]]
    mean_eager = sum(row["runs_per_hour"] for row in eager) / len(eager)
    rows = []
    for row in c["rows"]:
        times = row["compile_time_s"]
        rows.append([row["sweep"], f"{row['done']}/{row['runs']}", f"{row['wall_s']:.1f}",
                     f"{row['runs_per_hour']:.0f}", f"{row['runs_per_hour'] / mean_eager:.2f}x",
                     f"{row['mean_loop_wall_s']:.1f}",
                     ", ".join(f"{t:.1f}" for t in times) if row["compile"] else "-",
                     f"{row['alpha']:.4f}", f"{row['max_relative_metric_difference']:.2g}",
                     f"{row['load_average_1min']:.1f}"])
    lines = [
        "# Demo-sized amplitude sweep, train.compile false vs true",
        "",
        f"Code {r['code_version']}, {r['cores']} shared cores, 1-min load average "
        f"{r['load_average_1_5_15'][0]:.1f} at the start and {r['load_average_end'][0]:.1f} at "
        f"the end (other jobs on the cores lower every rate). Demo recipe on u u~ > z g g, "
        f"D = {', '.join(map(str, D_VALUES))} x {len(SEEDS)} seeds, {c['steps']} steps per "
        f"run, {c['workers']} workers x {c['threads']} thread, fresh workers per sweep; the "
        "sweeps ran one after another in the order listed. Compile times per run in the "
        "order the runs started (each worker's first run compiles first); 'vs eager' divides "
        "by the mean of the two eager sweeps; alpha: power law test_mse_log = (D_c / D)^alpha "
        "fitted to the sweep's runs; the last column but one: the largest relative "
        "difference of a run's test_mse_log from the eager sweep.",
        "",
        *markdown_table(["sweep", "done", "wall (s)", "runs / hour", "vs eager",
                         "mean loop wall per run (s)", "compile time per run (s)", "alpha",
                         "max metric diff", "load at start"], rows, align="lrrrrrlrrr"),
    ]
    return "\n".join(lines) + "\n"


def demo_markdown(r: dict) -> str:
    """The demo timing table of ``r``, its conditions and the fits of both versions."""
    d = r["demo"]
    rows = d["rows"]
    done = [arm for arm in d["arms"] if any(row["version"] == arm for row in rows)]
    mean = {arm: {key: statistics.mean(row[key] for row in rows if row["version"] == arm)
                  for key in ("sweep_s", "process_wall_s", "cpu_s")} for arm in done}
    generation = ", ".join(f"{k} {v['data_s']:.1f} s" for k, v in d["data"].items())
    versions = ", ".join(f"{k}: {v}" for k, v in d["versions"].items())
    lines = [
        "# The demo, before and after",
        "",
        f"Code {r['code_version']} ('current'), {r['cores']} shared cores. `hepscaling demo` "
        f"(3 processes x 6 D x 2 seeds = 36 runs, then the report), here with "
        f"{d['steps']} steps per run (the demo: 6000), of each "
        f"version in its default way ({versions}; 'current, N workers': the same code with "
        f"`--workers N`), {d['repeats']} times each (this table: {len(rows)} demos), "
        "interleaved in the order listed, every demo in a fresh "
        "directory seeded with its version's datasets (generated beforehand; same spec: "
        f"{_yes(all(d['same_spec'].values()))}, same arrays: "
        f"{_yes(all(d['same_data'].values()))}; generation took {generation}). "
        "Wall seconds of the sweep (run_sweep: plan, workers, runs), of the report (fits, "
        "plots, HTML) and of the whole `hepscaling demo` process from its start (interpreter "
        "and imports included); CPU: user + system seconds of the process and its workers "
        "(other jobs share the cores, so CPU seconds measure the work and wall seconds also "
        "the share of the cores the demo got); load: the 1-min load average before and after "
        "each demo.",
        "",
        *markdown_table(
            ["version", "repeat", "sweep (s)", "report (s)", "process (s)", "CPU (s)",
             "mean loop wall per run (s)", "runs", "load before / after"],
            ([row["version"], str(row["repeat"]), f"{row['sweep_s']:.1f}",
              f"{row['report_s']:.1f}", f"{row['process_wall_s']:.1f}", f"{row['cpu_s']:.0f}",
              f"{row['mean_run_wall_s']:.1f}", str(row["runs_done"]),
              f"{row['load_before'][0]:.1f} / {row['load_after'][0]:.1f}"] for row in rows),
            align="lrrrrrrrr"),
        "",
    ]
    if "baseline" in mean:
        b = mean["baseline"]
        lines += ["Baseline's mean over each version's mean (> 1: faster than the baseline):",
                  "", *markdown_table(
                      ["version", "sweep wall", "process wall", "CPU"],
                      ([arm, *(f"{b[key] / m[key]:.2f}x"
                               for key in ("sweep_s", "process_wall_s", "cpu_s"))]
                       for arm, m in mean.items()), align="lrrr"), ""]
    reference = rows[0]
    same_ids = all(row["run_ids"] == reference["run_ids"] for row in rows)
    spread = max(abs(row["test_mse_log"][k] / reference["test_mse_log"][k] - 1)
                 for row in rows for k in reference["test_mse_log"])
    lines += [f"Run ids the same in every demo: {_yes(same_ids)}; largest relative "
              "difference of a run's test_mse_log (same process, D and seed) from the first "
              f"demo: {spread:.2g}. Fits "
              "(`hepscaling fit --metric test_mse_log`, this code, power law with floor, 68% "
              "bootstrap intervals; 'within' = every parameter of the demo inside the first "
              "demo's interval and the other way round):", ""]
    fit_rows = []
    for row in rows:
        for process, fit in row["fits"].items():
            params = fit["params"]
            fit_rows.append([row["version"], str(row["repeat"]), process,
                             *(_interval(params[name]) if name in params else "-"
                               for name in ("alpha", "k", "x_c")),
                             ", ".join(f"{x:.2f}" for x in fit["holdout_ratios"]),
                             _yes(_within(row["fits"], reference["fits"]))])
    lines += markdown_table(["version", "repeat", "process", "alpha", "K", "D_c",
                             "held-out measured / predicted", "within"], fit_rows,
                            align="lrllllll")
    return "\n".join(lines) + "\n"


def _interval(p: list[float]) -> str:
    return f"{p[0]:.3g} [{p[1]:.3g}, {p[2]:.3g}]"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


if __name__ == "__main__":
    main()
