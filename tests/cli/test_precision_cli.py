"""``hepscaling precision measure`` and ``report``: a tiny run end to end, one-line errors."""

import json

import h5py
import pytest

from helpers.cli import run_main
from helpers.zmumu_layout import write_events, zmumu_events

TINY = ("--epochs", "1", "--width", "8", "--depth", "1", "--no-progress")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("files")
    events = zmumu_events(600, seed=1)
    no_n_jets = tmp / "no_n_jets.h5"
    with h5py.File(no_n_jets, "w") as f:
        f["momenta"] = events["momenta"]
    return {"truth": write_events(tmp / "truth.h5", events),
            "gen": write_events(tmp / "gen.h5", zmumu_events(300, seed=2)),
            "no_n_jets": str(no_n_jets)}


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
