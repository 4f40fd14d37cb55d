"""Brute-force tree amplitudes for a massless quark line with colourless bosons and 0-3 gluons.

Every Feynman diagram is generated: the gluons attach to the quark line singly or through
off-shell gluon currents built from the three- and four-gluon vertices (the sum of all tree
subdiagrams ending in one gluon line),

    J_x^n = g^{n beta_x}                  (placeholder for gluon x's polarisation; colour T^x)
    J_{A+B} = [X_A, X_B] V^{n r s}(K, -K_A, -K_B) J_A,r J_B,s / K^2   (each split into two sets)
    J_{xyw} += quartic_sign {-[T^x,[T^y,T^w]] (g^{ny} g^{xw} - g^{nw} g^{xy})
                             -[T^y,[T^x,T^w]] (g^{nx} g^{yw} - g^{nw} g^{xy})
                             -[T^w,[T^x,T^y]] (g^{nx} g^{yw} - g^{ny} g^{xw})} / K^2,

with V = :func:`helpers.dirac.triple_gauge`, X the colour of a current and ``K`` its momentum
(Peskin-Schroeder's vertices, the f's turned into commutators). Along the line every ordered
partition of the gluons into currents is interleaved with the fixed sequence of colourless
emissions of each "base line"; colour is kept as ordered strings ``(T^{s1} .. T^{sn})_ij`` and
summed with the colour matrix of explicit SU(3) generators. The gluon polarisation sums are the
physical (axial-gauge) ones, so a correct set of diagrams gives a result independent of their
reference vectors — the tests use that to fix ``quartic_sign``. Conventions of
:mod:`helpers.dirac` (stripped factors of ``i``); nothing here imports :mod:`hepscaling`.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from helpers.dirac import (
    G_LOWER,
    GAMMA,
    METRIC,
    physical_gluon_sum,
    quark_line,
    slash,
    triple_gauge,
)

__all__ = ["AXIS_X", "AXIS_Y", "AXIS_Z", "QUARTIC_SIGN", "line_squared", "su3_generators"]

QUARTIC_SIGN = -1.0  # the one for which the gluon reference vectors drop out (see the tests)
AXIS_Z, AXIS_X, AXIS_Y = (np.array(v) for v in ([1.0, 0, 0, 1], [1.0, 1, 0, 0], [1.0, 0, 1, 0]))
ColourString = dict[tuple[int, ...], float]


def su3_generators() -> tuple[np.ndarray, np.ndarray]:
    """``T^a = lambda^a / 2`` complex ``(8, 3, 3)`` and real ``f^{abc}`` ``(8, 8, 8)``."""
    lam = np.zeros((8, 3, 3), dtype=complex)
    for a, (i, j) in enumerate([(0, 1), (0, 2), (1, 2)]):
        lam[(0, 3, 5)[a], i, j] = lam[(0, 3, 5)[a], j, i] = 1
        lam[(1, 4, 6)[a], i, j], lam[(1, 4, 6)[a], j, i] = -1j, 1j
    lam[2] = np.diag([1, -1, 0])
    lam[7] = np.diag([1, 1, -2]) / math.sqrt(3)
    t = lam / 2
    f = -2j * (np.einsum("aij,bjk,cki->abc", t, t, t) - np.einsum("bij,ajk,cki->abc", t, t, t))
    return t, f.real


def _times(x: ColourString, y: ColourString) -> ColourString:
    out: ColourString = {}
    for kx, vx in x.items():
        for ky, vy in y.items():
            out[kx + ky] = out.get(kx + ky, 0.0) + vx * vy
    return out


def _commutator(x: ColourString, y: ColourString) -> ColourString:
    out = _times(x, y)
    for key, value in _times(y, x).items():
        out[key] = out.get(key, 0.0) - value
    return out


def _dot(p: np.ndarray, q: np.ndarray) -> float:
    return p[0] * q[0] - p[1:] @ q[1:]


def gluon_currents(momenta: list[np.ndarray], quartic_sign: float
                   ) -> dict[frozenset, list[tuple[ColourString, np.ndarray]]]:
    """Currents of every subset of gluons: ``(colour, J)`` terms, ``J`` complex
    ``[n, beta_x for x in sorted(subset)]`` (upper indices), each axis of length 4."""
    currents = {frozenset([x]): [({(x,): 1.0}, METRIC.astype(complex))]
                for x in range(len(momenta))}
    gg = {spec: np.einsum(f"{spec}->nxyw", METRIC, METRIC) for spec in ("ny,xw", "nw,xy", "nx,yw")}
    for size in range(2, len(momenta) + 1):
        for subset in itertools.combinations(range(len(momenta)), size):
            big_k = sum(momenta[x] for x in subset)
            terms = []
            for r in range(size - 1):  # splits {A, B} with A holding the smallest label
                for rest in itertools.combinations(subset[1:], r):
                    part_a = (subset[0], *rest)
                    part_b = tuple(x for x in subset if x not in part_a)
                    vertex = triple_gauge(big_k, -sum(momenta[x] for x in part_a),
                                          -sum(momenta[x] for x in part_b))
                    for colour_a, j_a in currents[frozenset(part_a)]:
                        for colour_b, j_b in currents[frozenset(part_b)]:
                            j = np.tensordot(np.tensordot(vertex, METRIC @ j_a.reshape(4, -1),
                                                          axes=([1], [0])),
                                             METRIC @ j_b.reshape(4, -1), axes=([1], [0]))
                            j = j.reshape((4, *j_a.shape[1:], *j_b.shape[1:]))
                            order = [0] + [1 + (part_a + part_b).index(x) for x in subset]
                            terms.append((_commutator(colour_a, colour_b),
                                          np.transpose(j, order) / _dot(big_k, big_k)))
            if size == 3:
                x, y, w = ({(label,): 1.0} for label in subset)
                for outer, inner, lorentz in ((x, (y, w), gg["ny,xw"] - gg["nw,xy"]),
                                              (y, (x, w), gg["nx,yw"] - gg["nw,xy"]),
                                              (w, (x, y), gg["nx,yw"] - gg["ny,xw"])):
                    colour = {k: -v for k, v in _commutator(outer, _commutator(*inner)).items()}
                    terms.append((colour, quartic_sign * lorentz / _dot(big_k, big_k)))
            currents[frozenset(subset)] = terms
    return currents


def _ordered_partitions(labels: tuple[int, ...]):
    """Every ordered partition of ``labels`` into non-empty blocks."""
    if not labels:
        yield []
        return
    for partition in _ordered_partitions(labels[1:]):
        for i in range(len(partition)):  # the first label joins an existing block
            yield [*partition[:i], partition[i] | {labels[0]}, *partition[i + 1:]]
        for i in range(len(partition) + 1):  # or forms a new block at any place
            yield [*partition[:i], frozenset([labels[0]]), *partition[i:]]


def _colour_matrix(orderings: list[tuple[int, ...]]) -> np.ndarray:
    """``sum_colours (T^s..)_ij (T^t..)*_ij`` over the colour strings, real ``(m, m)``."""
    n = len(orderings[0])
    if n == 0:
        return np.array([[3.0]])  # delta_ij delta_ij
    t = su3_generators()[0]
    rows = "ijklm"

    def tensor(order):
        subscripts = ",".join(f"{'abc'[order[k]]}{rows[k]}{rows[k + 1]}" for k in range(n))
        return np.einsum(f"{subscripts}->i{rows[n]}{'abc'[:n]}", *[t] * n)

    strings = [tensor(order) for order in orderings]
    return np.array([[np.vdot(s, u) for u in strings] for s in strings]).real


def line_squared(p1: np.ndarray, p2: np.ndarray,
                 base_lines: list[list[tuple[np.ndarray, np.ndarray]]],
                 boson_sums: list[np.ndarray], gluons: list[np.ndarray],
                 references: tuple[np.ndarray, ...] | None = None,
                 quartic_sign: float = QUARTIC_SIGN) -> float:
    """Sum over spins and colours of |M|^2 for ``q(p1) qbar(p2) -> bosons + gluons``, one event.

    Parameters
    ----------
    p1, p2 : incoming quark and antiquark momenta ``(4,)`` GeV (massless).
    base_lines : the colourless diagrams, each a list of emissions ``(vertex, momentum)`` from
        the ``vbar`` end; a vertex is complex ``(4,) * n_bosons + (4, 4)``, one axis per boson
        polarisation index (length 1 where it does not depend on it), couplings included.
    boson_sums : polarisation sums ``(4, 4)`` (lower indices), one per boson, in axis order.
    gluons : outgoing gluon momenta ``(4,)``; gs is not included (multiply by gs^(2n)).
    references : light-like reference vectors of the gluon polarisation sums (default +z).
    """
    n_b, n_g = len(boson_sums), len(gluons)
    references = references or (AXIS_Z,) * n_g
    orderings = list(itertools.permutations(range(n_g)))
    currents = gluon_currents(gluons, quartic_sign)

    def gluon_vertex(block, j):
        shape = [1] * n_b + [4 if x in block else 1 for x in range(n_g)] + [4, 4]
        return (np.einsum("n...,nij->...ij", j, G_LOWER).reshape(shape),
                sum(gluons[x] for x in block))

    def colourless(vertex):
        return vertex.reshape(vertex.shape[:-2] + (1,) * n_g + (4, 4))

    amps = np.zeros((len(orderings),) + (4,) * (n_b + n_g) + (4, 4), dtype=complex)
    for base in base_lines:
        base = [(colourless(v), k) for v, k in base]
        for blocks in _ordered_partitions(tuple(range(n_g))):
            options = [[(c, gluon_vertex(block, j)) for c, j in currents[block]]
                       for block in blocks]
            for choice in itertools.product(*options):
                colour: ColourString = {(): 1.0}
                for c, _ in choice:
                    colour = _times(colour, c)
                for slots in itertools.combinations(range(len(base) + len(blocks)), len(blocks)):
                    glue, rest = iter(e for _, e in choice), iter(base)
                    emissions = [next(glue) if i in slots else next(rest)
                                 for i in range(len(base) + len(blocks))]
                    line = quark_line(p1, emissions)
                    for key, coefficient in colour.items():
                        amps[orderings.index(key)] += coefficient * line
    left = np.einsum("ij,x...jk,kl->x...il", slash(p2), amps, slash(p1))
    right = np.einsum("ij,x...kj,kl->x...il", GAMMA[0], amps.conj(), GAMMA[0])
    idx, idx_conj = "abcdefg"[:n_b + n_g], "ABCDEFG"[:n_b + n_g]
    sums = list(boson_sums) + [physical_gluon_sum(k, r)
                               for k, r in zip(gluons, references, strict=True)]
    total = np.einsum(f"xy,x{idx}rs,y{idx_conj}sr,"
                      + ",".join(a + b for a, b in zip(idx, idx_conj, strict=True)) + "->",
                      _colour_matrix(orderings), left, right, *sums, optimize=True)
    return float(total.real)
