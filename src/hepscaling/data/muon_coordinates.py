"""The five muon coordinates of the event coordinates, in one of two systems.

:class:`~hepscaling.data.event_coordinates.EventCoordinates` describes an event by five
coordinates of its two muons plus four per jet; the muon block also fixes the reference
azimuth ``phi_ref`` the jets' ``dphi`` are measured from. Two systems (:data:`MUON_SYSTEMS`),
each an exact bijection between the two on-shell muons (their three-momenta ``x``, 6 numbers)
and ``(raw (5,), phi_ref)``, float64:

- ``objects`` (:class:`SeparateMuons`): per muon ``log(pT + eps)`` and ``eta``, and the mu-
  azimuth ``dphi_mu2`` relative to ``phi_ref`` = the mu+ azimuth. The Z peak, a narrow line in
  the pair mass, is no coordinate here: a generator must build it from correlations.
- ``dimuon`` (:class:`MuonPair`), the pair as a system
  (:mod:`hepscaling.physics.events.dimuon`): ``asinh_m_mumu`` = ``asinh((M - M_Z) /
  (Gamma_Z / 2))``, ``log_pt_mumu`` = ``log(pT + eps)``, ``y_mumu`` (rapidity),
  ``atanh_cos_theta`` (the mu+ polar angle in the pair rest frame) and ``phi_star`` (its
  azimuth there relative to the pair's); ``phi_ref`` = the pair azimuth. A Breit-Wigner peak
  ``p(M) ~ 1 / ((M - M_Z)^2 + Gamma_Z^2 / 4)`` becomes the density ``1 / (pi cosh z)`` of
  ``z = asinh_m_mumu``: smooth, of unit width, its tails exponential, which a flow learns
  like a Gaussian; ``atanh`` maps the bounded ``cos_theta`` onto the real line, so every
  generated value decodes to a direction.

``eps`` = :data:`PT_EPS` (as for the jets). Periodic
coordinates (``dphi_mu2``, ``phi_star``) are wrapped to ``[-pi, pi)``. ``log_abs_det_jacobian``
is ``log|det d(raw, phi_ref) / dx|`` (``x`` = the muon three-momenta in GeV), so the physical
densities of both systems are densities of the same ``x``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.physics import lorentz
from hepscaling.physics.events import MUON_MASS
from hepscaling.physics.events.dimuon import (
    DimuonSystem,
    dimuon_log_abs_det_jacobian,
    dimuon_momenta,
    dimuon_system,
)
from hepscaling.physics.sm import SMParameters

__all__ = ["MUON_SYSTEMS", "PT_EPS", "MuonCoordinates", "MuonPair", "SeparateMuons",
           "muon_coordinates"]

PT_EPS = 0.01  # GeV, eps of log(pT - pT_min + eps), muons and jets
_SM = SMParameters()
Z_MASS, Z_HALF_WIDTH = _SM.MZ, _SM.WZ / 2.0  # GeV, centre and scale of asinh_m_mumu


def _on_shell(space: np.ndarray) -> np.ndarray:
    """Four-momenta ``(..., 4)`` of muons with three-momenta ``space`` ``(..., 3)`` GeV."""
    energy = np.sqrt(np.sum(space**2, axis=-1) + MUON_MASS**2)
    return np.concatenate([energy[..., None], space], axis=-1)


class MuonCoordinates(ABC):
    """Base of the muon systems: ``names`` (5,), ``periodic`` bool (5,) and ``objects`` int
    (5,) (the token, mu+ = 0 or mu- = 1, each coordinate belongs to) of the five coordinates."""

    system: ClassVar[str]
    names: ClassVar[tuple[str, ...]]
    objects: ClassVar[tuple[int, ...]]

    @property
    def periodic(self) -> np.ndarray:
        """Bool ``(5,)``: the azimuthal coordinates."""
        return np.array([n.startswith(("dphi", "phi")) for n in self.names])

    @abstractmethod
    def raw(self, muons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates float64 ``(n, 5)`` and ``phi_ref`` ``(n,)`` of muons ``(n, 2, 4)``."""

    @abstractmethod
    def momenta(self, raw: np.ndarray, phi_ref: np.ndarray) -> np.ndarray:
        """Muons float64 ``(n, 2, 4)`` GeV of coordinates ``raw`` ``(n, 5)`` (values outside
        the support clipped to it) and azimuth ``phi_ref`` ``(n,)``."""

    @abstractmethod
    def out_of_support(self, raw: np.ndarray) -> np.ndarray:
        """Bool ``(n,)``: coordinates ``raw`` ``(n, 5)`` no pair of muons has."""

    @abstractmethod
    def log_abs_det_jacobian(self, muons: np.ndarray) -> np.ndarray:
        """``log|det d(raw, phi_ref) / d(p1, p2)|`` float64 ``(n,)`` of muons ``(n, 2, 4)``."""


