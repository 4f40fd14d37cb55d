"""``hepscaling fit``, ``predict``, ``report``: scaling-law fits of a sweep directory."""

from __future__ import annotations

import json
import math
import numbers
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from hepscaling.errors import UsageError
from hepscaling.progress import stderr

__all__ = ["fit", "predict", "register", "report"]


class LawName(StrEnum):
    """Functional form to fit."""

    power = "power"
    log = "log"
    compare = "compare"
    joint = "joint"
    ceiling = "ceiling"
    joint_ceiling = "joint_ceiling"
    repetition = "repetition"


class AxisName(StrEnum):
    """Scaling axis."""

    D = "D"
    N = "N"
    C = "C"


Directory = Annotated[Path, typer.Argument(help="Sweep or run directory (searched for "
                                           "record.json files).")]
Law = Annotated[LawName, typer.Option("--law", help="log: a - b ln X; compare: log, power "
                                      "and power without floor by AICc and hold-out error, "
                                      "with a verdict; power: (X_c/X)^alpha + K; joint: "
                                      "E + A/N^alpha + B/D^beta; ceiling: A_inf - a X^-b; "
                                      "joint_ceiling: A_inf - A/N^alpha - B/D^beta; "
                                      "repetition: (X_c/D')^alpha + K in the effective data "
                                      "D' of D unique samples seen for 'epochs' passes.")]
Axis = Annotated[AxisName, typer.Option("--x", "--axis", help="Scaling axis for power and "
                                        "ceiling laws.")]
Metric = Annotated[str, typer.Option("--metric", "-m", help="Metric name in the records (e.g. "
                                     "test_mse_log: MSE of ln |M|^2; test_abs_rel_err_mean; "
                                     "test_auc_macro with --law ceiling).")]
HuberDelta = Annotated[float | None, typer.Option(
    "--huber-delta", show_default="from the data",
    help="Huber threshold on log residuals. Default: from the residuals' robust spread, right "
    "for scattered runs (several seeds, noisy metrics). A number, e.g. 1e-3, fixes it as "
    "Chinchilla did: near-L1 and robust to outliers, for residuals much larger than it.")]
GroupBy = Annotated[list[str] | None, typer.Option(
    "--group-by", "-g", show_default="config columns that vary",
    help="Config key defining groups (repeatable), e.g. config.task.dataset.")]
Floor = Annotated[bool, typer.Option("--floor/--no-floor", help="Fit the floor K of the power "
                                     "law (--no-floor: K = 0, noise-free targets).")]
Bootstrap = Annotated[int, typer.Option("--bootstrap", "-b", min=0,
                                        help="Bootstrap replicates for the intervals.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap resampling.")]
Level = Annotated[float, typer.Option("--level", min=0.01, max=0.99,
                                      help="Confidence level of the intervals.")]
