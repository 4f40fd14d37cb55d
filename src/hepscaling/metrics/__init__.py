"""Metrics: numbers from arrays, nothing else.

This package owns the statistics that tasks and reports compute from model outputs and samples:
ROC AUC and background rejection (:mod:`~hepscaling.metrics.roc`), 1-d and sliced Wasserstein
distances between samples (:mod:`~hepscaling.metrics.wasserstein`), classifier weights
``w = p / (1 - p)`` and their histograms, tails and calibration
(:mod:`~hepscaling.metrics.weights`), and mean +- spread bands over the histograms of several
generators or posterior draws (:mod:`~hepscaling.metrics.ensemble`). Its modules take numpy or
torch arrays and return floats or arrays; they read no files, know no physics (observables come from
:mod:`hepscaling.physics`, data from :mod:`hepscaling.data`) and train nothing.

One public entry point trains: :func:`classifier_weights` (a reference-vs-candidate classifier
through the one training loop) lives in :mod:`hepscaling.precision`, a layer above the loop,
and is imported from there on first use (module ``__getattr__``), so importing the numeric
metrics never imports the loop (see :mod:`hepscaling.precision` and the import contracts).
"""

from typing import Any

from hepscaling.metrics.wasserstein import sliced_wasserstein, wasserstein_1d

__all__ = ["classifier_weights", "sliced_wasserstein", "wasserstein_1d"]


def __getattr__(name: str) -> Any:
    """``classifier_weights``, imported from :mod:`hepscaling.precision` on first lookup."""
    if name == "classifier_weights":
        from hepscaling.precision import classifier_weights

        return classifier_weights
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
