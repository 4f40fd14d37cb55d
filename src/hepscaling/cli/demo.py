"""``hepscaling demo``: the README's main job on small defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hepscaling.errors import UsageError, WorkFailed
from hepscaling.laws.extrapolation import ExtrapolationCheck, HeldOut

__all__ = ["demo"]


def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "demo-output"),
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", min=1, help="Parallel training runs.", show_default="one per core")
    ] = None,
    processes: Annotated[list[str] | None, typer.Option(
        "--process", "-p", help="Process to learn instead of the three defaults (repeatable), "
        "MadGraph syntax, generated at sqrt(s) = 1 TeV.",
        show_default="u u~ > z g g, u u~ > t t~ h, u u~ > z g g g")] = None,
    target: Annotated[float, typer.Option(
        "--target", "-t", help="Target test MSE of ln |M|^2 to solve D for (for small errors "
        "the mean squared relative error of |M|^2: 1e-4 is 1% RMS).")] = 1e-4,
    bootstrap: Annotated[int, typer.Option(
        "--bootstrap", "-b", min=10, help="Bootstrap replicates for the intervals.")] = 200,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", help="Progress bar with ETA on stderr.",
        show_default="on a terminal")] = None,
) -> None:
    """Amplitudes -> D-sweep of MLP-I surrogates -> power-law fits -> report.

    Generates exact LO |M|^2 for u u~ > z g g, u u~ > t t~ h and
    u u~ > z g g g (or the --process ones), trains the MLP-I at six training
    sizes with two seeds each (the same steps at every D), fits
    L(D) = (D_c/D)^alpha + K to the test MSE of ln |M|^2 with bootstrap
    intervals, checks the fit by holding out the largest D, and prints the D
    that reaches --target. Writes the re-runnable sweep spec
    OUT/demo_sweep.yaml. Re-running resumes: finished runs are kept.

    Example: hepscaling demo --out demo-output -p "u u~ > t t~ h" -p "g g > t t~ g"
    """
    from hepscaling.demo import DEMO_METRIC, run_demo

    if not 0 < target < 1:
        raise UsageError(f"--target must be a test MSE between 0 and 1, got {target:g}")
    result = run_demo(out, processes=processes, workers=workers, bootstrap=bootstrap,
                      progress=progress)
    fits = result.report.fits["D"]
    typer.echo(f"\nScaling of {DEMO_METRIC} (MSE of ln |M|^2) with the training size D "
               f"({result.sweep.counts['done']} runs; intervals at 68% CL, bootstrap over runs)")
    for group in fits:
        typer.echo(f"\n{group.label}")
        if group.fit is None:
            typer.echo(f"  not fitted: {group.error}")
            continue
        for name in group.fit.params:
            typer.echo(f"  {name:>5} = {group.fit.shown(name)}")
        for scale, band, measured, ratio in _held_out(group.check):
            typer.echo(f"  extrapolation, fit without D={scale}: predicted {band}, measured "
                       f"{measured}; mean measured / predicted {ratio:.3f}")
        try:
            need = group.fit.solve(target)
        except UsageError as exc:
            typer.echo(f"  D for MSE {target:g}: {exc}")
            continue
        typer.echo(f"  D for MSE {target:g}: {need:.3g}")
    typer.echo(f"\nreport: {result.report.index}")
    if result.sweep.failed:
        raise WorkFailed(f"{result.sweep.failed} demo run(s) failed; see the run.log files under "
                         f"{out / 'sweep' / 'runs'} and re-run to retry them")


def _held_out(check: ExtrapolationCheck | None) -> list[tuple[str, str, str, float]]:
    """Per held-out scale of an extrapolation check: the scale, the predicted band, the
    measured values of its runs (those outside the band marked ``(outside)``) and the ratio of
    their mean to the prediction."""
    rows: dict[str, list[HeldOut]] = {}
    for row in check.rows if check else []:
        rows.setdefault(", ".join(f"{v:g}" for v in row.scale.values()), []).append(row)
    return [(scale, f"{runs[0].prediction:.3g}",
             ", ".join(f"{r.measured:.3g}" + ("" if r.inside else " (outside)") for r in runs),
             sum(r.measured for r in runs) / len(runs) / runs[0].predicted)
            for scale, runs in rows.items()]
