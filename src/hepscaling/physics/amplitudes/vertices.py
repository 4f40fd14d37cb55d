"""The SM vertex table (unitary gauge) with its couplings and colour tensors.

Each :class:`VertexTerm` lists its legs as *outgoing* particles (a Lagrangian field psi_f
becomes an outgoing ``f~``, psibar_f an outgoing ``f``, the field W+ an outgoing ``w-``).
Feynman rules follow from ``D_mu = d_mu - i g_s T^a G^a_mu - i g T^i W^i_mu - i g' Y B_mu``
(Peskin & Schroeder): ``i g_s gamma^mu T^a``, ``i e Q gamma^mu``,
``i (g/c_w) gamma^mu (T3 P_L - Q s_w^2)``, ``i (g/sqrt 2) gamma^mu P_L`` (identity CKM),
Yukawa ``-i y_f / v``, ``h W W``: ``i g M_W g^mn``, ``h Z Z``: ``i g M_Z / c_w g^mn``,
``h h h``: ``-3 i M_H^2 / v``, ``h h W W``: ``i g^2 / 2 g^mn``, ``h h Z Z``:
``i g^2 / (2 c_w^2) g^mn``, ``h h h h``: ``-3 i M_H^2 / v^2``. Triple and quartic gauge
vertices of SU(3) and SU(2) are the Yang-Mills rules ``g f^abc Gamma`` and
``-i g^2 [f f (g g - g g) + ...]``; the electroweak ones are obtained numerically by rotating
``(W^1, W^2, W^3)`` to ``(W+, W-, A, Z)``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from hepscaling.physics.amplitudes.colour import generators, structure_constants
from hepscaling.physics.sm import SMParameters

__all__ = ["VertexTerm", "sm_vertices"]


@dataclass(frozen=True, eq=False)
class VertexTerm:
    """One Lorentz x colour term of a vertex.

    legs : outgoing particle names in the kernel's leg order (see :mod:`.kernels`).
    kind : "FFV", "FFS", "VVV", "VVVV", "VVS", "VVSS", "SSS" or "SSSS".
    coupling : complex kernel couplings (FFV/FFS: ``(gl, gr)``; VVVV: three pairing
        coefficients; others one number), including the factors of i.
    colour : complex tensor with one axis per leg (dimension 1, 3 or 8).
    qcd : power of g_s (the QED power is ``len(legs) - 2 - qcd``).
    """

    legs: tuple[str, ...]
    kind: str
    coupling: tuple[complex, ...]
    colour: np.ndarray
    qcd: int


_DOUBLETS = [("u", "d", True), ("c", "s", True), ("t", "b", True),
             ("ve", "e-", False), ("vm", "mu-", False), ("vt", "ta-", False)]
_ANTI = {"e-": "e+", "mu-": "mu+", "ta-": "ta+"}


def _anti(name: str) -> str:
    return _ANTI.get(name, name + "~")


def _fermion_terms(p: SMParameters) -> list[VertexTerm]:
    t = np.transpose(generators(), (1, 2, 0))  # [i, j, a] = T^a_ij
    quark_delta = np.eye(3, dtype=complex)[:, :, None]
    lepton_delta = np.ones((1, 1, 1), dtype=complex)
    gz = p.gw / p.cw
    yukawa = {"t": p.ymt, "b": p.ymb, "ta-": p.ymtau}
    terms = []
    for up, down, quark in _DOUBLETS:
        delta = quark_delta if quark else lepton_delta
        charges = (2 / 3, -1 / 3) if quark else (0.0, -1.0)
        for f, t3, q in ((up, 0.5, charges[0]), (down, -0.5, charges[1])):
            fb = _anti(f)
            if quark:
                terms.append(VertexTerm((f, fb, "g"), "FFV", (1j * p.gs, 1j * p.gs), t, 1))
            if q:
                terms.append(VertexTerm((f, fb, "a"), "FFV", (1j * p.ee * q,) * 2, delta, 0))
            terms.append(VertexTerm((f, fb, "z"), "FFV",
                                    (1j * gz * (t3 - q * p.sw2), -1j * gz * q * p.sw2), delta, 0))
            if yukawa.get(f):
                y = -1j * yukawa[f] / p.vev
                terms.append(VertexTerm((f, fb, "h"), "FFS", (y, y), delta[..., :1], 0))
        gw = 1j * p.gw / math.sqrt(2)
        terms.append(VertexTerm((up, _anti(down), "w-"), "FFV", (gw, 0), delta, 0))
        terms.append(VertexTerm((down, _anti(up), "w+"), "FFV", (gw, 0), delta, 0))
    return terms


def _gauge_terms(p: SMParameters) -> list[VertexTerm]:
    f = structure_constants().astype(complex)
    g2 = -1j * p.gs**2
    terms = [VertexTerm(("g",) * 3, "VVV", (p.gs,), f, 1)]
    c1, c2, c3 = (np.einsum(spec, f, f) for spec in ("abe,cde->abcd", "ace,bde->abcd",
                                                      "ade,bce->abcd"))
    # f f (g g - g g) terms regrouped by metric pairing: (01|23), (02|13), (03|12)
    for colour, cpl in ((c2 + c3, (g2, 0, 0)), (c1 - c3, (0, g2, 0)), (-c1 - c2, (0, 0, g2))):
        terms.append(VertexTerm(("g",) * 4, "VVVV", cpl, colour, 2))
    # fields (W+, W-, A, Z) and the outgoing particle each one's leg stands for
    names = ("w-", "w+", "a", "z")
    s2 = 1 / math.sqrt(2)
    u = np.array([[s2, s2, 0, 0], [1j * s2, -1j * s2, 0, 0], [0, 0, p.sw, p.cw]])
    eps = np.zeros((3, 3, 3))
    for i, j, k in itertools.permutations(range(3)):
        eps[i, j, k] = np.linalg.det(np.eye(3)[[i, j, k]])
    c3 = p.gw * np.einsum("ijk,ia,jb,kc->abc", eps, u, u, u)
    ee = np.einsum("ije,kle->ijkl", eps, eps)
    c4 = [np.einsum(f"{spec}->abcd", ee, u, u, u, u) for spec in
          ("ijkl,ia,jb,kc,ld", "ikjl,ia,jb,kc,ld", "iljk,ia,jb,kc,ld")]
    one3, one4 = np.ones((1, 1, 1), complex), np.ones((1, 1, 1, 1), complex)
    for idx in itertools.combinations_with_replacement(range(4), 3):
        if abs(c3[idx]) > 1e-12:
            terms.append(VertexTerm(tuple(names[i] for i in idx), "VVV", (c3[idx],), one3, 0))
    for idx in itertools.combinations_with_replacement(range(4), 4):
        a, b, c = (x[idx] for x in c4)
        cpl = (-1j * p.gw**2 * (b + c), -1j * p.gw**2 * (a - c), -1j * p.gw**2 * (-a - b))
        if max(abs(x) for x in cpl) > 1e-12:
            terms.append(VertexTerm(tuple(names[i] for i in idx), "VVVV", cpl, one4, 0))
    return terms


def _higgs_terms(p: SMParameters) -> list[VertexTerm]:
    one = np.ones((1, 1, 1), complex)
    return [
        VertexTerm(("w-", "w+", "h"), "VVS", (1j * p.gw * p.MW,), one, 0),
        VertexTerm(("z", "z", "h"), "VVS", (1j * p.gw * p.MZ / p.cw,), one, 0),
        VertexTerm(("h", "h", "h"), "SSS", (-3j * p.MH**2 / p.vev,), one, 0),
        VertexTerm(("w-", "w+", "h", "h"), "VVSS", (0.5j * p.gw**2,), one[..., None], 0),
        VertexTerm(("z", "z", "h", "h"), "VVSS", (0.5j * p.gw**2 / p.cw**2,), one[..., None], 0),
        VertexTerm(("h",) * 4, "SSSS", (-3j * p.MH**2 / p.vev**2,), one[..., None], 0),
    ]


def sm_vertices(params: SMParameters) -> list[VertexTerm]:
    """All vertex terms of the SM in unitary gauge for the given parameters."""
    return _fermion_terms(params) + _gauge_terms(params) + _higgs_terms(params)
