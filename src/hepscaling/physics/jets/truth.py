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


def _first_copy(index: np.ndarray, ids: np.ndarray, mother: np.ndarray) -> np.ndarray:
    """Follow the mother while it has the same id: the first copy of each particle.

    ``index`` and ``mother`` are positions in the flattened batch (``mother`` < 0: none).
    """
    while True:
        m = mother[index]
        step = (m >= 0) & (ids[np.maximum(m, 0)] == ids[index])
        if not step.any():
            return index
        index = np.where(step, m, index)


def decay_partons(batch: ak.Array, resonance: int) -> Truth:
    """Find the resonance ``resonance`` (|PDG id| 6, 23, 24 or 25) and its decay partons.

    Works on the flattened record (one numpy array per field, indices shifted by each event's
    offset), so the cost is a few array passes whatever the batch size.

    Parameters
    ----------
    batch : awkward.Array
        Events from ``pythia.nextBatch`` (field ``prt`` with ``id``, ``mother1``, ``p``).
    resonance : int
        |PDG id| of the decaying particle.
    """
    prt = batch.prt
    counts = ak.to_numpy(ak.num(prt.id))
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    event = np.repeat(np.arange(len(counts)), counts)
    ids = ak.to_numpy(ak.flatten(prt.id)).astype(np.int64)
    local_mother = ak.to_numpy(ak.flatten(prt.mother1)).astype(np.int64)
    mother = np.where(local_mother > 0, local_mother + offsets[event], -1)  # 0: the system
    aid = np.abs(ids)
    maid = np.where(mother >= 0, aid[np.maximum(mother, 0)], 0)
    is_quark = (aid >= 1) & (aid <= 5)
    if resonance == 6:
        selected = np.flatnonzero(((aid == 5) & (maid == 6)) | (is_quark & (maid == 24)))
        parent = mother[selected]
        w_first = _first_copy(parent, ids, mother)
        group = np.where(aid[parent] == 24, mother[w_first], parent)
        n_res, n_partons = 2, 3
    else:
        wanted = (aid == 5) if resonance == 25 else is_quark
        selected = np.flatnonzero(wanted & (maid == resonance))
        group = mother[selected]
        n_res, n_partons = 1, 2
    # groups are global positions, so sorting by group also sorts by event
    order = np.argsort(group, kind="stable")
    selected, group = selected[order], group[order]
    per_event = np.bincount(event[selected], minlength=len(counts))
    ok = per_event == n_res * n_partons
    keep = ok[event[selected]]
    selected, group = selected[keep], group[keep]
    groups = group.reshape(-1, n_res, n_partons)
    assigned = (groups == groups[:, :, :1]).all(axis=(1, 2))  # n_partons per resonance
    ok[np.flatnonzero(ok)[~assigned]] = False
    selected = selected.reshape(-1, n_res * n_partons)[assigned].ravel()
    res_index = groups[assigned][:, :, 0]
    p4 = np.stack([ak.to_numpy(ak.flatten(getattr(prt.p, c))) for c in ("e", "px", "py", "pz")],
                  axis=-1)
    n_ok = int(ok.sum())
    return Truth(ok=ok, resonance=p4[res_index], resonance_pid=ids[res_index],
                 partons=p4[selected].reshape(n_ok, n_res, n_partons, 4))
