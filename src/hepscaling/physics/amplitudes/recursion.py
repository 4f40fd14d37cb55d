"""Colour-dressed Berends-Giele recursion: the plan (built once per process) and its evaluation.

Conventions: every external leg is treated as outgoing (an incoming ``u`` is an outgoing
``u~`` with momentum ``-p``). The current ``J[S, X]`` of a subset ``S`` of legs
``0..n-2`` is the sum of all tree graphs with external legs ``S`` and one off-shell line of
species ``X`` (the particle that "decays" into ``S``), propagator included. Leg ``n-1``
closes the recursion: the amplitude is the amputated current of all other legs contracted
with its wavefunction. Fermion currents of a particle species are row spinors, of an
antiparticle species column spinors. Signs from fermion permutations follow the parity of the
external fermions ordered as (row end, column end) pairs of their lines.

Colour: a current is a list of kinematic coefficients in a basis of its colour tensors chosen
numerically once per process (:mod:`.colour`); the amplitude's coefficients are contracted
with the colour matrix of its basis. Helicities are broadcast axes, one per leg, so a current
only carries the helicities of its own legs. Coupling orders are tracked per current (the
QCD power; QED = |S| - 1 - QCD).

Array layout of a current: complex ``(comp, r, hel_0, ..., hel_{k-1}, n_events)`` with
``comp`` = 4 (vector or spinor) or 1 (scalar) and ``r`` the size of its colour basis.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from hepscaling.physics.amplitudes import kernels as K
from hepscaling.physics.amplitudes.colour import colour_matrix, independent_basis
from hepscaling.physics.amplitudes.vertices import VertexTerm

__all__ = ["Plan", "build_plan", "evaluate"]


@dataclass(frozen=True)
class Leg:
    """An external leg: outgoing species, its kind, mass and colour dimension."""

    species: str
    kind: str  # "row", "col", "V", "S"
    mass: float
    colour_dim: int
    incoming: bool
    hel_axis: int  # the leg whose helicity axis it uses (itself unless locked to a partner)


@dataclass(eq=False)
class Contribution:
    """One vertex term with sub-currents attached to all legs but ``open_pos``."""

    term: VertexTerm
    open_pos: int
    children: dict[int, tuple]  # vertex leg position -> child node key
    sign: int
    coef: list[tuple[int, int, complex]] = field(default_factory=list)  # (k, product, c)


@dataclass(eq=False)
class Node:
    """The current ``J[S, X]`` at a given QCD order (or the final amplitude if ``final``)."""

    mask: int
    species: str
    kind: str
    mass: float
    width: float
    final: bool = False
    contributions: list[Contribution] = field(default_factory=list)
    basis: np.ndarray | None = None  # (r, *colour dims of S legs, dim X)
    end_axis: int | None = None  # helicity axis shared by this spinor's massless line ends
    n_colour: int = 0  # size of the colour basis


@dataclass
class Plan:
    """Everything needed to evaluate one process, computed once."""

    legs: list[Leg]
    nodes: dict[tuple, Node]
    order: list[tuple]  # node keys in evaluation order (final node last)
    final_key: tuple
    colour_matrix: np.ndarray  # complex (r, r) of the amplitude's colour basis


@dataclass(frozen=True)
class SpeciesInfo:
    """Per-species data the plan needs: kind, mass, width, colour dimension."""

    kind: str
    mass: float
    width: float
    colour_dim: int


def _bits(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def _partitions(mask: int, k: int):
    """Unordered partitions of ``mask`` into ``k`` nonempty blocks (k = 1, 2, 3)."""
    if k == 1:
        yield (mask,)
        return
    low = mask & -mask
    rest = mask ^ low
    sub = rest
    while True:
        block = sub | low
        remaining = mask ^ block
        if remaining:
            for tail in _partitions(remaining, k - 1):
                yield (block, *tail)
        if sub == 0:
            break
        sub = (sub - 1) & rest


def _parity(seq: list[int]) -> int:
    inversions = sum(1 for i in range(len(seq)) for j in range(i + 1, len(seq)) if seq[i] > seq[j])
    return -1 if inversions % 2 else 1


def _groups(terms: list[VertexTerm]) -> dict[tuple, list[VertexTerm]]:
    groups: dict[tuple, list[VertexTerm]] = {}
    for term in terms:
        groups.setdefault(term.legs, []).append(term)
    return groups


def _contributions(mask, node_keys, groups, anti, kinds, legs, max_qcd):
    """All (X, qcd, contribution) that build a current of subset ``mask``."""
    fermions = [i for i, leg in enumerate(legs) if leg.kind in ("row", "col")]
    for species_legs, terms in groups.items():
        for open_pos, open_species in enumerate(species_legs):
            if species_legs.index(open_species) != open_pos:
                continue  # identical legs: the full Feynman rule is symmetric
            others = [i for i in range(len(species_legs)) if i != open_pos]
            for blocks in _partitions(mask, len(others)):
                seen = set()
                for perm in itertools.permutations(blocks):
                    key = tuple(sorted((species_legs[p], b) for p, b in zip(others, perm,
                                                                              strict=True)))
                    if key in seen:
                        continue
                    seen.add(key)
                    choices = [node_keys.get((b, species_legs[p]), [])
                               for p, b in zip(others, perm, strict=True)]
                    for combo in itertools.product(*choices):
                        qcd = sum(k[2] for k in combo) + terms[0].qcd
                        if qcd > max_qcd:
                            continue
                        children = dict(zip(others, combo, strict=True))
                        ordered = sorted(children.items(), key=lambda kv: (
                            {"row": 0, "col": 1}.get(kinds[kv[1][1]], 2), kv[0]))
                        seq = [i for _, k in ordered for i in _bits(k[0]) if i in fermions]
                        for term in terms:
                            yield (anti[open_species], qcd,
                                   Contribution(term, open_pos, children, _parity(seq)))


def build_plan(legs: list[Leg], terms: list[VertexTerm], species: dict[str, SpeciesInfo],
               anti: dict[str, str], orders: tuple[int, int] | None,
               t_channel_width: bool) -> Plan:
    """Build the recursion plan.

    orders : ``(max_qcd, max_qed)`` or None for MadGraph's default (lowest QED order).
    Raises ValueError if the process has no tree-level diagram within the orders.
    """
    kinds = {name: info.kind for name, info in species.items()}
    n = len(legs)
    max_qcd = n - 2 if orders is None else orders[0]
    groups = _groups(terms)
    nodes: dict[tuple, Node] = {}
    node_keys: dict[tuple, list[tuple]] = {}
    n_in = sum(leg.incoming for leg in legs)
    for i, leg in enumerate(legs[:-1]):
        key = (1 << i, leg.species, 0)
        node = Node(1 << i, leg.species, leg.kind, leg.mass, 0.0)
        node.basis = np.eye(leg.colour_dim, dtype=complex)[None]
        nodes[key] = node
        node_keys[(1 << i, leg.species)] = [key]
    full = (1 << (n - 1)) - 1
    final_species = anti[legs[-1].species]
    final_contribs: list[Contribution] = []
    masks = sorted(range(1, full + 1), key=lambda m: (bin(m).count("1"), m))
    for mask in masks:
        size = bin(mask).count("1")
        if size < 2:
            continue
        incoming_inside = sum(legs[i].incoming for i in _bits(mask))
        t_channel = n_in == 2 and incoming_inside == 1
        for x, qcd, contrib in _contributions(mask, node_keys, groups, anti, kinds, legs,
                                                 max_qcd):
            qed = size - 1 - qcd
            if orders is not None and qed > orders[1]:
                continue
            if mask == full:
                if x == final_species:
                    final_contribs.append(contrib)
                continue
            key = (mask, x, qcd)
            if key not in nodes:
                info = species[x]
                width = info.width if (t_channel_width or not t_channel) else 0.0
                nodes[key] = Node(mask, x, info.kind, info.mass, width)
                node_keys.setdefault((mask, x), []).append(key)
            nodes[key].contributions.append(contrib)
    if orders is None and final_contribs:
        qcd_of = [_qcd(c, nodes) for c in final_contribs]
        best = max(qcd_of)
        final_contribs = [c for c, q in zip(final_contribs, qcd_of, strict=True) if q == best]
    final_key = (full, final_species, -1)
    info = species[final_species]
    nodes[final_key] = Node(full, final_species, info.kind, info.mass, 0.0, final=True,
                            contributions=final_contribs)
    order = _reachable(nodes, final_key, masks)
    _mark_massless_lines(nodes, order, legs)
    dims = [leg.colour_dim for leg in legs]
    for key in order:
        _colour(nodes[key], nodes, dims, species)
    nodes = {k: nodes[k] for k in order}
    if not nodes[final_key].contributions or nodes[final_key].basis.shape[0] == 0:
        raise ValueError("no tree-level diagrams")
    matrix = colour_matrix(nodes[final_key].basis)
    for node in nodes.values():  # keep only the basis sizes: the tensors can be large
        node.n_colour = len(node.basis)
        node.basis = None
    return Plan(legs, nodes, order, final_key, matrix)


def _mark_massless_lines(nodes: dict, order: list[tuple], legs: list[Leg]) -> None:
    """Set ``end_axis`` of the spinor currents whose open line has locked helicity ends."""
    shared = {leg.hel_axis for i, leg in enumerate(legs) if leg.hel_axis != i}
    for key in order:
        node = nodes[key]
        if node.kind not in ("row", "col"):
            continue
        if not node.contributions:
            axis = legs[_bits(node.mask)[0]].hel_axis
            node.end_axis = axis if axis in shared else None
            continue
        c = node.contributions[0]
        child = c.children[1 if c.open_pos == 0 else 0]
        node.end_axis = nodes[child].end_axis


def _qcd(contrib: Contribution, nodes) -> int:
    return sum(k[2] for k in contrib.children.values()) + contrib.term.qcd


def _reachable(nodes, final_key, masks) -> list[tuple]:
    keep = set()
    stack = [final_key]
    while stack:
        key = stack.pop()
        if key in keep:
            continue
        keep.add(key)
        for c in nodes[key].contributions:
            stack.extend(c.children.values())
    rank = {m: i for i, m in enumerate(masks)}
    return sorted(keep, key=lambda k: (rank[k[0]], k[2] < 0))


def _colour(node: Node, nodes, dims, species) -> None:
    """Colour basis of ``node`` and the coefficients of each contribution in it."""
    if node.basis is not None:  # external leg
        return
    legs_s = _bits(node.mask)
    products = []
    for c in node.contributions:
        # contract the vertex tensor with one child basis at a time (plain loops, no BLAS)
        tensor, labels = c.term.colour, list(range(len(c.term.legs)))
        label = len(c.term.legs)
        out_k = []
        leg_label = {}
        for pos, key in c.children.items():
            child = nodes[key]
            sub = [label] + [label + 1 + j for j in range(len(_bits(child.mask)))] + [pos]
            for j, leg in enumerate(_bits(child.mask)):
                leg_label[leg] = label + 1 + j
            out_k.append(label)
            label += 2 + len(_bits(child.mask))
            merged = [x for x in labels if x != pos] + sub[:-1]
            tensor = np.einsum(tensor, labels, child.basis, sub, merged, optimize=False)
            labels = merged
        out = out_k + [leg_label[i] for i in legs_s] + [c.open_pos]
        tensor = np.einsum(tensor, labels, out)
        products.append(tensor.reshape(-1, tensor[(0,) * len(out_k)].size))
    if not products:
        node.basis = np.zeros((0, *(dims[i] for i in legs_s),
                               species[node.species].colour_dim))
        return
    priority = np.concatenate([np.full(len(prod), len(c.term.legs))
                               for c, prod in zip(node.contributions, products, strict=True)])
    basis, coef = independent_basis(np.concatenate(products), priority)
    shape = (*(dims[i] for i in legs_s), species[node.species].colour_dim)
    node.basis = basis.reshape((-1, *shape))
    start = 0
    for c, prod in zip(node.contributions, products, strict=True):
        stop = start + prod.shape[0]
        c.coef = [(k, p - start, c.sign * v) for k, p, v in coef if start <= p < stop]
        start = stop


def _vertex(c: Contribution, currents: dict, momenta: dict, p_node: np.ndarray,
            locked: tuple[int, ...], nodes: dict):
    """Kernel output of one contribution: ``(comp, r_1 * r_2 [* r_3], hel..., events)``.

    ``locked``: helicity axes shared by the two ends of a massless fermion line. Row and
    column currents keep the chirality of their external end (each vertex and massless
    propagator flips it), so where both carry such an axis only one chirality term is nonzero.
    """
    m = len(c.children)
    cur = {}
    for j, (pos, key) in enumerate(c.children.items()):  # positions in increasing order
        arr = currents[key]
        shape = arr.shape[:1] + (1,) * j + arr.shape[1:2] + (1,) * (m - 1 - j) + arr.shape[2:]
        cur[pos] = arr.reshape(shape)
    t, o, g = c.term, c.open_pos, c.term.coupling
    if t.kind in ("FFV", "FFS"):
        fns = {"FFV": (K.ffv_col, K.ffv_row, K.ffv_vector),
               "FFS": (K.ffs_col, K.ffs_row, K.ffs_scalar)}[t.kind]
        if t.kind == "FFV" and o < 2:
            end = nodes[c.children[1 - o]].end_axis
            split = None if end is None else 1 + m + end
            out = fns[o](cur[1 - o], cur[2], *g, split_axis=split)
        elif o == 0:
            out = fns[0](cur[1], cur[2], *g)
        elif o == 1:
            out = fns[1](cur[0], cur[2], *g)
        elif t.kind == "FFS":
            out = fns[2](cur[0], cur[1], *g)
        else:
            shared = [1 + m + ax for ax in locked  # array axis of the helicity of leg ax
                      if cur[0].shape[1 + m + ax] == 2 == cur[1].shape[1 + m + ax]]
            out = K.ffv_vector(cur[0], cur[1], *g, split_axis=shared[0] if shared else None)
    elif t.kind == "VVV":  # momenta flowing into the vertex
        a, b = (o + 1) % 3, (o + 2) % 3
        pa, pb = -momenta[c.children[a][0]], -momenta[c.children[b][0]]
        out = K.vvv(cur[a], cur[b], pa, pb, p_node, g[0])
    elif t.kind == "VVVV":
        out = K.vvvv([cur.get(i) for i in range(4)], o, g)
    elif t.kind == "VVS":
        out = K.vvs_scalar(cur[0], cur[1], g[0]) if o == 2 else K.vvs_vector(
            cur[1 - o], cur[2], g[0])
    elif t.kind == "VVSS":  # legs (V, V, S, S)
        if o < 2:
            out = K.vvs_vector(cur[1 - o], cur[2] * cur[3], g[0])
        else:
            out = K.vvs_scalar(cur[0], cur[1], g[0]) * cur[5 - o]
    else:  # SSS, SSSS
        out = g[0]
        for arr in cur.values():
            out = out * arr
    out = np.asarray(out)
    lead = math.prod(out.shape[1:1 + m])
    return out.reshape((*out.shape[:1], lead, *out.shape[1 + m:]))


def evaluate(plan: Plan, externals: list[np.ndarray], p_out: np.ndarray) -> np.ndarray:
    """Colour-basis amplitudes for one chunk of events.

    externals : per leg, the wavefunction ``(comp, n_hel, n)`` complex.
    p_out : float64 ``(n_legs, 4, n)`` outgoing-convention momenta.
    Returns complex ``(n_colour, hel_0, ..., hel_{k-1}, n)`` (a leg locked to a partner's
    helicity axis has size 1 on its own axis).
    """
    n_legs = len(plan.legs)
    locked = tuple(sorted({leg.hel_axis for i, leg in enumerate(plan.legs) if leg.hel_axis != i}))
    currents: dict[tuple, np.ndarray] = {}
    momenta: dict[int, np.ndarray] = {}
    for key in plan.order:
        node = plan.nodes[key]
        if node.mask not in momenta:
            momenta[node.mask] = sum(p_out[i] for i in _bits(node.mask))
        p_node = momenta[node.mask]
        if not node.contributions:  # external leg
            i = _bits(node.mask)[0]
            wf = externals[i]
            hel = (wf.shape[1] if j == plan.legs[i].hel_axis else 1 for j in range(n_legs))
            shape = (wf.shape[0], 1, *hel, *wf.shape[2:])
            currents[key] = wf.reshape(shape)
            continue
        if node.final:  # contract with the closing leg before summing colour structures
            wf = externals[-1]
            hel = (wf.shape[1] if j == plan.legs[-1].hel_axis else 1 for j in range(n_legs))
            closing = wf.reshape(wf.shape[0], 1, *hel, wf.shape[-1])
            return _combine(node, currents, momenta, p_node, locked, plan.nodes, closing)[0]
        out = _combine(node, currents, momenta, p_node, locked, plan.nodes)
        currents[key] = _propagate(node, out, p_node)
    raise RuntimeError("plan has no final node")


def _combine(node: Node, currents: dict, momenta: dict, p_node: np.ndarray,
             locked: tuple[int, ...], nodes: dict, closing: np.ndarray | None = None
             ) -> np.ndarray:
    """``sum_contributions sum_p coef[k, p] vertex_p`` -> ``(comp, r, hel..., events)``.

    With ``closing`` (the closing leg's wavefunction, ``(comp, 1, hel..., events)``), each
    vertex output is first contracted with it and ``comp`` becomes 1.
    """
    r = node.n_colour
    out = None
    written = [False] * r
    for c in node.contributions:
        lor = _vertex(c, currents, momenta, p_node, locked, nodes)
        if closing is not None:
            lor = (K.dot(lor, closing) if node.kind == "V" else K.spinor_product(lor, closing)
                   if node.kind in ("row", "col") else lor[0] * closing[0])[None]
        if len(node.contributions) == 1 and c.coef == [(0, 0, 1)] and r == 1:
            return lor
        if out is None:
            out = np.empty((lor.shape[0], r, *lor.shape[2:]), dtype=np.complex128)
        for k, p, v in c.coef:
            target = out[:, k]
            if not written[k]:
                np.multiply(lor[:, p], v, out=target)
                written[k] = True
            elif v == 1:
                target += lor[:, p]
            elif v == -1:
                target -= lor[:, p]
            else:
                target += v * lor[:, p]
    for k in range(r):
        if not written[k]:
            out[:, k] = 0
    return out


def _propagate(node: Node, o, p):
    if node.kind == "V":
        return K.prop_vector(o, p, node.mass, node.width)
    if node.kind == "S":
        return K.prop_scalar(o, p, node.mass, node.width)
    split = None if node.end_axis is None else 2 + node.end_axis
    if node.kind == "row":
        return K.prop_row(o, p, node.mass, node.width, split)
    return K.prop_col(o, -p, node.mass, node.width, split)
