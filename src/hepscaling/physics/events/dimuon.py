"""The muon pair as a system: pair mass, pT, rapidity, azimuth and the mu+ decay angles.

For a mu+ ``p1`` and a mu- ``p2`` on their mass shell (float64 ``(n, 4)`` GeV, ``(E, px, py,
pz)``), :func:`dimuon_system` returns, per event (float64 ``(n,)`` each):

- ``mass``: ``M = sqrt((p1 + p2)^2)`` (GeV);
- ``pt``, ``rapidity``, ``phi``: transverse momentum (GeV), rapidity and azimuth of the pair
  ``P = p1 + p2``;
- ``cos_theta``, ``phi_star``: the direction of the mu+ in the pair rest frame, reached from
  the lab by the pure boost ``-P/E`` (axes parallel to the lab axes): ``cos_theta`` =
  ``p*_z / |p*|``, ``phi_star`` = its azimuth minus ``phi``, wrapped to ``[-pi, pi)`` (so a
  rotation about the beam changes ``phi`` only).

:func:`dimuon_momenta` is the exact inverse (given the muon mass). With the measure ``dx`` =
``d^3p1 d^3p2`` (the muon energies fixed by the mass shell), two-body phase space
``d^3p1/(2 E1) d^3p2/(2 E2) = |p*| / (4 M) dOmega* d^4P`` and ``d^4P = M dM dy pT dpT dphi``
give ::

    |det d(M, pT, y, phi, cos_theta, phi_star) / d(p1, p2)| = 1 / (E1 E2 |p*| pT),

``|p*| = sqrt(M^2 / 4 - m_mu^2)``: :func:`dimuon_log_abs_det_jacobian`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from hepscaling.physics import lorentz
from hepscaling.physics.events.process import MUON_MASS

__all__ = ["DimuonSystem", "dimuon_log_abs_det_jacobian", "dimuon_momenta", "dimuon_system",
           "rest_momentum"]


class DimuonSystem(NamedTuple):
    """The pair's six coordinates, float64 ``(n,)`` each (module docstring)."""

    mass: np.ndarray
    pt: np.ndarray
    rapidity: np.ndarray
    phi: np.ndarray
    cos_theta: np.ndarray
    phi_star: np.ndarray


def rest_momentum(mass: np.ndarray, muon_mass: float = MUON_MASS) -> np.ndarray:
    """``|p*| = sqrt(M^2 / 4 - m^2)`` float64 (GeV) of each muon in the rest frame of a pair of
    mass ``mass`` (GeV, any shape); 0 below threshold."""
    return np.sqrt(np.maximum(np.asarray(mass) ** 2 / 4.0 - muon_mass**2, 0.0))


def dimuon_system(mu_plus: np.ndarray, mu_minus: np.ndarray) -> DimuonSystem:
    """The pair coordinates of muons ``mu_plus``, ``mu_minus`` float64 ``(n, 4)`` GeV."""
    pair = mu_plus + mu_minus
    rest = lorentz.boost_by_momentum(mu_plus, pair, -1.0)  # (n, 4), the mu+ at rest of P
    phi = lorentz.phi(pair)
    return DimuonSystem(mass=lorentz.mass(pair), pt=lorentz.pt(pair),
                        rapidity=lorentz.rapidity(pair), phi=phi,
                        cos_theta=rest[:, 3] / np.linalg.norm(rest[:, 1:], axis=1),
                        phi_star=lorentz.wrap_phi(lorentz.phi(rest) - phi))


def dimuon_momenta(system: DimuonSystem, muon_mass: float = MUON_MASS
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Muon momenta ``(mu_plus, mu_minus)``, float64 ``(n, 4)`` GeV each (on the mass shell
    ``muon_mass``), of the pair coordinates ``system``; a mass below ``2 muon_mass`` gives
    muons at rest in the pair frame, ``|cos_theta| > 1`` is clipped to 1."""
    mass, pt, y = (np.asarray(v, dtype=np.float64) for v in system[:3])
    mt = np.sqrt(mass**2 + pt**2)
    phi = np.asarray(system.phi, dtype=np.float64)
    pair = np.stack([mt * np.cosh(y), pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(y)],
                    axis=-1)
    cos_theta = np.clip(system.cos_theta, -1.0, 1.0)
    sin_theta = np.sqrt(1.0 - cos_theta**2)
    direction = phi + system.phi_star
    p_star = rest_momentum(mass, muon_mass)
    space = p_star[:, None] * np.stack([sin_theta * np.cos(direction),
                                        sin_theta * np.sin(direction), cos_theta], axis=-1)
    energy = np.sqrt(p_star**2 + muon_mass**2)[:, None]
    muons = []
    for sign in (1.0, -1.0):  # energies from the boosted three-momenta: exactly on shell
        lab = lorentz.boost_by_momentum(np.concatenate([energy, sign * space], axis=1),
                                        pair)[:, 1:]
        muons.append(np.concatenate(
            [np.sqrt(np.sum(lab**2, axis=1, keepdims=True) + muon_mass**2), lab], axis=1))
    return muons[0], muons[1]


def dimuon_log_abs_det_jacobian(mu_plus: np.ndarray, mu_minus: np.ndarray,
                                muon_mass: float = MUON_MASS) -> np.ndarray:
    """``log|det d(M, pT, y, phi, cos_theta, phi_star) / d(p1, p2)|`` float64 ``(n,)`` of
    muons ``(n, 4)`` GeV, ``p1``, ``p2`` their three-momenta (module docstring)."""
    pair = mu_plus + mu_minus
    return -np.log(mu_plus[:, 0] * mu_minus[:, 0]
                   * rest_momentum(lorentz.mass(pair), muon_mass) * lorentz.pt(pair))
