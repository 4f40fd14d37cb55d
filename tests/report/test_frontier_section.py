"""The compute-optimal frontier section on fixed-D IsoFLOP sweeps of a known law: the section
and its note, the exponent recovered, edge budgets not quoted, and no section without an
IsoFLOP profile."""

import json
from pathlib import Path

from helpers.synthetic_sweep import JOINT, write_isoflop_sweep, write_sweep
from hepscaling.laws import compute_optimal
from hepscaling.laws.sweep import load_sweep
from hepscaling.report import build_report
from hepscaling.report.sections import FitOptions
from hepscaling.report.sections.frontier import frontier_section

EDGE = "not determined: minimum at the edge of the widths tried"
#: N*(C) ~ C^a of the joint law the runs follow (in samples processed)
A_TRUE = JOINT["beta"] / (JOINT["alpha"] + JOINT["beta"])


def _section(root: Path, group_by=("config.model.width",), bootstrap=200):
    options = FitOptions(list(group_by), bootstrap, 0, 0.68)
    return frontier_section(load_sweep(root), options, root)


def test_fixed_d_isoflop_sweep_gets_the_section_with_the_note_and_the_exponent(tmp_path):
    section, fits, [iso] = _section(write_isoflop_sweep(tmp_path))
    html = "".join(section.blocks)
    assert section.title == ("Compute-optimal frontier of test_mse_log at fixed D = 100000: "
                             "IsoFLOP minima")
    assert fits == []  # no joint law at fixed D
    assert "D* is the samples processed (steps x batch, in repeated passes over the 100000 " \
        "training samples)" in html
    assert "grouping by config.model.width is left out here" in html
    assert iso.frontier is not None and iso.frontier.a.contains(A_TRUE)
    assert iso.frontier.b.contains(1 - A_TRUE)
    assert f"<td>{iso.frontier.a}</td><td>{iso.frontier.b}</td>" in html
    assert section.figures == ["frontier"] and (tmp_path / "frontier.png").is_file()
    for m in iso.minima:
        n_star = compute_optimal(JOINT, m.budget)[0][0]
        if not m.n_low < n_star < m.n_high:
            assert m.n_opt is None
            assert m.reason in (EDGE, "not determined: only 2 widths (a parabola needs 3)")
    edge = [m for m in iso.minima if m.reason == EDGE]
    assert edge and html.count(f"<td>{EDGE}</td>") == len(edge)


def test_smallest_width_winning_everywhere_quotes_no_minimum_and_no_exponent(tmp_path):
    # as in the first amplitude IsoFLOP study: no model-size term, so at every budget the
    # loss falls with the samples processed C / (6 N) and the smallest width wins
    law = {**JOINT, "A": 1e-12}
    section, _, [iso] = _section(write_isoflop_sweep(tmp_path, joint=law), bootstrap=10)
    html = "".join(section.blocks)
    assert iso.frontier is None
    assert all(m.n_best == m.n_low for m in iso.minima)
    assert all(m.reason in (EDGE, "not determined: only 2 widths (a parabola needs 3)")
               for m in iso.minima)
    assert "all: no IsoFLOP power law: the IsoFLOP power law N_opt ~ C^a needs &gt;= 3 " \
        "compute budgets with a determined minimum, found 0" in html
    assert "a (N_opt ~ C^a)" not in html


def test_no_section_without_an_isoflop_profile(tmp_path):
    # a D-sweep at fixed steps: C follows D, no budget holds several sizes
    assert _section(write_sweep(tmp_path / "d"), group_by=()) is None


def test_report_writes_the_isoflop_minima_to_fits_json(tmp_path):
    sweep = write_isoflop_sweep(tmp_path / "sweep", seeds=1)
    report = build_report(sweep, tmp_path / "report", bootstrap=10, holdout=0,
                          group_by=["config.model.width"])
    [iso] = json.loads(report.json.read_text())["isoflop"]
    assert iso["label"] == "all" and iso["a"]["value"] > 0
    edge = [b for b in iso["budgets"] if b["reason"] == EDGE]
    assert edge and all(b["n_opt"] is None for b in edge)
    assert "at fixed D = 100000: IsoFLOP minima</h2>" in report.index.read_text()
