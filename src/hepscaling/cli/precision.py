"""``hepscaling precision``: how precise a generated event sample is, by classifier weights
(arXiv:2305.16774), always beside the truth-vs-truth floor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Precision of generated events against held-out truth by classifier weights.",
    epilog="Example: hepscaling precision measure truth.h5 gen.h5 --out precision/ --n-jets 1",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.command("measure")
def measure(
    truth: Annotated[Path, typer.Argument(help="Held-out truth events (zmumu layout), never "
                                          "seen by the generator.")],
    generated: Annotated[Path, typer.Argument(help="Generated events (zmumu layout: momenta "
                                              "(n, 5, 4), n_jets (n,)).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory (created; the "
                                      "same command again reuses its finished runs).")],
    n_jets: Annotated[int, typer.Option("--n-jets", "-k", help="Exclusive jet multiplicity "
                                        "(1 to 3).")] = 1,
    observables: Annotated[str | None, typer.Option(
        "--observables", show_default="all for --n-jets",
        help="Comma-separated observable names, e.g. pt_j1,eta_j1,m_mumu.")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the truth halves, the "
                                      "splits and the classifiers.")] = 0,
    max_events: Annotated[int | None, typer.Option(
        "--max-events", min=2, show_default="all the smallest sample has",
        help="Events per sample.")] = None,
    epochs: Annotated[float, typer.Option("--epochs", min=0.01, help="Classifier training "
                                          "epochs.")] = 20,
    width: Annotated[int, typer.Option("--width", min=1, help="Classifier hidden units per "
                                       "layer.")] = 256,
    depth: Annotated[int, typer.Option("--depth", min=1, help="Classifier hidden layers.")
                     ] = 4,
    dropout: Annotated[float, typer.Option("--dropout", min=0, max=0.99, help="Classifier "
                                           "dropout probability.")] = 0.1,
    threads: Annotated[int | None, typer.Option("--threads", min=1, show_default="torch's",
                                                help="CPU threads for torch.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    show_progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", show_default="on a terminal",
        help="Progress bars on stderr.")] = None,
) -> None:
    """Measure GENERATED against TRUTH for events with --n-jets jets and write OUT.

    Two classifiers with the same recipe (MLP with LeakyReLU and dropout, BCE,
    Adam; the discriminator-metric code) on the physics observables (muon and
    jet pT, eta, Delta phi, jet masses, M_mumu, 1/Delta R_jj): truth half A
    against the generated events, and truth half A against the disjoint truth
    half B (the floor), with the same number of events each. OUT gets
    precision.json (AUC with sigma(AUC), spread of log w, fraction of
    |w - 1| > 0.1, weight tails, mean w, calibration error, for both),
    weights.h5 (w = D / (1 - D) per event), the two runs, and index.html with
    the weight histograms, calibration curves, observables in the weight tails
    and the reweighted observables. Generated events with NaN momenta are
    excluded and counted; events breaking the Delta R or jet pT cut are kept
    and counted.

    Example: hepscaling precision measure truth.h5 gen.h5 --out precision/ --n-jets 2
    """
    from hepscaling.precision.events import measure_event_precision
    from hepscaling.report import build_precision_report

    names = [o.strip() for o in observables.split(",") if o.strip()] if observables else None
    result = measure_event_precision(
        truth, generated, out, n_jets=n_jets, observables=names, seed=seed,
        max_events=max_events, model={"width": width, "depth": depth, "dropout": dropout},
        train={"epochs": epochs}, threads=threads, progress=show_progress)
    index = build_precision_report(out, out)
    runs = result.summary["runs"]
    if as_json:
        typer.echo(json.dumps(result.summary, indent=1))
        return
    for run, label in (("generated", "generated vs truth"), ("truth", "truth vs truth")):
        m = runs[run]
        typer.echo(f"{label:>18}: AUC {m['auc']:.4f} +- {m['auc_sigma']:.4f}, std log w "
                   f"{m['candidate_log_w_std']:.4f}, |w-1|>0.1 {m['candidate_frac_w_off_0p1']:.3f}"
                   f", w<0.5 {m['candidate_frac_w_lt_0p5']:.4f}, w>2 "
                   f"{m['candidate_frac_w_gt_2']:.4f}")
    typer.echo(str(index))


@app.command("report")
def report(
    directory: Annotated[Path, typer.Argument(help="Directory holding precision.json files "
                                              "(searched recursively).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory (created).")],
) -> None:
    """Write an HTML page with the figures of every precision measurement under DIRECTORY.

    Example: hepscaling precision report precision/ --out precision-report/
    """
    from hepscaling.report import build_precision_report

    typer.echo(str(build_precision_report(directory, out)))
