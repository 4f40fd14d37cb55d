"""The ``hepscaling`` command: a thin root that collects the topic commands.

Each topic lives in its own module (``cli/<topic>.py``, importing heavy libraries only inside
its commands, so ``--help`` stays fast) and is registered below. Expected user
errors (:class:`hepscaling.errors.HepscalingError`) become one line on stderr and exit code 2
(bad input) or 1 (work failed); ``--verbose`` adds the traceback.
"""

from __future__ import annotations

import os
import sys
import traceback

import typer
from rich.markup import escape

from hepscaling import __version__
from hepscaling.cli import amplitudes, data, demo, export, jets, laws, sample, sweep, train
from hepscaling.errors import HepscalingError
from hepscaling.progress import stderr

app = typer.Typer(
    name="hepscaling",
    help="Measure, fit and use neural scaling laws for particle-physics ML.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_verbose = {"on": bool(os.environ.get("HEPSCALING_VERBOSE"))}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hepscaling {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks on errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Measure, fit and use neural scaling laws for particle-physics ML.

    Example: hepscaling --help
    """
    _verbose["on"] = _verbose["on"] or verbose


app.add_typer(data.app, name="data")
app.add_typer(amplitudes.app, name="amplitudes")
app.add_typer(jets.app, name="jets")
app.command("train")(train.train)
app.command("sample")(sample.sample)
app.add_typer(sweep.app, name="sweep")
laws.register(app)  # fit, predict, report
app.add_typer(export.app, name="export")
app.command("demo")(demo.demo)


def main() -> None:
    """Console-script entry point: run the app, turning known errors into one-line messages."""
    try:
        app()
    except HepscalingError as exc:
        if _verbose["on"]:
            traceback.print_exc()
        stderr.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        stderr.print("interrupted; finished work is saved, re-run the same command to resume")
        sys.exit(130)
    except Exception as exc:  # an unexpected failure: one line, traceback with --verbose
        if _verbose["on"]:
            traceback.print_exc()
        stderr.print(
            f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))} "
            "(re-run with --verbose for the traceback and report it)",
            highlight=False, soft_wrap=True,
        )
        sys.exit(1)
