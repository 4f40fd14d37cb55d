"""Explicit Dirac matrices for brute-force spin sums in tests (Dirac trace technology).

Chiral (Weyl) representation, metric (+,-,-,-), ``gamma5 = i g0 g1 g2 g3``. A spin-summed
``|M|^2`` is written as a trace of 4x4 matrices, e.g. ``Tr[(p2-slash) G^mu (p1-slash) G^nu]``
for a massless fermion line, and evaluated numerically — independent of any helicity-amplitude
code. Nothing here imports :mod:`hepscaling`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["GAMMA", "GAMMA5", "METRIC", "bar", "slash"]

_I2, _Z2 = np.eye(2), np.zeros((2, 2))
_PAULI = (np.array([[0, 1], [1, 0]], dtype=complex), np.array([[0, -1j], [1j, 0]]),
          np.array([[1, 0], [0, -1]], dtype=complex))
GAMMA = np.array([np.block([[_Z2, _I2], [_I2, _Z2]]).astype(complex)]
                 + [np.block([[_Z2, s], [-s, _Z2]]) for s in _PAULI])  # (4, 4, 4): gamma^mu
GAMMA5 = 1j * GAMMA[0] @ GAMMA[1] @ GAMMA[2] @ GAMMA[3]
METRIC = np.diag([1.0, -1.0, -1.0, -1.0])


def slash(p: np.ndarray) -> np.ndarray:
    """``gamma^mu p_mu`` for one four-momentum ``p (4,)`` (upper index) -> ``(4, 4)`` complex."""
    return np.einsum("m,mij->ij", METRIC @ p, GAMMA)


def bar(matrix: np.ndarray) -> np.ndarray:
    """Dirac adjoint ``gamma0 M^dagger gamma0`` of a ``(4, 4)`` matrix (reverses a vertex chain)."""
    return GAMMA[0] @ matrix.conj().T @ GAMMA[0]
