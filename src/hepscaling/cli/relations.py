"""``hepscaling correlate`` (metric versus metric across runs) and ``hepscaling window`` (the
learnable window of jet generation)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hepscaling.cli.laws import (
    Axis,
    AxisName,
    Bootstrap,
    Directory,
    GroupBy,
    Json,
    Level,
    Seed,
    _json,
)

__all__ = ["correlate", "register", "window"]


def _label(key: dict[str, Any]) -> str:
    return ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in key.items()) or "all runs"


def correlate(directory: Directory,
              x: Annotated[str, typer.Option("--x", help="Metric on the horizontal axis.")
                           ] = "val_loss",
              y: Annotated[str, typer.Option("--y", "--metric", "-m",
                                             help="Metric related to it.")] = "test_swd",
              group_by: Annotated[list[str] | None, typer.Option(
                  "--group-by", "-g", show_default="all runs in one group",
                  help="Config key defining groups (repeatable), e.g. config.task.classes.")
              ] = None,
              bootstrap: Bootstrap = 1000, seed: Seed = 0, level: Level = 0.68,
              as_json: Json = False) -> None:
    """Spearman correlation of two metrics across the finished runs in DIRECTORY, with a
    bootstrap interval over runs and a monotone (isotonic) fit.

    Says "monotone increasing/decreasing" when the interval of rho excludes
    0. Typical use: does the SWD of generated jets track the validation
    loss?

    Example: hepscaling correlate sweeps/jetgen --x val_loss --y test_swd
    """
    from hepscaling.laws.correlation import correlate_sweep
    from hepscaling.laws.sweep import load_sweep

    rows = correlate_sweep(load_sweep(directory, x), x, y, group_by, bootstrap=bootstrap,
                           seed=seed, level=level)
    if as_json:
        typer.echo(_json([{"group": key, "label": _label(key),
                           **({"error": c} if isinstance(c, str) else c.to_dict())}
                          for key, c in rows]))
        return
    for key, c in rows:
        typer.echo(f"{_label(key)}")
        text = f"not correlated: {c}" if isinstance(c, str) else c.summary()
        typer.echo("  " + text.replace("\n", "\n  "))


def window(directory: Directory, axis: Axis = AxisName.N,
           loss_metric: Annotated[str, typer.Option(
               "--metric", "-m", help="Loss of the runs (nats per token).")] = "test_loss",
           reference: Annotated[str, typer.Option(
               "--reference", help="Zero-parameter baseline metric of each run.")
           ] = "test_baseline_unigram",
           z: Annotated[float, typer.Option(
               "--z", min=0.0, help="Positional window threshold in seed-noise standard "
               "errors.")] = 2.0,
           group_by: GroupBy = None, bootstrap: Bootstrap = 200, seed: Seed = 0,
           level: Level = 0.68, as_json: Json = False) -> None:
    """The learnable window of jet-generation runs in DIRECTORY along --x.

    Loss window: W = L_ref - L_inf, L_ref the per-position unigram baseline,
    L_inf the floor of the power law with floor fitted to the loss; per
    scale, the fraction (L_ref - L) / (L_ref - L_inf) the runs realise.
    Positional window: the constituent positions where the next larger
    scale lowers the per-position test loss (test_position_loss) by more
    than --z seed-noise standard errors.

    Example: hepscaling window sweeps/jetgen --x N --metric test_loss
    """
    from hepscaling.laws.sweep import load_sweep
    from hepscaling.laws.window import window_sweep

    rows = window_sweep(load_sweep(directory, loss_metric), axis.value, reference=reference,
                        group_by=group_by, z=z, bootstrap=bootstrap, seed=seed, level=level)
    if as_json:
        typer.echo(_json([{"group": r["key"], "label": _label(r["key"]), "n_runs": r["n_runs"],
                           **{part: ({"error": r[part]} if isinstance(r[part], str)
                                     else r[part].to_dict()) for part in ("loss", "positions")}}
                          for r in rows]))
        return
    for r in rows:
        typer.echo(f"{_label(r['key'])}  ({r['n_runs']} runs)")
        for part in ("loss", "positions"):
            value = r[part]
            text = f"{part} window not measured: {value}" if isinstance(value, str) \
                else value.summary()
            typer.echo("  " + text.replace("\n", "\n  "))


def register(app: typer.Typer) -> None:
    """Add the ``correlate`` and ``window`` commands to the root ``app``."""
    app.command("correlate")(correlate)
    app.command("window")(window)
