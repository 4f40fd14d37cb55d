"""``hepscaling amplitudes``: evaluate |M|^2 (tree level, or loop-induced with ``[noborn=QCD]``) at
given points; partonic cross sections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from hepscaling.cli.data import (
    DeltaRMinOption,
    EtaMaxOption,
    MMinOption,
    ProcessOption,
    PtMinOption,
    SeedOption,
    SqrtSOption,
    make_cuts,
)

app = typer.Typer(
    help="Evaluate matrix elements |M|^2 (tree level; loop-induced g g > a a (g) "
         "\\[noborn=QCD]) and partonic cross sections.",
    epilog='Example: hepscaling amplitudes xsec -p "e+ e- > mu+ mu-" --sqrt-s 91.188',
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_CHUNK = 100_000  # points per evaluation: bounds memory


@app.command("eval")
def evaluate(
    process: ProcessOption,
    momenta: Annotated[Path, typer.Option(
        "--momenta", "-m", help="Points: .npy (n, k, 4) / (n, 4k) / rows (n, 4k+1) GeV, or an "
        "amplitude .h5 file.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .npy of |M|^2, float64 (n,).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Evaluate |M|^2 of PROCESS at the points in MOMENTA and save them to OUT.

    Momenta are (E, px, py, pz) in GeV, particles in process order, incoming
    first; they are checked for mass shells and momentum conservation. If the
    input already holds |M|^2 (an amplitude .h5 file or public rows), the
    largest relative difference to it is reported. For g g > a a g \\[noborn=QCD]
    the stability check is counted: points at risk (smallest s_ij / s_hat below
    the threshold), re-evaluated on a rotated copy, and those of them repaired
    in multiprecision.

    Example: hepscaling amplitudes eval -p "u u~ > t t~ h" -m tth.h5 -o me2.npy
    """
    import numpy as np

    from hepscaling.data.amplitudes import read_points
    from hepscaling.errors import writable_output
    from hepscaling.physics.loop_induced import LoopInducedMatrixElement
    from hepscaling.physics.matrix_element import matrix_element
    from hepscaling.physics.process import parse_process

    proc = parse_process(process)
    writable_output(out, "--out")
    points, stored = read_points(momenta, proc)
    me2 = matrix_element(proc)
    values = np.concatenate([me2(points[i:i + _CHUNK]) for i in range(0, len(points), _CHUNK)]
                            or [np.empty(0)])
    np.save(out, values)
    summary = {"out": str(out), "process": proc.text, "n": int(values.size)}
    if stored is not None and values.size:
        summary["max_rel_diff_to_input"] = float(np.max(np.abs(values / stored - 1.0)))
    if isinstance(me2, LoopInducedMatrixElement) and me2.checked:
        summary.update(checked_points=me2.checked_points, at_risk_below=me2.at_risk_below,
                       at_risk_points=me2.at_risk_points, unstable_points=me2.unstable_points)
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        extra = (f"; max relative difference to the input's |M|^2: "
                 f"{summary['max_rel_diff_to_input']:.3g}" if "max_rel_diff_to_input" in summary
                 else "")
        if "unstable_points" in summary:
            extra += (f"; stability check: {summary['at_risk_points']} of "
                      f"{summary['checked_points']} points at risk (min s_ij / s_hat < "
                      f"{summary['at_risk_below']:g}) re-evaluated on a rotated copy, "
                      f"{summary['unstable_points']} repaired in multiprecision")
        typer.echo(f"{out}: |M|^2 of {proc.text} at {values.size} points{extra}")


@app.command("xsec")
def xsec(
    process: ProcessOption,
    sqrt_s: SqrtSOption,
    n: Annotated[int, typer.Option("-n", "--n-events", min=2,
                                   help="Phase-space points inside the cuts.")] = 100_000,
    seed: SeedOption = 0,
    pt_min: PtMinOption = 0.0,
    eta_max: EtaMaxOption = None,
    m_min: MMinOption = 0.0,
    delta_r_min: DeltaRMinOption = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Partonic cross section of PROCESS at fixed sqrt(s) inside the cuts, in pb.

    Monte Carlo integral of |M|^2 over flat (RAMBO) phase space with the flux
    factor; the error is the one-standard-deviation statistical error. Use it
    to compare the normalisation with MadGraph at the same partonic energy.

    Example: hepscaling amplitudes xsec -p "e+ e- > mu+ mu-" --sqrt-s 91.188 -n 100000
    """
    from hepscaling.physics.cross_section import cross_section
    from hepscaling.physics.process import parse_process

    proc = parse_process(process)
    result = cross_section(proc, sqrt_s, n, seed, make_cuts(pt_min, eta_max, m_min, delta_r_min))
    summary = {"process": proc.text, "sqrt_s": sqrt_s, "seed": seed, "n": result.n,
               "sigma_pb": result.value_pb, "error_pb": result.error_pb,
               "cut_efficiency": result.efficiency}
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        typer.echo(f"sigma({proc.text}) at sqrt(s) = {sqrt_s:g} GeV: {result.value_pb:.6g} "
                   f"+- {result.error_pb:.2g} pb ({result.n} points, cut efficiency "
                   f"{result.efficiency:.3g})")
