"""Metrics: numbers from arrays, nothing else.

This package owns the statistics that tasks and reports compute from model outputs and samples:
ROC AUC and background rejection (:mod:`~hepscaling.metrics.roc`), 1-d and sliced Wasserstein
distances between samples (:mod:`~hepscaling.metrics.wasserstein`), and (round 2) classifier
weights and ensemble spreads. Its functions take numpy or
torch arrays and return floats or arrays; they read no files and know no physics (observables
come from :mod:`hepscaling.physics`, data from :mod:`hepscaling.data`).
"""

from hepscaling.metrics.wasserstein import sliced_wasserstein, wasserstein_1d

__all__ = ["sliced_wasserstein", "wasserstein_1d"]
