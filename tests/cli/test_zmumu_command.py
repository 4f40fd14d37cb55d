"""``hepscaling data zmumu`` and ``data unweighted``: the files, the summaries, bad input."""

import json

from helpers.cli import run_main
from hepscaling.data.events import read_events
from hepscaling.data.unweighted import read_unweighted

GENERATE = ["data", "zmumu", "-n", "60", "--seed", "2", "--chunk-size", "30", "--no-progress"]


def test_zmumu_writes_the_file_and_prints_the_counts(tmp_path, monkeypatch, capsys):
    path = tmp_path / "z.h5"
    code, out, err = run_main(monkeypatch, capsys, *GENERATE, "--out", str(path), "--json")
    assert code == 0 and err == ""
    summary = json.loads(out)
    assert summary["n"] == 60 and summary["mpi"] is False
    kept = sum(summary["counts"][f"jets_{k}"] for k in (1, 2, 3))
    assert kept == 60 and 0 < summary["fractions"]["jets_1"] < 0.3
    assert read_events(path)["n_jets"].shape == (60,)
    code, out, _ = run_main(monkeypatch, capsys, *GENERATE, "--out", str(path))
    assert code == 0 and "60 events kept of" in out and "jets_1" in out


def test_zero_events_exits_2(tmp_path, monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "data", "zmumu", "-n", "0", "--out",
                              str(tmp_path / "z.h5"))
    assert code == 2 and out == "" and "-n" in err


def test_unweighted_writes_the_file(tmp_path, monkeypatch, capsys):
    path = tmp_path / "u.h5"
    code, out, err = run_main(monkeypatch, capsys, "data", "unweighted", "-n", "50", "--seed",
                              "1", "--no-progress", "--out", str(path), "--json")
    assert code == 0 and err == ""
    summary = json.loads(out)
    assert summary["process"] == "u u~ > mu+ mu- g" and summary["integral"] > 0
    assert read_unweighted(path)["me2"].shape == (50,)
