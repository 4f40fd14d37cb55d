"""The root command: version, help, and the one-line error contract of ``main``."""

import subprocess
import sys

import pytest
import typer

from hepscaling import __version__, cli
from hepscaling.errors import UsageError, WorkFailed


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hepscaling.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"hepscaling {__version__}"
    assert result.stderr == ""


def test_help_lists_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "Usage" in result.stdout


def _failing_app(exc: Exception):
    app = typer.Typer()

    @app.command()
    def boom() -> None:
        raise exc

    return app


@pytest.mark.parametrize(
    ("exc", "code", "label"),
    [
        (UsageError("bad thing: x=3 (use x<2)"), 2, "error:"),
        (WorkFailed("fit did not converge"), 1, "error:"),
        (RuntimeError("deep failure"), 1, "internal error:"),
    ],
)
def test_main_turns_errors_into_one_line(monkeypatch, capsys, exc, code, label):
    monkeypatch.setattr(cli, "app", _failing_app(exc))
    monkeypatch.setattr(sys, "argv", ["hepscaling"])
    monkeypatch.setitem(cli._verbose, "on", False)
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == code
    out = capsys.readouterr()
    assert out.out == ""
    lines = [line for line in out.err.splitlines() if line.strip()]
    assert len(lines) == 1
    assert label in lines[0] and str(exc) in lines[0]
    assert "Traceback" not in out.err


def test_verbose_shows_traceback(monkeypatch, capsys):
    monkeypatch.setattr(cli, "app", _failing_app(UsageError("bad input")))
    monkeypatch.setattr(sys, "argv", ["hepscaling"])
    monkeypatch.setitem(cli._verbose, "on", True)
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 2
    assert "Traceback" in capsys.readouterr().err
