"""Events of several jet multiplicities through one coordinate map per multiplicity.

:class:`MultiplicityCoordinates` holds one fitted
:class:`~hepscaling.data.event_coordinates.EventCoordinates` per modelled jet multiplicity
``k`` and applies each to the events with ``k`` jets: encoding to coordinates zero-padded to
``d`` (the largest map's), decoding, the defects of generated events, and the observables of
:mod:`hepscaling.physics.events.observables` with their histograms. :func:`order_jets` sorts
jets by decreasing pT. Momenta are float64 ``(n, 5, 4)`` GeV (two muons, three jet slots,
absent jets zero), multiplicities int64 ``(n,)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hepscaling.data.event_coordinates import DEFECTS, EventCoordinates
from hepscaling.physics import lorentz
from hepscaling.physics.events.observables import event_observables, observable_names
from hepscaling.tasks.base import Histograms

__all__ = ["BINS", "MultiplicityCoordinates", "order_jets"]

BINS = 30  # of the observable histograms, between the truth's 0.5% and 99.5% quantiles


def order_jets(momenta: np.ndarray) -> np.ndarray:
    """Events ``momenta`` ``(n, 5, 4)`` with their jets sorted by decreasing pT (the padding,
    pT 0, stays last); a copy."""
    pt = lorentz.pt(momenta[:, 2:])
    order = np.argsort(-pt, axis=1, kind="stable")
    out = momenta.copy()
    out[:, 2:] = np.take_along_axis(momenta[:, 2:], order[..., None], axis=1)
    return out


@dataclass(frozen=True)
class MultiplicityCoordinates:
    """One fitted coordinate map per modelled jet multiplicity.

    ``by_jets`` is ``{k: EventCoordinates}``; ``every`` marks a model of every multiplicity
    (``n_jets: all``): its histogram keys carry ``<k>j_`` and its decoded azimuths the seed
    ``seed + k``. ``d``, the largest map's dimension, is the width of the coordinates.
    """

    by_jets: dict[int, EventCoordinates]
    every: bool

    @property
    def d(self) -> int:
        """Width of the (zero-padded) coordinates."""
        return max(coords.d for coords in self.by_jets.values())

    def encode(self, momenta: np.ndarray, n_jets: np.ndarray) -> np.ndarray:
        """Standardised coordinates float64 ``(n, d)`` of events ``momenta`` ``(n, 5, 4)``
        with ``n_jets`` ``(n,)`` jets, each multiplicity's map, zero-padded to ``d``."""
        x = np.zeros((len(momenta), self.d))
        for k, coords in self.by_jets.items():
            rows = n_jets == k
            x[rows, :coords.d] = coords.encode(momenta[rows])[0]
        return x

    def decode(self, y: np.ndarray, n_jets: np.ndarray, seed: int) -> np.ndarray:
        """Momenta ``(n, 5, 4)`` GeV of coordinates ``y`` ``(n, d)`` with ``n_jets`` ``(n,)``
        jets (azimuths drawn with ``seed``, per multiplicity ``seed + k`` when ``every``)."""
        momenta = np.zeros((len(y), 5, 4))
        for k, coords in self.by_jets.items():
            rows = n_jets == k
            momenta[rows] = coords.decode(y[rows, :coords.d],
                                          seed=seed + (k if self.every else 0))
        return momenta

    def physical_log_prob(self, log_q: np.ndarray, momenta: np.ndarray,
                          n_jets: np.ndarray) -> np.ndarray:
        """:meth:`EventCoordinates.physical_log_prob` float64 ``(n,)`` (nats) of events
        ``momenta`` ``(n, 5, 4)`` GeV with ``n_jets`` ``(n,)`` jets whose coordinates have the
        log density ``log_q`` ``(n,)``, each multiplicity with its map."""
        physical = np.empty(len(log_q))
        for k, coords in self.by_jets.items():
            rows = n_jets == k
            physical[rows] = coords.physical_log_prob(log_q[rows], momenta[rows])
        return physical

    def defects(self, y: np.ndarray, momenta: np.ndarray,
                n_jets: np.ndarray) -> dict[str, np.ndarray]:
        """:meth:`EventCoordinates.defects` (``{defect: bool (n,)}``) of generated events
        (coordinates ``(n, d)``, momenta ``(n, 5, 4)``, multiplicities ``(n,)``), each
        multiplicity with its map."""
        defects = {name: np.zeros(len(y), dtype=bool) for name in DEFECTS}
        for k, coords in self.by_jets.items():
            rows = n_jets == k
            for name, flags in coords.defects(y[rows, :coords.d], momenta[rows]).items():
                defects[name][rows] = flags
        return defects

    def observables(self, momenta: np.ndarray, n_jets: np.ndarray) -> dict[int, np.ndarray]:
        """Per modelled multiplicity ``k``, the observables float64
        ``(n_k, len(observable_names(k)))`` of the events ``momenta`` ``(n, 5, 4)`` with
        ``k`` jets."""
        return {k: event_observables(momenta[n_jets == k], observable_names(k))
                for k in self.by_jets}

    def columns(self, observed: dict[int, np.ndarray]) -> dict[str, np.ndarray]:
        """The observables as ``{histogram key: values (n_k,)}``; keys ``<name>``, or
        ``<k>j_<name>`` when ``every``."""
        return {(f"{k}j_" if self.every else "") + name: values[:, j]
                for k, values in observed.items()
                for j, name in enumerate(observable_names(k))}

    def bins(self, truth: dict[int, np.ndarray]) -> dict[str, np.ndarray]:
        """Histogram edges ``{key: (BINS + 1,)}`` from the truth's 0.5% to its 99.5% quantile
        of each observable column of ``truth`` (:meth:`observables`) with two values or more."""
        return {key: np.linspace(float(np.quantile(values, 0.005)),
                                 float(np.quantile(values, 0.995)), BINS + 1)
                for key, values in self.columns(truth).items() if len(values) >= 2}

    def histograms(self, label: str, observed: dict[int, np.ndarray],
                   bins: dict[str, np.ndarray]) -> Histograms:
        """``{<label>_<key>: {"edges", "counts"}}`` of the observables in the truth ``bins``
        (``{key: edges (n_bins + 1,)}``; keys without bins are left out)."""
        return {f"{label}_{key}": {"edges": bins[key].tolist(),
                                   "counts": np.histogram(values, bins[key])[0].astype(float)
                                   .tolist()}
                for key, values in self.columns(observed).items() if key in bins}
