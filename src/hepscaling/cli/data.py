"""``hepscaling data``: generate datasets on disk (amplitude datasets: momenta and |M|^2)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Generate datasets on disk (resumable, with provenance).",
    epilog='Example: hepscaling data amplitudes -p "e+ e- > mu+ mu-" -n 1000 --sqrt-s 91 -o ee.h5',
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# Options shared with ``hepscaling amplitudes``.
ProcessOption = Annotated[str, typer.Option(
    "--process", "-p", help='MadGraph-style process, e.g. "u u~ > t t~ h".')]
SqrtSOption = Annotated[float, typer.Option(
    "--sqrt-s", min=0.0, help="Partonic centre-of-mass energy, GeV.")]
SeedOption = Annotated[int, typer.Option("--seed", min=0, help="Random seed.")]
PtMinOption = Annotated[float, typer.Option(
    "--pt-min", min=0.0, help="Minimum pT of massless final-state particles, GeV.")]
EtaMaxOption = Annotated[float | None, typer.Option(
    "--eta-max", min=0.0, help="Maximum |eta| of massless final-state particles.")]
MMinOption = Annotated[float, typer.Option(
    "--m-min", min=0.0, help="Minimum invariant mass of massless final-state pairs, GeV.")]
DeltaRMinOption = Annotated[float, typer.Option(
    "--delta-r-min", min=0.0, help="Minimum Delta R between massless final-state particles.")]


def make_cuts(pt_min: float, eta_max: float | None, m_min: float, delta_r_min: float):
    """:class:`~hepscaling.physics.phase_space.Cuts` from the CLI options (UsageError if bad)."""
    from pydantic import ValidationError

    from hepscaling.errors import UsageError
    from hepscaling.physics.phase_space import Cuts

    try:
        return Cuts(pt_min=pt_min, eta_max=eta_max, m_min=m_min, delta_r_min=delta_r_min)
    except ValidationError as exc:
        raise UsageError(f"invalid cuts: {exc.errors()[0]['msg']} (check --eta-max and the "
                         "other cut options)") from None


@app.command("amplitudes")
def amplitudes(
    process: ProcessOption,
    n: Annotated[int, typer.Option("-n", "--n-events", min=1, help="Number of events.")],
    sqrt_s: SqrtSOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output HDF5 file.")],
    seed: SeedOption = 0,
    pt_min: PtMinOption = 0.0,
    eta_max: EtaMaxOption = None,
    m_min: MMinOption = 0.0,
    delta_r_min: DeltaRMinOption = 0.0,
    boost_rapidity: Annotated[float, typer.Option(
        "--boost-rapidity", min=0.0, help="Boost each event along z by a rapidity drawn "
        "uniformly in [-Y, Y] (0: centre-of-mass frame).")] = 0.0,
    chunk_size: Annotated[int, typer.Option(
        "--chunk-size", min=1, help="Events generated and saved at a time (bounds memory; "
        "the unit of resumption).")] = 100_000,
    show_progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", show_default="on a terminal",
        help="Progress bar with ETA on stderr.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Generate N phase-space points of PROCESS with their |M|^2 into an HDF5 file.

    Points are flat in phase space (RAMBO) at the given partonic sqrt(s),
    inside the generation cuts, in process order; |M|^2 follows MadGraph's
    standalone convention. The file holds /momenta (n, k, 4) GeV, /me2 (n,)
    and a provenance record. Interrupted runs resume: re-run the same command.

    Example: hepscaling data amplitudes -p "u u~ > t t~ h" -n 25000 --sqrt-s 1000 -o tth.h5
    """
    from hepscaling.data.amplitudes import generate_amplitudes
    from hepscaling.errors import writable_output
    from hepscaling.physics.process import parse_process

    proc = parse_process(process)
    cuts = make_cuts(pt_min, eta_max, m_min, delta_r_min)
    writable_output(out, "--out")
    start = time.perf_counter()
    path = generate_amplitudes(out, proc, n, sqrt_s, seed, cuts, chunk_size=chunk_size,
                               boost_rapidity=boost_rapidity, progress=show_progress)
    seconds = time.perf_counter() - start
    summary = {"path": str(path), "process": proc.text, "n": n, "sqrt_s": sqrt_s, "seed": seed,
               "seconds": round(seconds, 3)}
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        typer.echo(f"{path}: {n} events of {proc.text} at sqrt(s) = {sqrt_s:g} GeV "
                   f"(seed {seed}) in {seconds:.1f} s")
