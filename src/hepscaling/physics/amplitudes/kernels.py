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
- VVS and VVSS: ``g g_mn``; SSS and SSSS: ``g``.
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
    "spinor_product",
    "vvs_scalar",
    "vvs_vector",
    "vvv",
    "vvvv",
]


def dot(a, b):
    """Minkowski product over the first axis: ``a^0 b^0 - a.b``."""
    out = a[0] * b[0]
    out -= a[1] * b[1]
    out -= a[2] * b[2]
    out -= a[3] * b[3]
    return out


def spinor_product(a, b):
    """``sum_i a_i b_i`` over the first axis (a row times a column spinor)."""
    out = a[0] * b[0]
    out += a[1] * b[1]
    out += a[2] * b[2]
    out += a[3] * b[3]
    return out


def slash_blocks(v):
    """``(v0 - v3, v0 + v3, v1 - i v2, v1 + i v2)``: the entries of the 2x2 blocks
    ``v.sigma = [[v0 - v3, -(v1 - i v2)], [-(v1 + i v2), v0 + v3]]`` and
    ``v.sigmabar = [[v0 + v3, v1 - i v2], [v1 + i v2, v0 - v3]]``."""
    iv2 = 1j * v[2]
    return v[0] - v[3], v[0] + v[3], v[1] - iv2, v[1] + iv2


# The four products of a 2-spinor ``x`` with ``v.sigma`` or ``v.sigmabar``, as tuples
# ``(d0, d1, o0, o1, minus)`` of positions in ``B = slash_blocks(v)``:
# ``out0 = B[d0] x0 -/+ B[o0] x1``, ``out1 = B[d1] x1 -/+ B[o1] x0`` (``minus``: subtract).
_SIGMA_COL = (0, 1, 2, 3, True)  # (v.sigma) x, a column 2-spinor
_SIGMABAR_COL = (1, 0, 2, 3, False)  # (v.sigmabar) x
_ROW_SIGMA = (0, 1, 3, 2, True)  # x (v.sigma), a row 2-spinor
_ROW_SIGMABAR = (1, 0, 3, 2, False)  # x (v.sigmabar)


def _blocks_times(blocks, product, x0, x1, out0, out1):
    """Write the 2x2 ``product`` (one of ``_SIGMA_COL`` ...) of ``blocks`` and the 2-spinor
    ``(x0, x1)`` into ``(out0, out1)``."""
    diag0, diag1, off0, off1, minus = product
    combine = np.subtract if minus else np.add
    np.multiply(blocks[diag0], x0, out=out0)
    combine(out0, blocks[off0] * x1, out=out0)
    np.multiply(blocks[diag1], x1, out=out1)
    combine(out1, blocks[off1] * x0, out=out1)


def _empty(*arrays, comps=4):
    shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
    return np.empty((comps, *shape), dtype=np.complex128)


def _bilinears(a0, a1, b0, b1, out, sign, add):
    """Write (or add, if ``add``) ``(a.b, sign a sigma_x b, sign a sigma_y b, sign a sigma_z b)``
    for the 2-spinors ``a`` (row) and ``b`` (column) into ``out`` ``(4, ...)``."""
    p00, p11 = a0 * b0, a1 * b1
    p01, p10 = a0 * b1, a1 * b0
    terms = (p00 + p11, sign * (p01 + p10), (sign * 1j) * (p10 - p01), sign * (p00 - p11))
    for mu in range(4):
        if add:
            out[mu] += terms[mu]
        else:
            out[mu] = terms[mu]


