"""The static HTML page of a report: summary, figures, exponent and extrapolation tables, runs
that were not fitted. Pure string rendering (escaped), no template engine, no JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

__all__ = ["NOT_DETERMINED", "Page", "Section", "bounds_text", "param_cells", "render_page",
           "table"]

#: Table cell of a parameter the data do not determine (the section's notes say why).
NOT_DETERMINED = "not determined"

_STYLE = """
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f0f0f0; } td.l, th.l { text-align: left; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; }
.note { color: #666; font-style: italic; } .bad { color: #b00; }
"""


@dataclass
class Section:
    """One report section: a heading, HTML blocks (already escaped) and figure stems."""

    title: str
    blocks: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        """Append an (escaped) italic note."""
        self.blocks.append(f'<p class="note">{escape(text)}</p>')

    def failures(self, fits: Sequence[Any], what: str = "not fitted") -> None:
        """One note per distinct reason among the groups of ``fits`` (objects with ``label``,
        ``fit`` and ``error``, e.g. :class:`hepscaling.laws.sweep.GroupFit`) that failed."""
        reasons: dict[str, list[str]] = {}
        for g in fits:
            if g.fit is None:
                reasons.setdefault(str(g.error), []).append(g.label)
        for reason, labels in reasons.items():
            self.note(f"{'; '.join(labels)}: {what}: {reason}")

    def fit_notes(self, group: Any) -> None:
        """The runs left out of a group's fit (``group.excluded_note``, e.g. an excess at or
        below its floor) and one note per warning of its fit (``group.fit.notes``, none if
        not fitted), prefixed with ``group.label``."""
        notes = [group.excluded_note] if group.excluded_note else []
        for note in [*notes, *(group.fit.notes if group.fit else ())]:
            self.note(f"{group.label}: {note}")


@dataclass
class Page:
    """The whole page: title, summary lines and sections."""

    title: str
    summary: list[str]
    sections: list[Section]


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return escape(str(value))


def bounds_text(low: float, high: float) -> str:
    """``[low, high]`` with 4 digits, for a table whose central value has a column of its own
    (cells of a whole :class:`hepscaling.laws.Interval` show ``value [low, high]``)."""
    return f"[{low:.4g}, {high:.4g}]"


def param_cells(fit: Any, name: str) -> list[object]:
    """Cells ``value, [low, high]`` of parameter ``name`` of a fit (a
    :class:`hepscaling.laws.LawFit`), or ``not determined`` and an empty cell."""
    if name in fit.undetermined:
        return [NOT_DETERMINED, ""]
    iv = fit.intervals[name]
    return [iv.value, bounds_text(iv.low, iv.high)]


def table(header: Sequence[str], rows: Sequence[Sequence[object]], left: int = 1) -> str:
    """An HTML table; the first ``left`` columns are left-aligned, floats shown with 4 digits,
    other cells (e.g. an :class:`hepscaling.laws.Interval`: ``value [low, high]``) as ``str``."""
    def row(cells: Sequence[object], tag: str) -> str:
        return "<tr>" + "".join(
            f'<{tag}{" class=l" if i < left else ""}>{_cell(c)}</{tag}>'
            for i, c in enumerate(cells)) + "</tr>"

    return "<table>" + row(header, "th") + "".join(row(r, "td") for r in rows) + "</table>"


def render_page(page: Page) -> str:
    """The complete HTML document; figures are linked as ``<stem>.png`` with a PDF link."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(page.title)}"
             f"</title><style>{_STYLE}</style></head><body><h1>{escape(page.title)}</h1>",
             "<ul>" + "".join(f"<li>{escape(s)}</li>" for s in page.summary) + "</ul>"]
    for section in page.sections:
        parts.append(f"<h2>{escape(section.title)}</h2>")
        parts.extend(section.blocks)
        for stem in section.figures:
            s = escape(stem)
            parts.append(f'<p><img src="{s}.png" alt="{s}"><br><a href="{s}.pdf">{s}.pdf</a></p>')
    parts.append("</body></html>")
    return "\n".join(parts)
