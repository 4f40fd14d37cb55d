"""``g g > a a g`` through a massless quark loop: five-point primitives summed over photons.

The one-loop amplitude with a quark loop and five external vectors decomposes into colour
traces times the primitive amplitudes ``A^{[1/2]}_{5;1}`` of Z. Bern, L. Dixon and
D. Kosower, Phys. Rev. Lett. 70 (1993) 2677, hep-ph/9302280 (eq. 4: all-plus and one-minus;
eqs. 8, 10: two adjacent minus; eqs. 9, 10: two non-adjacent minus; the others by parity,
``<> <-> []``). A photon is a gluon with an identity colour matrix, so the amplitude of
``g1 g2 a3 a4 g5`` (all outgoing) is, with ``T = sqrt(2) t`` and ``Tr(T^a T^b) = delta^ab``,

    A = g^3 (sqrt(2) e)^2 (sum_q Q_q^2) [Tr(T1 T2 T5) - Tr(T2 T1 T5)] S / (16 pi^2 (-i)),
    S = sum over the 12 cyclic orderings with the gluons in the order (1, 2, 5)
        of  A^hat(ordering),  A^hat = (16 pi^2)(-i) A^{[1/2]}_{5;1}

(photon decoupling; the reflection identity ``A(reversed) = -A`` gives the second trace's
coefficient). Each ``A^hat`` has ``1/eps`` poles and ``ln(mu^2)`` terms proportional to its
tree, and the trees of the 12 orderings sum to zero (U(1) decoupling): ``S`` is finite and
independent of ``mu``. :func:`diphoton_jet_helicity_amplitudes` keeps ``1/eps`` and ``mu^2``
as parameters so that tests can see them cancel.

Colour: ``sum |Tr(T1 T2 T5) - Tr(T2 T1 T5)|^2 = 2 f^abc f^abc = 48``. With MadGraph's
``SMATRIX`` normalisation (1/4 helicities, 1/64 colours, 1/2 for the photons) and
``e^2 = 4 pi alpha``, ``g^2 = 4 pi alpha_s``,

    |M|^2 = 48 * 4 g^6 e^4 (sum Q^2)^2 / (512 (16 pi^2)^2) * sum_h |S_h|^2
          = (3 pi / 2) alpha^2 alpha_s^3 (sum_q Q_q^2)^2 * sum_h |S_h|^2.

Evaluation is vectorised over events (chunks of :data:`CHUNK`) and over the 60 (ordering,
cyclic rotation) labellings of each primitive family at once. The functions of the invariants
are tabulated once per chunk for all pairs of invariants; each primitive is written as rational
coefficients times those functions, and its parity conjugate (all helicities flipped) reuses
them with the coefficients complex conjugated (see :func:`_sum_and_conjugate`). The same code
runs on object arrays of mpmath numbers (:mod:`.precision`) to repair unstable points.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from hepscaling.physics.loop_induced.functions import L0, L1, L2, PAIR_FUNCTIONS, lnrat, ls1_from
from hepscaling.physics.loop_induced.precision import imag, is_multiprecision, real
from hepscaling.physics.loop_induced.spinors import spinor_products

__all__ = ["ORDERINGS", "diphoton_jet_helicity_amplitudes", "diphoton_jet_summed", "primitive"]

#: The 12 cyclic orderings of legs 0..4 (g g a a g, outgoing) with the gluons in the cyclic
#: order (0, 1, 4): the photons 2, 3 inserted everywhere (leg 4 written last).
ORDERINGS = tuple((*perm, 4) for perm in itertools.permutations(range(4))
                  if perm.index(0) < perm.index(1))

CHUNK = 128  # events evaluated at a time

Labels = tuple[np.ndarray, ...]  # five integer arrays (M,): the legs in positions 1..5
Terms = list[tuple[np.ndarray, np.ndarray | None]]  # coefficients R_k (rational in spinor
#: products) times functions F_k of the invariants (None: 1), each complex (M, n)
Pick = Callable[[int, int], np.ndarray]


class _Chunk:
    """Spinor products and invariants of a chunk of events, gathered by labelling.

    ``angle``, ``square``, ``invariant`` (and ``inverses``, ``scale_logs``) give
    ``f(i, j)``: the quantity of the legs at positions ``i, j`` (1..5) of each labelling,
    ``(M, n)``, gathered once per pair. The functions of two invariants (``L0``, ``L1``,
    ``L2`` and the pieces of ``Ls1``) are tabulated once per chunk for all ``10 x 10`` pairs
    of invariants and gathered too.

    Parameters
    ----------
    za, zb : complex ``(m, m, n)``, ``<ij>`` and ``[ij]`` (:func:`.spinors.spinor_products`).
    s : float64 ``(m, m, n)`` GeV^2, ``s_ij``.
    """

    def __init__(self, za: np.ndarray, zb: np.ndarray, s: np.ndarray) -> None:
        self.za, self.zb, self.s = za, zb, s  # (m, m, n)
        m = s.shape[0]
        upper = np.triu_indices(m, 1)
        self._pair_id = np.zeros((m, m), dtype=np.intp)
        self._pair_id[upper] = np.arange(len(upper[0]))
        self._pair_id += self._pair_id.T
        self._invariants = s[upper]  # (10, n)
        self._tables: dict[object, Any] = {}

    def _picker(self, matrix: np.ndarray, labels: Labels) -> Pick:
        flat = matrix.reshape(-1, matrix.shape[-1])
        m = matrix.shape[0]
        cache: dict[tuple[int, int], np.ndarray] = {}

        def entry(i: int, j: int) -> np.ndarray:
            if (i, j) not in cache:
                cache[i, j] = np.take(flat, labels[i - 1] * m + labels[j - 1], axis=0)
            return cache[i, j]

        return entry

    def angle(self, labels: Labels) -> Pick:
        """``<ij>`` by positions, complex ``(M, n)``."""
        return self._picker(self.za, labels)

    def square(self, labels: Labels) -> Pick:
        """``[ij]`` by positions, complex ``(M, n)``."""
        return self._picker(self.zb, labels)

    def invariant(self, labels: Labels) -> Pick:
        """``s_ij`` by positions, GeV^2 float64 ``(M, n)``."""
        return self._picker(self.s, labels)

    def inverses(self, labels: Labels) -> tuple[Pick, Pick, Pick]:
        """``1/<ij>``, ``1/[ij]``, ``1/s_ij`` by positions, ``(M, n)`` (a multiplication by a
        stored inverse is cheaper than a complex division)."""
        if "inverses" not in self._tables:
            unit = np.eye(self.s.shape[0])[:, :, None]  # keeps the unused diagonal finite
            self._tables["inverses"] = tuple(1.0 / (matrix + unit)
                                             for matrix in (self.za, self.zb, self.s))
        inv_a, inv_b, inv_s = self._tables["inverses"]
        return (self._picker(inv_a, labels), self._picker(inv_b, labels),
                self._picker(inv_s, labels))

    def _table(self, function: Callable) -> np.ndarray:
        """``function(-s_a, -s_b)`` for all pairs of invariants ``a, b``, ``(100, n)``."""
        if function not in self._tables:
            x = -self._invariants
            self._tables[function] = function(x[:, None], x[None, :]).reshape(-1, x.shape[-1])
        return self._tables[function]

    def functions(self, labels: Labels) -> Callable[[Callable, str], np.ndarray]:
        """``f(L, "ij,km") = L(-s_ij, -s_km)`` for a function ``L`` of two invariants
        (``L0``, ``L1``, ``L2``, the :data:`~.functions.PAIR_FUNCTIONS`; positions 1..5),
        complex ``(M, n)``, gathered from a table of all pairs of invariants."""
        n_pairs = self._invariants.shape[0]

        def entry(function: Callable, channels: str) -> np.ndarray:
            (i, j), (k, m) = ((int(c) for c in part) for part in channels.split(","))
            index = (self._pair_id[labels[i - 1], labels[j - 1]] * n_pairs
                     + self._pair_id[labels[k - 1], labels[m - 1]])
            return np.take(self._table(function), index, axis=0)

        return entry

    def ls1(self, labels: Labels) -> Callable[[str, str], np.ndarray]:
        """``g("ij,km", "pq,rs") = Ls1(-s_ij, -s_km, -s_pq, -s_rs)`` by positions, complex
        ``(M, n)``, from tabulated pair functions."""
        f = self.functions(labels)

        def entry(first: str, second: str) -> np.ndarray:
            return ls1_from(*(tuple(f(function, pair) for function in PAIR_FUNCTIONS)
                              for pair in (first, second)))

        return entry

    def scale_logs(self, labels: Labels, mu2: float) -> Pick:
        """``lnrat(mu^2, -s_ij)`` by positions, complex ``(M, n)``."""
        if ("scale", mu2) not in self._tables:
            unit = np.eye(self.s.shape[0])[:, :, None]  # keeps the unused diagonal finite
            self._tables["scale", mu2] = lnrat(mu2, -(self.s + unit))
        return self._picker(self._tables["scale", mu2], labels)

    def conjugate(self) -> _Chunk:
        """The same chunk with ``<> <-> []`` (all helicities flipped)."""
        return _Chunk(self.zb, self.za, self.s)


Family = Callable[[_Chunk, Labels, float, float], Terms]


def _virtual(logs: Pick, i: int, j: int, k: int, m: int, eps_inverse: float) -> np.ndarray:
    """``V^f + V^s`` of BDK eq. 10 (``V^s = -V^f/3 + 2/9``) for the channels ``s_ij``,
    ``s_km``: ``(2/3) V^f + 2/9``, ``V^f = -5/(2 eps) - 2 - (lnrat(mu^2, -s_ij) +
    lnrat(mu^2, -s_km)) / 2``, with ``logs(i, j) = lnrat(mu^2, -s_ij)``; complex ``(M, n)``."""
    v_f = -2.5 * eps_inverse - 2.0 - 0.5 * (logs(i, j) + logs(k, m))
    return 2.0 * v_f / 3.0 + 2.0 / 9.0  # (2/9: times the tree, cancels in the photon sum)


def _all_plus(chunk: _Chunk, labels: Labels, eps_inverse: float, mu2: float) -> Terms:
    """``A^hat(1+ 2+ 3+ 4+ 5+)``, BDK eq. 4 (rational)."""
    a, b, s = chunk.angle(labels), chunk.square(labels), chunk.invariant(labels)
    sym = (s(1, 2) * s(2, 3) + s(2, 3) * s(3, 4) + s(3, 4) * s(4, 5) + s(4, 5) * s(5, 1)
           + s(5, 1) * s(1, 2))
    odd = b(1, 2) * a(2, 3) * b(3, 4) * a(4, 1) - a(1, 2) * b(2, 3) * a(3, 4) * b(4, 1)
    return [(-(sym + odd) / (6.0 * a(1, 2) * a(2, 3) * a(3, 4) * a(4, 5) * a(5, 1)), None)]


def _one_minus(chunk: _Chunk, labels: Labels, eps_inverse: float, mu2: float) -> Terms:
    """``A^hat(1- 2+ 3+ 4+ 5+)``, BDK eq. 4 (rational)."""
    a, b, s = chunk.angle(labels), chunk.square(labels), chunk.invariant(labels)
    ladder = (a(1, 2) ** 2 * a(1, 3) ** 2 * b(2, 3) / a(2, 3)
              + a(1, 3) ** 2 * a(1, 4) ** 2 * b(3, 4) / a(3, 4)
              + a(1, 4) ** 2 * a(1, 5) ** 2 * b(4, 5) / a(4, 5))
    numerator = ((s(2, 3) + s(3, 4) + s(4, 5)) * b(2, 5) ** 2
                 - b(2, 4) * a(4, 3) * b(3, 5) * b(2, 5)
                 - b(1, 2) * b(1, 5) / (a(1, 2) * a(1, 5)) * ladder)
    return [(numerator / (3.0 * b(1, 2) * a(2, 3) * a(3, 4) * a(4, 5) * b(5, 1)), None)]


def _adjacent_minus(chunk: _Chunk, labels: Labels, eps_inverse: float,
                    mu2: float) -> Terms:
    """``A^hat(1- 2- 3+ 4+ 5+)``, BDK eqs. 8, 10: ``-(V^f + V^s) A^tree - (F^f + F^s)``,
    ``F^s = -F^f / 3 + ...``."""
    a, b, s = chunk.angle(labels), chunk.square(labels), chunk.invariant(labels)
    f = chunk.functions(labels)
    s23, s51 = s(2, 3), s(5, 1)
    tree = a(1, 2) ** 3 / (a(2, 3) * a(3, 4) * a(4, 5) * a(5, 1))
    chain = a(2, 3) * b(3, 4) * a(4, 1) + a(2, 4) * b(4, 5) * a(5, 1)
    f_f = -a(1, 2) ** 2 * chain / (2.0 * a(2, 3) * a(3, 4) * a(4, 5) * a(5, 1) * s51)  # x L0
    f_s_l2 = -b(3, 4) * a(4, 1) * a(2, 4) * b(4, 5) * chain / (3.0 * a(3, 4) * a(4, 5) * s51**3)
    rational = (-a(3, 5) * b(3, 5) ** 3 / (3.0 * b(1, 2) * b(2, 3) * a(3, 4) * a(4, 5) * b(5, 1))
                + a(1, 2) * b(3, 5) ** 2 / (3.0 * b(2, 3) * a(3, 4) * a(4, 5) * b(5, 1))
                + a(1, 2) * b(3, 4) * a(4, 1) * a(2, 4) * b(4, 5)
                / (6.0 * s23 * a(3, 4) * a(4, 5) * s51))
    return [(-tree, _virtual(chunk.scale_logs(labels, mu2), 2, 3, 5, 1, eps_inverse)),
            (-2.0 * f_f / 3.0, f(L0, "23,51")), (-f_s_l2, f(L2, "23,51")), (-rational, None)]


def _split_minus(chunk: _Chunk, labels: Labels, eps_inverse: float,
                 mu2: float) -> Terms:
    """``A^hat(1- 2+ 3- 4+ 5+)``, BDK eqs. 9, 10: ``-(V^f + V^s) A^tree - (F^f + F^s)``."""
    a, b = chunk.angle(labels), chunk.square(labels)
    ia, ib, i_s = chunk.inverses(labels)  # 1/<ij>, 1/[ij], 1/s_ij
    f, ls1 = chunk.functions(labels), chunk.ls1(labels)
    i34, i51 = i_s(3, 4), i_s(5, 1)
    over_45_51 = ia(4, 5) * ia(5, 1)  # 1/(<45><51>)
    over_34_45 = ia(3, 4) * ia(4, 5)  # 1/(<34><45>) = 1/(<54><43>)
    over_cyclic = ia(1, 2) * ia(2, 3) * over_34_45 * ia(5, 1)
    a13_2 = a(1, 3) ** 2
    tree = a13_2 * a13_2 * over_cyclic
    chain = a(1, 5) * b(5, 2) * a(2, 3) - a(3, 4) * b(4, 2) * a(2, 1)
    b24, b25 = b(2, 4), b(2, 5)
    x = a(4, 1) * b24  # <41>[24]
    y = a(5, 3) * b25  # <53>[25]
    # F^f = f_ls_a Ls1_a + f_ls_b Ls1_b + f_l0 L0;  F^s = g_a (2 Ls1_a + L1_a) + g_b (2 Ls1_b
    # + L1_b) + (L2 terms) - f_l0 L0 / 3 + rational
    f_ls_a = -a13_2 * x * b24 * over_45_51 * i51**2
    f_ls_b = a13_2 * y * b25 * over_34_45 * i34**2
    f_l0 = -0.5 * a13_2 * a(1, 3) * chain * over_cyclic * i51
    g_a = -a(1, 2) * a(2, 3) * a(3, 4) * x**2 * over_45_51 * ia(2, 4) ** 2 * i51**2
    g_b = a(3, 2) * a(2, 1) * a(1, 5) * y**2 * over_34_45 * ia(2, 5) ** 2 * i34**2
    l2_a = 2.0 * a(2, 3) ** 2 * x**3 * over_45_51 * ia(2, 4) * i51**3 / 3.0
    l2_b = -2.0 * a(2, 1) ** 2 * y**3 * over_34_45 * ia(2, 5) * i34**3 / 3.0
    l2_c = (a(1, 3) * b24 * b25 * ia(4, 5) / 3.0 * chain
            + 2.0 * (a(1, 2) * a(3, 4)) ** 2 * x * b24**2 * over_45_51 * ia(2, 4) / 3.0
            - 2.0 * (a(3, 2) * a(1, 5)) ** 2 * y * b25**2 * over_34_45 * ia(2, 5) / 3.0
            ) * i51**3
    rational = ((b24 * b25) ** 2 * ib(1, 2) * ib(2, 3) * ib(3, 4) * ia(4, 5) * ib(5, 1) / 3.0
                - a(1, 2) * a(4, 1) * x * b24**2 * over_45_51 * ia(2, 4) * ib(2, 3) * ib(3, 4)
                * i51 / 3.0
                + a(3, 2) * a(5, 3) * y * b25**2 * over_34_45 * ia(2, 5) * ib(2, 1) * ib(1, 5)
                * i34 / 3.0
                + a13_2 * b24 * b25 * ia(4, 5) * i34 * i51 / 6.0)
    return [(-tree, _virtual(chunk.scale_logs(labels, mu2), 3, 4, 5, 1, eps_inverse)),
            (-(f_ls_a + 2.0 * g_a), ls1("23,51", "34,51")),
            (-(f_ls_b + 2.0 * g_b), ls1("12,34", "51,34")),
            (-g_a, f(L1, "23,51") + f(L1, "34,51")),
            (-g_b, f(L1, "12,34") + f(L1, "51,34")),
            (-2.0 * f_l0 / 3.0, f(L0, "34,51")),
            (-l2_a, f(L2, "23,51")), (-l2_b, f(L2, "12,34")), (-l2_c, f(L2, "34,51")),
            (-rational, None)]


def _sum(terms: Terms) -> np.ndarray:
    """``sum_k R_k F_k`` (``F = None``: 1), complex ``(M, n)``."""
    return sum((r if f is None else r * f for r, f in terms), start=np.zeros(()))


def _sum_and_conjugate(terms: Terms) -> tuple[np.ndarray, np.ndarray]:
    """``sum_k R_k F_k`` and its parity conjugate ``-sum_k conj(R_k) F_k``, complex ``(M, n)``.

    Flipping every helicity swaps ``<> <-> []`` in the coefficients ``R_k`` (the functions
    ``F_k`` of the invariants stay). For real momenta ``[ij] = -sign(E_i E_j) conj(<ij>)``;
    each ``R_k`` has mass dimension -1 (an odd number of brackets, net) and an even number of
    brackets per leg, so the swap is ``R_k -> -conj(R_k)``. Both sums share the four real
    products ``Re R Re F``, ``Im R Im F``, ``Re R Im F``, ``Im R Re F``.
    """
    rr_fr: np.ndarray | float
    ri_fi: np.ndarray | float
    rr_fi: np.ndarray | float
    ri_fr: np.ndarray | float
    rr_fr = ri_fi = rr_fi = ri_fr = 0.0
    for r, f in terms:
        r_re, r_im = real(r), imag(r)
        if f is None:
            rr_fr = rr_fr + r_re
            ri_fr = ri_fr + r_im
        else:
            f_re, f_im = real(f), imag(f)
            rr_fr = rr_fr + r_re * f_re
            ri_fi = ri_fi + r_im * f_im
            rr_fi = rr_fi + r_re * f_im
            ri_fr = ri_fr + r_im * f_re
    value = np.asarray((rr_fr - ri_fi) + 1j * (rr_fi + ri_fr))
    conjugate = np.asarray(-((rr_fr + ri_fi) + 1j * (rr_fi - ri_fr)))
    return value, conjugate


#: family -> (helicities of positions 1..5, 0 = negative, 1 = positive; cyclic rotations used)
_FAMILIES: dict[str, tuple[Family, tuple[int, ...], int]] = {
    "+++++": (_all_plus, (1, 1, 1, 1, 1), 1),
    "-++++": (_one_minus, (0, 1, 1, 1, 1), 5),
    "--+++": (_adjacent_minus, (0, 0, 1, 1, 1), 5),
    "-+-++": (_split_minus, (0, 1, 0, 1, 1), 5),
}


def _labellings(pattern: tuple[int, ...], rotations: int,
                orderings: tuple[tuple[int, ...], ...]) -> tuple[Labels, np.ndarray]:
    """The label arrays of every (ordering, rotation) and the flat helicity index
    (``sum_i h_i 2^(4-i)``, legs in process order) each one fills, ``(M,)``."""
    rows, targets = [], []
    for ordering in orderings:
        for r in range(rotations):
            legs = ordering[r:] + ordering[:r]
            helicity = [0] * 5
            for position, leg in enumerate(legs):
                helicity[leg] = pattern[position]
            rows.append(legs)
            targets.append(int("".join(map(str, helicity)), 2))
    table = np.array(rows)
    return tuple(table[:, i] for i in range(5)), np.array(targets)


def primitive(family: str, k: np.ndarray, legs: tuple[int, ...], *,
              eps_inverse: float = 0.0, mu2: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """One primitive ``A^hat = (16 pi^2)(-i) A^{[1/2]}_{5;1}`` and its parity conjugate.

    Parameters
    ----------
    family : ``"+++++"``, ``"-++++"``, ``"--+++"`` or ``"-+-++"``: the helicities of the legs
        in the cyclic order ``legs``.
    k : float64 ``(n, 5, 4)`` GeV, outgoing massless momenta (incoming negated).
    legs : the cyclic order, a permutation of ``0..4``.
    eps_inverse, mu2 : the coefficient standing for ``1/eps`` and the scale ``mu^2`` (GeV^2).

    Returns
    -------
    complex128 ``(n,)`` twice: the amplitude, and the one with all helicities flipped.
    """
    function, _, _ = _FAMILIES[family]
    chunk = _Chunk(*spinor_products(k))
    labels = tuple(np.array([leg]) for leg in legs)
    value = _sum(function(chunk, labels, eps_inverse, mu2))
    conjugate = _sum(function(chunk.conjugate(), labels, eps_inverse, mu2))  # explicit swap
    return value[0], conjugate[0]


def diphoton_jet_helicity_amplitudes(k: np.ndarray, *, eps_inverse: float = 0.0,
                                     mu2: float = 1.0,
                                     orderings: tuple[tuple[int, ...], ...] = ORDERINGS,
                                     ) -> np.ndarray:
    """The photon-summed amplitudes ``S_h`` of ``g0 g1 a2 a3 g4`` (outgoing), complex
    ``(2, 2, 2, 2, 2, n)``.

    Parameters
    ----------
    k : float64 ``(n, 5, 4)`` GeV, outgoing massless momenta (incoming negated), legs
        ``g g a a g`` (or an object array of mpmath reals; the result is then one too).
    eps_inverse, mu2 : ``1/eps`` and ``mu^2`` (GeV^2) of the primitives; ``S`` does not
        depend on them (finite, scale-free), which the tests check.
    orderings : the cyclic orderings summed (default :data:`ORDERINGS`, the photon sum);
        a single ordering gives one primitive per helicity.

    Returns
    -------
    complex128 ``(2, 2, 2, 2, 2, n)``: axis ``i`` the helicity of leg ``i`` counted outgoing
    (0 negative, 1 positive); spinor phases as in :mod:`.spinors`.
    """
    k = k if is_multiprecision(k) else np.asarray(k, dtype=np.float64)
    n = k.shape[0]
    total = np.zeros((32, n), dtype=object if is_multiprecision(k) else np.complex128)
    tables = []
    for function, pattern, rotations in _FAMILIES.values():
        labels, targets = _labellings(pattern, rotations, orderings)
        order = np.argsort(targets, kind="stable")  # labellings grouped by helicity
        helicities, starts = np.unique(targets[order], return_index=True)
        tables.append((function, tuple(legs[order] for legs in labels), helicities, starts))
    for start in range(0, n, CHUNK):  # small chunks keep the (60, chunk) arrays in cache
        chunk = _Chunk(*spinor_products(k[start:start + CHUNK]))
        part = total[:, start:start + CHUNK]
        for function, labels, helicities, starts in tables:
            terms = function(chunk, labels, eps_inverse, mu2)
            value, conjugate = _sum_and_conjugate(terms)
            part[helicities] += np.add.reduceat(value, starts, axis=0)
            part[31 - helicities] += np.add.reduceat(conjugate, starts, axis=0)
    return total.reshape(2, 2, 2, 2, 2, n)


def diphoton_jet_summed(momenta: np.ndarray) -> np.ndarray:
    """``sum_h |S_h|^2`` of ``g g > a a g`` at checked physical momenta ``float64 (n, 5, 4)``
    GeV (order g g a a g, incoming first; or mpmath objects, :mod:`.precision`), ``(n,)``."""
    k = momenta * np.where(np.arange(5) < 2, -1.0, 1.0)[None, :, None]  # all outgoing
    amp = diphoton_jet_helicity_amplitudes(k)
    return np.sum(real(amp) ** 2 + imag(amp) ** 2, axis=(0, 1, 2, 3, 4))
