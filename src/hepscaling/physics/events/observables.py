"""Per-event observables of Z -> mu mu + jets events: the inputs of the precision classifier.

Events follow the convention of :mod:`hepscaling.physics.events` (``momenta`` float64
``(n, 5, 4)`` GeV: mu+, mu-, jets by decreasing pT, zero-padded). Objects are named ``mu1``
(the mu+), ``mu2`` (the mu-) and ``j1``, ``j2``, ``j3``. The observables (the inputs of the
discriminator-metric code of arXiv:2305.16774, with its muon order):

- ``pt_<o>``: transverse momentum of object ``o``, GeV;
- ``eta_<o>``: its pseudorapidity (dimensionless);
- ``dphi_<a>_<b>``: azimuth of ``b`` relative to ``a``, ``phi_b - phi_a`` wrapped to
  ``[-pi, pi)``, radians, for consecutive objects (``mu1 mu2``, ``mu2 j1``, ``j1 j2``, ...);
- ``m_<j>``: jet mass, GeV;
- ``m_mumu``: invariant mass of the muon pair, GeV;
- ``inv_dr_<a>_<b>``: ``min(1 / Delta R, 20)`` of two jets (Delta R in eta and phi; the cap
  keeps collinear pairs finite).

:func:`observable_names` lists those defined for a jet multiplicity (in a fixed order);
:func:`event_observables` evaluates any of them. Numpy only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.physics import lorentz
from hepscaling.physics.events.process import MAX_JETS, N_OBJECTS

__all__ = ["INV_DR_MAX", "OBJECTS", "event_observables", "observable_names"]

OBJECTS: tuple[str, ...] = ("mu1", "mu2", *(f"j{i}" for i in range(1, MAX_JETS + 1)))
INV_DR_MAX = 20.0  # cap of 1 / Delta R_jj

_Observable = Callable[[np.ndarray], np.ndarray]  # momenta (n, 5, 4) -> (n,)


def _of(i: int, fn: Callable[[np.ndarray], np.ndarray]) -> _Observable:
    """``fn`` of object ``i``."""
    return lambda p: fn(p[:, i])


def _between(a: int, b: int, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> _Observable:
    """``fn(object b, object a)``."""
    return lambda p: fn(p[:, b], p[:, a])


def _inverse_delta_r(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    return np.minimum(1.0 / lorentz.delta_r(p, q), INV_DR_MAX)


def _definitions() -> dict[str, tuple[int, _Observable]]:
    """Every observable: name -> (jets it needs, function of the momenta)."""
    out: dict[str, tuple[int, _Observable]] = {}
    for i, name in enumerate(OBJECTS):
        jets = max(0, i - 1)
        out[f"pt_{name}"] = (jets, _of(i, lorentz.pt))
        out[f"eta_{name}"] = (jets, _of(i, lorentz.eta))
        if i:
            out[f"dphi_{OBJECTS[i - 1]}_{name}"] = (jets, _between(i - 1, i, lorentz.delta_phi))
        if jets:
            out[f"m_{name}"] = (jets, _of(i, lorentz.mass))
        if i == 1:
            out["m_mumu"] = (0, lambda p: lorentz.mass(p[:, 0] + p[:, 1]))
    for a in range(2, N_OBJECTS):
        for b in range(a + 1, N_OBJECTS):
            out[f"inv_dr_{OBJECTS[a]}_{OBJECTS[b]}"] = (b - 1, _between(a, b, _inverse_delta_r))
    return out


_DEFINITIONS = _definitions()


def observable_names(n_jets: int) -> tuple[str, ...]:
    """The observables defined for events with exactly ``n_jets`` jets (1 to 3), in order:
    muons, ``m_mumu``, jets, ``inv_dr`` pairs (``6 + 4 n_jets + n_jets (n_jets - 1) / 2``)."""
    if not 1 <= n_jets <= MAX_JETS:
        raise UsageError(f"n_jets must be 1 to {MAX_JETS}, got {n_jets}")
    return tuple(name for name, (jets, _) in _DEFINITIONS.items() if jets <= n_jets)


def event_observables(momenta: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The observables ``names`` of events ``momenta`` (float64 ``(n, 5, 4)`` GeV): float64
    ``(n, len(names))``, units per the module docstring.

    Observables of jets an event does not have are evaluated on its zero padding (select
    events by multiplicity first).
    """
    unknown = [n for n in names if n not in _DEFINITIONS]
    if unknown:
        raise UsageError(f"unknown observable(s) {unknown}; choose from "
                         f"{', '.join(observable_names(MAX_JETS))}")
    if momenta.ndim != 3 or momenta.shape[1:] != (N_OBJECTS, 4):
        raise UsageError(f"momenta have shape {momenta.shape}, expected (n, {N_OBJECTS}, 4)")
    with np.errstate(divide="ignore", invalid="ignore"):
        columns = [_DEFINITIONS[name][1](momenta) for name in names]
    return np.stack(columns, axis=1) if columns else np.empty((momenta.shape[0], 0))
