"""``hepscaling precision measure`` and ``report``: a tiny run end to end, one-line errors."""

import json

import pytest

from helpers.cli import run_main
from helpers.zmumu_files import toy_events, write_zmumu

ONE_JET = (1.0, 0.0, 0.0)  # jet multiplicity fractions
TINY = ("--epochs", "1", "--width", "8", "--depth", "1", "--no-progress")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("files")
    momenta, n_jets = toy_events(600, seed=1, fractions=ONE_JET)
    return {"truth": write_zmumu(tmp / "truth.h5", momenta, n_jets),
            "gen": write_zmumu(tmp / "gen.h5", *toy_events(300, seed=2, fractions=ONE_JET)),
            "no_n_jets": write_zmumu(tmp / "no_n_jets.h5", momenta, None)}


def test_measure_then_report(files, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    code, stdout, _ = run_main(monkeypatch, capsys, "precision", "measure", files["truth"],
                               files["gen"], "--out", str(out), "--json", *TINY)
    assert code == 0
    summary = json.loads(stdout)
    assert summary["runs"]["truth"]["auc_sigma"] > 0 and summary["model"]["width"] == 8
    assert (out / "index.html").is_file() and (out / "weights.h5").is_file()
    code, stdout, _ = run_main(monkeypatch, capsys, "precision", "report", str(tmp_path),
                               "--out", str(tmp_path / "page"))
    assert code == 0 and stdout.strip().endswith("index.html")


@pytest.mark.parametrize(("args", "message"), [
    (("{truth}", "{no_n_jets}"), "no_n_jets.h5 has no n_jets dataset"),
    (("{truth}", "{gen}", "--n-jets", "4"), "n_jets must be 1 to 3, got 4"),
    (("{truth}", "{gen}", "--n-jets", "2"), r"has no events with 2 jet(s)"),
    (("{truth}", "{gen}", "--observables", "pt_j9"), "['pt_j9'] not defined for 1 jet"),
])
def test_bad_inputs_exit_2_with_one_line(files, tmp_path, monkeypatch, capsys, args, message):
    filled = [a.format(**files) for a in args]
    code, stdout, stderr = run_main(monkeypatch, capsys, "precision", "measure", *filled,
                                    "--out", str(tmp_path / "o"), *TINY)
    assert code == 2 and stdout == "" and message in stderr
    assert stderr.count("\n") == 1
