"""``hepscaling sweep``: run a sweep spec (locally or on Dask), show its status, tabulate it."""

from __future__ import annotations

import json
import time
from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hepscaling.errors import UsageError, WorkFailed, writable_output
from hepscaling.progress import stderr

app = typer.Typer(
    help="Run many training runs from one YAML sweep spec (resumable; local or Dask).",
    epilog="Example: hepscaling sweep run examples/sweeps/quick.yaml --out sq --workers 2",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class ExecutorName(StrEnum):
    """Where the runs execute."""

    local = "local"
    dask = "dask"


def _summary(name: str, planned: int, counts: dict[str, int]) -> str:
    cells = "  ".join(f"{state} {n}" for state, n in counts.items())
    return f"sweep {name}: planned {planned}  {cells}"


@app.command("run")
def run(
    spec: Annotated[Path, typer.Argument(help="Sweep spec YAML file.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Sweep directory (created; reused "
                                      "to resume).")],
    executor: Annotated[ExecutorName | None, typer.Option(
        "--executor", "-e", show_default="local, or dask with --scheduler",
        help="Run on local worker processes or on a Dask cluster.")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", min=1, show_default="one per core",
        help="Local worker processes, or Dask workers / batch jobs to start.")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
        "(implies --executor dask).")] = None,
    retry_failed: Annotated[bool, typer.Option(
        "--retry-failed", help="Also re-run runs recorded as failed.")] = False,
    show_progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", show_default="on a terminal",
        help="Progress bar with ETA on stderr.")] = None,
    mlflow: Annotated[str | None, typer.Option(
        "--mlflow", metavar="URI", help="Also log the runs to this MLflow store while they "
        "run (every 10 s, from the records; as 'hepscaling export mlflow').")] = None,
    overrides: Annotated[list[str] | None, typer.Option(
        "--set", metavar="KEY=VALUE", help="Change a key of the spec file before it is read "
        "(repeatable), e.g. --set scale.factor=30 (the spec's scale knob) or --set "
        "base.train.lr=3e-4.")] = None,
) -> None:
    """Run (or resume) every unfinished run of SPEC into OUT.

    Done and diverged runs are skipped, killed runs resume from their
    checkpoint, failed runs re-run only with --retry-failed. Each run writes
    OUT/runs/<run_id>/ (record.json, checkpoint.pt, run.log).
    Exits 1 if any planned run failed.

    OUT may be moved or copied: its finished runs stay finished. A spec
    edited to add runs keeps the finished ones; one that would leave
    finished runs out of the plan (or a dataset regenerated with other
    settings) is refused: use another --out.

    The same spec runs on Dask with --executor dask: a LocalCluster by
    default, the spec's 'cluster:' section (Slurm / HTCondor via
    dask-jobqueue), or an existing scheduler with --scheduler ADDRESS.

    With --mlflow URI the records are exported to MLflow as they are written;
    an unreachable store is reported once and retried, and never fails or
    slows a run.

    --set KEY=VALUE changes the spec before it is read; a spec with a
    'scale:' section grows D, N and the run length together with --set
    scale.factor=F (use another --out per factor).

    Example: hepscaling sweep run examples/sweeps/quick.yaml --out sq -w 2
    """
    from hepscaling.sweeps import DaskExecutor, LocalExecutor, dask_client, load_spec, run_sweep

    if executor is ExecutorName.local and scheduler:
        raise UsageError(f"--scheduler {scheduler} needs the Dask executor; drop "
                         "'--executor local' or the --scheduler option")
    sweep_spec = load_spec(spec, overrides or ())  # validated before any cluster starts
    source = str(spec) + "".join(f" --set {o}" for o in overrides or ())
    writable_output(out, "--out", directory=True)
    with _tracking(out, mlflow):
        if executor is ExecutorName.dask or scheduler:
            with dask_client(scheduler=scheduler, cluster=sweep_spec.cluster,
                             workers=workers) as client:
                result = run_sweep(sweep_spec, out, executor=DaskExecutor(client),
                                   retry_failed=retry_failed, progress=show_progress,
                                   source=source)
        else:
            with LocalExecutor(workers) as local:
                result = run_sweep(sweep_spec, out, executor=local, retry_failed=retry_failed,
                                   progress=show_progress, source=source)
    typer.echo(_summary(sweep_spec.name, result.planned, result.counts))
    if result.failed:
        run_id, error = next(iter(result.failures.items()))
        raise WorkFailed(
            f"{result.failed} of {result.planned} runs failed (e.g. {run_id}: {error}); see "
            f"{out}/runs/<run_id>/run.log, fix the cause and re-run with --retry-failed"
        )


