"""HTML rendering: escaping, tables, figure links."""

from hepscaling.report.html import Page, Section, render_page, table


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
