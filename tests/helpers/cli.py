"""Run the ``hepscaling`` console entry point in-process, as a user would call it."""

from __future__ import annotations

import sys

import pytest

from hepscaling import cli


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run ``hepscaling ARGS`` through ``cli.main``; return (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["hepscaling", *args])
    monkeypatch.setitem(cli._verbose, "on", False)
    with pytest.raises(SystemExit) as stop:
        cli.main()
    out = capsys.readouterr()
    return stop.value.code or 0, out.out, out.err
