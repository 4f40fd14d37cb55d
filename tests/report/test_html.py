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
