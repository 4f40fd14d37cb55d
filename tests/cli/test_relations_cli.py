"""``hepscaling fit --law log|compare``, ``correlate`` and ``window`` on a synthetic jet sweep."""

import json

import pytest

from helpers.cli import run_main
from helpers.jet_sweep import POSITIONS, WINDOW, write_jet_sweep


@pytest.fixture(scope="module")
def jet_sweep(tmp_path_factory):
    return write_jet_sweep(tmp_path_factory.mktemp("jets"))


def test_fit_log_recovers_the_slope(jet_sweep, monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "fit", str(jet_sweep), "--law", "log",
                              "--x", "N", "--metric", "test_loss", "-b", "20", "--json")
    assert code == 0, err
    (group,) = json.loads(out)
    b = group["fit"]["params"]["b"]["value"]
    assert b == pytest.approx(0.3 * WINDOW / POSITIONS, rel=0.05)
    assert group["extrapolation"]["rows"][0]["x"] == 12 * 512 ** 2


def test_fit_compare_prints_the_three_forms_and_a_verdict(jet_sweep, monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "fit", str(jet_sweep), "--law", "compare",
                              "--x", "N", "--metric", "test_loss", "-b", "10")
    assert code == 0, err
    for law in ("log:", "power_no_floor:", "power:", "verdict:", "hold-out error"):
        assert law in out
    code, out, _ = run_main(monkeypatch, capsys, "fit", str(jet_sweep), "--law", "compare",
                            "--x", "N", "--metric", "test_loss", "-b", "10", "--json")
    (group,) = json.loads(out)
    assert group["fit"]["preferred"] == "log"


def test_predict_refuses_compare_per_group(jet_sweep, monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "predict", str(jet_sweep), "--law", "compare",
                            "--x", "N", "--metric", "test_loss", "--target", "5", "-b", "5")
    assert code == 0 and "one form" in out


def test_correlate_finds_the_monotone_relation(jet_sweep, monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "correlate", str(jet_sweep), "--x",
                              "val_loss", "--y", "test_swd", "-b", "200", "--json")
    assert code == 0, err
    (row,) = json.loads(out)
    assert row["rho"]["value"] > 0.9 and row["verdict"].startswith("monotone increasing")
    code, out, _ = run_main(monkeypatch, capsys, "correlate", str(jet_sweep), "--x",
                            "val_loss", "--y", "no_such_metric")
    assert code == 2


def test_window_reports_both_windows(jet_sweep, monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "window", str(jet_sweep), "--x", "N",
                              "-b", "20", "--z", "4", "--json")
    assert code == 0, err
    (row,) = json.loads(out)
    assert row["positions"]["sizes"] == [WINDOW] * 5
    assert all(p == list(range(WINDOW)) for p in row["positions"]["positions"])
    # a log law has no floor: the loss window is not determined
    assert row["loss"]["determined"] is False
    code, out, _ = run_main(monkeypatch, capsys, "window", str(jet_sweep), "--x", "N", "-b", "5",
                            "--z", "4")
    assert "positions [0-3]" in out and "loss window not determined" in out
