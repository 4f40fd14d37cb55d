"""``hepscaling train``: run one training config and write its record and checkpoint."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from hepscaling.configs import preset_names, preset_path
from hepscaling.errors import WorkFailed, writable_output

#: test metrics shown in the one-line summary, when the task has them
HEADLINE_METRICS = ("test_mse", "test_accuracy", "test_auc_macro")

__all__ = ["train"]


class Device(StrEnum):
    """``--device`` choices."""

    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


def train(
    config: Annotated[str, typer.Argument(
        help=f"Run config YAML file, or a preset name ({', '.join(preset_names())}).")],
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Run directory (record, checkpoint, log).")],
    set_: Annotated[list[str] | None, typer.Option(
        "--set", "-s", help="Override a config key: KEY=VALUE, dotted key; repeatable.")] = None,
    device: Annotated[Device | None, typer.Option(
        "--device", help="Override the config's device.")] = None,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", help="Progress bar on stderr (default: only on a terminal).")
    ] = None,
    threads: Annotated[int | None, typer.Option(
        "--threads", min=1, show_default="1 per 1e8 FLOPs of an optimiser step, at most the "
        "cores", help="CPU threads for torch (recorded in the record).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run record as JSON.")] = False,
) -> None:
    """Train one config and write OUT/record.json, OUT/checkpoint.pt and OUT/run.log.

    Re-running the same command resumes from the checkpoint (or returns the finished record).
    Prints a one-line summary (or the record with --json); exits 1 if the run diverged.
    Small models train on one thread by default: more threads only wait for each other
    (and for other processes) on steps of a few milliseconds.

    Example: hepscaling train amplitudes_mlp --set task.dataset=tth.h5 --out runs/mlp
    """
    path = Path(config)
    source = path if path.suffix in (".yaml", ".yml") or path.exists() else preset_path(config)
    overrides = [*(set_ or []), *([f"device={device.value}"] if device is not None else [])]
    from hepscaling.train.config import load_config
    from hepscaling.train.flops import effective_batch_size, training_flops_per_sample
    from hepscaling.train.loop import run_training
    from hepscaling.train.threads import default_threads

    cfg = load_config(source, overrides)
    writable_output(out, "--out", directory=True)
    if threads is None:
        batch = effective_batch_size(cfg.train, cfg.task.n_train)
        threads = default_threads(batch * training_flops_per_sample(cfg))
    record = run_training(cfg, out, progress=progress, threads=threads)
    if as_json:
        typer.echo(record.model_dump_json(indent=1))
    else:
        headline = " ".join(f"{k}={record.metrics[k]:.4g}" for k in HEADLINE_METRICS
                            if record.metrics.get(k) is not None)
        typer.echo(f"run {record.run_id} {record.status} ({record.stop_reason}): "
                   f"N={record.n_params} D={record.n_train} C={record.flops:.3g} FLOPs "
                   f"steps={record.steps} epochs={record.epochs:.3g} "
                   f"wall={record.wall_time:.1f}s {headline or 'no test metrics'} -> {out}")
    if record.status == "diverged":
        raise WorkFailed(f"run diverged: {record.error} (record written to {out})")
