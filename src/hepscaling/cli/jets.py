"""``hepscaling jets``: generate JetClass-style jet samples with Pythia 8 + FastJet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Boosted-jet datasets in the JetClass format (Pythia 8 + FastJet).",
    epilog="Example: hepscaling jets generate --classes qcd,w,top -n 200 --out jets.h5",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _summary(path: Path) -> dict:
    import numpy as np

    from hepscaling.data.jets import LABELS, read_jets

    arrays = read_jets(path, fields=["label", "jet_sdmass"])
    counts = {LABELS[i]: int(c) for i, c in enumerate(np.bincount(arrays["label"],
                                                                  minlength=len(LABELS))) if c}
    medians = {LABELS[i]: round(float(np.median(arrays["jet_sdmass"][arrays["label"] == i])), 2)
               for i in range(len(LABELS)) if LABELS[i] in counts}
    return {"file": str(path), "jets": int(arrays["label"].size), "per_label": counts,
            "median_sdmass_gev": medians}


@app.command("generate")
def generate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output HDF5 file (re-run the same "
                                      "command to resume it).")],
    classes: Annotated[str, typer.Option(
        "--classes", "-c", help="Comma-separated jet classes: qcd, qcd_zvv, w, z, top, hbb.")
    ] = "qcd,w,top",
    n: Annotated[int, typer.Option("-n", "--n-per-class", min=1, help="Jets per class.")
                 ] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Run seed; chunk seeds derive "
                                      "from it.")] = 0,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, help="Jets per chunk (the "
                                            "unit of work and of resuming).")] = 1000,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1,
                                         help="Local worker processes.")] = 1,
    max_particles: Annotated[int, typer.Option("--max-particles", min=1, help="Padding length "
                                               "of the per-particle arrays.")] = 128,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    show_progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", show_default="on a terminal",
        help="Progress bar with ETA on stderr.")] = None,
) -> None:
    """Generate N jets of each class into OUT (resumable).

    Pythia 8 at 13 TeV, anti-kT R=0.8 jets of the visible final state with
    500 < pT < 1000 GeV and |eta| < 2, signal jets matched to the decaying
    W/Z/H/top and containing its decay quarks; JetClass features, soft-drop
    mass and N-subjettiness. Prints the jets per label and the median
    soft-drop mass.

    Example: hepscaling jets generate --classes qcd,w,top -n 200 --out jets.h5
    """
    from hepscaling.data.jets import generate_jets
    from hepscaling.errors import writable_output
    from hepscaling.physics.jets.processes import parse_classes

    specs = parse_classes(classes)
    writable_output(out, "--out")
    generate_jets(out, specs, n, seed, chunk_size=chunk_size, workers=workers,
                  max_particles=max_particles, progress=show_progress)
    summary = _summary(out)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    typer.echo(f"{summary['file']}: {summary['jets']} jets")
    for label, count in summary["per_label"].items():
        typer.echo(f"  {label:<12} {count:>8} jets   median soft-drop mass "
                   f"{summary['median_sdmass_gev'][label]:7.1f} GeV")
