"""The ``hepscaling`` command: a thin root that collects the topic commands.

Each topic lives in its own module (``cli/<topic>.py``, importing heavy libraries only inside
its commands, so ``--help`` stays fast) and is registered below. Every failure becomes one line
on stderr: expected user errors (:class:`hepscaling.errors.HepscalingError`), Typer's usage
errors and unusable paths exit 2 (bad input) or 1 (work failed), Ctrl-C exits 130 saying how to
resume; ``--verbose`` adds the traceback.

A command's docstring ends with an ``Example: hepscaling ...`` paragraph; registration moves
it into the epilog (:func:`examples_last`), so every ``--help`` ends with a runnable example.
"""

from __future__ import annotations

import inspect
import os
import sys
import traceback
from typing import NoReturn

import typer
from rich.markup import escape
from typer.exceptions import TyperException

from hepscaling import __version__
from hepscaling.cli import (
    amplitudes,
    data,
    demo,
    export,
    jets,
    laws,
    precision,
    relations,
    sample,
    sweep,
    train,
)
from hepscaling.errors import HepscalingError, path_error
from hepscaling.progress import stderr

app = typer.Typer(
    name="hepscaling",
    help="Measure, fit and use neural scaling laws for particle-physics ML.",
    epilog="New here? The demo makes data, runs a sweep, fits the laws and writes a report in "
           "a few minutes.\n\nExample: hepscaling demo --out demo-output",
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
    """Measure, fit and use neural scaling laws for particle-physics ML."""
    _verbose["on"] = _verbose["on"] or verbose


app.add_typer(data.app, name="data")
app.add_typer(amplitudes.app, name="amplitudes")
app.add_typer(jets.app, name="jets")
app.command("train")(train.train)
app.command("sample")(sample.sample)
app.add_typer(sweep.app, name="sweep")
app.add_typer(precision.app, name="precision")
laws.register(app)  # fit, predict, report
relations.register(app)  # correlate, window
app.add_typer(export.app, name="export")
app.command("demo")(demo.demo)


def examples_last(typer_app: typer.Typer) -> None:
    """Move the ``Example:`` paragraph closing each command's docstring into its epilog (the
    end of its ``--help``), through every sub-app of ``typer_app``."""
    for info in typer_app.registered_commands:
        doc = inspect.cleandoc(info.help or info.callback.__doc__ or "")
        body, sep, example = doc.rpartition("\nExample: ")
        if sep and info.epilog is None:
            info.help, info.epilog = body.rstrip(), f"Example: {example.strip()}"
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            examples_last(group.typer_instance)


examples_last(app)


#: commands whose interrupted work is resumed by re-running the same command
RESUMABLE = ("data amplitudes", "data zmumu", "data unweighted", "jets generate", "train",
             "sweep run", "demo")


def _interrupted_line(argv: list[str]) -> str:
    """The one line printed on Ctrl-C: whether and how the interrupted command resumes."""
    words = [a for a in argv if not a.startswith("-")]
    command = next((c for c in RESUMABLE if words[:len(c.split())] == c.split()), None)
    if command is None:
        return "nothing to resume; re-run the command to start it again"
    return f"finished work is saved; re-run the same 'hepscaling {command}' command to resume"


def _usage_line(exc: TyperException) -> str:
    """One line for a bad option or argument that Typer found (its own output spans lines)."""
    ctx = getattr(exc, "ctx", None)
    where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    return f"{exc.format_message()}{where}"


def _fail(message: str, code: int, label: str = "error") -> NoReturn:
    """Print ``label: message`` as one stderr line (``message`` literally, not as rich markup;
    the traceback with --verbose) and exit."""
    if _verbose["on"]:
        traceback.print_exc()
    stderr.print(f"[red]{label}:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(code)


def main() -> None:
    """Console-script entry point: run the app, turning every failure into one stderr line.

    Exit codes: 0 success, 1 the work failed, 2 bad usage (ours or Click's), 130 interrupted.
    """
    args = sys.argv[1:]
    try:
        code = app(args=args, prog_name="hepscaling", standalone_mode=False)
    except TyperException as exc:  # Typer's usage errors (its own copy of Click's)
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:  # a bare group
            typer.echo(ctx.get_help())  # its help, as Typer prints it
            sys.exit(exc.exit_code)
        _fail(_usage_line(exc), exc.exit_code)
    except typer.Abort:
        _fail("aborted", 1)
    except HepscalingError as exc:
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _fail(_interrupted_line(args), 130, "interrupted")
    except OSError as exc:  # a path the user chose cannot be created, read or written
        usage = path_error(exc)
        if usage is not None:
            _fail(str(usage), usage.exit_code)
        _fail(f"{type(exc).__name__}: {exc} (re-run with --verbose for the traceback)", 1)
    except Exception as exc:  # an unexpected failure: one line, traceback with --verbose
        _fail(f"{type(exc).__name__}: {exc} (re-run with --verbose for the traceback and "
              "report it)", 1, "internal error")
    if code == 130:  # Click turns Ctrl-C inside a command into exit code 130
        _fail(_interrupted_line(args), 130, "interrupted")
    sys.exit(code if isinstance(code, int) else 0)
