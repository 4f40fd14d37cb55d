"""Truth partons: the decaying W / Z / H / top and its decay quarks, from the Pythia record.

Vectorised over a batch of events (awkward arrays from ``pythia.nextBatch``); no Python loop
over events or particles. In Pythia's event record a resonance appears in several copies
(recoil copies during the shower, status -44 ...); the decay products hang off its last copy,
so a decay parton is a quark whose ``mother1`` is the resonance:

- W / Z: the two quarks whose mother is the W / Z;
- H -> b b~: the two b quarks whose mother is the H;
- top -> b W, W -> q q': per top, the b whose mother is the top and the two quarks of the W
  whose first copy's mother is that top (JetClass's ``Top_bqq`` label needs all three).

This mirrors JetClass's ``FatJetMatching`` (``makeNtuples.C`` in
github.com/jet-universe/jetclass_generation), which uses the decay partons of the final
resonance copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import awkward as ak
import numpy as np

__all__ = ["Truth", "decay_partons"]

_QUARKS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Truth:
    """Resonances and their decay partons for the events where they were found.

    Attributes
    ----------
    ok : bool (n_events,)
        Events with the expected number of decay partons (others cannot be matched).
    resonance : float64 (n_ok, n_res, 4), GeV
        ``(E, px, py, pz)`` of each resonance's last copy (1 per event; 2 for t t~).
    resonance_pid : int64 (n_ok, n_res)
        Signed PDG id of each resonance.
    partons : float64 (n_ok, n_res, n_partons, 4), GeV
        The decay partons of each resonance (2 for W/Z/H, 3 for top).
    """

    ok: np.ndarray
    resonance: np.ndarray
    resonance_pid: np.ndarray
    partons: np.ndarray


def _first_copy(index: ak.Array, ids: ak.Array, mother: ak.Array) -> ak.Array:
    """Follow ``mother1`` while the mother has the same id: the first copy of each particle."""
    while True:
        m = mother[index]
        step = (m > 0) & (ids[m] == ids[index])
        if not ak.any(step):
            return index
        index = ak.where(step, m, index)


def _p4(prt: ak.Array, index: ak.Array, shape: tuple[int, ...]) -> np.ndarray:
    p = prt.p[index]
    cols = [ak.to_numpy(ak.flatten(getattr(p, c))) for c in ("e", "px", "py", "pz")]
    return np.stack(cols, axis=-1).reshape(*shape, 4)


def decay_partons(batch: ak.Array, resonance: int) -> Truth:
    """Find the resonance ``resonance`` (|PDG id| 6, 23, 24 or 25) and its decay partons.

    Parameters
    ----------
    batch : awkward.Array
        Events from ``pythia.nextBatch`` (field ``prt`` with ``id``, ``mother1``, ``p``).
    resonance : int
        |PDG id| of the decaying particle.
    """
    prt = batch.prt
    ids = prt.id
    mother = prt.mother1
    aid = abs(ids)
    maid = abs(ids[mother])
    is_quark = (aid >= 1) & (aid <= 5)
    if resonance == 6:
        b_from_top = (aid == 5) & (maid == 6)
        q_from_w = is_quark & (maid == 24)
        selected = ak.local_index(ids)[b_from_top | q_from_w]
        parent = mother[selected]
        w_first = _first_copy(parent, ids, mother)
        group = ak.where(abs(ids[parent]) == 24, mother[w_first], parent)
        n_res, n_partons = 2, 3
    else:
        wanted = (aid == 5) if resonance == 25 else is_quark
        selected = ak.local_index(ids)[wanted & (maid == resonance)]
        group = mother[selected]
        n_res, n_partons = 1, 2
    ok = ak.to_numpy(ak.num(selected) == n_res * n_partons)
    order = ak.argsort(group[ok], axis=1, stable=True)
    groups = ak.to_numpy(ak.to_regular(group[ok][order], axis=1)).reshape(-1, n_res, n_partons)
    assigned = (groups == groups[:, :, :1]).all(axis=(1, 2))  # each resonance gets n_partons
    ok[ok] = assigned
    order = ak.argsort(group[ok], axis=1, stable=True)
    selected, group = selected[ok][order], group[ok][order]
    prt_ok = prt[ok]
    n_ok = int(ok.sum())
    res_index = group[:, ::n_partons]
    res_pid = ak.to_numpy(ak.flatten(prt_ok.id[res_index])).astype(np.int64).reshape(n_ok, n_res)
    return Truth(ok=ok,
                 resonance=_p4(prt_ok, res_index, (n_ok, n_res)),
                 resonance_pid=res_pid,
                 partons=_p4(prt_ok, selected, (n_ok, n_res, n_partons)))
