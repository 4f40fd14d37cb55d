"""External wavefunctions: helicity spinors and real polarisation vectors, vectorised.

Layout as in :mod:`.kernels`: components first, then the helicity axis, then events:
``(4, n_hel, n_events)`` complex128 for spinors and vectors, ``(1, 1, n_events)`` for scalars.
Momenta are the physical ones, ``(n_events, 4)`` GeV (not crossed). Only completeness
relations enter helicity-summed ``|M|^2``: the spinors are helicity eigenstates
(``sum u ubar = p_slash + m``, ``sum v vbar = p_slash - m``); the polarisation vectors are
the two real transverse vectors (plus the longitudinal one for massive bosons), whose sum
``sum eps^m eps^n = -g^mn + p^m p^n / M^2`` is the massive completeness relation.
"""

from __future__ import annotations

import numpy as np

__all__ = ["polarisations", "scalar", "spinor_col", "spinor_row"]


def _helicity_basis(p):
    """``|p|`` and the helicity eigenstates ``chi_+, chi_-`` of ``sigma.p_hat``, each as a pair
    of ``(n,)`` arrays; along -z (and at rest) ``chi_+ = (0, 1)``, ``chi_- = (-1, 0)``."""
    px, py, pz = p[:, 1], p[:, 2], p[:, 3]
    pabs = np.sqrt(px**2 + py**2 + pz**2)
    a = pabs + pz
    regular = a > 1e-12 * pabs
    inv = 1.0 / np.sqrt(np.where(regular, 2 * pabs * a, 1.0))
    up = np.where(regular, a * inv, 0.0)
    right = (px + 1j * py) * inv
    plus = (up.astype(np.complex128), np.where(regular, right, 1.0))
    minus = (np.where(regular, -np.conj(right), -1.0), up.astype(np.complex128))
    return pabs, plus, minus


def _spinor(p, mass, u_spinor, row):
    """``u(p)`` (``u_spinor``) or ``v(p)``, as a column or (conjugated, halves swapped) row."""
    pabs, plus, minus = _helicity_basis(p)
    e = p[:, 0]
    wp = np.sqrt(np.maximum(e + pabs, 0.0))
    out = np.zeros((4, 2, p.shape[0]), dtype=np.complex128)
    sign = 1.0 if u_spinor else -1.0
    if row:  # psibar = psi^dagger gamma^0: conjugate, swap the chiral halves
        plus, minus = (np.conj(plus[0]), np.conj(plus[1])), (np.conj(minus[0]), np.conj(minus[1]))
    left, right = (2, 3, 0, 1) if row else (0, 1, 2, 3), (0, 1, 2, 3) if row else (2, 3, 0, 1)
    # u(p, +) = (wm chi+, wp chi+), u(p, -) = (wp chi-, wm chi-)
    # v(p, -) = (wm chi+, -wp chi+), v(p, +) = (wp chi-, -wm chi-)
    out[right[0], 0], out[right[1], 0] = sign * wp * plus[0], sign * wp * plus[1]
    out[left[0], 1], out[left[1], 1] = wp * minus[0], wp * minus[1]
    if mass:
        wm = np.sqrt(np.maximum(e - pabs, 0.0))
        out[left[0], 0], out[left[1], 0] = wm * plus[0], wm * plus[1]
        out[right[0], 1], out[right[1], 1] = sign * wm * minus[0], sign * wm * minus[1]
    return out


def spinor_col(p, mass, incoming):
    """Column spinor: ``u(p)`` for an incoming fermion, ``v(p)`` for an outgoing antifermion.

    p : float64 ``(n, 4)`` GeV. Returns complex ``(4, 2, n)``, ordered by chirality: state 0
    is right-handed (``P_R psi = psi`` when massless: ``u(p, +)``, ``v(p, -)``), state 1
    left-handed.
    """
    return _spinor(p, mass, incoming, row=False)


def spinor_row(p, mass, incoming):
    """Row spinor: ``vbar(p)`` for an incoming antifermion, ``ubar(p)`` for an outgoing fermion.

    Returns complex ``(4, 2, n)``; ``psibar = psi^dagger gamma^0`` swaps the chiral halves, so
    state 0 has only the first two components when massless (``psibar P_L = psibar``).
    """
    return _spinor(p, mass, not incoming, row=True)


def polarisations(p, mass):
    """Real polarisation vectors ``(4, n_pol, n)``: two transverse, plus longitudinal if massive."""
    px, py, pz = p[:, 1], p[:, 2], p[:, 3]
    ptr = np.hypot(px, py)
    pabs = np.sqrt(ptr**2 + pz**2)
    moving, transverse = pabs > 0, ptr > 0
    inv_p = 1.0 / np.where(moving, pabs, 1.0)
    cth = np.where(moving, pz * inv_p, 1.0)
    sth = ptr * inv_p
    inv_t = 1.0 / np.where(transverse, ptr, 1.0)
    cph = np.where(transverse, px * inv_t, 1.0)
    sph = py * inv_t
    out = np.zeros((4, 3 if mass else 2, p.shape[0]), dtype=np.complex128)
    out[1, 0], out[2, 0], out[3, 0] = cth * cph, cth * sph, -sth
    out[1, 1], out[2, 1] = -sph, cph
    if mass:
        scale = p[:, 0] / mass
        out[0, 2] = pabs / mass
        out[1, 2], out[2, 2], out[3, 2] = scale * sth * cph, scale * sth * sph, scale * cth
    return out


def scalar(p):
    """The external scalar wavefunction: ones, ``(1, 1, n)``."""
    return np.ones((1, 1, p.shape[0]), dtype=np.complex128)
