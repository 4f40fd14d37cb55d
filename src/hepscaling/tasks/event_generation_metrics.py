"""Classifier precision of generated events against held-out truth, with its truth-vs-truth
floor: the classifier metrics of the ``event_generation`` task (arXiv:2305.16774).

:func:`classifier_precision` takes the physics observables of the test truth float64
``(n_truth, k)`` and of the usable generated events ``(n_gen, k)`` (one jet multiplicity),
draws two disjoint truth halves A and B and ``n = min(n_truth // 2, n_gen)`` generated events
(:func:`~hepscaling.metrics.floor.floor_split`) and trains, with the default recipe of
:func:`hepscaling.metrics.classifier_weights` (its 20% test, 10% validation split of the ``n``
events per sample):

- the measurement: truth half A (reference) against the generated events (candidate);
- with ``floor``: the same recipe on truth half A against truth half B, of the same size.

Numbers (from each run's record, test split):

- ``classifier_auc``, its standard error ``classifier_auc_sigma`` at the test size
  (Hanley-McNeil, :func:`~hepscaling.metrics.roc.auc_standard_error`),
  ``classifier_log_w_std`` (spread of ``log w`` on generated events) and
  ``classifier_frac_w_off_0p1`` (generated events with ``|w - 1| > 0.1``);
- with ``floor``: ``classifier_<m>_floor`` (the floor run's value) and
  ``classifier_<m>_excess`` (measurement minus floor, signed: noise can make it negative) for
  each of those three metrics ``<m>`` (:data:`FLOORED`), and ``classifier_auc_floor_sigma``.

Histograms: the log-binned weights (:func:`~hepscaling.metrics.weights.weight_histogram`) of
the test events, ``classifier_w_truth`` and ``classifier_w_generated``; with ``floor`` also
``classifier_floor_w`` (the weights of truth half B: what a perfect generator's look like);
per observable ``f`` the tail view of the measurement, ``classifier_tails_<f>``: the
``edges`` and the :data:`~hepscaling.metrics.weights.TAIL_VIEW` counts of its
``feature_<f>`` histogram (all generated test events, those with ``w < 0.5``, the truth
events with ``w > 2``: where the generator fails), about 2 kB of JSON per observable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hepscaling.metrics.floor import excess, floor_split
from hepscaling.metrics.weights import TAIL_VIEW
from hepscaling.tasks.base import Histograms

__all__ = ["FLOORED", "MIN_EVENTS", "classifier_precision"]

#: metric -> the test metric of the classifier's record it is read from
FLOORED: dict[str, str] = {"auc": "test_auc", "log_w_std": "test_candidate_log_w_std",
                           "frac_w_off_0p1": "test_candidate_frac_w_off_0p1"}
#: fewest events per sample for a classifier (fewer: no classifier metrics)
MIN_EVENTS = 20


def _run(reference: np.ndarray, candidate: np.ndarray, *, seed: int, epochs: float,
         names: Sequence[str] | None) -> tuple[dict[str, float], Histograms]:
    """Train one classifier (``reference``, ``candidate``: float ``(n, k)``, features
    ``names``) and return its test metrics (keys of :data:`FLOORED` and ``auc_sigma``) and
    histograms: weights (``reference``, ``candidate``) and tail views (``tails_<f>``)."""
    from hepscaling import metrics  # trains through the loop: looked up lazily (layers)

    record = metrics.classifier_weights(reference, candidate, seed=seed, names=names,
                                        train={"epochs": epochs}).record
    numbers = {key: float(record.metrics[name]) for key, name in FLOORED.items()}
    numbers["auc_sigma"] = float(record.metrics["test_auc_sigma"])
    tails = {f"tails_{key.removeprefix('test_feature_')}":
             {k: h[k] for k in ("edges", *TAIL_VIEW)}
             for key, h in record.histograms.items() if key.startswith("test_feature_")}
    return numbers, {"reference": record.histograms["test_w_reference"],
                     "candidate": record.histograms["test_w_candidate"], **tails}


def classifier_precision(truth: np.ndarray, sampled: np.ndarray, *, seed: int, epochs: float,
                         floor: bool = True, names: Sequence[str] | None = None
                         ) -> tuple[dict[str, float], Histograms]:
    """The classifier metrics and histograms (module docstring) of the observables
    ``truth`` float64 ``(n_truth, k)`` and ``sampled`` ``(n_gen, k)`` (columns named
    ``names``; default ``x0``, ``x1``, ...); generated rows with a non-finite observable are
    left out. Empty when fewer than :data:`MIN_EVENTS` events per sample remain. ``seed``
    draws the halves and seeds both classifiers; ``epochs`` is their training length."""
    sampled = sampled[np.isfinite(sampled).all(axis=1)]
    split = floor_split(len(truth), len(sampled), seed)
    if split.n < MIN_EVENTS:
        return {}, {}
    measured, weights = _run(truth[split.reference], sampled[split.candidate], seed=seed,
                             epochs=epochs, names=names)
    numbers = {f"classifier_{k}": v for k, v in measured.items()}
    histograms = {"classifier_w_truth": weights.pop("reference"),
                  "classifier_w_generated": weights.pop("candidate"),
                  **{f"classifier_{k}": v for k, v in weights.items()}}
    if floor:
        floor_numbers, floor_weights = _run(truth[split.reference], truth[split.floor],
                                            seed=seed, epochs=epochs, names=names)
        numbers.update({f"classifier_{k}_floor": floor_numbers[k] for k in FLOORED})
        numbers["classifier_auc_floor_sigma"] = floor_numbers["auc_sigma"]
        numbers.update({f"classifier_{k}_excess": v for k, v in
                        excess(measured, floor_numbers, tuple(FLOORED)).items()})
        histograms["classifier_floor_w"] = floor_weights["candidate"]
    return numbers, histograms
