"""|M|^2 of the engine against brute-force Feynman-rule spin sums with explicit Dirac matrices:
QCD and top/Higgs-Yukawa processes (the electroweak ones are in
``test_matrix_element_electroweak.py``).

For processes without a compact closed form, each diagram is written down from the SM Feynman
rules (unitary gauge, massive polarisation sums ``-g + k k / M^2``), the spin sum becomes traces
of 4x4 matrices from :mod:`helpers.dirac`, and colour and averages are done by hand. The SM
inputs are those of :mod:`helpers.sm_inputs`. Exact, so compared at 1e-10 relative.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from helpers.dirac import (
    EYE,
    G_LOWER,
    GAMMA,
    METRIC,
    P_L,
    P_R,
    bar,
    physical_gluon_sum,
    polarisation_sum,
    quark_line,
    slash,
    triple_gauge,
)
from helpers.kinematics import central_events, dot
from helpers.me_checks import assert_matches
from helpers.sm_inputs import GS2, GW2, GZ2, MH, MT, MW, MZ, UP, VEV, WT, chiral

# --- u u~ > t t~ h (the main case study) ----------------------------------------------------
#
# Default orders (QCD=2, QED=1): an s-channel gluon and the Higgs radiated off the top or the
# antitop, Yukawa vertex -i ymt/v with v = 2 MW sw / e (MadGraph sm, ymt = MT), top width in
# those (final-state, s-channel-like) propagators. With O^mu = (p3+p5-slash + MT) G^mu / D35 +
# G^mu (-p4-p5-slash + MT) / D45, D_ij = (pi+pj)^2 - MT^2 + i MT WT, the spin and colour sum is
#   gs^4 y^2 Tr(T^a T^b) Tr(T^a T^b) / s^2  L^{mu nu} H_{mu nu},   Tr(T^a T^b)^2 = 2,
#   L = Tr[p2 G^mu p1 G^nu],  H = Tr[(p3 + MT) O_mu (p4 - MT) bar(O_nu)],
# averaged over 2 x 2 x 3 x 3 = 36 initial states.


def uu_ttbar_h(p: np.ndarray) -> np.ndarray:
    """Spin- and colour-averaged |M|^2 of u u~ > t t~ h, ``p (n, 5, 4)`` GeV -> ``(n,)``."""
    out = np.empty(p.shape[0])
    for n, (p1, p2, p3, p4, p5) in enumerate(p):
        d35 = dot(p3 + p5, p3 + p5) - MT**2 + 1j * MT * WT
        d45 = dot(p4 + p5, p4 + p5) - MT**2 + 1j * MT * WT
        o = [(slash(p3 + p5) + MT * EYE) @ g / d35 + g @ (-slash(p4 + p5) + MT * EYE) / d45
             for g in GAMMA]
        total = 0.0
        for mu, nu in itertools.product(range(4), repeat=2):
            light = np.trace(slash(p2) @ GAMMA[mu] @ slash(p1) @ GAMMA[nu])
            heavy = np.trace((slash(p3) + MT * EYE) @ o[mu] @ (slash(p4) - MT * EYE)
                             @ bar(o[nu]))
            total += METRIC[mu, mu] * METRIC[nu, nu] * light * heavy
        s = dot(p1 + p2, p1 + p2)
        out[n] = (GS2**2 * (MT / VEV) ** 2 * 2 / s**2 * total).real / 36
    return out


@pytest.mark.parametrize("sqrt_s", [500.0, 1000.0])
def test_u_ubar_to_ttbar_h(sqrt_s):
    p = central_events(8, sqrt_s, (MT, MT, MH), seed=4)
    assert_matches("u u~ > t t~ h", p, uu_ttbar_h(p))


# --- u u~ > z + n gluons (n = 1, 2, 3): every Feynman diagram, colour in ordered strings ------
#
# The gluons attach to the quark line singly or through off-shell gluon currents built from the
# three- and four-gluon vertices (the sum of all tree subdiagrams ending in one gluon line):
#   J_x^n = g^{n beta_x} (placeholder for the polarisation of gluon x, colour T^x);
#   J_{A+B} = [X_A, X_B] V^{n r s}(K, -K_A, -K_B) J_A,r J_B,s / K^2 for every split into two
#   subsets (V = helpers.dirac.triple_gauge, K = K_A + K_B, X the colour of a current);
#   for three gluons x, y, w also the four-gluon vertex, QUARTIC_SIGN x {-[T^x,[T^y,T^w]]
#   (g^{n y} g^{x w} - g^{n w} g^{x y}), -[T^y,[T^x,T^w]] (g^{n x} g^{y w} - g^{n w} g^{x y}),
#   -[T^w,[T^x,T^y]] (g^{n x} g^{y w} - g^{n y} g^{x w})} / K^2 (Peskin-Schroeder's vertex with
#   f f T = -[T,[T,T]]).
# On the line (from the vbar(p2) end, helpers.dirac.quark_line) every ordered partition of the
# gluons into currents, with the Z at every place, contributes gamma_n J^n per current and the
# product of the currents' colours. Colour strings (T^{s1}..T^{sn})_ij are summed with the colour
# matrix of explicit SU(3) generators; the gluon polarisation sums are the physical (axial)
# ones, so the result must not depend on their reference vectors: that holds only with the
# relative sign of the three-gluon currents used here (the same as in u u~ > z g g) and
# QUARTIC_SIGN = -1 (test_gluon_reference_vectors_drop_out). Averaged over 36, and 1/n!.

QUARTIC_SIGN = -1.0
AXIS_Z, AXIS_X, AXIS_Y = (np.array(v) for v in ([1.0, 0, 0, 1], [1.0, 1, 0, 0], [1.0, 0, 1, 0]))
ColourString = dict[tuple[int, ...], float]


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


def gluon_currents(momenta: list[np.ndarray], quartic_sign: float
                   ) -> dict[frozenset, list[tuple[ColourString, np.ndarray]]]:
    """Off-shell currents for every subset of gluons: ``(colour, J)`` terms with ``J`` complex
    ``(4, 4, ..., 4)`` = ``[n, beta_x for x in sorted(subset)]``, upper indices."""
    currents = {frozenset([x]): [({(x,): 1.0}, METRIC.astype(complex))]
                for x in range(len(momenta))}
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
                                          np.transpose(j, order) / dot(big_k, big_k)))
            if size == 3:
                x, y, w = ({(label,): 1.0} for label in subset)
                gg = {spec: np.einsum(f"{spec}->nxyw", METRIC, METRIC)
                      for spec in ("ny,xw", "nw,xy", "nx,yw")}
                for outer, inner, lorentz in ((x, (y, w), gg["ny,xw"] - gg["nw,xy"]),
                                              (y, (x, w), gg["nx,yw"] - gg["nw,xy"]),
                                              (w, (x, y), gg["nx,yw"] - gg["ny,xw"])):
                    colour = {k: -v for k, v in _commutator(outer, _commutator(*inner)).items()}
                    terms.append((colour, quartic_sign * lorentz / dot(big_k, big_k)))
            currents[frozenset(subset)] = terms
    return currents


def _ordered_partitions(labels: tuple[int, ...]):
    """Every ordered partition of ``labels`` into non-empty blocks."""
    if not labels:
        yield []
        return
    for partition in _ordered_partitions(labels[1:]):
        for i in range(len(partition)):  # put the first label into an existing block
            yield [*partition[:i], partition[i] | {labels[0]}, *partition[i + 1:]]
        for i in range(len(partition) + 1):  # or into a new block at any place
            yield [*partition[:i], frozenset([labels[0]]), *partition[i:]]


def _colour_matrix(orderings: list[tuple[int, ...]]) -> np.ndarray:
    """``sum_colours (T^s..)_ij (T^t..)*_ij`` for the colour strings ``s, t``, real ``(m, m)``."""
    t = _su3_generators()[0]
    n = len(orderings[0])
    rows = "ijklm"

    def tensor(order):
        subscripts = ",".join(f"{'abc'[order[k]]}{rows[k]}{rows[k + 1]}" for k in range(n))
        return np.einsum(f"{subscripts}->i{rows[n]}{'abc'[:n]}", *[t] * n)

    strings = [tensor(order) for order in orderings]
    return np.array([[np.vdot(s, u) for u in strings] for s in strings]).real


def uu_z_gluons(p: np.ndarray, references: tuple[np.ndarray, ...] | None = None,
                quartic_sign: float = QUARTIC_SIGN) -> np.ndarray:
    """Spin- and colour-averaged |M|^2 of u u~ > z + n gluons, ``p (m, 3 + n, 4)`` GeV."""
    n_g = p.shape[1] - 3
    references = references or (AXIS_Z,) * n_g
    orderings = list(itertools.permutations(range(n_g)))
    colour_matrix = _colour_matrix(orderings)
    g_l, g_r = chiral(*UP)
    z_vertex = np.array([g @ (g_l * P_L + g_r * P_R) for g in GAMMA]).reshape(
        (4,) + (1,) * n_g + (4, 4))
    out = np.empty(p.shape[0])
    for event, (p1, p2, p3, *gluons) in enumerate(p):
        currents = gluon_currents(gluons, quartic_sign)

        def vertex(block, j, gluons=gluons):
            shape = [1] + [4 if x in block else 1 for x in range(n_g)] + [4, 4]
            matrix = np.einsum("n...,nij->...ij", j, G_LOWER).reshape(shape)
            return matrix, sum(gluons[x] for x in block)

        amps = np.zeros((len(orderings), 4) + (4,) * n_g + (4, 4), dtype=complex)
        for blocks in _ordered_partitions(tuple(range(n_g))):
            options = [[(colour, vertex(block, j)) for colour, j in currents[block]]
                       for block in blocks]
            for choice in itertools.product(*options):
                colour: ColourString = {(): 1.0}
                for c, _ in choice:
                    colour = _times(colour, c)
                emissions = [e for _, e in choice]
                for z_at in range(len(blocks) + 1):
                    line = quark_line(p1, [*emissions[:z_at], (z_vertex, p3), *emissions[z_at:]])
                    for key, coefficient in colour.items():
                        amps[orderings.index(key)] += coefficient * line
        left = np.einsum("ij,x...jk,kl->x...il", slash(p2), amps, slash(p1))
        right = np.einsum("ij,x...kj,kl->x...il", GAMMA[0], amps.conj(), GAMMA[0])
        idx, idx_conj = "abcd"[:n_g + 1], "ABCD"[:n_g + 1]
        sums = [polarisation_sum(p3, MZ)] + [physical_gluon_sum(k, r)
                                             for k, r in zip(gluons, references, strict=True)]
        total = np.einsum(f"xy,x{idx}rs,y{idx_conj}sr,"
                          + ",".join(a + b for a, b in zip(idx, idx_conj, strict=True)) + "->",
                          colour_matrix, left, right, *sums, optimize=True)
        out[event] = GS2**n_g * GZ2 * total.real / (36 * math.factorial(n_g))
    return out


def test_gluon_reference_vectors_drop_out():
    for n_g, seed in ((2, 7), (3, 8)):
        p = central_events(1, 1000.0, (MZ,) + (0.0,) * n_g, seed=seed)
        moved = (AXIS_X, AXIS_Y, AXIS_X)[:n_g]
        np.testing.assert_allclose(uu_z_gluons(p, moved), uu_z_gluons(p), rtol=1e-9)
    wrong = uu_z_gluons(p, moved, quartic_sign=1.0) / uu_z_gluons(p, quartic_sign=1.0)
    assert np.all(np.abs(wrong - 1) > 1e-3)


@pytest.mark.parametrize("process", ["u u~ > z g", "u u~ > z g g", "u u~ > z g g g"])
@pytest.mark.parametrize("sqrt_s", [300.0, 1000.0])
def test_u_ubar_to_z_gluons(process, sqrt_s):
    n_g = process.count(" g")
    p = central_events(2, sqrt_s, (MZ,) + (0.0,) * n_g, seed=9)
    assert_matches(process, p, uu_z_gluons(p))


# --- decays 1 -> 2 (the decaying particle at rest; MadGraph sums final and averages initial
# helicities and colours as for scattering) ----------------------------------------------------

MB = 4.7  # massive b in the default sm model (ymb = MB)


def _at_rest_decay(mass: float, m1: float, m2: float, seed: int = 3, n: int = 4) -> np.ndarray:
    """``(n, 3, 4)`` momenta of a decay at rest into two particles in random directions."""
    rng = np.random.default_rng(seed)
    k = math.sqrt((mass**2 - (m1 + m2) ** 2) * (mass**2 - (m1 - m2) ** 2)) / (2 * mass)
    direction = rng.normal(size=(n, 3))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    p = np.zeros((n, 3, 4))
    p[:, 0, 0] = mass
    p[:, 1, 0], p[:, 1, 1:] = math.hypot(k, m1), k * direction
    p[:, 2, 0], p[:, 2, 1:] = math.hypot(k, m2), -k * direction
    return p


def test_z_to_electrons():
    # sum = gZ^2 (gL^2 + gR^2) (-g + kk/M^2)_mn Tr[p1 G^m p2 G^n] / 2 = 2 gZ^2 (gL^2+gR^2) MZ^2,
    # averaged over 3 Z polarisations (Gamma = |M|^2 / (16 pi MZ) = gZ^2 (gL^2+gR^2) MZ / 24 pi).
    g_l, g_r = chiral(-0.5, -1.0)
    p = _at_rest_decay(MZ, 0.0, 0.0)
    assert_matches("z > e+ e-", p, np.full(4, 2 * GZ2 * (g_l**2 + g_r**2) * MZ**2 / 3))


def test_higgs_to_b_bbar():
    # (ymb/v)^2 Tr[(p1 + MB)(p2 - MB)] x 3 colours = 3 (MB/v)^2 2 (MH^2 - 4 MB^2).
    p = _at_rest_decay(MH, MB, MB)
    assert_matches("h > b b~", p, np.full(4, 3 * (MB / VEV) ** 2 * 2 * (MH**2 - 4 * MB**2)))


def test_top_to_b_w():
    # gW^2 P_mn(pW) Tr[(pb + MB) G^m P_L (pt + MT) P_R G^n], averaged over 2 top spins (colour
    # sum 3 / average 3 = 1).
    p = _at_rest_decay(MT, MB, MW)
    expected = np.empty(4)
    for n, (p_t, p_b, p_w) in enumerate(p):
        pol = polarisation_sum(p_w, MW)
        expected[n] = GW2 / 2 * sum(
            pol[m, k] * np.trace((slash(p_b) + MB * EYE) @ GAMMA[m] @ P_L
                                 @ (slash(p_t) + MT * EYE) @ P_R @ GAMMA[k])
            for m, k in itertools.product(range(4), repeat=2)).real
    assert_matches("t > b w+", p, expected)


def _su3_generators() -> tuple[np.ndarray, np.ndarray]:
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
