"""Benchmark: where a training step's time goes, and how close it comes to the matmul peak.

For the demo's MLP (width 128, depth 4, batch 512, N = 5e4) and five models at N ~ 1e5-1e6
(MLP width 256 and 512, depth 3, batch 4096; the amplitude ``transformer`` w128/L4, k = 5,
batch 1024; ``part`` w128/L4, 64 constituent slots, batch 64; the jet GPT d128/L4, T = 32,
batch 64; the cases of ``bench_precision``) a bare training step (forward, loss, backward,
gradient clipping, fused AdamW, as the loop) is timed in several variants: float32, bfloat16
autocast, both under ``torch.compile`` (its compile time is the first call's CPU time less one
step, compiled in this process; inductor's on-disk cache from earlier runs shortens it; bf16
compiled is also compared with float32 compiled), and for the transformers both precisions
with the attention of before (PyTorch's fused ``scaled_dot_product_attention``, with
``part``'s learned pair bias as its float mask; now :func:`hepscaling.models.blocks.attend`
runs batched matmuls while training), and for the jet GPT both precisions with the loss of
before (torch's ``cross_entropy``, whose backward zero-fills the ``(B T, V)`` logit gradient;
now :func:`hepscaling.tasks.losses.token_cross_entropy`). The variants of a model are
interleaved, ``repeats`` stretches each, and the median counts: the two cores are shared with
other jobs, so ratios are measured side by side. Rates are per process CPU second on one torch
thread.

Achieved FLOP/s = 3 x forward matmul FLOPs x samples/s (the convention of
:mod:`hepscaling.train.flops`), as a fraction of the float32 and bfloat16 matmul peaks (best
1024^3 ``torch.mm``, measured before, between and after the models; the best counts).

The breakdown: ``torch.profiler`` over a few steps per precision, each op's self CPU time put in
one class: ``matmul`` (mm / addmm / linear), ``attention`` (the fused kernel and its backward,
or the explicit baddbmm / bmm / softmax; not the token loss's log-softmax, which counts as
other), ``elementwise`` (activations, norms, adds, masks), ``optimizer`` (everything under
clipping and AdamW), ``other`` (copies, indexing, reductions, the loss, and the Python between
ops). ``matmul rate`` = matmul FLOPs / (matmul + attention
time): what the matmuls themselves reach, the ceiling of the whole step.

Run:  .venv/bin/python benchmarks/bench_step_profile.py [--repeats 5] [--seconds 0.5]
          [--cases jet_gpt --name step_profile_jet_gpt]
Writes benchmarks/results/step_profile.json and benchmarks/results/step_profile.md (or
NAME.json / NAME.md for a subset of the models chosen with --cases).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
             "TORCHINDUCTOR_COMPILE_THREADS"):  # compile in this process: its CPU time counts
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before torch is imported)
import contextlib  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402

import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from _common import markdown_table, matmul_peak, run_meta, write_results  # noqa: E402
from bench_precision import CPU, Case, jet_gpt_case, part_case, transformer_case  # noqa: E402
from hepscaling.models import blocks  # noqa: E402
from hepscaling.models.base import InputsSpec, build_model  # noqa: E402
from hepscaling.tasks import losses  # noqa: E402
from hepscaling.train.flops import TRAIN_FLOPS_FACTOR  # noqa: E402

CLASSES = ("matmul", "attention", "elementwise", "optimizer", "other")
MATMUL_OPS = {"aten::mm", "aten::addmm", "aten::linear", "aten::matmul"}
ATTENTION = re.compile(r"scaled_dot_product|ScaledDotProduct|flash_attention|aten::baddbmm|"
                       r"aten::bmm|(?<!log_)softmax|Baddbmm|Bmm|(?<!Log)Softmax")
ELEMENTWISE = re.compile(
    r"aten::(gelu|relu|silu|tanh|sigmoid|add|sub|mul|div|neg|exp|log|sqrt|rsqrt|pow|clamp|"
    r"where|masked_fill|fill|zero|layer_norm|native_layer_norm|threshold|sinh|sin|cos|cosh|"
    r"remainder|atan2|hypot|minimum|maximum|reciprocal)")


def mlp_case(width: int, depth: int = 3, batch: int = 4096) -> Callable[..., Case]:
    """An MLP on 10 inputs, MSE: by default that of ``bench_training`` (depth 3, batch 4096);
    ``mlp_case(128, 4, 512)`` is the demo's (``hepscaling demo``: 5-particle processes)."""
    def make(device: torch.device = CPU) -> Case:
        torch.manual_seed(0)
        model = build_model({"family": "mlp", "width": width, "depth": depth},
                            InputsSpec(n_features=10, n_particles=5,
                                       particle_types=(0, 1, 2, 2, 2)))
        gen = torch.Generator().manual_seed(0)
        x, y = torch.randn(batch, 10, generator=gen), torch.randn(batch, 1, generator=gen)
        x, y = x.to(device), y.to(device)
        return model.to(device), x, lambda out: F.mse_loss(out, y)
    return make


