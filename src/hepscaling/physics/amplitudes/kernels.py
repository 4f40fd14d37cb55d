"""Lorentz structures of the SM vertices and propagators, in the chiral (Weyl) basis.

Array layout (shared by the whole engine): components first. A vector current is complex
``(4, ...)`` with upper-index components ``(J^0, J^1, J^2, J^3)``; a spinor is ``(4, ...)``
``(psi_L1, psi_L2, psi_R1, psi_R2)`` (a row spinor ``psibar`` uses the same split); a scalar
is ``(1, ...)``. The trailing ``...`` axes broadcast (colour, helicities, events); momenta are
real ``(4, n_events)`` GeV.

Dirac matrices: ``gamma^mu = [[0, sigma^mu], [sigmabar^mu, 0]]``, ``sigma^mu = (1, sigma)``,
``sigmabar^mu = (1, -sigma)``, ``P_L = diag(1, 1, 0, 0)`` (Peskin & Schroeder). Vertex
factors (including their factors of i) are passed in as couplings:

- FFV: ``gamma^mu (gl P_L + gr P_R)``, legs (row fermion, column fermion, vector);
- FFS: ``gl P_L + gr P_R``;
- VVV: ``g [g_mn (p1-p2)_r + g_nr (p2-p3)_m + g_rm (p3-p1)_n]``, momenta flowing in;
- VVVV: ``c01 g_01 g_23 + c02 g_02 g_13 + c03 g_03 g_12`` over the leg indices;
- VVS: ``g g_mn``; SSS: ``g``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "dot",
    "ffs_col",
    "ffs_row",
    "ffs_scalar",
    "ffv_col",
    "ffv_row",
    "ffv_vector",
    "prop_col",
    "prop_row",
    "prop_scalar",
    "prop_vector",
    "slash_blocks",
    "vvs_scalar",
    "vvs_vector",
    "vvv",
    "vvvv",
]


def dot(a, b):
    """Minkowski product over the first axis: ``a^0 b^0 - a.b``."""
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]


def slash_blocks(v):
    """The 2x2 blocks ``v.sigma`` and ``v.sigmabar`` as nested lists of arrays."""
    v0, v1, v2, v3 = v[0], v[1], v[2], v[3]
    vm = v1 - 1j * v2
    vp = v1 + 1j * v2
    vs = [[v0 - v3, -vm], [-vp, v0 + v3]]  # v_mu sigma^mu
    vb = [[v0 + v3, vm], [vp, v0 - v3]]  # v_mu sigmabar^mu
    return vs, vb


def _mat_col(m, x0, x1):
    return m[0][0] * x0 + m[0][1] * x1, m[1][0] * x0 + m[1][1] * x1


def _row_mat(x0, x1, m):
    return x0 * m[0][0] + x1 * m[1][0], x0 * m[0][1] + x1 * m[1][1]


def _stack(parts):
    return np.stack(np.broadcast_arrays(*parts))


def ffv_vector(row, col, gl, gr):
    """``O^mu = row gamma^mu (gl P_L + gr P_R) col``, shape ``(4, ...)``."""
    out = 0
    if gr:
        a0, a1, b0, b1 = row[0], row[1], col[2], col[3]
        out = out + gr * _stack([a0 * b0 + a1 * b1, a0 * b1 + a1 * b0,
                                 1j * (a1 * b0 - a0 * b1), a0 * b0 - a1 * b1])
    if gl:
        a0, a1, b0, b1 = row[2], row[3], col[0], col[1]
        out = out + gl * _stack([a0 * b0 + a1 * b1, -(a0 * b1 + a1 * b0),
                                 -1j * (a1 * b0 - a0 * b1), -(a0 * b0 - a1 * b1)])
    return out


def ffv_col(col, vec, gl, gr):
    """Open row leg: ``vec_slash (gl P_L + gr P_R) col``, a column spinor ``(4, ...)``."""
    vs, vb = slash_blocks(vec)
    top = _mat_col(vs, gr * col[2], gr * col[3]) if gr else (0 * vec[0], 0 * vec[0])
    bot = _mat_col(vb, gl * col[0], gl * col[1]) if gl else (0 * vec[0], 0 * vec[0])
    return _stack([*top, *bot])


def ffv_row(row, vec, gl, gr):
    """Open column leg: ``row vec_slash (gl P_L + gr P_R)``, a row spinor ``(4, ...)``."""
    vs, vb = slash_blocks(vec)
    left = _row_mat(gl * row[2], gl * row[3], vb) if gl else (0 * vec[0], 0 * vec[0])
    right = _row_mat(gr * row[0], gr * row[1], vs) if gr else (0 * vec[0], 0 * vec[0])
    return _stack([*left, *right])


def ffs_scalar(row, col, gl, gr):
    """``row (gl P_L + gr P_R) col``, shape ``(1, ...)``."""
    return (gl * (row[0] * col[0] + row[1] * col[1])
            + gr * (row[2] * col[2] + row[3] * col[3]))[None]


def ffs_col(col, s, gl, gr):
    """Open row leg: ``(gl P_L + gr P_R) col s``."""
    return _stack([gl * col[0] * s[0], gl * col[1] * s[0], gr * col[2] * s[0],
                   gr * col[3] * s[0]])


def ffs_row(row, s, gl, gr):
    """Open column leg: ``row (gl P_L + gr P_R) s``."""
    return _stack([gl * row[0] * s[0], gl * row[1] * s[0], gr * row[2] * s[0],
                   gr * row[3] * s[0]])


def vvv(j1, j2, p1, p2, p3, g):
    """Open third leg of the triple-gauge vertex; ``p1, p2, p3`` flow into the vertex."""
    a = dot(j1, j2)
    b = dot(p2 - p3, j1)
    c = dot(p3 - p1, j2)
    d = p1 - p2
    return g * _stack([a * d[mu] + b * j2[mu] + c * j1[mu] for mu in range(4)])


def vvvv(currents, open_leg, couplings):
    """Open leg ``open_leg`` of ``sum_k c_k g_ab g_cd`` over pairings ``(01|23), (02|13),
    (03|12)``; ``currents`` holds the other three vectors (None at ``open_leg``)."""
    out = 0
    for (a, b, c, d), cpl in zip(((0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2)), couplings,
                                 strict=True):
        if not cpl:
            continue
        if open_leg in (c, d):
            a, b, c, d = c, d, a, b
        partner = b if open_leg == a else a
        out = out + cpl * dot(currents[c], currents[d]) * currents[partner]
    return out


def vvs_scalar(j1, j2, g):
    """Open scalar leg of ``g g_mn``."""
    return (g * dot(j1, j2))[None]


def vvs_vector(j, s, g):
    """Open vector leg of ``g g_mn`` given the other vector and the scalar."""
    return g * j * s[0]


def _denominator(p2, mass, width):
    return p2 - mass**2 + 1j * mass * width


def prop_scalar(o, p, mass, width):
    """``i / (p^2 - M^2 + i M Gamma)`` times ``o``."""
    return 1j * o / _denominator(dot(p, p), mass, width)


def prop_vector(o, p, mass, width):
    """Unitary gauge: ``-i (g^mn - p^m p^n / M^2) / (p^2 - M^2 + i M Gamma)``; Feynman
    gauge ``-i g^mn / p^2`` for massless vectors."""
    den = _denominator(dot(p, p), mass, width)
    if mass:
        o = o - p[(slice(None),) + (None,) * (o.ndim - p.ndim)] * (dot(p, o) / mass**2)
    return -1j * o / den


def prop_row(o, p, mass, width):
    """Row spinor with momentum ``p`` along the fermion arrow: ``o i(p_slash + m)/den``."""
    vs, vb = slash_blocks(p)
    left = _row_mat(o[2], o[3], vb)
    right = _row_mat(o[0], o[1], vs)
    fac = 1j / _denominator(dot(p, p), mass, width)
    return _stack([(left[0] + mass * o[0]) * fac, (left[1] + mass * o[1]) * fac,
                   (right[0] + mass * o[2]) * fac, (right[1] + mass * o[3]) * fac])


def prop_col(o, p, mass, width):
    """Column spinor, ``p`` along the fermion arrow: ``i(p_slash + m) o / den``."""
    vs, vb = slash_blocks(p)
    top = _mat_col(vs, o[2], o[3])
    bot = _mat_col(vb, o[0], o[1])
    fac = 1j / _denominator(dot(p, p), mass, width)
    return _stack([(top[0] + mass * o[0]) * fac, (top[1] + mass * o[1]) * fac,
                   (bot[0] + mass * o[2]) * fac, (bot[1] + mass * o[3]) * fac])
