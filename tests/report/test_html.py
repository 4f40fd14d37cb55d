"""HTML rendering: escaping, tables, figure links."""

import numpy as np

from hepscaling.laws import fit_power_law, power_law
from hepscaling.report.html import Page, Section, param_cells, render_page, table


def test_table_escapes_and_formats():
    html = table(["group", "alpha"], [["a<b", 0.123456789]])
    assert "a&lt;b" in html and "0.1235" in html and html.count("<tr>") == 2


def test_page_links_png_and_pdf():
    section = Section("Fits", figures=["scaling_D"])
    section.note("5 < 6")
    html = render_page(Page("T & T", ["one"], [section]))
    assert html.startswith("<!DOCTYPE html>") and "T &amp; T" in html
    assert 'src="scaling_D.png"' in html and 'href="scaling_D.pdf"' in html
    assert "5 &lt; 6" in html


def test_failures_are_one_note_per_reason():
    from types import SimpleNamespace as G

    section = Section("x")
    section.failures([G(label="a", fit=None, error="too few runs"), G(label="b", fit=1, error=None),
                      G(label="c", fit=None, error="too few runs"),
                      G(label="d", fit=None, error="no <N>")], "not fitted")
    assert section.blocks == ['<p class="note">a; c: not fitted: too few runs</p>',
                              '<p class="note">d: not fitted: no &lt;N&gt;</p>']


def test_fit_notes_and_interval_cells():
    from types import SimpleNamespace as G

    from hepscaling.laws import Interval
    from hepscaling.report.html import bounds_text

    section = Section("x")
    section.fit_notes(G(label="a", fit=G(notes=("alpha at its bound", "2 failed")),
                        excluded_note=None))
    section.fit_notes(G(label="b", fit=None, excluded_note=None))
    section.fit_notes(G(label="c", fit=None, excluded_note="1 run(s) <= 0 left out: D = 10"))
    assert section.blocks == ['<p class="note">a: alpha at its bound</p>',
                              '<p class="note">a: 2 failed</p>',
                              '<p class="note">c: 1 run(s) &lt;= 0 left out: D = 10</p>']
    html = table(["alpha", "interval"], [[Interval(0.51234, 0.4, 0.6, 0.68),
                                          bounds_text(0.4, 0.612345)]])
    assert "<td class=l>0.5123 [0.4, 0.6]</td><td>[0.4, 0.6123]</td>" in html


def test_param_cells_show_undetermined_parameters_as_such():
    x = np.logspace(2, 6, 10)
    fit = fit_power_law(x, power_law(x, 500.0, 0.5), bootstrap=10)  # no plateau: k open
    assert param_cells(fit, "k") == ["not determined", ""]
    value, bounds = param_cells(fit, "alpha")
    iv = fit.intervals["alpha"]
    assert value == iv.value and bounds == f"[{iv.low:.4g}, {iv.high:.4g}]"
