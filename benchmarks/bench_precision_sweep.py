"""Benchmark: float32 against bfloat16 training compared in one sweep, from its run records.

Runs (or resumes: a no-op once finished) ``examples/sweeps/bf16_equality.yaml`` through
:func:`hepscaling.sweeps.run_sweep` (the ParT tagger and the jet GPT, fp32 and bf16, 3 seeds;
about an hour with 2 workers on 2 busy shared cores), or takes any sweep directory whose runs
differ only in ``train.precision`` (fp32 | bf16) and ``seed`` within each model. Groups the
finished records by model (the run config without precision and seed) and per group reports

- each test metric's mean and seed-to-seed standard deviation per precision, the difference
  bf16 - fp32, the pooled seed spread ``s = sqrt((s_fp32^2 + s_bf16^2) / 2)`` (the spread of
  one run's metric) and the difference in units of ``s``; the metrics are *equal within the
  seed-to-seed spread* when ``|bf16 - fp32| <= s``. Beside it Welch's
  ``t = (bf16 - fp32) / sqrt(s_fp32^2 / n_fp32 + s_bf16^2 / n_bf16)``, the difference in units
  of its own standard error (a stricter view: with 3 seeds per precision ``|t| > 2.8`` is a
  difference at about 95% confidence); and the paired differences, bf16 - fp32 of the two
  runs of each seed (same initialisation, same batches), mean and std over seeds;
- the test metrics of the untrained model, to show the runs moved well off their initial
  values;
- training throughput per run, ``samples_seen / (cpu_time - compile_time)``: per CPU second
  of the training loop (steps and periodic validation, not the final test), which other jobs
  on the cores do not dilute; records from before ``cpu_time`` was recorded use ``wall_time``
  instead (the whole sweep then, never a mix). The bf16 / fp32 ratio of the mean rates and
  per seed (the sweep alternates the precisions, so both see the same mix of load);
- for reference, the rate of bare training steps of the same model on one of its training
  batches per process CPU second in each precision (:func:`bare_step_rates`), which other
  jobs on the cores and the validation passes do not dilute.

Run:  nice -n 5 .venv/bin/python benchmarks/bench_precision_sweep.py [--out bf16-equality]
          [--workers 2] [--seconds 3] [--metrics KIND=M1,M2 ...]
Writes benchmarks/results/precision_sweep.json and benchmarks/results/precision_sweep.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before torch is imported)
import json  # noqa: E402
import statistics  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

from _common import markdown_table, run_meta, timed_steps, write_results  # noqa: E402
from bench_precision import PRECISIONS, bare_step, compare_precisions  # noqa: E402
from hepscaling.models.base import build_model, model_class  # noqa: E402
from hepscaling.records import RunRecord, load_records  # noqa: E402
from hepscaling.sweeps import LocalExecutor, run_sweep  # noqa: E402
from hepscaling.tasks.base import build_task  # noqa: E402
from hepscaling.train.config import RunConfig  # noqa: E402

SPEC = Path(__file__).resolve().parents[1] / "examples" / "sweeps" / "bf16_equality.yaml"
#: test metrics compared per task kind (``--metrics`` replaces them)
METRICS = {"jet_tagging": ("test_auc_macro", "test_accuracy", "test_loss"),
           "jet_generation": ("test_loss", "test_swd", "test_w1_mass", "test_w1_multiplicity"),
           "two_sample_classifier": ("test_auc", "test_loss")}


def samples_per_second(record: RunRecord, clock: str) -> float:
    """Training samples per second of the run's training loop on ``clock`` (``"cpu"``:
    ``cpu_time``, ``"wall"``: ``wall_time``); compilation excluded, periodic validation
    included, the final test not."""
    seconds = record.cpu_time if clock == "cpu" else record.wall_time
    return record.samples_seen / (seconds - record.compile_time)


def rate_clock(records: Sequence[RunRecord]) -> str:
    """``"cpu"`` when every record has its training CPU time, else ``"wall"`` (records
    written before ``RunRecord.cpu_time`` existed hold 0 there)."""
    return "cpu" if all(r.cpu_time > 0 for r in records) else "wall"


def untrained_and_bare_rates(record: RunRecord, seconds: float) -> tuple[dict, dict]:
    """The record's model before training and as bare training steps, on its task's data:

    - the test metrics of :meth:`~hepscaling.tasks.base.Task.evaluate` of the freshly
      initialised model (seed of the record), ``{"test_<name>": value}``, the values the runs
      started from;
    - samples per process CPU second of bare training steps (:func:`bench_precision.bare_step`:
      forward, loss, backward, clipping, fused AdamW) on one training batch, per precision, on
      one thread: the rate without validation and without the other jobs' share of the cores
      that the records' wall times include.
    """
    cfg = RunConfig.model_validate(record.config)
    device = torch.device("cpu")
    task = build_task(cfg.task, loss=cfg.loss, device=device,
                      input_kind=model_class(cfg.model.family).input_kind)
    batch = cfg.train.batch_size
    x, y = task.train_batch(torch.arange(batch, device=device),
                            torch.Generator(device=device).manual_seed(0))
    rates, untrained = {}, {}
    for precision in PRECISIONS:
        torch.manual_seed(cfg.seed)
        model = build_model(cfg.model, task.inputs_spec, device=device)
        if not untrained:
            untrained = {f"test_{k}": v for k, v in task.evaluate(model, "test").items()}
        steps, cpu, _ = timed_steps(bare_step(model, x, lambda out: task.loss(out, y), precision),
                                    seconds)
        rates[precision] = steps * batch / cpu
    return untrained, rates


def model_label(record: RunRecord) -> str:
    """``family wW LD (task kind)`` of a run's model."""
    model = record.config["model"]
    return (f"{model['family']} w{model['width']} L{model['depth']} "
            f"({record.config['task']['kind']})")


