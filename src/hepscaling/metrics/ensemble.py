"""Uncertainty bands from several histograms of the same observable: ensemble members (one
generator per seed) or posterior draws of a Bayesian generator.

:func:`histogram_band` takes ``K`` histograms with the same edges (the run record's
``{"edges": (n+1,), "counts": (n,)}`` form), normalises each to unit area (a density in
``1 / unit of the observable``; optional), and returns per bin the mean, the standard deviation
over the members (``ddof = 1``: the spread of one member around the mean, the generator
uncertainty; ``0`` for one member) and the standard error of the mean (``std / sqrt(K)``), plus
the 15.9% and 84.1% quantiles (the central 68% band of 2305.10475's plots).
:func:`ensemble_bands` does this for every histogram that N runs share (e.g. the
``test_generated_<observable>`` histograms of the runs of a sweep's seed axis, each run's
``record.histograms``).

Numbers from arrays only (numpy; no files, no physics).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["ensemble_bands", "histogram_band"]

Histogram = Mapping[str, Sequence[float]]


def histogram_band(histograms: Sequence[Histogram], *,
                   density: bool = True) -> dict[str, list[float]]:
    """Mean and spread per bin of ``K >= 1`` histograms with identical edges.

    Parameters
    ----------
    histograms : each ``{"edges": (n+1,), "counts": (n,)}``.
    density : divide each histogram by its total count times the bin widths first (so members
        with different sample sizes compare), else use the counts as they are.

    Returns
    -------
    ``{"edges": (n+1,), "mean": (n,), "std": (n,), "error": (n,), "low": (n,), "high": (n,),
    "members": [K]}``, lists of floats (``low``/``high``: the 15.9% / 84.1% quantiles).

    >>> band = histogram_band([{"edges": [0, 1, 2], "counts": [1, 3]},
    ...                        {"edges": [0, 1, 2], "counts": [3, 1]}], density=False)
    >>> band["mean"], band["std"]
    ([2.0, 2.0], [1.4142135623730951, 1.4142135623730951])
    """
    if not histograms:
        raise ValueError("histogram_band needs at least one histogram")
    edges = np.asarray(histograms[0]["edges"], dtype=np.float64)
    rows = []
    for i, h in enumerate(histograms):
        if not np.array_equal(np.asarray(h["edges"], dtype=np.float64), edges):
            raise ValueError(f"histogram {i} has other edges than histogram 0; bin all members "
                             "alike")
        counts = np.asarray(h["counts"], dtype=np.float64)
        if density:
            total = counts.sum()
            counts = counts / (total * np.diff(edges)) if total > 0 else np.full_like(counts,
                                                                                     np.nan)
        rows.append(counts)
    values = np.stack(rows)  # (K, n)
    k = values.shape[0]
    std = values.std(axis=0, ddof=1) if k > 1 else np.zeros(values.shape[1])
    low, high = np.quantile(values, [0.159, 0.841], axis=0)
    return {"edges": edges.tolist(), "mean": values.mean(axis=0).tolist(), "std": std.tolist(),
            "error": (std / np.sqrt(k)).tolist(), "low": low.tolist(), "high": high.tolist(),
            "members": [float(k)]}


def ensemble_bands(members: Sequence[Mapping[str, Histogram]], prefix: str = "test_generated_",
                   *, density: bool = True) -> dict[str, dict[str, list[float]]]:
    """:func:`histogram_band` of every histogram named ``prefix<name>`` in all ``members``
    (each one run's ``{name: {"edges", "counts"}}``, e.g. ``record.histograms``), keyed by
    ``name``; histograms missing from some member are left out.

    >>> runs = [{"test_generated_x": {"edges": [0, 1], "counts": [c]}} for c in (2, 4)]
    >>> ensemble_bands(runs, density=False)["x"]["mean"]
    [3.0]
    """
    if not members:
        raise ValueError("ensemble_bands needs at least one member")
    names = [k for k in members[0] if k.startswith(prefix) and all(k in m for m in members)]
    return {k.removeprefix(prefix): histogram_band([m[k] for m in members], density=density)
            for k in names}
