"""Jet observables: a registry ``name -> f(arrays) -> float64 (n,)`` on jet-file arrays.

The high-level inputs of jet tagging, and the observables that generated jets are compared on
(sliced Wasserstein distances, two-sample classifiers), are read from :data:`OBSERVABLES`.
Each function takes the arrays of a jet file (:mod:`hepscaling.data.jets`, JetClass names:
``jet_pt``, ``part_mask``, ...; jets along axis 0, constituents along axis 1, zero-padded with
``part_mask`` false on padding) and returns float64 ``(n,)``. The fields they read are
:data:`OBSERVABLE_FIELDS`.

Units: masses and momenta in GeV; angles (``eta``, Delta R) dimensionless; ``log_pt`` is
``log(pT / GeV)``. Ratios whose denominator is zero are 0.

Observables of the modelled constituents (:data:`CONSTITUENT_OBSERVABLES`,
:func:`constituent_observables`): what a jet generator is scored on. They read only a jet's
constituents ``part_mask``, ``part_pt_log``, ``part_deta``, ``part_dphi`` (the fields a jet
tokenizer models, e.g. of the hardest T; generated and true jets are treated alike): each
constituent is taken massless at pseudorapidity ``part_deta`` and azimuth ``part_dphi``
around a jet axis at (0, 0), the jet is their four-momentum sum, and N-subjettiness is
computed from these constituents with the parameters of the stored ``jet_tau*``
(:func:`hepscaling.physics.jets.clustering.substructure`, FastJet).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.physics import lorentz

__all__ = ["CONSTITUENT_FIELDS", "CONSTITUENT_OBSERVABLES", "OBSERVABLES", "OBSERVABLE_FIELDS",
           "Constituents", "constituent_observables", "jet_observables"]

Arrays = dict[str, np.ndarray]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` elementwise, 0 where ``den <= 0``."""
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _constituent_pt(a: Arrays) -> np.ndarray:
    """Constituent pT, float64 ``(n, P)`` GeV, zero on padding."""
    return np.where(a["part_mask"], np.exp(a["part_pt_log"].astype(np.float64)), 0.0)


def log_pt(a: Arrays) -> np.ndarray:
    """``log(pT / GeV)`` of the jet."""
    return np.log(a["jet_pt"].astype(np.float64))


def eta(a: Arrays) -> np.ndarray:
    """Jet pseudorapidity."""
    return a["jet_eta"].astype(np.float64)


def mass(a: Arrays) -> np.ndarray:
    """Jet mass in GeV, ``sqrt(E^2 - (pT cosh eta)^2)`` (|p| = pT cosh eta), clipped at 0."""
    e, pt, eta_ = (a[k].astype(np.float64) for k in ("jet_energy", "jet_pt", "jet_eta"))
    return np.sqrt(np.clip(e**2 - (pt * np.cosh(eta_)) ** 2, 0.0, None))


def sdmass(a: Arrays) -> np.ndarray:
    """Soft-drop mass in GeV (as stored in the file)."""
    return a["jet_sdmass"].astype(np.float64)


def tau21(a: Arrays) -> np.ndarray:
    """N-subjettiness ratio ``tau_2 / tau_1``."""
    return _ratio(a["jet_tau2"].astype(np.float64), a["jet_tau1"])


def tau32(a: Arrays) -> np.ndarray:
    """N-subjettiness ratio ``tau_3 / tau_2``."""
    return _ratio(a["jet_tau3"].astype(np.float64), a["jet_tau2"])


def tau43(a: Arrays) -> np.ndarray:
    """N-subjettiness ratio ``tau_4 / tau_3``."""
    return _ratio(a["jet_tau4"].astype(np.float64), a["jet_tau3"])


def n_particles(a: Arrays) -> np.ndarray:
    """Number of constituents of the jet (all of them, also those beyond the stored slots)."""
    return a["jet_nparticles"].astype(np.float64)


def n_charged(a: Arrays) -> np.ndarray:
    """Number of charged constituents among the stored ones."""
    return ((a["part_charge"] != 0) & a["part_mask"]).sum(axis=1).astype(float)


def ptd(a: Arrays) -> np.ndarray:
    """``pT_D = sqrt(sum pT^2) / sum pT`` over the stored constituents (dimensionless)."""
    pt = _constituent_pt(a)
    return _ratio(np.sqrt((pt**2).sum(axis=1)), pt.sum(axis=1))


def girth(a: Arrays) -> np.ndarray:
    """``sum pT Delta R / sum pT`` over the stored constituents (Delta R to the jet axis as
    stored in ``part_deltaR``; dimensionless)."""
    pt = _constituent_pt(a)
    return _ratio((pt * a["part_deltaR"]).sum(axis=1), pt.sum(axis=1))


def lead_pt_frac(a: Arrays) -> np.ndarray:
    """pT of the leading constituent over the jet pT."""
    return np.exp(a["part_logptrel"][:, 0].astype(np.float64))


#: name -> observable, each float64 ``(n,)`` from the jet arrays (see the functions' units)
OBSERVABLES: dict[str, Callable[[Arrays], np.ndarray]] = {
    "log_pt": log_pt, "eta": eta, "mass": mass, "sdmass": sdmass, "tau21": tau21,
    "tau32": tau32, "tau43": tau43, "n_particles": n_particles, "n_charged": n_charged,
    "ptd": ptd, "girth": girth, "lead_pt_frac": lead_pt_frac,
}
#: the jet-file fields the observables read
OBSERVABLE_FIELDS = ("jet_pt", "jet_eta", "jet_energy", "jet_nparticles", "jet_sdmass",
                     "jet_tau1", "jet_tau2", "jet_tau3", "jet_tau4", "part_mask",
                     "part_pt_log", "part_deltaR", "part_charge", "part_logptrel")