def _group_key(record: RunRecord) -> str:
    config = {**record.config, "seed": None,
              "train": {**record.config["train"], "precision": None}}
    return json.dumps(config, sort_keys=True, default=str)


def summarise_group(records: list[RunRecord], metrics: Sequence[str], seconds: float) -> dict:
    """The comparison of one model's fp32 and bf16 runs (see the module docstring)."""
    by = {p: {r.seed: r for r in records if r.precision == p} for p in PRECISIONS}
    seeds = sorted(by["fp32"].keys() & by["bf16"].keys())  # the seeds run in both
    if len(seeds) < 2:
        raise SystemExit(f"{model_label(records[0])}: need fp32 and bf16 runs of at least two "
                         f"seeds, found seeds {seeds}; run the whole sweep first")
    first = records[0]
    clock = rate_clock(records)
    rate = {p: [samples_per_second(by[p][s], clock) for s in seeds] for p in PRECISIONS}
    untrained, bare = untrained_and_bare_rates(first, seconds)
    return {
        "model": model_label(first), "n_params": first.n_params, "n_train": first.n_train,
        "steps": first.steps, "batch_size": first.config["train"]["batch_size"],
        "seeds": seeds, "threads": first.threads,
        "metrics": {m: compare_precisions({p: {s: by[p][s].metrics[m] for s in seeds}
                                           for p in PRECISIONS}) for m in metrics},
        "untrained": {m: untrained[m] for m in metrics if m in untrained},
        "clock": clock,
        "samples_per_s": {p: {"mean": statistics.mean(v), "std": statistics.stdev(v)}
                          for p, v in rate.items()},
        "speedup": statistics.mean(rate["bf16"]) / statistics.mean(rate["fp32"]),
        "speedup_per_seed": [b / f for f, b in zip(rate["fp32"], rate["bf16"], strict=True)],
        "bare_samples_per_cpu_s": bare,
        "bare_speedup": bare["bf16"] / bare["fp32"],
        "wall_per_run": {p: statistics.mean(by[p][s].wall_time for s in seeds)
                         for p in PRECISIONS},
    }


def summarise(sweep: Path, metrics: dict[str, Sequence[str]], seconds: float) -> dict:
    """Every model group of the sweep's finished runs, with when the sweep ran (``seconds``:
    CPU seconds of each timed stretch of bare steps)."""
    records = [r for r in load_records(sweep) if r.status == "done"]
    if not records:
        raise SystemExit(f"no finished runs in {sweep}; run the sweep first")
    groups: dict[str, list[RunRecord]] = {}
    for record in records:
        groups.setdefault(_group_key(record), []).append(record)
    start = min(datetime.fromisoformat(r.started_at) for r in records)
    end = max(datetime.fromisoformat(r.finished_at) for r in records)
    return {"benchmark": "precision_sweep", "sweep": sweep.name, "runs": len(records),
            "sweep_started": start.isoformat(),
            "sweep_wall_minutes": (end - start).total_seconds() / 60,
            "code_version_runs": records[0].code_version,
            "groups": [summarise_group(g, metrics[g[0].config["task"]["kind"]], seconds)
                       for g in groups.values()]}


_CLOCKS = {"cpu": "CPU second", "wall": "second of wall time"}


def _number(x: float) -> str:
    return f"{x:.4f}" if abs(x) >= 1e-2 else f"{x:.3g}"