CASES: dict[str, Callable[..., Case]] = {
    "mlp w128 L4, batch 512 (demo)": mlp_case(128, 4, 512),
    "mlp w256 L3, batch 4096": mlp_case(256),
    "mlp w512 L3, batch 4096": mlp_case(512),
    "transformer (amplitudes) w128 L4 k5, batch 1024": transformer_case,
    "part (jet tagging) w128 L4 P64, batch 64": part_case,
    "jet_gpt d128 L4 T32, batch 64": jet_gpt_case,
}
#: the variants timed for every model; models with attention add :data:`BEFORE`, the jet GPT
#: :data:`LOSS_BEFORE`
VARIANTS = ("fp32", "bf16", "fp32 compiled", "bf16 compiled")
BEFORE = ("fp32 fused attention (before)", "bf16 fused attention (before)")
LOSS_BEFORE = ("fp32 torch cross-entropy (before)", "bf16 torch cross-entropy (before)")


def _fused_only(q, key, v, bias=None, *, causal=False):
    return F.scaled_dot_product_attention(q, key, v, attn_mask=bias, is_causal=causal)


def _torch_token_cross_entropy(logits, target, ignore):
    return F.cross_entropy(logits.flatten(0, 1), target.flatten(), ignore_index=ignore)


@contextlib.contextmanager
def code_before(variant: str) -> Iterator[None]:
    """While timing ``variant``: for :data:`BEFORE`, every attention through PyTorch's fused
    kernel, a learned pair bias as its float mask (the code before
    :func:`hepscaling.models.blocks.attend`); for :data:`LOSS_BEFORE`, the token loss as
    torch's ``cross_entropy`` (before :func:`hepscaling.tasks.losses.token_cross_entropy`)."""
    attend, token_loss = blocks.attend, losses.token_cross_entropy
    if variant in BEFORE:
        blocks.attend = _fused_only
    if variant in LOSS_BEFORE:
        losses.token_cross_entropy = _torch_token_cross_entropy
    try:
        yield
    finally:
        blocks.attend, losses.token_cross_entropy = attend, token_loss


def make_step(model: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, loss: Callable,
              bf16: bool, params: list[torch.nn.Parameter]) -> Callable[[], None]:
    """One bare training step on the fixed batch ``x``; clipping and AdamW under the profiler
    label ``optimizer``."""
    optimizer = torch.optim.AdamW(params, lr=1e-4, fused=True)

    def step() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = model(x)
        value = loss(out.float())
        value.backward()
        with torch.profiler.record_function("optimizer"):
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

    return step


def op_class(event) -> str:
    """The class of a profiler event from its name and its ancestors' names."""
    names = []
    while event is not None:
        names.append(event.name)
        event = event.cpu_parent
    if "optimizer" in names:
        return "optimizer"
    if any(ATTENTION.search(n) for n in names):
        return "attention"
    if names[0] in MATMUL_OPS:
        return "matmul"
    if ELEMENTWISE.match(names[0]):
        return "elementwise"
    return "other"


def breakdown(step: Callable[[], None], steps: int = 3) -> dict:
    """Self CPU time per op class over ``steps`` profiled steps (after one unprofiled), as
    fractions; the Python between ops (self time of the ``step`` label) counts as other; the
    three largest ops of each class."""
    step()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            with torch.profiler.record_function("step"):
                step()
    seconds: defaultdict[str, float] = defaultdict(float)
    ops: dict[str, defaultdict[str, float]] = {c: defaultdict(float) for c in CLASSES}
    for event in prof.events():
        if event.name == "optimizer":
            cls = "optimizer"
        elif event.name == "step":
            cls = "other"
        else:
            cls = op_class(event)
        seconds[cls] += event.self_cpu_time_total / 1e6
        ops[cls][event.name] += event.self_cpu_time_total / 1e6
    total = sum(seconds.values())
    return {"fractions": {c: seconds[c] / total for c in CLASSES},
            "profiled_cpu_s_per_step": total / steps,
            "top_ops": {c: [[name, s / total] for name, s in sorted(
                ops[c].items(), key=lambda kv: -kv[1])[:3]] for c in CLASSES}}


