"""Classifier weights and their summaries: ``w = p / (1 - p)``, log-binned histograms, tails.

A classifier trained with balanced classes to output ``p(x)`` = P(reference | x) estimates the
density ratio ``w(x) = p / (1 - p) = p_reference(x) / p_candidate(x)`` (Neyman-Pearson; for a
generator checked against truth, reference = truth, candidate = generated, arXiv:2305.16774).
``w < 1`` marks regions the candidate over-populates, ``w > 1`` regions it misses.

- :func:`weights_from_probabilities`: ``w`` from ``p``, with ``p`` clipped to
  ``[clip, 1 - clip]`` first, so ``w`` lies in ``[clip / (1 - clip), (1 - clip) / clip]``
  (default ``clip = 1e-6``: ``|log w| <= 13.8``) and is finite for ``p`` = 0 or 1;
- :func:`weight_histogram`: counts of ``w`` in logarithmic bins (the run record's
  ``{"edges", "counts"}`` form); weights outside the range are counted in the end bins;
- :func:`tail_fractions`: the fractions of ``w`` below / above fixed thresholds;
- :func:`log_weight_spread`: the standard deviation of ``log w``;
- :func:`deviation_fraction`: the fraction of ``|w - 1| > tolerance``;
- :func:`quantile_edges`, :func:`weighted_histogram`: histograms of a feature on common bins,
  plain, restricted to a weight tail or reweighted by ``w`` (with their statistical errors);
- :func:`calibration_curve`: the observed reference fraction per bin of ``p``, and the
  expected calibration error.

Numbers from arrays only (numpy; no files, no physics).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["CLIP", "TAILS_HIGH", "TAILS_LOW", "TAIL_VIEW", "calibration_curve",
           "deviation_fraction", "log_weight_spread", "quantile_edges", "tail_fractions",
           "weight_histogram", "weighted_histogram", "weights_from_probabilities"]

CLIP = 1e-6  # probabilities are clipped to [CLIP, 1 - CLIP] before w = p / (1 - p)
TAILS_LOW: tuple[float, ...] = (0.1, 0.5)  # fractions of w below these
TAILS_HIGH: tuple[float, ...] = (2.0, 10.0)  # fractions of w above these
#: the keys of a two-sample classifier's per-feature histogram (``feature_<f>``,
#: :mod:`hepscaling.tasks.two_sample`) that show where a generator fails, besides ``edges``:
#: all candidate events, the over-populated ones (``w < 0.5``), the reference events it
#: misses (``w > 2``)
TAIL_VIEW: tuple[str, str, str] = ("candidate", "candidate_w_lt_0p5", "reference_w_gt_2")


def weights_from_probabilities(p: np.ndarray, *, clip: float = CLIP) -> np.ndarray:
    """``w = p / (1 - p)`` float64, the shape of ``p``, after clipping ``p`` (float, in
    ``[0, 1]``) to ``[clip, 1 - clip]``.

    >>> weights_from_probabilities(np.array([0.5, 0.8, 1.0]), clip=0.01)
    array([ 1.,  4., 99.])
    """
    if not 0 < clip < 0.5:
        raise ValueError(f"clip must lie in (0, 0.5), got {clip}")
    p = np.clip(np.asarray(p, dtype=np.float64), clip, 1.0 - clip)
    return p / (1.0 - p)


def weight_histogram(w: np.ndarray, *, low: float = 1e-3, high: float = 1e3,
                     bins_per_decade: int = 10) -> dict[str, list[float]]:
    """Counts of the weights ``w`` (float ``(n,)``, > 0) in logarithmic bins from ``low`` to
    ``high`` (``bins_per_decade`` per factor 10): ``{"edges": (k+1,), "counts": (k,)}``.
    Weights below ``low`` (above ``high``) are counted in the first (last) bin."""
    n_bins = round(bins_per_decade * np.log10(high / low))
    if not 0 < low < high or n_bins < 1:
        raise ValueError(f"need 0 < low < high and at least one bin, got low={low}, "
                         f"high={high}, bins_per_decade={bins_per_decade}")
    edges = np.logspace(np.log10(low), np.log10(high), n_bins + 1)
    inner = np.clip(np.asarray(w, dtype=np.float64), edges[0], edges[-1])
    counts, _ = np.histogram(inner, bins=edges)
    return {"edges": edges.tolist(), "counts": counts.astype(np.float64).tolist()}


def _label(value: float) -> str:
    """``0.1 -> "0p1"``, ``10.0 -> "10"``: a threshold as part of a metric name."""
    return f"{value:g}".replace(".", "p")


def tail_fractions(w: np.ndarray, *, low: Sequence[float] = TAILS_LOW,
                   high: Sequence[float] = TAILS_HIGH) -> dict[str, float]:
    """Fractions of the weights ``w`` (float ``(n,)``) below each of ``low`` and above each of
    ``high``: ``{"frac_w_lt_0p1": ..., "frac_w_lt_0p5": ..., "frac_w_gt_2": ...,
    "frac_w_gt_10": ...}`` for the defaults (``nan`` for an empty ``w``).

    >>> tail_fractions(np.array([0.05, 0.3, 1.0, 3.0]))["frac_w_lt_0p5"]
    0.5
    """
    w = np.asarray(w, dtype=np.float64)
    mean = (lambda m: float(np.mean(m))) if w.size else (lambda m: float("nan"))
    return {**{f"frac_w_lt_{_label(t)}": mean(w < t) for t in low},
            **{f"frac_w_gt_{_label(t)}": mean(w > t) for t in high}}


def log_weight_spread(w: np.ndarray) -> float:
    """Standard deviation of ``log w`` (``w``: float ``(n,)``, > 0); 0 for a perfect candidate
    (``w = 1`` everywhere)."""
    return float(np.std(np.log(np.asarray(w, dtype=np.float64))))


def deviation_fraction(w: np.ndarray, tolerance: float = 0.1) -> float:
    """Fraction of the weights ``w`` (float ``(n,)``) with ``|w - 1| > tolerance`` (``nan``
    for an empty ``w``): the share of events whose density the candidate misses by more than
    ``tolerance`` (relative).

    >>> deviation_fraction(np.array([1.0, 1.05, 0.8, 2.0]))
    0.5
    """
    w = np.asarray(w, dtype=np.float64)
    return float(np.mean(np.abs(w - 1.0) > tolerance)) if w.size else float("nan")


def quantile_edges(x: np.ndarray, bins: int = 40, coverage: float = 0.99) -> np.ndarray:
    """``bins + 1`` equal-width edges float64 spanning the central ``coverage`` of ``x`` (float
    ``(n,)``, finite): from its ``(1 - coverage) / 2`` to its ``(1 + coverage) / 2`` quantile
    (a constant ``x`` gets the unit interval around it)."""
    x = np.asarray(x, dtype=np.float64)
    if not x.size or bins < 1 or not 0 < coverage <= 1:
        raise ValueError(f"need a non-empty x, bins >= 1 and 0 < coverage <= 1, got "
                         f"{x.size} values, bins={bins}, coverage={coverage}")
    low, high = np.quantile(x, [(1 - coverage) / 2, (1 + coverage) / 2])
    if not high > low:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, bins + 1)


def weighted_histogram(x: np.ndarray, edges: np.ndarray,
                       weights: np.ndarray | None = None) -> dict[str, list[float]]:
    """Histogram of ``x`` (float ``(n,)``) in ``edges`` (``(k+1,)``) with per-event
    ``weights`` (float ``(n,)``; None: 1 each): ``{"edges": (k+1,), "counts": (k,), "errors":
    (k,)}``, counts = sum of weights per bin, errors = sqrt of the sum of squared weights.
    Values outside the edges are counted in the end bins.

    >>> weighted_histogram(np.array([0.1, 0.6, 0.7, 5.0]), np.array([0.0, 0.5, 1.0]),
    ...                    np.array([1.0, 2.0, 2.0, 1.0]))["counts"]
    [1.0, 5.0]
    """
    edges = np.asarray(edges, dtype=np.float64)
    inner = np.clip(np.asarray(x, dtype=np.float64), edges[0], edges[-1])
    w = np.ones_like(inner) if weights is None else np.asarray(weights, dtype=np.float64)
    counts, _ = np.histogram(inner, bins=edges, weights=w)
    squares, _ = np.histogram(inner, bins=edges, weights=w**2)
    return {"edges": edges.tolist(), "counts": counts.tolist(),
            "errors": np.sqrt(squares).tolist()}


def calibration_curve(p: np.ndarray, is_reference: np.ndarray,
                      n_bins: int = 10) -> tuple[dict[str, list[float]], float]:
    """Reliability of the probabilities ``p`` (float ``(n,)``) against the truth
    ``is_reference`` (bool ``(n,)``), in ``n_bins`` equal bins of ``p`` on ``[0, 1]``.

    Returns ``({"edges": (n_bins+1,), "counts": (n_bins,), "predicted": (n_bins,),
    "observed": (n_bins,)}, ece)``: per bin the number of events, their mean ``p`` and the
    fraction of reference events (``nan`` in empty bins), and the expected calibration error
    ``ece = sum_bins counts / n * |observed - predicted|`` (0 for a calibrated classifier up
    to statistical noise).
    """
    p = np.asarray(p, dtype=np.float64)
    is_reference = np.asarray(is_reference, dtype=bool)
    if p.shape != is_reference.shape or p.ndim != 1 or not p.size:
        raise ValueError(f"p and is_reference must be non-empty (n,) arrays, got shapes "
                         f"{p.shape} and {is_reference.shape}")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, n_bins - 1)  # (n,) bin of each event
    counts = np.bincount(which, minlength=n_bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        predicted = np.bincount(which, weights=p, minlength=n_bins) / counts
        observed = np.bincount(which, weights=is_reference, minlength=n_bins) / counts
    ece = float(np.nansum(counts * np.abs(observed - predicted)) / p.size)
    curve = {"edges": edges.tolist(), "counts": counts.tolist(), "predicted": predicted.tolist(),
             "observed": observed.tolist()}
    return curve, ece
