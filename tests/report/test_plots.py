"""Report figures: titles, band legends, small multiples, readable ticks, exponent offsets."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers.synthetic_sweep import write_sweep
from helpers.synthetic_tagging import write_tagging_sweep
from hepscaling.laws.sweep import fit_sweep, load_sweep
from hepscaling.report import plots


@pytest.fixture
def saved(monkeypatch) -> list[Figure]:
    """The figures the plotting functions save (rendered, so text positions are final)."""
    figures: list[Figure] = []
    original = Figure.savefig

    def record(self, fname, **kwargs):
        if str(fname).endswith(".png"):
            figures.append(self)
        return original(self, fname, **kwargs)

    monkeypatch.setattr(Figure, "savefig", record)
    return figures


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().texts]


def _overlaps(labels) -> bool:
    boxes = [t.get_window_extent() for t in labels if t.get_visible() and t.get_text()]
    return any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))


def test_scaling_figure_names_sweep_metric_and_band(tmp_path, saved):
    sweep = load_sweep(write_sweep(tmp_path / "tth_sweep"), "test_mse")
    fits = fit_sweep(sweep, bootstrap=20)
    plots.plot_scaling(fits, "D", sweep.metric, tmp_path / "scaling", sweep="tth_sweep")
    (fig,) = saved
    assert fig.get_suptitle() == "tth_sweep: test_mse versus D"
    assert "68% bootstrap band of the fit" in _texts(fig)
    assert len(fig.axes) == 1  # four groups: one panel


def test_many_groups_become_one_panel_per_family(tmp_path, saved):
    sweep = load_sweep(write_tagging_sweep(tmp_path / "tagging"), "test_auc_macro")
    fits = fit_sweep(sweep, law="ceiling", axis="D", bootstrap=0)
    assert len(fits) == 8
    plots.plot_scaling(fits, "D", sweep.metric, tmp_path / "scaling", shortfall=True)
    plots.plot_residuals(fits, "D", sweep.metric, tmp_path / "res",
                         shortfall=True)
    for fig in saved:
        assert [ax.get_title() for ax in fig.axes] == ["family=hl_dense", "family=part"]
        assert fig.axes[0].get_shared_y_axes().joined(fig.axes[0], fig.axes[1])


@pytest.mark.parametrize("sizes", [(1000, 1300, 1700, 2200, 3000), (100, 300, 1000, 3000),
                                   (200, 400, 800, 1600, 3200), (500, 800, 1200, 2000, 5000),
                                   (300, 600, 1200, 2400)])
def test_residual_tick_labels_do_not_overlap(tmp_path, saved, sizes):
    sweep = load_sweep(write_sweep(tmp_path / "s", sizes=sizes, bad_runs=False), "test_mse")
    plots.plot_residuals(fit_sweep(sweep, bootstrap=0, holdout=0), "D", sweep.metric,
                         tmp_path / "res")
    (fig,) = saved
    ax = fig.axes[0]
    assert not _overlaps(ax.get_xticklabels(which="both"))
    assert len([t for t in ax.get_xticklabels() if t.get_text()]) >= 2


def test_exponents_are_offset_and_the_reference_is_in_view(tmp_path, saved):
    rows = [{"label": f"group {i}", "d": d, "alpha": a, "low": a - 0.05, "high": a + 0.05}
            for i, (d, a) in enumerate([(5, 0.6), (5, 0.62), (8, 0.35), (8, 0.36), (8, 0.4)])]
    plots.plot_exponents_vs_dim(rows, tmp_path / "dim", sweep="s", level=0.68)
    (fig,) = saved
    ax = fig.axes[0]
    xs = [line.get_xdata()[0] for line in ax.lines if line.get_marker() == "o"]
    assert len(set(np.round(xs, 6))) == len(rows)  # no two error bars on one vertical
    reference = next(line for line in ax.lines if line.get_linestyle() == "--")
    low, high = ax.get_ylim()
    assert low <= min(reference.get_ydata()) and max(reference.get_ydata()) <= high
    assert "error bars: 68% bootstrap interval" in _texts(fig)