Holdout = Annotated[int, typer.Option("--holdout", min=0, help="Largest scale points held out "
                                      "for the extrapolation check (0: none).")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def converge_tolerance(directory: Path) -> float | None:
    """``converge.tolerance`` of the sweep in ``directory``: its fits use each point's
    converged training length (``None``: not a sweep with ``converge:``)."""
    from hepscaling.sweeps.plan import PLAN_NAME, load_plan

    if not (directory / PLAN_NAME).is_file():
        return None
    converge = load_plan(directory).spec.get("converge")
    return None if converge is None else float(converge["tolerance"])


def _fits(directory: Path, law: LawName, axis: AxisName, metric: str, group_by: list[str] | None,
          floor: bool, bootstrap: int, seed: int, level: float, holdout: int,
          huber_delta: float | None, process: str | None = None, strict_check: bool = True):
    from hepscaling.laws.direction import check_direction
    from hepscaling.laws.sweep import fit_sweep, load_sweep

    check_direction(law.value, metric)
    if huber_delta is not None and not (math.isfinite(huber_delta) and huber_delta > 0):
        raise UsageError(f"--huber-delta must be a number > 0 (e.g. 1e-3), got {huber_delta:g}; "
                         "leave it out to take it from the data")
    sweep = load_sweep(directory, metric, converge_tolerance(directory))
    for note in sweep.length_notes:
        stderr.print(f"note: {note}", highlight=False, soft_wrap=True)
    if process is not None:
        sweep = _of_process(sweep, process)
    if len(sweep.not_done):
        counts = sweep.not_done["status"].value_counts().to_dict()
        stderr.print(f"not fitted: {len(sweep.not_done)} runs "
                     f"({', '.join(f'{k} {v}' for k, v in counts.items())})", highlight=False)
    groups = fit_sweep(sweep, law=law.value, axis=axis.value, floor=floor, group_by=group_by,
                       bootstrap=bootstrap, seed=seed, level=level, holdout=holdout,
                       huber_delta=huber_delta)
    fitted = [g for g in groups if g.fit is not None]
    if groups and not fitted:  # nothing to show: one line on what is missing
        first = groups[0]
        left_out = f"; {first.excluded_note}" if first.excluded_note else ""
        raise UsageError(f"no group could be fitted ({first.label}: {first.error}{left_out})")
    if strict_check and holdout and all(g.check_error for g in fitted):
        raise UsageError(f"--holdout {holdout}: {fitted[0].check_error}; --holdout 0 skips "
                         "the extrapolation check")
    return groups


def _of_process(sweep: Any, process: str) -> Any:
    """``sweep`` restricted to the runs of ``process`` (UsageError naming the processes
    present if none is)."""
    import dataclasses

    from hepscaling.report.processes import process_of, runs_of_process

    try:
        done = runs_of_process(sweep.done, process)
    except UsageError as exc:
        raise UsageError(f"--process {process!r}: {exc}") from exc
    if done.empty:
        present = sorted({str(process_of(sweep.done[sweep.done["config.task.dataset"] == path]))
                          for path in sweep.done.get("config.task.dataset", [])})
        raise UsageError(f"--process {process!r}: no finished run of this process in "
                         f"{sweep.directory} (processes there: {', '.join(present) or 'none'})")
    return dataclasses.replace(sweep, frame=runs_of_process(sweep.frame, process), done=done,
                               not_done=runs_of_process(sweep.not_done, process))


def _json(obj: Any) -> str:
    """Strict JSON (no Infinity/NaN: non-finite numbers, e.g. an unbounded interval end,
    become null; numpy scalars, e.g. a numeric group key, become numbers; intervals become
    ``{"value", "low", "high", "level"}``)."""
    import numpy as np

    from hepscaling.laws import Interval

    def clean(x: Any) -> Any:
        if isinstance(x, np.generic):
            x = x.item()
        if isinstance(x, Interval):
            x = x.to_dict()
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [clean(v) for v in x]
        if isinstance(x, float) and not math.isfinite(x):
            return None
        return x

    return json.dumps(clean(obj), indent=1, default=str, allow_nan=False)


def fit(directory: Directory, law: Law = LawName.power, axis: Axis = AxisName.D,
        metric: Metric = "test_mse_log", group_by: GroupBy = None, floor: Floor = True,
        bootstrap: Bootstrap = 200, seed: Seed = 0, level: Level = 0.68,
        holdout: Holdout = 1, huber_delta: HuberDelta = None, as_json: Json = False) -> None:
    """Fit a scaling law to every group of finished runs in DIRECTORY.

    Fit: summed Huber loss on log residuals, multi-start L-BFGS-B;
    intervals: bootstrap percentile over runs. Groups are runs differing
    only by the swept axis and seed. Prints parameters with intervals
    ("not determined" where the data do not fix one) and the extrapolation
    check (largest scale held out).
    --law repetition fits the loss in the effective data of D unique samples
    seen for 'epochs' passes (--x is ignored) and adds R* and the factor
    D'/U at 2, 4, 10 epochs and its asymptote 1 + R*.

    Example: hepscaling fit sweeps/tth --law power --x D --metric test_mse_log
    """
    groups = _fits(directory, law, axis, metric, group_by, floor, bootstrap, seed, level,
                   holdout, huber_delta)
    if as_json:
        typer.echo(_json([{
            "group": g.key, "label": g.label, "n_runs": len(g.runs),
            "fit": g.fit.to_dict() if g.fit else None, "error": g.error,
            "excluded": list(g.excluded),
            "extrapolation": g.check.to_dict() if g.check else None,
            "extrapolation_error": g.check_error} for g in groups]))
        return
    for g in groups:
        typer.echo(f"{g.label}  ({len(g.runs)} runs)")
        if g.excluded_note:
            typer.echo(f"  {g.excluded_note}")
        if g.fit is None:
            typer.echo(f"  not fitted: {g.error}")
            continue
        typer.echo("  " + g.fit.summary().replace("\n", "\n  "))
        if law is LawName.repetition:
            _echo_factors(g.fit.to_dict())
        if law is LawName.joint:
            try:
                for name, iv in g.fit.frontier_exponents().items():
                    axis_name = "N*" if name == "a" else "D*"
                    typer.echo(f"  {axis_name} ~ C^{name}: {name} = {iv}  (C = 6 N D)")
            except UsageError as exc:
                typer.echo(f"  frontier N* ~ C^a, D* ~ C^b: {exc}")
        if g.check_error:
            typer.echo(f"  no extrapolation check: {g.check_error}")
        for r in g.check.rows if g.check else []:
            typer.echo(f"  held out {r.scale}: measured {r.measured:.4g}, predicted "
                       f"{r.prediction}, ratio {r.ratio:.3f}, "
                       f"{'inside' if r.inside else 'OUTSIDE'}")


def _echo_factors(fit: dict[str, Any]) -> None:
    """The effective-data factors of a repetition fit's ``to_dict()``, or why they are not
    determined."""
    from hepscaling.laws import Interval

    if fit["factor"] is None:
        typer.echo(f"  effective-data factor D'/U: {fit['factor_note']}")
        return
    factors = {k: Interval(**v) for k, v in fit["factor"].items()}
    typer.echo("  effective-data factor D'/U: " + ", ".join(
        f"{k} epochs {v}" for k, v in factors.items() if k != "asymptote"))
    typer.echo(f"  asymptote 1 + R* = {factors['asymptote']}")


def predict(directory: Directory,
            target: Annotated[float | None, typer.Option(
                "--target", "-t", help="Target metric value: print the scale that reaches it.")
            ] = None,
            at: Annotated[float | None, typer.Option(
                "--at", help="Scale value: print the predicted metric there (--law "
                "repetition: unique samples U, with --epochs).")] = None,
            epochs: Annotated[float | None, typer.Option(
                "--epochs", show_default="1 with --target",
                help="Passes over the unique data (--law repetition only).")] = None,
            rel_precision: Annotated[float | None, typer.Option(
                "--rel-precision", help="Target RMS relative precision of |M|^2 (e.g. 0.01 "
                "for 1%), instead of --target: --target = its square on test_mse_log, the MSE "
                "of ln |M|^2 (for small errors the mean squared relative error).")] = None,
            process: Annotated[str | None, typer.Option(
                "--process", "-p", help="Only the runs of this process (their "
                "config.task.process or dataset provenance), e.g. \"u u~ > t t~ h\".")] = None,
            axis: Axis = AxisName.D, law: Law = LawName.power, metric: Metric = "test_mse_log",
            group_by: GroupBy = None, floor: Floor = True, bootstrap: Bootstrap = 200,
            seed: Seed = 0, level: Level = 0.68, holdout: Holdout = 1,
            huber_delta: HuberDelta = None, as_json: Json = False) -> None:
    """Predict from the fitted law: the scale reaching --target, or the metric --at a scale.

    With --law joint, --target gives the compute-optimal C (C = 6 N D) and
    its N*, D*; --at is not available. With --law repetition, --target gives
    the unique samples U needed when training --epochs passes (default 1)
    and --at U predicts the metric after --epochs passes. A target beyond
    the fitted floor (or ceiling) is reported per group as not reachable;
    a prediction that depends on a parameter the data do not determine (or
    --at beyond the fitted scales of such a law) is reported as not
    determined.

    --rel-precision Y is --target Y^2 on test_mse_log (an amplitude surrogate's
    RMS relative error); --process P keeps the runs of one process. Each
    group's prediction comes with its hold-out check (--holdout largest
    scale points left out, predicted, compared with the measured runs).
    With --axis C, --target and groups of model sizes (-g config.model.width),
    a last line names the size reaching the target with the least compute,
    or says it lies at the edge of the sizes (not determined), the rule of the
    report's IsoFLOP minima.

    Example: hepscaling predict study/d_scaling --process "u u~ > t t~ h" --rel-precision 0.01
    """
    if rel_precision is not None:
        if target is not None:
            raise UsageError("give one of --target and --rel-precision (it sets the target "
                             "to its square on test_mse_log)")
        if not (math.isfinite(rel_precision) and 0 < rel_precision < 1):
            raise UsageError(f"--rel-precision must be a relative error in (0, 1), e.g. 0.01 "
                             f"for 1%, got {rel_precision:g}")
        if metric != "test_mse_log":
            raise UsageError(f"--rel-precision targets test_mse_log, not --metric {metric}; "
                             "drop --metric or give --target in units of that metric")
        target = rel_precision**2
    if (target is None) == (at is None):
        raise UsageError("give exactly one of --target (scale needed for a metric value) and "
                         "--at (metric at a scale)")
    if at is not None and not (math.isfinite(at) and at > 0):
        raise UsageError(f"--at must be a scale > 0 (samples, parameters or FLOPs), got {at:g}")
    if target is not None and not math.isfinite(target):
        raise UsageError(f"--target must be a finite metric value, got {target:g}")
    if target is not None and target <= 0 and law is not LawName.ceiling:
        raise UsageError(f"--target {target:g} for --law {law.value}: a loss is > 0; give a "
                         "target loss > 0, e.g. --target 1e-4")
    if law is LawName.joint and at is not None:
        raise UsageError("--at is not available with --law joint (it needs N and D); use "
                         "--target for the compute-optimal C")
    if law is LawName.joint_ceiling:
        raise UsageError("predict does not take --law joint_ceiling (its metric depends on N "
                         "and D); use --law ceiling along one axis, e.g. --law ceiling --axis D")
    if law is LawName.repetition and at is not None and epochs is None:
        raise UsageError(f"--at {at:g} with --law repetition needs the passes over those unique "
                         "samples: add --epochs E (e.g. --epochs 4)")
    if law is not LawName.repetition and epochs is not None:
        raise UsageError(f"--epochs is only for --law repetition, got --law {law.value}; drop "
                         "--epochs or add --law repetition")
    if epochs is not None and not (math.isfinite(epochs) and epochs > 0):
        raise UsageError(f"--epochs must be a finite number > 0, got {epochs:g}; pass the "
                         "planned passes over the unique data, e.g. --epochs 4")
    for name, value in (("--at", at), ("--target", target)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise UsageError(f"{name} must be a finite number > 0, got {value:g} (a scale, or "
                             "a metric value such as a loss or an AUC)")
    from hepscaling.laws.sweep import excluded_note

    if law is LawName.repetition and epochs is None:
        epochs = 1.0
    groups = _fits(directory, law, axis, metric, group_by, floor, bootstrap, seed, level,
                   holdout, huber_delta, process=process, strict_check=False)
    rows = [_prediction(g, law, axis, target, at, epochs) for g in groups]
    lowest = _lowest_compute(rows) if axis is AxisName.C and target is not None else None
    if as_json:
        typer.echo(_json(rows))
        return
    goal = f" (RMS relative precision {rel_precision:g})" if rel_precision is not None else ""
    for row in rows:  # the runs left out first, as hepscaling fit prints them
        if row["excluded"]:
            typer.echo(f"{row['label']}: {excluded_note(row['excluded'])}")
        if "error" in row:
            typer.echo(f"{row['label']}: {row['error']}")
            continue
        if target is not None:
            extra = "".join(f", {k} {row[k]}" for k in ("N_opt", "D_opt") if k in row)
            typer.echo(f"{row['label']}: {row['axis']} = {row['value']} for "
                       f"{metric} = {target:g}{goal}{extra}{_at_epochs(row)}")
        else:
            typer.echo(f"{row['label']}: {metric} = {row['value']} at "
                       f"{row['axis']} = {at:g}{_at_epochs(row)}")
        if holdout:
            typer.echo(f"  hold-out check: {row.get('check_error') or ''}" + "; ".join(
                _held_out_text(r) for r in (row.get("extrapolation") or {}).get("rows", [])))
    if lowest:
        typer.echo(lowest)


def _lowest_compute(rows: list[dict[str, Any]]) -> str | None:
    """For C predicted per model size (groups keyed by one numeric ``config.model.*`` key,
    e.g. ``-g config.model.width``): which size reaches the target with the least compute, and
    whether that is a compute-optimal size or lies at the edge of the sizes with a prediction
    (the rule of the IsoFLOP minima, :func:`hepscaling.laws.frontier.lowest_at_edge`). Marks
    that row with ``lowest_C`` (for --json) and returns the line to print; ``None`` when the
    groups are not model sizes or fewer than two have a finite C."""
    import numpy as np

    from hepscaling.laws.frontier import edge_reason, lowest_at_edge

    keys = {tuple(row["group"]) for row in rows}
    if len(keys) != 1 or len(key := next(iter(keys))) != 1 or \
            not key[0].startswith("config.model."):
        return None
    found = [row for row in rows if "value" in row and math.isfinite(row["value"].value)
             and isinstance(row["group"][key[0]], numbers.Real)]
    if len(found) < 2:
        return None
    sizes = np.array([row["group"][key[0]] for row in found], dtype=float)
    values = np.array([row["value"].value for row in found])
    best = found[int(np.argmin(values))]
    names = f"{key[0].rsplit('.', 1)[-1]}s"
    verdict = edge_reason(names) if lowest_at_edge(sizes, values) else \
        f"inside the {names} with a prediction ({sizes.min():g} ... {sizes.max():g})"
    best["lowest_C"] = verdict
    return (f"lowest C over the {names} with a prediction: {best['label']} (C = "
            f"{best['value']}); {verdict}")


def _held_out_text(row: dict[str, Any]) -> str:
    """One held-out run of an extrapolation check's ``to_dict()`` rows, as text."""
    fields = {"measured", "predicted", "low", "high", "level", "ratio", "inside"}
    scale = ", ".join(f"{k} = {v:g}" for k, v in row.items() if k not in fields)
    return (f"{scale}: measured {row['measured']:.4g}, predicted {row['predicted']:.4g} "
            f"[{row['low']:.4g}, {row['high']:.4g}], ratio measured/predicted "
            f"{row['ratio']:.3f}")


def _at_epochs(row: dict[str, Any]) -> str:
    return f" after {row['epochs']:g} epochs" if "epochs" in row else ""


def _prediction(g: Any, law: LawName, axis: AxisName, target: float | None,
                at: float | None, epochs: float | None) -> dict[str, Any]:
    name = {LawName.joint: "C", LawName.repetition: "U"}.get(law, axis.value)
    row: dict[str, Any] = {"group": g.key, "label": g.label, "axis": name,
                           "excluded": list(g.excluded)}
    if law is LawName.repetition:
        row["epochs"] = epochs
    if g.fit is None:
        return {**row, "error": f"not fitted: {g.error}"}
    if g.check is not None:  # the scale of single-axis laws ("x") named by its axis
        check = g.check.to_dict()
        check["rows"] = [{(name if k == "x" else k): v for k, v in r.items()}
                         for r in check["rows"]]
        row["extrapolation"] = check
    elif g.check_error:
        row["check_error"] = f"not possible ({g.check_error})"
    try:
        if at is not None:
            scale = g.fit.data["U" if law is LawName.repetition else "x"]
            if not scale.min() <= at <= scale.max():
                g.fit.require_determined(f"the metric at {name} = {at:g} (beyond the fitted "
                                         f"{name} = {scale.min():g} ... {scale.max():g})")
            band = g.fit.predict([at], [epochs]) if law is LawName.repetition \
                else g.fit.predict([at])
            row["value"] = band.at(0)
        elif law is LawName.repetition:
            row["value"] = g.fit.solve(target, epochs)
        else:
            row["value"] = g.fit.solve(target)
            if law is LawName.joint and math.isfinite(row["value"].value):
                n, d, _ = g.fit.frontier([row["value"].value])
                row["N_opt"], row["D_opt"] = n.at(0), d.at(0)
    except UsageError as exc:
        return {**row, "error": str(exc)}
    return row


def report(directory: Directory,
           out: Annotated[Path, typer.Option("--out", "-o", help="Output directory (created).")],
           law: Annotated[LawName, typer.Option(
               "--law", help="power or ceiling (single-axis laws).")] = LawName.power,
           metric: Metric = "test_mse_log", group_by: GroupBy = None, floor: Floor = True,
           bootstrap: Bootstrap = 200, seed: Seed = 0, level: Level = 0.68,
           holdout: Holdout = 1, huber_delta: HuberDelta = None,
           loss_metric: Annotated[str | None, typer.Option(
               "--loss-metric", show_default="--metric for power, val_loss for ceiling",
               help="Loss of the joint law L(N, D), its frontier and the repetition fit.")
           ] = None) -> None:
    """Write an HTML report with PNG and PDF figures for the runs in DIRECTORY.

    Contents: metric versus every swept axis (D, N, C) with fitted lines and
    bands per group, residuals, exponent table with intervals, extrapolation
    check, joint law L(N, D) and compute-optimal frontier (N and D varied),
    ceilings by representation (--law ceiling), data repetition (runs of
    fresh and repeated data), schedule penalties (runs of several
    learning-rate schedules), the learning-rate optimum per width (width x
    lr grids), exponent versus phase-space dimension d = 3 n_f - 4 next to
    4/d with TwoNN intrinsic dimensions, pull calibration of heteroscedastic
    runs, and the runs not fitted.

    Example: hepscaling report sweeps/jets --out report/ --law ceiling --metric test_auc_macro
    """
    from hepscaling.report import build_report

    result = build_report(directory, out, metric=metric, law=law.value, floor=floor,
                          group_by=group_by, bootstrap=bootstrap, seed=seed, level=level,
                          holdout=holdout, loss_metric=loss_metric, huber_delta=huber_delta,
                          tolerance=converge_tolerance(directory))
    typer.echo(str(result.index))


def register(app: typer.Typer) -> None:
    """Add the ``fit``, ``predict`` and ``report`` commands to the root ``app``."""
    app.command("fit")(fit)
    app.command("predict")(predict)
    app.command("report")(report)
