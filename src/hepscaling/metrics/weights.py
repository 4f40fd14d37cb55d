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
- :func:`calibration_curve`: the observed reference fraction per bin of ``p``, and the
  expected calibration error.

Numbers from arrays only (numpy; no files, no physics).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["CLIP", "TAILS_HIGH", "TAILS_LOW", "calibration_curve", "log_weight_spread",
           "tail_fractions", "weight_histogram", "weights_from_probabilities"]

CLIP = 1e-6  # probabilities are clipped to [CLIP, 1 - CLIP] before w = p / (1 - p)
TAILS_LOW: tuple[float, ...] = (0.1, 0.5)  # fractions of w below these
TAILS_HIGH: tuple[float, ...] = (2.0, 10.0)  # fractions of w above these


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