def jet_observables(arrays: Arrays, names: tuple[str, ...]) -> np.ndarray:
    """The observables ``names`` (keys of :data:`OBSERVABLES`) as float64 ``(n, len(names))``."""
    return np.stack([OBSERVABLES[name](arrays) for name in names], axis=1)


#: the jet fields the constituent observables read
CONSTITUENT_FIELDS = ("part_mask", "part_pt_log", "part_deta", "part_dphi")


class Constituents:
    """The modelled constituents of ``n`` jets and their kinematics, computed once on demand.

    ``arrays``: :data:`CONSTITUENT_FIELDS`, each ``(n, P)`` (``part_pt_log`` in log GeV).
    """

    def __init__(self, arrays: Arrays) -> None:
        self.mask = np.asarray(arrays["part_mask"], dtype=bool)
        self.pt = np.where(self.mask, np.exp(np.asarray(arrays["part_pt_log"], np.float64)), 0.0)
        self.eta = np.where(self.mask, np.asarray(arrays["part_deta"], np.float64), 0.0)
        self.phi = np.where(self.mask, np.asarray(arrays["part_dphi"], np.float64), 0.0)

    @cached_property
    def p4(self) -> np.ndarray:
        """Massless constituent ``(E, px, py, pz)``, float64 ``(n, P, 4)`` GeV, 0 on padding."""
        pt, eta_, phi = self.pt, self.eta, self.phi
        return np.stack([pt * np.cosh(eta_), pt * np.cos(phi), pt * np.sin(phi),
                         pt * np.sinh(eta_)], axis=-1)

    @cached_property
    def jet(self) -> np.ndarray:
        """The jet four-momentum, the sum of the constituents, float64 ``(n, 4)`` GeV."""
        return self.p4.sum(axis=1)

    @cached_property
    def tau(self) -> np.ndarray:
        """N-subjettiness ``tau_1..tau_4`` of the constituents, float64 ``(n, 4)``; 0 for a
        jet without constituents (a generator may stop at once), as for a single one."""
        import awkward as ak

        from hepscaling.physics.jets.clustering import substructure

        counts = self.mask.sum(axis=1)
        filled = counts > 0  # the clustering needs at least one particle per jet
        flat = self.p4[self.mask]  # (n_constituents, 4), jets in row order
        records = ak.unflatten(ak.zip({"px": flat[:, 1], "py": flat[:, 2], "pz": flat[:, 3],
                                       "E": flat[:, 0]}), counts[filled])
        tau = np.zeros((counts.size, 4))
        tau[filled] = substructure(records)[1]
        return tau

    @cached_property
    def d2(self) -> np.ndarray:
        """Energy-correlation ratio ``D2 = e3 / e2^3`` (beta = 1; pT fractions ``z`` and
        Delta R in (eta, phi) between constituents), float64 ``(n,)``; 0 for ``e2 = 0``."""
        z = _ratio(self.pt, self.pt.sum(axis=1, keepdims=True))  # (n, P)
        dr = np.hypot(self.eta[:, :, None] - self.eta[:, None, :],
                      self.phi[:, :, None] - self.phi[:, None, :])  # (n, P, P)
        e2 = 0.5 * np.einsum("ni,nij,nj->n", z, dr, z)
        e3 = np.einsum("ni,nij,nj,nik,njk,nk->n", z, dr, z, dr, dr, z, optimize=True) / 6.0
        return _ratio(e3, e2**3)


#: name -> observable of the modelled constituents, float64 ``(n,)``: ``mass`` (clipped at 0)
#: and ``pt`` of the constituent sum (GeV), ``multiplicity`` (constituents), ``tau21``,
#: ``tau32``, ``d2`` (dimensionless)
CONSTITUENT_OBSERVABLES: dict[str, Callable[[Constituents], np.ndarray]] = {
    "mass": lambda c: np.maximum(lorentz.mass(c.jet), 0.0),
    "pt": lambda c: lorentz.pt(c.jet),
    "multiplicity": lambda c: c.mask.sum(axis=1).astype(np.float64),
    "tau21": lambda c: _ratio(c.tau[:, 1], c.tau[:, 0]),
    "tau32": lambda c: _ratio(c.tau[:, 2], c.tau[:, 1]),
    "d2": lambda c: c.d2,
}


def constituent_observables(arrays: Arrays, names: tuple[str, ...]) -> np.ndarray:
    """The observables ``names`` (keys of :data:`CONSTITUENT_OBSERVABLES`) of the jets'
    modelled constituents (:data:`CONSTITUENT_FIELDS`), float64 ``(n, len(names))``."""
    unknown = [name for name in names if name not in CONSTITUENT_OBSERVABLES]
    if unknown or not names:
        raise UsageError(f"unknown constituent observable(s) {unknown}; choose from "
                         f"{', '.join(CONSTITUENT_OBSERVABLES)}")
    constituents = Constituents(arrays)
    return np.stack([CONSTITUENT_OBSERVABLES[name](constituents) for name in names], axis=1)