def build_variant(make: Callable[..., Case], variant: str) -> tuple[Callable[[], None], dict]:
    """The step of ``variant`` and its facts (compile time for compiled variants)."""
    model, x, loss = make()
    params = list(model.parameters())
    module: Callable[[torch.Tensor], torch.Tensor] = (
        torch.compile(model) if "compiled" in variant else model)
    step = make_step(module, x, loss, variant.startswith("bf16"), params)
    facts: dict = {}
    with code_before(variant):
        cpu, wall = time.process_time(), time.perf_counter()
        step()
        facts["first_step_cpu_s"] = time.process_time() - cpu
        facts["first_step_wall_s"] = time.perf_counter() - wall
        step()
    return step, facts


def bench_case(label: str, make: Callable[..., Case], repeats: int, seconds: float) -> dict:
    """All variants of one model, interleaved, with the fp32 and bf16 breakdowns."""
    model, x, _ = make()
    batch = x.shape[0]
    flops_step = TRAIN_FLOPS_FACTOR * model.forward_flops() * batch
    variants = list(VARIANTS)
    if not label.startswith("mlp"):
        variants[1:1] = [BEFORE[0]]
        variants[3:3] = [BEFORE[1]]
    if label.startswith("jet_gpt"):
        variants[1:1] = [LOSS_BEFORE[0]]
        variants[4:4] = [LOSS_BEFORE[1]]
    built = {v: build_variant(make, v) for v in variants}
    per_step = {}
    for v, (step, _) in built.items():
        with code_before(v):
            cpu = time.process_time()
            step()
            per_step[v] = time.process_time() - cpu
    n = {v: max(1, round(seconds / t)) for v, t in per_step.items()}
    times: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(repeats):
        for v, (step, _) in built.items():
            with code_before(v):
                cpu = time.process_time()
                for _ in range(n[v]):
                    step()
                times[v].append((time.process_time() - cpu) / n[v])
    rows = {}
    for v in variants:
        median = statistics.median(times[v])
        rows[v] = {"cpu_s_per_step": median, "cpu_s_per_step_repeats": times[v],
                   "steps_per_repeat": n[v], "samples_per_cpu_s": batch / median,
                   "achieved_flops": flops_step / median, **built[v][1]}
        if "compiled" in v:
            rows[v]["compile_cpu_s"] = rows[v]["first_step_cpu_s"] - median
    profiles = {}
    for v in [v for v in variants if "compiled" not in v]:
        with code_before(v):
            profiles[v] = breakdown(built[v][0])
    return {"model": label, "n_params": model.n_params(), "batch": batch,
            "train_flops_per_step": flops_step, "variants": rows, "profiles": profiles}


