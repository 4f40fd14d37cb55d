"""build_report renders HTML plus non-empty PNG/PDF figures for a synthetic sweep; the numbers
are checked in fits.json, the HTML only for its sections and figures."""

import json
import os

import numpy as np
import pytest

from helpers.synthetic_sweep import REPETITION, write_repetition_sweep, write_sweep
from helpers.synthetic_tagging import CEILING, write_tagging_sweep
from hepscaling.errors import UsageError
from hepscaling.report import build_report


def _is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_report_renders_every_section(tmp_path):
    sweep = write_sweep(tmp_path / "sweep", seeds=1, sizes=(100, 300, 1000, 3000, 10000))
    report = build_report(sweep, tmp_path / "report", bootstrap=20)
    html = report.index.read_text()
    for stem in ("scaling_D", "residuals_D", "exponent_vs_dim", "pulls", "pull_histograms"):
        png, pdf = report.index.parent / f"{stem}.png", report.index.parent / f"{stem}.pdf"
        assert _is_png(png), stem
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 2000
        assert f'src="{stem}.png"' in html
    for text in ("Exponents", "Extrapolation check", "4/d", "diverged", "failed",
                 "out of memory", "u u~ &gt; t t~ h", "skipped: needs runs of at most one pass"):
        assert text in html
    fits = json.loads(report.json.read_text())
    # N and C are not swept, so no joint law; the repetition section is skipped
    assert [len(fits["D"])] == [2] and set(fits) == {"D"} and report.law_fits == {}
    alphas = sorted(g["fit"]["params"]["alpha"]["value"] for g in fits["D"])
    assert alphas == pytest.approx([0.35, 0.6], abs=0.06)
    # z g g g shows no plateau: its floor is not determined, in the table and in fits.json
    (zggg,) = [g for g in fits["D"] if "z g g g" in g["label"]]
    assert zggg["fit"]["params"]["k"] == {"value": None, "low": None, "high": None,
                                          "level": 0.68,
                                          "note": "not determined (the data show no plateau)"}
    exponents = html[html.index("<h2>Exponents</h2>"):]
    assert exponents.count("not determined") == 1


def test_bad_law_and_unswept_directory_are_usage_errors(tmp_path):
    sweep = write_sweep(tmp_path / "sweep", seeds=1, sizes=(100, 1000), bad_runs=False)
    with pytest.raises(UsageError, match="power or ceiling"):
        build_report(sweep, tmp_path / "r", law="joint")
    with pytest.raises(UsageError, match="no axis"):
        build_report(sweep, tmp_path / "r", bootstrap=0)
    with pytest.raises(UsageError, match=r"test_mse is a loss .* use --law power"):
        build_report(sweep, tmp_path / "ceiling", law="ceiling", metric="test_mse")
    assert not (tmp_path / "ceiling").exists()


def _by_label(fits, law):
    return {g["label"]: g for g in fits[law]}


def test_ceiling_report_compares_representations(tmp_path):
    sweep = write_tagging_sweep(tmp_path / "sweep", noise=0.003)
    report = build_report(sweep, tmp_path / "report", law="ceiling", metric="test_auc_macro",
                          bootstrap=20, holdout=0)
    html = report.index.read_text()
    assert _is_png(report.index.parent / "ceilings.png")
    fits = json.loads(report.json.read_text())
    assert set(fits) == {"D", "N", "C", "joint_ceiling", "joint"}
    joint = _by_label(fits, "joint_ceiling")
    a_inf = {}
    for family, p in CEILING.items():
        group = joint[f"family={family}"]
        assert group["n_runs"] == 20
        a_inf[family] = group["fit"]["params"]["a_inf"]["value"]
        assert a_inf[family] == pytest.approx(p["a_inf"], abs=2e-3), family
    gap = CEILING["part"]["a_inf"] - CEILING["hl_dense"]["a_inf"]
    assert a_inf["part"] - a_inf["hl_dense"] == pytest.approx(gap, abs=3e-3)
    section = html[html.index("<h2>Ceilings by representation</h2>"):]
    value = a_inf["part"] - a_inf["hl_dense"]
    assert f"gap A_inf(family=part) - A_inf(family=hl_dense) = {value:.4g} [" in section
    assert "Joint law L(N, D) of val_loss" in html


def test_repetition_section_recovers_the_effective_data_factor(tmp_path):
    sweep = write_repetition_sweep(tmp_path / "sweep", epochs=(0.5, 1.0, 2.0, 4.0, 16.0, 64.0))
    report = build_report(sweep, tmp_path / "report", metric="val_loss", bootstrap=20,
                          holdout=0)
    assert "<h2>Data repetition (val_loss)</h2>" in report.index.read_text()
    assert _is_png(report.index.parent / "repetition.png")
    groups = _by_label(json.loads(report.json.read_text()), "repetition")
    for width, p in REPETITION.items():
        group = groups[f"width={width}"]
        assert group["n_runs"] == 30
        assert group["fit"]["params"]["r_star"]["value"] == pytest.approx(p["r_star"], rel=0.1)
        assert group["fit"]["factor"]["4"]["value"] == pytest.approx(
            1 + p["r_star"] * (1 - np.exp(-3 / p["r_star"])), rel=0.05), width


def test_phase_space_dimension_is_skipped_for_jet_tagging(tmp_path):
    sweep = write_tagging_sweep(tmp_path / "sweep")
    html = build_report(sweep, tmp_path / "report", metric="val_loss", bootstrap=0,
                        holdout=0).index.read_text()
    assert "skipped: applies to amplitude regression, not to jet_tagging" in html


def test_report_files_are_readable_like_the_figures(tmp_path):
    previous = os.umask(0o022)
    try:
        report = build_report(write_sweep(tmp_path / "sweep"), tmp_path / "report", bootstrap=0)
    finally:
        os.umask(previous)
    modes = {p.name: p.stat().st_mode & 0o777 for p in (report.index, report.json,
                                                         *report.figures)}
    assert set(modes.values()) == {0o644}, modes
