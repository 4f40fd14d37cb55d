"""Benchmark: float32 vs bfloat16 training (``train.precision``) in one run: peaks, throughput,
equality of test metrics, and bfloat16's floor on amplitude regression.

Part 1, peaks: the best float32 and bfloat16 ``torch.mm`` of 1024 x 1024 matrices (before and
after the throughput part; the best counts).

Part 2, throughput, each model in float32 and under bfloat16 autocast (float32 weights and AdamW
state), alternating the two precisions per model:

- MLPs of width 256 and 512 (depth 3) at batch 4096 through the real loop
  (``bench_training.bench``: :func:`hepscaling.train.loop.run_training` on a synthetic 2 -> 3
  amplitude file, best of 5 stretches between evaluations);
- bare training steps (forward, loss, backward, clipping, fused AdamW) of the jet-tagging
  transformer ``part`` (width 128, depth 4, 64 constituent slots, batch 64; N ~ 7e5), the
  amplitude ``transformer`` (width 128, depth 4, k = 5 particles, batch 1024; N ~ 5e5) and the
  jet GPT (d128/L4, T = 32, batch 64; N ~ 8e5 without embeddings), timed by
  :func:`_common.timed_steps`.

Rates are samples per process CPU second (wall alongside); achieved = samples/s x 3 x forward
FLOPs (the matmul-FLOP convention of :mod:`hepscaling.train.flops`), as a fraction of the peak of
the precision the matmuls ran at; the bf16 / fp32 ratio of samples/s. Torch runs on one thread.

Part 3, equality: a sweep (:func:`hepscaling.sweeps.run_sweep`, local executor, 2 workers) of a
two-sample classifier (MLP 64 x 3, reference N(0, 1) vs candidate N(0.3, 1.3^2) in 4 features)
over 5 seeds x {fp32, bf16}: test AUC and loss per precision, mean and seed-to-seed standard
deviation; equal when the difference of the means is within the pooled seed-to-seed spread
(:func:`compare_precisions`).

Part 4, bfloat16's floor on amplitudes: MLP 128 x 4 surrogates of ``u u~ > t t~ h`` (the demo's
dataset and recipe: batch 512, lr 2e-3, cosine) at D = 1600 for 3000 steps, 2 seeds, trained in
fp32 and bf16 (and ``auto``, which trains amplitudes in float32): ``test_mse_log`` (MSE of
ln |M|^2; 1e-4 is a 1 % RMS error).

Run:  .venv/bin/python benchmarks/bench_precision.py [--seconds 2] [--skip-floor]
Writes benchmarks/results/precision.json and benchmarks/results/precision.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before torch is imported)
import math  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from _common import markdown_table, matmul_peak, run_meta, timed_steps, write_results  # noqa: E402
from bench_jet_gpt import make_model as make_jet_gpt  # noqa: E402
from bench_jet_taggers import N_CLASSES  # noqa: E402
from bench_jet_taggers import inputs as jet_inputs  # noqa: E402
from bench_training import N_TEST, N_TRAIN, N_VAL, synthetic_file  # noqa: E402
from bench_training import bench as loop_bench  # noqa: E402
from bench_training_transformers import SPEC as MOMENTA_SPEC  # noqa: E402
from bench_training_transformers import momenta  # noqa: E402
from hepscaling.data.amplitudes import generate_amplitudes  # noqa: E402
from hepscaling.demo import DEMO_DATASETS  # noqa: E402
from hepscaling.models.base import InputsSpec, Model, build_model  # noqa: E402
from hepscaling.records import load_records  # noqa: E402
from hepscaling.sweeps import LocalExecutor, parse_spec, run_sweep  # noqa: E402
from hepscaling.tasks import losses  # noqa: E402
from hepscaling.tasks.jet_tagging import PARTICLE_INPUTS  # noqa: E402
from hepscaling.train.flops import TRAIN_FLOPS_FACTOR  # noqa: E402
from hepscaling.train.loop import run_training  # noqa: E402
from hepscaling.train.mixed_precision import autocast  # noqa: E402

PRECISIONS = ("fp32", "bf16")
PEAK_DTYPE = {"fp32": "float32", "bf16": "bfloat16"}
MLP_WIDTHS, MLP_BATCH = (256, 512), 4096
SLOTS = 64
EQUALITY_SEEDS = tuple(range(5))
FLOOR_D, FLOOR_STEPS, FLOOR_SEEDS = 1600, 3000, (0, 1)

Step = Callable[[], None]
#: a model, its batch and its loss of the model output
Case = tuple[Model, torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]
CPU = torch.device("cpu")


def peaks(device: torch.device = CPU) -> dict[str, float]:
    """Best matmul FLOP per second (of :func:`_common.device_clock`) of each precision on
    ``device``."""
    return {p: matmul_peak(repeat=20, dtype=PEAK_DTYPE[p], device=device) for p in PRECISIONS}


def bare_step(model: Model, x: torch.Tensor, loss: Callable[[torch.Tensor], torch.Tensor],
              precision: str, device: torch.device = CPU) -> Step:
    """One training step of ``model`` on the fixed batch ``x`` (both on ``device``): the
    forward pass under ``precision`` (the loop's bfloat16 autocast on ``device``, or none),
    ``loss`` of the float32 output, backward, clipping, fused AdamW (as the loop)."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)

    def step() -> None:
        with autocast(device, precision):
            out = model(x)
        value = loss(out.float())
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    return step


def part_case(device: torch.device = CPU) -> Case:
    spec = InputsSpec(n_outputs=N_CLASSES, n_features=12, n_particles=SLOTS,
                      n_particle_features=len(PARTICLE_INPUTS))
    torch.manual_seed(0)
    model = build_model({"family": "part", "width": 128, "depth": 4, "heads": 8}, spec)
    gen = torch.Generator().manual_seed(0)
    x = jet_inputs("part", 64, SLOTS, gen).to(device)
    y = torch.randint(N_CLASSES, (64,), generator=gen).to(device)
    return model.to(device), x, lambda out: torch.nn.functional.cross_entropy(out, y)


def transformer_case(device: torch.device = CPU) -> Case:
    torch.manual_seed(0)
    model = build_model({"family": "transformer", "width": 128, "depth": 4, "heads": 8},
                        MOMENTA_SPEC)
    gen = torch.Generator().manual_seed(0)
    x, y = momenta(1024, gen).to(device), torch.randn(1024, 1, generator=gen).to(device)
    return model.to(device), x, lambda out: torch.nn.functional.mse_loss(out, y)


def jet_gpt_case(device: torch.device = CPU) -> Case:
    model, tok = make_jet_gpt(128, 4, 4)
    gen = torch.Generator().manual_seed(1)
    body = torch.randint(0, tok.n_particle_tokens, (64, 32), generator=gen)
    x = torch.cat([torch.full((64, 1), tok.start), body], 1).to(device)
    target = torch.cat([body, torch.full((64, 1), tok.stop)], 1).to(device)
    # the task's loss, looked up at each call (bench_step_profile swaps it for the one before)
    return model.to(device), x, lambda out: losses.token_cross_entropy(out, target,
                                                                        ignore=tok.pad)


CASES = {"part (jet tagging) w128 L4 P64, batch 64": part_case,
         "transformer (amplitudes) w128 L4 k5, batch 1024": transformer_case,
         "jet_gpt d128 L4 T32, batch 64": jet_gpt_case}


def bench_bare(name: str, make: Callable[[torch.device], Case], seconds: float,
               device: torch.device = CPU) -> list[dict]:
    """fp32 and bf16 rows of one bare-step model on ``device`` (fresh model per precision):
    ``samples_per_s`` per second of :func:`_common.device_clock` (CPU seconds on the CPU)."""
    rows = []
    for precision in PRECISIONS:
        model, x, loss = make(device)
        steps, clock, wall = timed_steps(bare_step(model, x, loss, precision, device),
                                         seconds, device)
        batch = x.shape[0]
        rows.append({"model": name, "precision": precision, "n_params": model.n_params(),
                     "train_flops_per_sample": TRAIN_FLOPS_FACTOR * model.forward_flops(),
                     "samples_per_s": steps * batch / clock,
                     "samples_per_wall_s": steps * batch / wall})
    return rows


def add_achieved(rows: list[dict], peak: dict[str, float]) -> None:
    """Add to each row of :func:`bench_bare` / :func:`bench_mlps` its ``achieved_flops``
    (samples/s x training FLOPs per sample) and that as a fraction of the ``peak`` of its
    precision (``fraction_of_peak``) and of float32 (``fraction_of_fp32_peak``)."""
    for row in rows:
        row["achieved_flops"] = row["samples_per_s"] * row["train_flops_per_sample"]
        row["fraction_of_peak"] = row["achieved_flops"] / peak[row["precision"]]
        row["fraction_of_fp32_peak"] = row["achieved_flops"] / peak["fp32"]


def bench_mlps(tmp: Path, seconds: float) -> list[dict]:
    """fp32 and bf16 rows of the MLPs through the loop."""
    dataset = synthetic_file(tmp / "mlp.h5", N_TRAIN + N_VAL + N_TEST)
    rows = []
    for width in MLP_WIDTHS:
        for precision in PRECISIONS:
            row = loop_bench(dataset, tmp / f"mlp{width}{precision}", width, MLP_BATCH, seconds,
                             100e9, precision=precision)
            rows.append({"model": f"mlp w{width} L3 (loop), batch {MLP_BATCH}",
                         "precision": precision, "n_params": row["n_params"],
                         "train_flops_per_sample": row["train_flops_per_sample"],
                         "samples_per_s": row["samples_per_cpu_s"],
                         "samples_per_wall_s": row["samples_per_wall_s"],
                         "loop_over_bare": row["loop_over_bare"]})
    return rows


def _features(path: Path, x: np.ndarray) -> str:
    with h5py.File(path, "w") as f:
        f["features"] = x
    return str(path)


def equality_sweep(tmp: Path) -> dict:
    """Test AUC / loss of the two-sample classifier sweep, per precision."""
    rng = np.random.default_rng(7)
    n = 20000
    reference = _features(tmp / "ref.h5", rng.normal(size=(n, 4)))
    candidate = _features(tmp / "cand.h5", 0.3 + 1.3 * rng.normal(size=(n, 4)))
    spec = parse_spec({
        "name": "precision-equality",
        "base": {"device": "cpu", "loss": "binary_cross_entropy",
                 "task": {"kind": "two_sample_classifier", "reference": reference,
                          "candidate": candidate, "array": "features", "n_train": 14000,
                          "n_val": 2000, "n_test": 4000},
                 "model": {"family": "mlp", "width": 64, "depth": 3},
                 "train": {"batch_size": 512, "epochs": 10, "lr": 1e-3, "warmup_steps": 50,
                           "eval_every": 100}},
        "axes": {"seed": list(EQUALITY_SEEDS), "train.precision": list(PRECISIONS)},
    })
    with LocalExecutor(2) as executor:
        run_sweep(spec, tmp / "sweep", executor=executor, progress=False)
    records = load_records(tmp / "sweep")
    out: dict = {"seeds": len(EQUALITY_SEEDS), "runs": len(records)}
    for metric in ("test_auc", "test_loss"):
        out[metric] = compare_precisions({p: {r.seed: r.metrics[metric] for r in records
                                               if r.precision == p} for p in PRECISIONS})
    out["wall_per_run"] = {p: statistics.mean(r.wall_time for r in records if r.precision == p)
                           for p in PRECISIONS}
    return out


def compare_precisions(values: dict[str, dict[int, float]]) -> dict:
    """fp32 against bf16 values of one metric, ``values[precision][seed]``: ``{p: {mean, std,
    n}}``, ``difference`` (bf16 - fp32 of the means), ``spread`` (pooled seed std),
    ``in_spreads`` (difference / spread), ``welch_t``, ``equal_within_spread`` (|difference| <=
    spread) and ``paired`` (mean and std of bf16 - fp32 per seed present in both: runs of one
    seed share their initialisation and batch order, so this isolates the precision).

    >>> c = compare_precisions({"fp32": {0: 1.0, 1: 2.0, 2: 3.0}, "bf16": {0: 1.5, 1: 2.5, 2: 3.5}})
    >>> c["difference"], c["spread"], c["equal_within_spread"], c["paired"]
    (0.5, 1.0, True, {'mean': 0.5, 'n': 3, 'std': 0.0})
    """
    stats = {p: {"mean": statistics.mean(values[p].values()),
                 "std": statistics.stdev(values[p].values()), "n": len(values[p])}
             for p in PRECISIONS}
    diff = stats["bf16"]["mean"] - stats["fp32"]["mean"]
    spread = math.sqrt((stats["fp32"]["std"] ** 2 + stats["bf16"]["std"] ** 2) / 2)
    error = math.sqrt(sum(s["std"] ** 2 / s["n"] for s in stats.values()))
    pairs = [values["bf16"][seed] - values["fp32"][seed]
             for seed in sorted(values["fp32"].keys() & values["bf16"].keys())]
    return {**stats, "difference": diff, "spread": spread, "in_spreads": _over(diff, spread),
            "welch_t": _over(diff, error), "equal_within_spread": abs(diff) <= spread,
            "paired": {"mean": statistics.mean(pairs), "n": len(pairs),
                       "std": statistics.stdev(pairs) if len(pairs) > 1 else math.nan}}


def _over(diff: float, scale: float) -> float:
    """``diff / scale``, with 0 / 0 = 0 (identical values) and +-inf for a difference over 0."""
    if scale:
        return diff / scale
    return math.copysign(math.inf, diff) if diff else 0.0


def amplitude_floor(tmp: Path) -> dict:
    """test_mse_log of fp32, bf16 and auto amplitude surrogates (demo recipe)."""
    ds = DEMO_DATASETS["tth"]
    path = generate_amplitudes(tmp / "tth.h5", ds["process"], FLOOR_D + 2000 + 5000,
                               ds["sqrt_s"], ds["seed"])
    rows = []
    for seed in FLOOR_SEEDS:
        for setting in (*PRECISIONS, "auto"):
            record = run_training({
                "seed": seed, "device": "cpu",
                "task": {"kind": "amplitude_regression", "dataset": str(path),
                         "n_train": FLOOR_D, "n_val": 2000, "n_test": 5000},
                "model": {"family": "mlp", "width": 128, "depth": 4},
                "train": {"batch_size": 512, "lr": 2e-3, "warmup_steps": 100,
                          "eval_every": 500, "steps": FLOOR_STEPS, "precision": setting},
            }, tmp / f"floor_{seed}_{setting}", progress=False, threads=1)
            rows.append({"seed": seed, "setting": setting, "precision": record.precision,
                         "test_mse_log": record.metrics["test_mse_log"],
                         "train_loss": record.curves["train_loss"][-1],
                         "wall_time": record.wall_time})
            print(f"floor seed {seed} {setting}: test_mse_log "
                  f"{record.metrics['test_mse_log']:.3g}", flush=True)
    return {"process": ds["process"], "D": FLOOR_D, "steps": FLOOR_STEPS, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0,
                        help="target CPU seconds of each timed stretch")
    parser.add_argument("--skip-floor", action="store_true",
                        help="leave out part 4 (the amplitude floor runs)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    peak_before = peaks()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        rows += bench_mlps(tmp, args.seconds)
        for label, make in CASES.items():
            rows += bench_bare(label, make, args.seconds)
            print(f"{label}: " + ", ".join(f"{r['precision']} {r['samples_per_s']:.4g}/s"
                                           for r in rows[-2:]), flush=True)
        peak_after = peaks()
        peak = {p: max(peak_before[p], peak_after[p]) for p in PRECISIONS}
        add_achieved(rows, peak)
        equality = equality_sweep(tmp)
        floor = None if args.skip_floor else amplitude_floor(tmp)
    result = {"benchmark": "precision", "peak_flops": peak, "peak_flops_before": peak_before,
              "peak_flops_after": peak_after, "threads": 1, "seconds": args.seconds,
              "cpus": os.cpu_count(), "load_average_end": list(os.getloadavg()), **run_meta(),
              "rows": rows, "equality": equality, "amplitude_floor": floor}
    write_results("precision", result, markdown(result))
    print(markdown(result), end="")


def _ratios(rows: list[dict]) -> dict[str, float]:
    rate = {(r["model"], r["precision"]): r["samples_per_s"] for r in rows}
    return {m: rate[(m, "bf16")] / rate[(m, "fp32")] for m, p in rate if p == "fp32"}


def markdown(r: dict) -> str:
    """The tables of ``r`` with their conditions."""
    ratios = _ratios(r["rows"])
    header = ["model", "N", "precision", "samples/s", "achieved GFLOP/s", "of own peak",
              "of fp32 peak", "bf16 / fp32"]
    table = markdown_table(header, ([
        row["model"], f"{row['n_params']:,}", row["precision"],
        f"{row['samples_per_s']:.3g} ({row['samples_per_wall_s']:.3g})",
        f"{row['achieved_flops'] / 1e9:.1f}", f"{100 * row['fraction_of_peak']:.0f}%",
        f"{100 * row['fraction_of_fp32_peak']:.0f}%",
        f"{ratios[row['model']]:.2f}x" if row["precision"] == "bf16" else "",
    ] for row in r["rows"]), align="lrlrrrrr")
    eq = r["equality"]
    eq_table = markdown_table(
        ["metric", "fp32 mean +- seed std", "bf16 mean +- seed std", "bf16 - fp32",
         "within spread"],
        ([m, f"{eq[m]['fp32']['mean']:.4f} +- {eq[m]['fp32']['std']:.4f}",
          f"{eq[m]['bf16']['mean']:.4f} +- {eq[m]['bf16']['std']:.4f}",
          f"{eq[m]['difference']:+.4f}", "yes" if eq[m]["equal_within_spread"] else "NO"]
         for m in ("test_auc", "test_loss")))
    load = r["load_average_1_5_15"]
    lines = [
        "# Training precision: float32 vs bfloat16 autocast (one CPU core)",
        "",
        f"Code {r['code_version']}; torch {r['environment'].get('torch', '?')} on one thread; "
        f"{r['cpus']} shared cores, load average {load[0]:.1f} at the start and "
        f"{r['load_average_end'][0]:.1f} at the end (other jobs on the cores slow both "
        "precisions alike; rates are per process CPU second, wall in brackets). Peaks: best "
        f"1024^3 `torch.mm`, float32 {r['peak_flops']['fp32'] / 1e9:.1f} GFLOP/s, bfloat16 "
        f"{r['peak_flops']['bf16'] / 1e9:.1f} GFLOP/s "
        f"({r['peak_flops']['bf16'] / r['peak_flops']['fp32']:.2f}x). Achieved = samples/s x 3 x "
        "forward FLOPs (matmul FLOPs only); 'of own peak' divides by the peak of the precision "
        "the matmuls ran at.",
        "",
        *table,
        "",
        f"## Equality: {eq['seeds']} seeds x (fp32, bf16), two-sample classifier sweep",
        "",
        *eq_table,
        "",
        f"Mean wall time per run: fp32 {eq['wall_per_run']['fp32']:.1f} s, bf16 "
        f"{eq['wall_per_run']['bf16']:.1f} s (2 workers).",
    ]
    floor = r["amplitude_floor"]
    if floor is not None:
        lines += [
            "",
            f"## bfloat16's floor on amplitudes: {floor['process']}, D = {floor['D']}, "
            f"{floor['steps']} steps, MLP 128 x 4",
            "",
            *markdown_table(["seed", "train.precision", "trained at", "test_mse_log",
                             "last train loss", "loop wall (s)"],
                            ([str(row["seed"]), row["setting"], row["precision"],
                              f"{row['test_mse_log']:.3g}", f"{row['train_loss']:.3g}",
                              f"{row['wall_time']:.1f}"] for row in floor["rows"]),
                            align="rllrrr"),
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