def ffv_vector(row, col, gl, gr, split_axis=None):
    """``O^mu = row gamma^mu (gl P_L + gr P_R) col``, shape ``(4, ...)``.

    ``split_axis`` (an axis of the arrays, or None): the shared helicity axis of a massless
    line's ends (see ``matrix_element``), whose index 0 has ``row = row P_L`` and
    ``col = P_R col`` and index 1 the opposite chiralities; only the nonzero term is computed.
    """
    out = _empty(row[0], col[0])
    if split_axis is None:
        if gr:
            _bilinears(row[0], row[1], gr * col[2], gr * col[3], out, 1.0, False)
        if gl:
            _bilinears(row[2], row[3], gl * col[0], gl * col[1], out, -1.0, bool(gr))
        if not (gl or gr):
            out[...] = 0
        return out
    index = [slice(None)] * out.ndim
    for h, g, sign, (r0, r1, c0, c1) in ((0, gr, 1.0, (0, 1, 2, 3)), (1, gl, -1.0, (2, 3, 0, 1))):
        index[split_axis] = slice(h, h + 1)
        part, r, c = out[tuple(index)], row[tuple(index)], col[tuple(index)]
        if g:
            _bilinears(r[r0], r[r1], g * c[c0], g * c[c1], part, sign, False)
        else:
            part[...] = 0
    return out


def _halves(split_axis):
    """``(h, index)`` pairs: the whole array (``h = None``) or the two halves of a massless
    line's shared helicity axis (``h = 0, 1``)."""
    if split_axis is None:
        return [(None, (slice(None),))]
    pre = (slice(None),) * split_axis
    return [(0, (*pre, slice(0, 1))), (1, (*pre, slice(1, 2)))]


def _take(x, index, split_axis):
    """``x[index]`` unless ``x`` is broadcast (size 1) along the split axis."""
    if split_axis is None or x.shape[split_axis] == 1:
        return x
    return x[index]


def ffv_col(col, vec, gl, gr, split_axis=None):
    """Open row leg: ``vec_slash (gl P_L + gr P_R) col``, a column spinor ``(4, ...)``.

    ``split_axis``: shared helicity axis of ``col``'s massless line; its index 0 has only the
    right-handed half ``col[2:]``, index 1 only the left-handed half ``col[:2]``.
    """
    blocks = slash_blocks(vec)
    out = _empty(col[0], vec[0])
    for h, index in _halves(split_axis):
        o, c = out[index], _take(col, index, split_axis)
        b = [_take(x, index[1:], split_axis and split_axis - 1) for x in blocks]
        if gr and h != 1:
            _blocks_times(b, _SIGMA_COL, gr * c[2], gr * c[3], o[0], o[1])
        else:
            o[:2] = 0
        if gl and h != 0:
            _blocks_times(b, _SIGMABAR_COL, gl * c[0], gl * c[1], o[2], o[3])
        else:
            o[2:] = 0
    return out


def ffv_row(row, vec, gl, gr, split_axis=None):
    """Open column leg: ``row vec_slash (gl P_L + gr P_R)``, a row spinor ``(4, ...)``.

    ``split_axis``: as for :func:`ffv_col`; index 0 has only ``row[:2]``, index 1 ``row[2:]``.
    """
    blocks = slash_blocks(vec)
    out = _empty(row[0], vec[0])
    for h, index in _halves(split_axis):
        o, r = out[index], _take(row, index, split_axis)
        b = [_take(x, index[1:], split_axis and split_axis - 1) for x in blocks]
        if gl and h != 0:
            _blocks_times(b, _ROW_SIGMABAR, gl * r[2], gl * r[3], o[0], o[1])
        else:
            o[:2] = 0
        if gr and h != 1:
            _blocks_times(b, _ROW_SIGMA, gr * r[0], gr * r[1], o[2], o[3])
        else:
            o[2:] = 0
    return out


def ffs_scalar(row, col, gl, gr):
    """``row (gl P_L + gr P_R) col``, shape ``(1, ...)``."""
    return (gl * (row[0] * col[0] + row[1] * col[1])
            + gr * (row[2] * col[2] + row[3] * col[3]))[None]


def ffs_col(col, s, gl, gr):
    """Open row leg: ``(gl P_L + gr P_R) col s``."""
    if gl == gr:
        return col * (gl * s[0])
    sl, sr = gl * s[0], gr * s[0]
    out = _empty(col[0], s[0])
    out[0], out[1], out[2], out[3] = col[0] * sl, col[1] * sl, col[2] * sr, col[3] * sr
    return out


def ffs_row(row, s, gl, gr):
    """Open column leg: ``row (gl P_L + gr P_R) s``."""
    return ffs_col(row, s, gl, gr)


