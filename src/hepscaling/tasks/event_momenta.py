"""Where each object's four-momentum sits in the event coordinates: the
:class:`~hepscaling.models.object_momenta.ObjectMomenta` an event generator that sees momenta
(``cfm`` with ``backbone: lgatr``) is built with.

Only the ``objects`` system of :mod:`hepscaling.data.event_coordinates` gives every object its
own ``log_pt_<o>``, ``eta_<o>``, ``dphi_<o>`` (none for the reference ``mu1``) and, for jets,
``log_m2_<o>`` (muons on their mass shell); the ``dimuon`` system describes the pair, so there
is no per-object layout. Muons have ``pT_min = 0``, jets the jet cut; ``eps`` as in the
coordinates.
"""

from __future__ import annotations

import numpy as np

from hepscaling.data.event_coordinates import M2_EPS, PT_EPS, EventCoordinates
from hepscaling.models.object_momenta import ObjectMomenta
from hepscaling.physics.events import JET_PT_MIN, MUON_MASS
from hepscaling.physics.events.observables import OBJECTS

__all__ = ["momentum_unit", "object_momenta"]

_MUONS = 2  # objects 0 and 1 are the muons, the jets follow


def object_momenta(coords: EventCoordinates, unit: float = 1.0) -> ObjectMomenta | None:
    """The layout of ``coords``, with its standardisation once fitted (the identity before),
    momenta in ``unit`` GeV (:func:`momentum_unit`); None for the ``dimuon`` system."""
    if coords.system != "objects":
        return None
    objects = OBJECTS[:_MUONS + coords.n_jets]

    def columns(field: str) -> tuple[int, ...]:
        names = [f"{field}_{o}" for o in objects]
        return tuple(coords.names.index(n) if n in coords.names else -1 for n in names)

    d = coords.d
    mean, std = (np.zeros(d), np.ones(d)) if coords.mean is None or coords.std is None \
        else (coords.mean, coords.std)
    return ObjectMomenta(
        log_pt=columns("log_pt"), eta=columns("eta"), dphi=columns("dphi"),
        log_m2=columns("log_m2"),
        pt_shift=tuple((JET_PT_MIN if i >= _MUONS else 0.0) - PT_EPS
                       for i in range(len(objects))),
        mass=tuple(MUON_MASS if i < _MUONS else 0.0 for i in range(len(objects))),
        m2_eps=M2_EPS,
        mean=tuple(float(v) for v in mean), std=tuple(float(v) for v in std), unit=unit)


def momentum_unit(momenta: np.ndarray, n_jets: int) -> float:
    """GeV: the standard deviation of all ``(E, px, py, pz)`` components of the ``2 + n_jets``
    objects of the training events ``momenta`` ``(n, 5, 4)`` (the lorentz-gatr ``units``)."""
    return float(np.std(momenta[:, :_MUONS + n_jets]))
