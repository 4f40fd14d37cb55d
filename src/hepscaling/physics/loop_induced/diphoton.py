"""``g g > a a [noborn=QCD]`` through a massless quark loop: the Bern-Dixon-Schmidt box.

``g g > a a`` has no tree-level amplitude; its lowest order is the quark box. The one-loop
helicity amplitudes are those of Z. Bern, L. Dixon and C. Schmidt, Phys. Rev. D 66 (2002)
074018, hep-ph/0206194 (eqs. 2-3), for massless quarks:

    A(g1 g2 a3 a4) = 4 alpha alpha_s (sum_q Q_q^2) delta^{ab} M_h,

with the spinor phases of ``M_h`` dropped (they cancel in ``|M|^2``). With all momenta
outgoing and ``s_ij = (p_i + p_j)^2``, ten of the sixteen helicity configurations (zero, one,
three or four negative helicities) have ``M_h = 1``; the six with two negative helicities on
legs ``a, b`` (positive on ``c, d``) are ``M_h = box(s_ab, s_ac, s_ad)``,

    box(s, t, u) = -1 - (t - u)/s [L(t) - L(u)] - (t^2 + u^2)/(2 s^2) [(L(t) - L(u))^2 + pi^2],

``L(x) = ln(-x - i0)``: one function, analytically continued into every channel (its value in
the ``s``-channel physical region is BDS's ``M_{--++}``; the crossed ones carry the ``i pi``
terms of their ``M_{-+-+}``).

Normalisation (:mod:`hepscaling.physics`, MadGraph's ``SMATRIX``): summed over final-state
helicities, averaged over the 4 initial helicities and 64 colours, divided by 2 for the
identical photons; ``sum_colours |delta^{ab}|^2 = 8``, so

    |M|^2 = (4 alpha alpha_s sum_q Q_q^2)^2 * 8 * sum_h |M_h|^2 / (4 * 64 * 2)
          = (1/4) alpha^2 alpha_s^2 (sum_q Q_q^2)^2 sum_h |M_h|^2,

applied by :class:`~hepscaling.physics.loop_induced.matrix_element.LoopInducedMatrixElement`
(couplings, flavours). The amplitude is finite and depends only on ``s, t, u``, through ``ln|t/u|``
and friends: no spinor products, no spurious poles, nothing to repair numerically.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["box", "diphoton_helicity_amplitudes", "diphoton_summed"]


def _log_ratio(t: np.ndarray, u: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``ln(-t - i0) - ln(-u - i0)``, complex ``(n,)``, accurate when ``|t| ~ |u|``.

    ``ln|t/u| = log1p((|t| - |u|) / |u|)``, where ``|t| - |u|`` is ``+-(t - u)`` for equal
    signs and ``-+s`` otherwise (``s + t + u = 0``): no digits are lost near ``|t| = |u|``,
    the forward region of the crossed channels.
    """
    same = (t > 0) == (u > 0)
    diff = np.where(same, t - u, -s) * np.sign(t)
    return np.log1p(diff / np.abs(u)) - 1j * np.pi * ((t > 0).astype(float) - (u > 0))


def box(s: np.ndarray, t: np.ndarray, u: np.ndarray) -> np.ndarray:
    """BDS ``M_{--++}`` continued into any channel, complex ``(n,)``; ``s + t + u = 0``.

    ``s`` is the invariant of the two negative-helicity legs, ``t`` and ``u`` those of the
    first negative-helicity leg with the two positive ones (GeV^2, float64 ``(n,)``).
    """
    log_tu = _log_ratio(t, u, s)
    return (-1.0 - (t - u) / s * log_tu
            - (t * t + u * u) / (2.0 * s * s) * (log_tu * log_tu + np.pi**2))


def _dot(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``p.q`` of massless ``(n, 4)`` momenta as ``E_p E_q |n_p - n_q|^2 / 2``, GeV^2 ``(n,)``.

    Equal to the Minkowski product on shell, without its cancellation for collinear pairs.
    """
    diff = p[:, 1:] / p[:, :1] - q[:, 1:] / q[:, :1]
    return 0.5 * p[:, 0] * q[:, 0] * np.sum(diff * diff, axis=1)


def diphoton_helicity_amplitudes(s: np.ndarray, t: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The 16 BDS amplitudes ``M_h`` of ``g1 g2 -> a3 a4``, complex ``(2, 2, 2, 2, n)``.

    Parameters
    ----------
    s, t, u : float64 ``(n,)`` GeV^2: ``s = s_12``, ``t = s_13``, ``u = s_14`` with all
        momenta outgoing (for ``g g > a a``: ``s = (p1+p2)^2``, ``t = (p1-p3)^2``,
        ``u = (p1-p4)^2``).

    Returns
    -------
    complex128 ``(2, 2, 2, 2, n)``, axis ``i`` the helicity of leg ``i`` counted outgoing
    (index 0: negative, 1: positive; an incoming gluon of physical helicity ``h`` counts as
    ``-h``). Spinor phases dropped: ``M_{++++} = 1``.
    """
    invariant = {frozenset({0, 1}): s, frozenset({2, 3}): s, frozenset({0, 2}): t,
                 frozenset({1, 3}): t, frozenset({0, 3}): u, frozenset({1, 2}): u}
    out = np.ones((2, 2, 2, 2, np.shape(s)[0]), dtype=np.complex128)
    for a, b in itertools.combinations(range(4), 2):
        c, d = (leg for leg in range(4) if leg not in (a, b))
        value = box(invariant[frozenset({a, b})], invariant[frozenset({a, c})],
                    invariant[frozenset({a, d})])
        index = [1, 1, 1, 1]
        index[a] = index[b] = 0
        out[tuple(index)] = value
    return out


def diphoton_summed(momenta: np.ndarray) -> np.ndarray:
    """``sum_h |M_h|^2`` of ``g g > a a`` at checked physical momenta ``float64 (n, 4, 4)`` GeV
    (order g g a a, incoming first), float64 ``(n,)``."""
    s = 2.0 * _dot(momenta[:, 0], momenta[:, 1])
    t = -2.0 * _dot(momenta[:, 0], momenta[:, 2])
    u = -2.0 * _dot(momenta[:, 0], momenta[:, 3])
    amp = diphoton_helicity_amplitudes(s, t, u)
    return np.sum(amp.real**2 + amp.imag**2, axis=(0, 1, 2, 3))