def vvv(j1, j2, p1, p2, p3, g):
    """Open third leg of the triple-gauge vertex; ``p1, p2, p3`` flow into the vertex."""
    a = dot(j1, j2)
    b = dot(g * (p2 - p3), j1)
    c = dot(g * (p3 - p1), j2)
    d = g * (p1 - p2)
    out = _empty(a, j1[0], j2[0])
    for mu in range(4):
        out[mu] = a * d[mu]
        out[mu] += b * j2[mu]
        out[mu] += c * j1[mu]
    return out


def vvvv(currents, open_leg, couplings):
    """Open leg ``open_leg`` of ``sum_k c_k g_ab g_cd`` over pairings ``(01|23), (02|13),
    (03|12)``; ``currents`` holds the other three vectors (None at ``open_leg``)."""
    out = None
    for (a, b, c, d), cpl in zip(((0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2)), couplings,
                                 strict=True):
        if not cpl:
            continue
        if open_leg in (c, d):
            a, b, c, d = c, d, a, b
        partner = b if open_leg == a else a
        term = (cpl * dot(currents[c], currents[d])) * currents[partner]
        out = term if out is None else out + term
    return out


def vvs_scalar(j1, j2, g):
    """Open scalar leg of ``g g_mn``."""
    return (g * dot(j1, j2))[None]


def vvs_vector(j, s, g):
    """Open vector leg of ``g g_mn`` given the other vector and the scalar."""
    return j * (g * s[0])


def _denominator(p2, mass, width):
    return p2 - mass**2 + 1j * mass * width


def prop_scalar(o, p, mass, width):
    """``i / (p^2 - M^2 + i M Gamma)`` times ``o``."""
    return o * (1j / _denominator(dot(p, p), mass, width))


def prop_vector(o, p, mass, width):
    """Unitary gauge: ``-i (g^mn - p^m p^n / M^2) / (p^2 - M^2 + i M Gamma)``; Feynman
    gauge ``-i g^mn / p^2`` for massless vectors."""
    fac = -1j / _denominator(dot(p, p), mass, width)
    out = o * fac
    if mass:
        proj = dot(p, out) / mass**2
        for mu in range(4):
            out[mu] -= p[mu] * proj
    return out


def prop_row(o, p, mass, width, split_axis=None):
    """Row spinor with momentum ``p`` along the fermion arrow: ``o i(p_slash + m)/den``.

    ``split_axis`` (massless lines only): index 0 of ``o`` has only ``o[2:]``, index 1 only
    ``o[:2]`` (a vertex output, before the propagator flips the chirality back).
    """
    return _propagate(o, p, mass, width, split_axis, (_ROW_SIGMABAR, _ROW_SIGMA), 1)


def prop_col(o, p, mass, width, split_axis=None):
    """Column spinor, ``p`` along the fermion arrow: ``i(p_slash + m) o / den``.

    ``split_axis`` (massless lines only): index 0 of ``o`` has only ``o[:2]``, index 1 only
    ``o[2:]``.
    """
    return _propagate(o, p, mass, width, split_axis, (_SIGMA_COL, _SIGMABAR_COL), 0)


def _propagate(o, p, mass, width, split_axis, tables, upper_zero):
    """``i(p_slash + m)/den`` applied to ``o`` with the block tables ``(upper, lower)`` of a row
    or column spinor: ``out[:2]`` from ``o[2:]`` and ``out[2:]`` from ``o[:2]``; on a split
    massless line, half ``upper_zero`` has no upper part and the other half no lower part."""
    fac = 1j / _denominator(dot(p, p), mass, width)
    blocks = slash_blocks(p * fac)
    out = _empty(o[0], fac)
    for h, index in _halves(split_axis):
        t, x = out[index], _take(o, index, split_axis)
        if h != upper_zero:
            _blocks_times(blocks, tables[0], x[2], x[3], t[0], t[1])
        else:
            t[:2] = 0
        if h is None or h == upper_zero:
            _blocks_times(blocks, tables[1], x[0], x[1], t[2], t[3])
        else:
            t[2:] = 0
    if mass:
        out += o * (mass * fac)
    return out
