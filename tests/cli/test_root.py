"""The root command: version, help, and the one-line error contract of ``main``."""

import importlib
import subprocess
import sys
from types import SimpleNamespace

import pytest
import typer

from helpers.cli import run_main
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


def _interrupt(*_args, **_kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize(("target", "args", "resumes"), [
    ("hepscaling.data.amplitudes.generate_amplitudes",
     ["data", "amplitudes", "-p", "e+ e- > mu+ mu-", "-n", "10", "--sqrt-s", "91"], True),
    ("hepscaling.data.jets.generate_jets", ["jets", "generate"], True),
    ("hepscaling.data.events.generate_events", ["data", "zmumu", "-n", "10"], True),
    ("hepscaling.data.unweighted.generate_unweighted", ["data", "unweighted", "-n", "10"], True),
    ("hepscaling.train.loop.run_training",
     ["train", "amplitudes_mlp", "--set", "task.dataset=x.h5", "--threads", "1"], True),
    ("hepscaling.sweeps.run_sweep", ["sweep", "run", "spec.yaml"], True),
    ("hepscaling.report.build_report", ["report", "sweep"], False),
])
def test_ctrl_c_is_one_line_saying_how_to_resume(monkeypatch, capsys, tmp_path, target, args,
                                                 resumes):
    module, name = target.rsplit(".", 1)
    monkeypatch.setattr(importlib.import_module(module), name, _interrupt)
    if args[:2] == ["sweep", "run"]:
        monkeypatch.setattr("hepscaling.sweeps.load_spec",
                            lambda path, overrides=(): SimpleNamespace())
    code, out, err = run_main(monkeypatch, capsys, *args, "--out", str(tmp_path / "out"))
    lines = [line for line in err.splitlines() if line.strip()]
    assert (code, out, len(lines)) == (130, "", 1), err
    command = " ".join(args[:1] if args[0] in ("train", "report") else args[:2])
    expected = (f"re-run the same 'hepscaling {command}' command to resume" if resumes
                else "nothing to resume")
    assert lines[0].startswith("interrupted:") and expected in lines[0], lines[0]
