"""Every command's ``--help`` ends with a runnable example, and the examples chain."""

from __future__ import annotations

import shlex

import pytest
import typer

from helpers.cli import run_main
from hepscaling import cli


def _tree(command, path: tuple[str, ...] = ()):
    """(path, click command) for the root, every group and every command."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _tree(sub, (*path, name))


ROOT = typer.main.get_command(cli.app)
TREE = list(_tree(ROOT))


def _example(command) -> list[str]:
    """The example of a command's epilog as arguments after ``hepscaling``."""
    epilog = command.epilog or ""
    assert "Example: hepscaling" in epilog, f"no example in {command.name}'s epilog"
    return shlex.split(epilog.rpartition("Example: ")[2])[1:]


def test_the_tree_is_complete():
    names = {" ".join(path) for path, _ in TREE}
    assert {"", "data amplitudes", "jets generate", "train", "sweep run", "fit", "demo"} <= names


@pytest.mark.parametrize(("path", "command"), TREE, ids=[" ".join(p) or "root" for p, _ in TREE])
def test_help_ends_with_an_example_that_parses(monkeypatch, capsys, path, command):
    code, out, err = run_main(monkeypatch, capsys, *path, "--help")
    assert (code, err) == (0, "")
    last_line = " ".join(out.rstrip().splitlines()[-1].split())
    assert last_line and last_line in " ".join(command.epilog.split()), out
    args = _example(command)
    context, target = ROOT.make_context("hepscaling", [], resilient_parsing=True), ROOT
    while hasattr(target, "commands"):  # the example names a command through the tree
        name, args = args[0], args[1:]
        target = target.commands[name]
    assert target is command or hasattr(command, "commands")
    target.make_context(target.name, args, parent=context)  # its options and values parse


def test_root_help_points_at_the_demo(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "--help")
    assert code == 0 and "hepscaling demo --out demo-output" in out


def test_data_example_makes_enough_events_for_the_train_example(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    commands = dict(TREE)
    data = _example(commands[("data", "amplitudes")])
    code, _, err = run_main(monkeypatch, capsys, *data, "--no-progress")
    assert code == 0, err
    train = _example(commands[("train",)])
    short = ["--set", "train.steps=4", "--set", "train.warmup_steps=1", "--set",
             "train.eval_every=4", "--set", "model.width=8", "--device", "cpu", "--no-progress"]
    code, out, err = run_main(monkeypatch, capsys, *train, *short)
    assert code == 0, err
    assert "done" in out and "D=10000" in out
