"""Explicit Dirac matrices and Feynman-rule pieces for brute-force |M|^2 in tests.

Chiral (Weyl) representation, metric (+,-,-,-), ``gamma5 = i g0 g1 g2 g3``. A spin-summed
``|M|^2`` is written as traces of 4x4 matrices, e.g. ``Tr[(p2-slash) G^mu (p1-slash) G^nu]`` for
a massless fermion line, and evaluated numerically — independent of any helicity-amplitude code.
Nothing here imports :mod:`hepscaling`.

Tree amplitudes are built with the factors of ``i`` stripped: with vertices ``-i a``, fermion
propagators ``i q-slash / q^2`` and vector propagators ``-i N / D`` (``V - P = 1`` on a tree),
every diagram is ``-i x prod(a) x prod(q-slash / q^2) x prod(-N / D)``; the common ``-i`` drops
out of ``|M|^2``. Vector indices are upper unless a name says otherwise.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "EYE",
    "GAMMA",
    "GAMMA5",
    "G_LOWER",
    "METRIC",
    "P_L",
    "P_R",
    "bar",
    "physical_gluon_sum",
    "polarisation_sum",
    "quark_line",
    "slash",
    "triple_gauge",
    "vector_propagator",
]

_I2, _Z2 = np.eye(2), np.zeros((2, 2))
_PAULI = (np.array([[0, 1], [1, 0]], dtype=complex), np.array([[0, -1j], [1j, 0]]),
          np.array([[1, 0], [0, -1]], dtype=complex))
GAMMA = np.array([np.block([[_Z2, _I2], [_I2, _Z2]]).astype(complex)]
                 + [np.block([[_Z2, s], [-s, _Z2]]) for s in _PAULI])  # (4, 4, 4): gamma^mu
GAMMA5 = 1j * GAMMA[0] @ GAMMA[1] @ GAMMA[2] @ GAMMA[3]
METRIC = np.diag([1.0, -1.0, -1.0, -1.0])
G_LOWER = np.einsum("mn,nij->mij", METRIC, GAMMA)  # gamma_mu
EYE = np.eye(4)
P_L, P_R = (EYE - GAMMA5) / 2, (EYE + GAMMA5) / 2


def _dot(p: np.ndarray, q: np.ndarray) -> complex:
    return p[0] * q[0] - p[1:] @ q[1:]


def slash(p: np.ndarray) -> np.ndarray:
    """``gamma^mu p_mu`` for one (possibly complex) four-vector ``p (4,)`` -> ``(4, 4)``."""
    return np.einsum("m,mij->ij", METRIC @ p, GAMMA)


def bar(matrix: np.ndarray) -> np.ndarray:
    """Dirac adjoint ``gamma0 M^dagger gamma0`` of a ``(4, 4)`` matrix (reverses a vertex chain)."""
    return GAMMA[0] @ matrix.conj().T @ GAMMA[0]


def polarisation_sum(k: np.ndarray, mass: float) -> np.ndarray:
    """Massive vector: ``sum eps_mu eps*_nu = -g_mu_nu + k_mu k_nu / M^2`` (lower), ``(4, 4)``."""
    k_lower = METRIC @ k
    return -METRIC + np.outer(k_lower, k_lower) / mass**2


def physical_gluon_sum(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Massless vector, physical states only (axial gauge with light-like reference ``n``):
    ``-g + (k n + n k) / (k.n)`` with lower indices, ``(4, 4)``."""
    k_l, n_l = METRIC @ k, METRIC @ n
    return -METRIC + (np.outer(k_l, n_l) + np.outer(n_l, k_l)) / _dot(k, n)


def quark_line(p1: np.ndarray, emissions: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """``V_1 S(q_1) V_2 ... S(q_{n-1}) V_n`` for a massless line entering with ``p1`` (the ``u``
    end, rightmost) and emitting bosons ``(vertex matrix, outgoing momentum)`` listed from the
    ``vbar`` end; ``S(q) = q-slash / q^2`` with ``q = p1 -`` the momenta emitted to its right."""
    out = emissions[0][0]
    for i in range(1, len(emissions)):
        q = p1 - sum(k for _, k in emissions[i:])
        out = out @ slash(q) / _dot(q, q) @ emissions[i][0]
    return out


def triple_gauge(k_minus: np.ndarray, k_plus: np.ndarray, k_neutral: np.ndarray) -> np.ndarray:
    """Lorentz part of the W- W+ V vertex, all momenta incoming, ``(4, 4, 4)`` upper indices
    ``[mu (W-), nu (W+), rho (V)]``: ``g^{mu nu} (k- - k+)^rho + g^{nu rho} (k+ - kV)^mu
    + g^{rho mu} (kV - k-)^nu``. The same cyclic form serves the three-gluon vertex."""
    return (np.einsum("mn,r->mnr", METRIC, k_minus - k_plus)
            + np.einsum("nr,m->mnr", METRIC, k_plus - k_neutral)
            + np.einsum("rm,n->mnr", METRIC, k_neutral - k_minus))


def vector_propagator(k: np.ndarray, mass: float, width: float) -> np.ndarray:
    """Stripped unitary-gauge propagator ``-(g^{mu nu} - k^mu k^nu / M^2) / (k^2 - M^2 + i M G)``
    (upper indices, ``(4, 4)``); ``mass = 0`` gives the photon/gluon ``-g^{mu nu} / k^2``."""
    if mass == 0.0:
        return -METRIC / _dot(k, k)
    return -(METRIC - np.outer(k, k) / mass**2) / (_dot(k, k) - mass**2 + 1j * mass * width)
