"""Soft-drop mass from a FastJet Cambridge/Aachen clustering, declustered in numpy.

fastjet-contrib's ``SoftDrop`` (through the ``fastjet`` package's
``exclusive_jets_softdrop_grooming``) copies the groomed jet's constituent list once per
constituent, so its cost grows with the square of the jet's size. This module reads the same
clustering tree once per jet (``ClusterSequence.unique_history_order`` and ``.jets``, both
linear) and follows the primary declustering chain for all jets at once, with the same
floating-point operations as ``RecursiveSymmetryCutBase``, so the soft-drop mass is bit for bit
the one of fastjet-contrib:

- start from the jet (the single C/A jet of the event), split it into its two parents,
  ``piece1`` being the one with the larger ``pt^2 = px^2 + py^2`` (the lower history index on
  a tie, as ``ClusterSequence::has_parents`` orders them);
- ``z = min(pt1, pt2) / (pt1 + pt2)`` (``scalar_z``); stop if ``z > z_cut * (Delta R /
  R0)^beta``, which is ``z > z_cut`` for ``beta = 0``, the only case implemented here;
- otherwise continue with ``piece1``; a single particle ends the recursion (grooming mode);
- ``m = sqrt(m^2)`` (``-sqrt(-m^2)`` if negative) with ``m^2 = (E + pz)(E - pz) - pt^2``.

``unique_history_order`` lists each jet's clustering history in post-order (both parents, as
whole subtrees, before their child; the beam recombination last), which is enough to rebuild
the tree: after a stack walk a merging step's second parent is the entry just before it and
its first parent the last earlier entry at the same stack depth.
"""

from __future__ import annotations

import awkward as ak
import numpy as np

__all__ = ["softdrop_mass"]


def _tree(history: ak.Array, n_nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parents of every node of every jet's clustering tree, as flat node numbers.

    Parameters
    ----------
    history : awkward.Array (n_jets, var) int
        ``unique_history_order`` of each jet's clustering.
    n_nodes : int64 (n_jets,)
        Number of pseudojets of each clustering (``2 n_particles - 1``).

    Returns
    -------
    parents : int64 (n_total_nodes, 2)
        The two parents of each node (-1 for a particle), in flat numbering (node ``h`` of
        jet ``j`` is ``start[j] + h``).
    start : int64 (n_jets,)
        Flat number of each jet's first node.
    root : int64 (n_jets,)
        Flat number of each jet's final jet.
    """
    n_hist = ak.to_numpy(ak.num(history)).astype(np.int64)
    if np.any(n_hist != n_nodes + 1):
        raise RuntimeError("clustering history is not one jet per event plus its beam step")
    order = ak.to_numpy(ak.flatten(history)).astype(np.int64)
    jet = np.repeat(np.arange(n_nodes.size), n_hist)
    step = order < n_nodes[jet]  # drop the final recombination with the beam
    order, jet = order[step], jet[step]
    start = np.cumsum(n_nodes) - n_nodes
    node = order + start[jet]
    leaf = order < (n_nodes[jet] + 1) // 2
    depth = np.cumsum(np.where(leaf, 1, -1)) - jet  # stack depth after each entry, per jet
    grouped = np.argsort(jet * (int(n_nodes.max()) + 1) + depth, kind="stable")
    previous = np.empty_like(grouped)
    previous[grouped[1:]] = grouped[:-1]  # last earlier entry of the same jet and depth
    merge = np.flatnonzero(~leaf)
    parents = np.full((node.size, 2), -1, dtype=np.int64)
    parents[node[merge]] = np.stack([node[previous[merge]], node[merge - 1]], axis=1)
    parents.sort(axis=1)  # history order: parent1 has the lower index
    return parents, start, start + n_nodes - 1


def softdrop_mass(sequence, z_cut: float) -> np.ndarray:
    """Soft-drop mass (beta = 0, ``scalar_z``, larger-pT recursion, grooming mode).

    Parameters
    ----------
    sequence : fastjet.ClusterSequence
        A multi-event Cambridge/Aachen clustering with ``R = max_allowable_R``, one jet's
        constituents per event (so each event ends in a single jet).
    z_cut : float
        Symmetry cut.

    Returns
    -------
    float64 (n_jets,), GeV
        The groomed jet's mass, equal to fastjet-contrib's ``SoftDrop(0, z_cut)`` result.
    """
    pseudojets = sequence.jets()
    n_nodes = ak.to_numpy(ak.num(pseudojets)).astype(np.int64)
    if n_nodes.size == 0:
        return np.zeros(0)
    parents, _, node = _tree(sequence.unique_history_order(), n_nodes)
    px, py, pz, e = (ak.to_numpy(ak.flatten(pseudojets[c])) for c in ("px", "py", "pz", "E"))
    pt2 = px * px + py * py
    pt = np.sqrt(pt2)
    first, second = parents[:, 0], parents[:, 1]
    swap = pt2[first] < pt2[second]
    harder = np.where(swap, second, first)
    pt_sum = pt[first] + pt[second]
    with np.errstate(invalid="ignore", divide="ignore"):
        tagged = np.minimum(pt[first], pt[second]) / pt_sum > z_cut
    stop = (first < 0) | tagged  # a particle, or a splitting that passes the cut
    broken = (first >= 0) & ((pt2 <= 0) | (pt_sum == 0))  # contrib returns an empty jet
    active = np.flatnonzero(~stop[node] & ~broken[node])
    while active.size:
        node[active] = harder[node[active]]
        active = active[~stop[node[active]] & ~broken[node[active]]]
    m2 = (e[node] + pz[node]) * (e[node] - pz[node]) - pt2[node]
    mass = np.where(m2 < 0, -np.sqrt(np.abs(m2)), np.sqrt(np.abs(m2)))
    return np.where(broken[node], np.nan, mass)
