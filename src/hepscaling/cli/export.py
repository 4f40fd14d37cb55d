"""``hepscaling export``: show run records in other tools (MLflow)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hepscaling.progress import stderr

app = typer.Typer(
    help="Copy the run records of a sweep into other tracking tools (re-run to update).",
    epilog="Example: hepscaling export mlflow sweeps/quick",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.command("mlflow")
def mlflow(
    directory: Annotated[Path, typer.Argument(help="Sweep or run directory holding records.")],
    tracking_uri: Annotated[str | None, typer.Option(
        "--tracking-uri", "-t", show_default="sqlite:///DIRECTORY/.mlflow/mlflow.db",
        help="MLflow store: sqlite:///path.db, file:/path or http://host:5000.")] = None,
    experiment: Annotated[str | None, typer.Option(
        "--experiment", show_default="the sweep's name", help="MLflow experiment name.")] = None,
    report: Annotated[Path | None, typer.Option(
        "--report", show_default="DIRECTORY/report if it holds an index.html",
        help="Report directory to attach to the sweep's MLflow run.")] = None,
) -> None:
    """Export every run record under DIRECTORY to MLflow, one MLflow run each.

    Params: the flattened resolved config. Metrics: N, D, C, the final metrics
    and every curve as curve/<name> by step. Tags: hepscaling.run_id, status,
    code_version, sweep. Artifacts: record.json; the report on the sweep's
    parent run. Exporting again updates the same MLflow runs (new curve
    points, new status), never duplicates them. Needs the 'mlflow' extra.

    View the default store with the full MLflow package (its own environment,
    see the README's 'MLflow tracking server'): mlflow ui --backend-store-uri
    sqlite:///DIRECTORY/.mlflow/mlflow.db

    Example: hepscaling export mlflow sweeps/quick --experiment quick-grid
    """
    from hepscaling.export.mlflow import export_mlflow

    result = export_mlflow(directory, tracking_uri, experiment, report)
    stderr.print(f"created {result.created}, updated {result.updated}, unchanged "
                 f"{result.unchanged} MLflow runs in experiment {result.experiment!r}",
                 highlight=False)
    typer.echo(result.tracking_uri)
