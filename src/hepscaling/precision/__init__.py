"""Precision control of generators by classifier weights (arXiv:2305.16774), trained by the one
loop.

- :mod:`~hepscaling.precision.classifier`: :func:`classifier_weights` between any two feature
  arrays (the public :func:`hepscaling.metrics.classifier_weights`);
- :mod:`~hepscaling.precision.events`: :func:`measure_event_precision`, a generated Z -> mu mu
  + jets sample against held-out truth on the physics observables, always beside a
  truth-vs-truth floor, written as ``precision.json`` and per-event weights.

The package is a layer above :mod:`hepscaling.train` (see the import contracts in
``pyproject.toml`` and :mod:`~hepscaling.precision.classifier`).
"""

from hepscaling.precision.classifier import (
    DEFAULT_MODEL,
    DEFAULT_TRAIN,
    ClassifierWeights,
    classifier_weights,
)
from hepscaling.precision.events import EventPrecision, measure_event_precision

__all__ = ["DEFAULT_MODEL", "DEFAULT_TRAIN", "ClassifierWeights", "EventPrecision",
           "classifier_weights", "measure_event_precision"]