def peaks() -> dict[str, float]:
    return {p: matmul_peak(repeat=20, dtype=p) for p in ("float32", "bfloat16")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interleaved stretches")
    parser.add_argument("--seconds", type=float, default=0.5,
                        help="target CPU seconds of one stretch")
    parser.add_argument("--cases", default="",
                        help="only the models whose label contains this text")
    parser.add_argument("--name", default="step_profile", help="name of the result files")
    args = parser.parse_args()
    torch.set_num_threads(1)
    load_start = list(os.getloadavg())
    start = time.perf_counter()
    peak_runs = [peaks()]
    cases = []
    for label, make in CASES.items():
        if args.cases not in label:
            continue
        cases.append(bench_case(label, make, args.repeats, args.seconds))
        peak_runs.append(peaks())
        print(label, {v: f"{r['samples_per_cpu_s']:.4g}/s" for v, r in
                      cases[-1]["variants"].items()}, flush=True)
    peak = {p: max(run[p] for run in peak_runs) for p in ("float32", "bfloat16")}
    for case in cases:
        for v, row in case["variants"].items():
            own = "bfloat16" if v.startswith("bf16") else "float32"
            row["fraction_of_own_peak"] = row["achieved_flops"] / peak[own]
            row["fraction_of_fp32_peak"] = row["achieved_flops"] / peak["float32"]
            row["over_fp32"] = (case["variants"]["fp32"]["cpu_s_per_step"]
                                / row["cpu_s_per_step"])
            if v == "bf16 compiled":  # like for like: both precisions compiled
                row["over_fp32_compiled"] = (case["variants"]["fp32 compiled"]["cpu_s_per_step"]
                                             / row["cpu_s_per_step"])
        for v, prof in case["profiles"].items():
            fr = prof["fractions"]
            own = "bfloat16" if v.startswith("bf16") else "float32"
            matmul_s = case["variants"][v]["cpu_s_per_step"] * (fr["matmul"] + fr["attention"])
            prof["matmul_rate_fraction_of_own_peak"] = (case["train_flops_per_step"]
                                                        / matmul_s / peak[own])
    result = {"benchmark": "step_profile", "threads": 1, "repeats": args.repeats,
              "seconds": args.seconds, "peak_flops": peak, "peak_runs": peak_runs,
              "bf16_over_fp32_peak": peak["bfloat16"] / peak["float32"],
              "cpu_bf16_support": _cpu_bf16_support(),
              "load_average_start": load_start, "wall_s": time.perf_counter() - start,
              **run_meta(), "cases": cases}
    write_results(args.name, result, markdown(result))
    print(markdown(result), end="")


def _cpu_bf16_support() -> dict:
    """What torch sees of the CPU: vector capability, bfloat16 instructions, AMX tiles."""
    return {"cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "avx512_bf16": torch.cpu._is_avx512_bf16_supported(),
            "amx_tile": torch.cpu._is_amx_tile_supported(),
            "mkldnn_bf16": bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())}


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def markdown(r: dict) -> str:
    """Throughput and breakdown tables of ``r`` with their conditions."""
    rows = []
    for case in r["cases"]:
        for v, row in case["variants"].items():
            extra = (f"compile {row['compile_cpu_s']:.0f} s CPU" if "compile_cpu_s" in row
                     else "")
            if "over_fp32_compiled" in row:
                extra += f"; {row['over_fp32_compiled']:.2f}x fp32 compiled"
            rows.append([case["model"], f"{case['n_params']:,}", v,
                         f"{row['samples_per_cpu_s']:.3g}",
                         f"{row['achieved_flops'] / 1e9:.1f}",
                         _pct(row["fraction_of_own_peak"]), _pct(row["fraction_of_fp32_peak"]),
                         f"{row['over_fp32']:.2f}x", extra])
    throughput = markdown_table(
        ["model", "N", "variant", "samples/s", "GFLOP/s", "of own peak", "of fp32 peak",
         "vs fp32", "note"], rows, align="lrlrrrrrl")
    prow = []
    for case in r["cases"]:
        for v, prof in case["profiles"].items():
            fr = prof["fractions"]
            prow.append([case["model"], v, *(_pct(fr[c]) for c in CLASSES),
                         _pct(prof["matmul_rate_fraction_of_own_peak"])])
    profile = markdown_table(["model", "variant", *CLASSES, "matmul rate / peak"], prow,
                             align="llrrrrrr")
    peak = r["peak_flops"]
    load = r["load_average_1_5_15"]
    lines = [
        "# Where a training step's time goes (one CPU core)",
        "",
        f"Code {r['code_version']}; torch {r['environment'].get('torch', '?')} on one thread; "
        f"CPU capability {r['cpu_bf16_support']['cpu_capability']}, AMX tiles "
        f"{'yes' if r['cpu_bf16_support']['amx_tile'] else 'no'}; load average "
        f"{r['load_average_start'][0]:.1f} at the start, {load[0]:.1f} at the end on 2 shared "
        f"cores; {r['wall_s']:.0f} s wall in all. Peaks (best 1024^3 `torch.mm` over "
        f"{len(r['peak_runs'])} measurements through the run): float32 "
        f"{peak['float32'] / 1e9:.1f} GFLOP/s, bfloat16 {peak['bfloat16'] / 1e9:.1f} GFLOP/s "
        f"({r['bf16_over_fp32_peak']:.2f}x). Bare training steps (forward, loss, backward, "
        "clipping, fused AdamW); variants of a model interleaved, median of "
        f"{r['repeats']} stretches of about {r['seconds']:g} CPU s; samples per CPU second. "
        "GFLOP/s = 3 x forward matmul FLOPs x samples/s; 'of own peak' divides by the peak of "
        "the precision the matmuls ran at.",
        "",
        *throughput,
        "",
        "## Breakdown of the step (torch.profiler, self CPU time per op class)",
        "",
        "matmul: mm / addmm; attention: the fused kernel and its backward, or baddbmm / bmm / "
        "softmax (the explicit path's scaling, masking and reshapes count as elementwise and "
        "other; the token loss's log-softmax as other, the exp of its backward as "
        "elementwise); elementwise: activations, norms, adds, masks; optimizer: clipping and fused "
        "AdamW; other: copies, indexing, reductions, loss and the Python between ops. "
        "'matmul rate / peak': the step's FLOPs over the matmul + attention time, over the "
        "peak of the precision: the ceiling of the whole step if everything else were free. "
        "The profiler adds a little time to every op, so small ops weigh slightly more here "
        "than unprofiled.",
        "",
        *profile,
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
