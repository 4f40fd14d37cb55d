"""Reports of a sweep: figures (PNG + PDF, mplhep style, headless) and a static HTML page.

Entry point: :func:`build_report`.
"""

from hepscaling.report.build import Report, build_precision_report, build_report

__all__ = ["Report", "build_precision_report", "build_report"]