class SeparateMuons(MuonCoordinates):
    """System ``objects``: each muon's ``log(pT + eps)`` and ``eta``, the mu- azimuth relative
    to the mu+ (module docstring)."""

    system = "objects"
    names = ("log_pt_mu1", "eta_mu1", "log_pt_mu2", "eta_mu2", "dphi_mu2")
    objects = (0, 0, 1, 1, 1)

    def raw(self, muons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pt, eta, phi = lorentz.pt(muons), lorentz.eta(muons), lorentz.phi(muons)  # (n, 2)
        log_pt = np.log(pt + PT_EPS)
        return (np.stack([log_pt[:, 0], eta[:, 0], log_pt[:, 1], eta[:, 1],
                          lorentz.wrap_phi(phi[:, 1] - phi[:, 0])], axis=1), phi[:, 0])

    def momenta(self, raw: np.ndarray, phi_ref: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            pt = np.maximum(np.exp(raw[:, [0, 2]]) - PT_EPS, 0.0)  # (n, 2)
            eta = raw[:, [1, 3]]
            phi = np.stack([phi_ref, phi_ref + raw[:, 4]], axis=1)
            space = np.stack([pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], axis=-1)
        return _on_shell(space)

    def out_of_support(self, raw: np.ndarray) -> np.ndarray:
        return np.asarray((raw[:, [0, 2]] < math.log(PT_EPS)).any(axis=1))

    def log_abs_det_jacobian(self, muons: np.ndarray) -> np.ndarray:
        pt, eta = lorentz.pt(muons), lorentz.eta(muons)
        return -np.sum(np.log(pt**2 * np.cosh(eta)) + np.log(pt + PT_EPS), axis=1)


class MuonPair(MuonCoordinates):
    """System ``dimuon``: the pair's mass, pT and rapidity, the mu+ decay angles (module
    docstring)."""

    system = "dimuon"
    names = ("asinh_m_mumu", "log_pt_mumu", "y_mumu", "atanh_cos_theta", "phi_star")
    objects = (0, 0, 0, 1, 1)  # the pair's motion, its decay
    #: asinh_m_mumu of a pair at threshold, M = 2 m_mu
    THRESHOLD = math.asinh((2.0 * MUON_MASS - Z_MASS) / Z_HALF_WIDTH)

    def raw(self, muons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pair = dimuon_system(muons[:, 0], muons[:, 1])
        return (np.stack([np.arcsinh((pair.mass - Z_MASS) / Z_HALF_WIDTH),
                          np.log(pair.pt + PT_EPS), pair.rapidity, np.arctanh(pair.cos_theta),
                          pair.phi_star], axis=1), pair.phi)

    def momenta(self, raw: np.ndarray, phi_ref: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            system = DimuonSystem(
                mass=np.maximum(Z_MASS + Z_HALF_WIDTH * np.sinh(raw[:, 0]), 2.0 * MUON_MASS),
                pt=np.maximum(np.exp(raw[:, 1]) - PT_EPS, 0.0), rapidity=raw[:, 2],
                phi=phi_ref, cos_theta=np.tanh(raw[:, 3]), phi_star=raw[:, 4])
            return np.stack(dimuon_momenta(system), axis=1)

    def out_of_support(self, raw: np.ndarray) -> np.ndarray:
        return (raw[:, 0] < self.THRESHOLD) | (raw[:, 1] < math.log(PT_EPS))

    def log_abs_det_jacobian(self, muons: np.ndarray) -> np.ndarray:
        pair = dimuon_system(muons[:, 0], muons[:, 1])
        t = (pair.mass - Z_MASS) / Z_HALF_WIDTH
        return (dimuon_log_abs_det_jacobian(muons[:, 0], muons[:, 1])
                - math.log(Z_HALF_WIDTH) - 0.5 * np.log1p(t**2)  # asinh_m_mumu
                - np.log(pair.pt + PT_EPS)  # log_pt_mumu
                - np.log1p(-pair.cos_theta**2))  # atanh_cos_theta


#: the coordinate systems of the muons, by name
MUON_SYSTEMS: dict[str, type[MuonCoordinates]] = {c.system: c for c in (SeparateMuons,
                                                                         MuonPair)}


def muon_coordinates(system: str) -> MuonCoordinates:
    """The muon coordinates of ``system`` (a key of :data:`MUON_SYSTEMS`)."""
    if system not in MUON_SYSTEMS:
        raise UsageError(f"unknown event coordinate system {system!r}; choose one of "
                         f"{', '.join(MUON_SYSTEMS)}")
    return MUON_SYSTEMS[system]()