def _tracking(out: Path, uri: str | None) -> AbstractContextManager:
    """Live MLflow export of the records in ``out`` to ``uri`` while the block runs (none
    without a URI)."""
    if uri is None:
        return nullcontext()
    from hepscaling.export.mlflow import LiveExport

    return LiveExport(out, uri, warn=lambda text: stderr.print(f"[yellow]warning:[/yellow] "
                                                               f"{escape(text)}",
                                                               highlight=False))


@app.command("status")
def status(
    directory: Annotated[Path, typer.Argument(help="Sweep directory (the --out of 'sweep run').")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    watch_: Annotated[bool, typer.Option(
        "--watch", help="Live view, refreshed from the records until no run is running or "
        "pending (Ctrl-C stops watching, not the sweep).")] = False,
    interval: Annotated[float, typer.Option(
        "--interval", min=0.05, help="Seconds between refreshes of --watch.")] = 2.0,
) -> None:
    """Count the planned runs of a sweep by state.

    States: done, diverged, failed, running, pending. Runs shown as running while
    no sweep is live were killed; 'hepscaling sweep run' resumes them. With
    --watch: a live table of the running runs (step / planned steps, steps per
    second, ETA, latest train and validation loss), read from the records
    without changing them. A sweep with converge: also lists each point's ladder
    of training lengths and its verdict from the records of its finished rungs.

    Example: hepscaling sweep status sweeps/quick --watch --interval 5
    """
    from hepscaling.sweeps import sweep_status

    if watch_:
        if as_json:
            raise UsageError("--watch shows a live table; drop --json (or --watch)")
        _watch(directory, interval)
        return
    st = sweep_status(directory)
    if as_json:
        typer.echo(json.dumps(st.as_dict(), indent=1))
        return
    typer.echo(_summary(st.name, st.planned, st.counts))
    typer.echo(f"live: {'yes (a sweep is running here)' if st.live else 'no'}")
    if st.skipped:
        typer.echo(f"left out of the plan (isoflop.min_steps, isoflop.max_steps): {st.skipped}")
    for ladder in st.ladders:
        point = ", ".join(f"{k}={v}" for k, v in ladder["point"].items()) or "all"
        steps = ", ".join(str(s) for s in ladder["steps"])
        typer.echo(f"ladder {point}: steps {steps}: {ladder['state']}")
    for run_id, error in st.failures.items():
        typer.echo(f"failed {run_id}: {error}")


def _watch(directory: Path, interval: float) -> None:
    """Refresh the live view every ``interval`` s until no run is running or pending."""
    from rich.console import Console
    from rich.live import Live

    from hepscaling.sweeps.watch import progress_view, sweep_progress

    current = sweep_progress(directory)
    try:
        with Live(progress_view(current), console=Console(), auto_refresh=False) as live:
            while current.active:
                time.sleep(interval)
                current = sweep_progress(directory)
                live.update(progress_view(current), refresh=True)
    except KeyboardInterrupt:
        stderr.print("stopped watching; the sweep itself goes on", highlight=False)


@app.command("table")
def table(
    directory: Annotated[Path, typer.Argument(help="Sweep directory (the --out of 'sweep run').")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output table: .csv or .parquet.")],
) -> None:
    """Write one row per run to a .csv or .parquet table.

    Columns: run_id, status, N, D, C (and budget for IsoFLOP sweeps), epochs,
    steps, wall_time, metric.<name> and config.<dotted.key>.

    Example: hepscaling sweep table sweeps/quick --out sweeps/quick/runs.csv
    """
    from hepscaling.sweeps import sweep_table, write_table

    writable_output(out, "--out")
    frame = sweep_table(directory)
    path = write_table(frame, out)
    stderr.print(f"wrote {len(frame)} runs to {path}", highlight=False)
    typer.echo(str(path))
