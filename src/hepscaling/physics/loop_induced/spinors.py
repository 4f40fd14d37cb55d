"""Spinor products ``<ij>``, ``[ij]`` of massless momenta, vectorised over events.

Convention (the one of the one-loop literature's codes, e.g. MCFM): all momenta outgoing,
an incoming momentum enters negated (negative energy), and

    <ij>[ji] = s_ij = 2 k_i . k_j,    <ji> = -<ij>,    [ji] = -[ij].

For a positive-energy ``k = (E, kx, ky, kz)`` the angle spinor is built on the x axis,
``lambda = (sqrt(E + kx), (kz - i ky) / sqrt(E + kx))``, so that
``<ij> = c_i r_j / r_i - c_j r_i / r_j`` with ``r = sqrt(E + kx)``, ``c = kz - i ky``; a
negative-energy ``k`` uses ``-k`` and a factor ``i``. ``E + kx`` is evaluated as
``(ky^2 + kz^2) / (E - kx)`` when ``kx < 0`` (the same number on shell, without the
cancellation), so only a momentum exactly along ``-x`` is singular; beams along ``z`` are
safe. ``[ij] = -sign(E_i E_j) conj(<ij>)`` for real momenta.
"""

from __future__ import annotations

import numpy as np

from hepscaling.physics.loop_induced.precision import is_multiprecision, real

__all__ = ["spinor_products"]


def spinor_products(k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(<ij>, [ij], s_ij)`` of outgoing massless momenta.

    Parameters
    ----------
    k : float64 ``(n, m, 4)`` GeV, ``(E, kx, ky, kz)``, all outgoing (incoming negated); or
        an object array of mpmath reals (:mod:`.precision`), which the results then are too.

    Returns
    -------
    angle, square : complex128 ``(m, m, n)``, ``angle[i, j] = <ij>``, ``square[i, j] = [ij]``.
    s : float64 ``(m, m, n)`` GeV^2, ``s[i, j] = <ij>[ji] = 2 k_i . k_j``.
    """
    k = np.moveaxis(k if is_multiprecision(k) else np.asarray(k, dtype=np.float64), 0, -1)
    sign = np.where(k[:, 0] < 0, -1.0, 1.0)  # (m, n)
    e, kx, ky, kz = (k[:, mu] * sign for mu in range(4))
    with np.errstate(divide="ignore", invalid="ignore"):
        plus = np.where(kx >= 0, e + kx, (ky * ky + kz * kz) / (e - kx))
    root = np.sqrt(plus)
    c = kz - 1j * ky
    phase = np.where(sign < 0, 1j, 1.0)  # the factor i of a negative-energy momentum
    angle = (c[:, None] * root[None, :] / root[:, None]
             - c[None, :] * root[:, None] / root[None, :])
    angle *= phase[:, None] * phase[None, :]
    square = -(sign[:, None] * sign[None, :]) * np.conj(angle)
    s = real(angle * np.swapaxes(square, 0, 1))
    return angle, square, s