def markdown(r: dict) -> str:
    """The comparison tables of ``r`` with their conditions."""
    lines = [
        "# float32 vs bfloat16 training: test metrics and throughput from one sweep",
        "",
        f"Sweep `{r['sweep']}` ({r['runs']} runs, code {r['code_version_runs']}), started "
        f"{r['sweep_started']}, {r['sweep_wall_minutes']:.0f} min of wall time with "
        f"{r['workers']} worker processes x 1 thread on 2 cores shared with other jobs.",
        "Per model: mean +- seed standard deviation per precision; s = sqrt((s_fp32^2 + "
        "s_bf16^2) / 2), the pooled seed-to-seed spread of one run; equal when |bf16 - fp32| "
        "<= s; Welch's t = difference / its standard error; paired = mean +- std over seeds of "
        "bf16 - fp32 of the two runs of one seed (same initialisation and batch order). "
        "Throughput = samples_seen / (cpu_time - compile_time) of each run's record, per CPU "
        "second (wall_time for records from before cpu_time was recorded; each group says "
        "which): training steps and periodic validation in float32; runs of both precisions "
        "alternate in the sweep, so they share the load.",
    ]
    for g in r["groups"]:
        table = markdown_table(
            ["metric", "fp32", "bf16", "bf16 - fp32", "/ s", "Welch t", "equal within s",
             "paired bf16 - fp32"],
            ([m, f"{_number(c['fp32']['mean'])} +- {_number(c['fp32']['std'])}",
              f"{_number(c['bf16']['mean'])} +- {_number(c['bf16']['std'])}",
              f"{c['difference']:+.3g}", f"{c['in_spreads']:+.2f}", f"{c['welch_t']:+.2f}",
              "yes" if c["equal_within_spread"] else "NO",
              f"{c['paired']['mean']:+.3g} +- {c['paired']['std']:.2g}"]
             for m, c in g["metrics"].items()), align="lllrrrlr")
        rate = g["samples_per_s"]
        lines += [
            "",
            f"## {g['model']}: N = {g['n_params']:,}, D = {g['n_train']}, {g['steps']} steps "
            f"at batch {g['batch_size']}, seeds {', '.join(map(str, g['seeds']))}",
            "",
            *table,
            "",
            "Before training (seed " + str(g["seeds"][0]) + "): " + ", ".join(
                f"{m} {_number(v)}" for m, v in g["untrained"].items()) + ".",
            "",
            f"Training samples per {_CLOCKS[g.get('clock', 'wall')]}: fp32 "
            f"{rate['fp32']['mean']:.4g} +- {rate['fp32']['std']:.2g},"
            f" bf16 {rate['bf16']['mean']:.4g} +- {rate['bf16']['std']:.2g}; bf16 / fp32 "
            f"{g['speedup']:.2f}x (per seed "
            f"{', '.join(f'{x:.2f}' for x in g['speedup_per_seed'])}). Mean wall time per run "
            f"(training loop): fp32 {g['wall_per_run']['fp32']:.0f} s, bf16 "
            f"{g['wall_per_run']['bf16']:.0f} s. Bare training steps of the same model on one "
            f"of its batches, per CPU second (one thread, after the sweep): fp32 "
            f"{g['bare_samples_per_cpu_s']['fp32']:.4g}, bf16 "
            f"{g['bare_samples_per_cpu_s']['bf16']:.4g}, bf16 / fp32 {g['bare_speedup']:.2f}x.",
        ]
    return "\n".join(lines) + "\n"


def _metrics_option(values: list[str]) -> dict[str, Sequence[str]]:
    metrics: dict[str, Sequence[str]] = dict(METRICS)
    for value in values:
        kind, sep, names = value.partition("=")
        if not sep or not names:
            raise SystemExit(f"--metrics {value!r}: expected KIND=METRIC1,METRIC2, e.g. "
                             "jet_tagging=test_auc,test_loss")
        metrics[kind] = tuple(names.split(","))
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bf16-equality"),
                        help="sweep directory of bf16_equality.yaml (run or resumed there)")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--seconds", type=float, default=3.0,
                        help="target CPU seconds of each timed stretch of bare steps")
    parser.add_argument("--metrics", action="append", default=[],
                        help="KIND=METRIC1,METRIC2: the test metrics compared for a task kind")
    args = parser.parse_args()
    metrics = _metrics_option(args.metrics)
    with LocalExecutor(args.workers) as executor:
        run_sweep(SPEC, args.out, executor=executor, progress=False)
    torch.set_num_threads(1)
    result = {**summarise(args.out, metrics, args.seconds), "workers": args.workers,
              **run_meta()}
    write_results("precision_sweep", result, markdown(result))
    print(markdown(result), end="")


if __name__ == "__main__":
    main()
