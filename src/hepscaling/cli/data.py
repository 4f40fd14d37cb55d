"""``hepscaling data``: generate datasets on disk (amplitudes: momenta and |M|^2; zmumu:
Z -> mu mu + jets events)."""

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


@app.command("zmumu")
def zmumu(
    n: Annotated[int, typer.Option("-n", "--n-events", min=1, help="Events kept (1, 2 and 3 "
                                   "jets together; about a quarter of the Drell-Yan events).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output HDF5 file (re-run the same "
                                      "command to resume it).")],
    seed: SeedOption = 0,
    mpi: Annotated[bool, typer.Option("--mpi", help="Multiparton interactions on (about 10x "
                                      "slower).")] = False,
    qed_muons: Annotated[bool, typer.Option("--qed-muons", help="QED radiation off the muons "
                                            "(off: a clean Z peak).")] = False,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Local worker "
                                         "processes (unused with --scheduler).")] = 1,
    chunk_size: Annotated[int, typer.Option(
        "--chunk-size", min=1, help="Kept events per chunk (the unit of work and of "
        "resuming).")] = 5000,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Run the chunks on this Dask scheduler, e.g. tcp://10.0.0.5:8786, "
        "instead of local processes.")] = None,
    show_progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", show_default="on a terminal",
        help="Progress bar with ETA on stderr.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Generate N Z/gamma* -> mu mu + 1, 2 or 3 jets events (Pythia 8 + FastJet) into OUT.

    Inclusive Drell-Yan at 13 TeV (66 < m_hat < 116 GeV, gamma*/Z -> mu mu),
    anti-kT R = 0.4 jets with pT > 20 GeV of the visible final state without
    the muons, jets within Delta R < 0.4 of a muon removed, events with two
    objects closer than Delta R = 0.4 vetoed. The file holds /momenta
    (n, 5, 4) GeV (mu+, mu-, jets by pT, zero-padded), /n_jets (n,) and a
    provenance record with the counts of events generated, vetoed and per
    jet multiplicity. Prints those counts as fractions of the Drell-Yan
    events. Interrupted runs resume: re-run the same command.

    Example: hepscaling data zmumu -n 2000 --seed 1 --workers 2 --out z.h5
    """
    from contextlib import nullcontext

    from hepscaling.data.events import generate_events, read_provenance
    from hepscaling.physics.events import DrellYanSpec

    spec = DrellYanSpec(mpi=mpi, qed_muons=qed_muons)
    start = time.perf_counter()
    if scheduler:
        from hepscaling.sweeps import dask_client

        context = dask_client(scheduler=scheduler)
    else:
        context = nullcontext()
    with context as client:
        executor = client.get_executor() if client is not None else None
        path = generate_events(out, n, seed, spec=spec, chunk_size=chunk_size,
                               workers=workers, executor=executor, progress=show_progress)
    seconds = time.perf_counter() - start
    counts = read_provenance(path)["counts"]
    generated = counts["generated"]
    summary = {"path": str(path), "n": n, "seed": seed, "mpi": mpi, "qed_muons": qed_muons,
               "counts": counts, "fractions": {key: round(value / generated, 5) for key, value
                                               in counts.items() if key != "generated"},
               "seconds": round(seconds, 3)}
    if as_json:
        typer.echo(json.dumps(summary))
        return
    typer.echo(f"{path}: {n} events kept of {generated} Drell-Yan events (seed {seed}) in "
               f"{seconds:.1f} s")
    for key, fraction in summary["fractions"].items():
        typer.echo(f"  {key:<15} {counts[key]:>9}  {100 * fraction:6.2f}%")


@app.command("unweighted")
def unweighted(
    n: Annotated[int, typer.Option("-n", "--n-events", min=1, help="Number of events.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output HDF5 file.")],
    process: Annotated[str, typer.Option(
        "--process", "-p", help='MadGraph-style partonic process, e.g. "u u~ > mu+ mu- g g".')
    ] = "u u~ > mu+ mu- g",
    sqrt_s: Annotated[float, typer.Option("--sqrt-s", min=0.0, help="Partonic centre-of-mass "
                                          "energy, GeV.")] = 200.0,
    seed: SeedOption = 0,
    pt_min: PtMinOption = 20.0,
    delta_r_min: DeltaRMinOption = 0.4,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Local worker "
                                         "processes.")] = 1,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, help="Events per chunk (the "
                                            "unit of work and of resuming).")] = 10_000,
    show_progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", show_default="on a terminal",
        help="Progress bar with ETA on stderr.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Generate N unweighted partonic events of PROCESS with a known density into OUT.

    Flat phase-space points (RAMBO, centre-of-mass frame, inside the cuts)
    are kept with probability |M|^2 w / f_max (hit-or-miss), so the events
    have the exact density |M|^2 / I on phase space; I, f_max and the points
    above f_max are in the provenance. The file holds /momenta (n, k, 4) GeV
    and /me2 (n,). Interrupted runs resume: re-run the same command.

    Example: hepscaling data unweighted -n 5000 --sqrt-s 200 --seed 1 --out mumug.h5
    """
    from hepscaling.data.unweighted import generate_unweighted, read_provenance

    start = time.perf_counter()
    path = generate_unweighted(out, n, seed, process=process, sqrt_s=sqrt_s,
                               cuts=make_cuts(pt_min, None, 0.0, delta_r_min),
                               chunk_size=chunk_size, workers=workers, progress=show_progress)
    made = read_provenance(path)
    counts = made["counts"]
    summary = {"path": str(path), "process": made["process"], "n": n, "seed": seed,
               "integral": made["integral"], "efficiency": n / counts["tried"],
               "overweight": counts["overweight"],
               "seconds": round(time.perf_counter() - start, 3)}
    if as_json:
        typer.echo(json.dumps(summary))
        return
    typer.echo(f"{path}: {n} events of {made['process']} at sqrt(s) = {sqrt_s:g} GeV (seed "
               f"{seed}); efficiency {summary['efficiency']:.2e}, {counts['overweight']} "
               f"above f_max; int |M|^2 dPhi = {made['integral']:.6g}")
